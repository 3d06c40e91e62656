/** The training step and the batch evaluation, checked against plain tfjs on the tiny model (which has dropout). */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/backend";
import { AdamOptimizer, evaluateBatch, trainingStep } from "../../src/training";
import { CurveAccumulator } from "../../src/training/curve";
import { TinyBatches, tinyModel } from "./fixtures";
import type { ChapterModel } from "../../src/models";

const learningRate = 0.01;

/** Plain tfjs: cost and accuracy of the model without dropout, and the cost's gradient for every variable. */
function plainReference(model: ChapterModel, xs: tf.Tensor4D, ys: tf.Tensor2D): { cost: number; accuracy: number; gradients: Float32Array[] } {
  return tf.tidy(() => {
    const values = model.readVariables();
    const cost = (...v: tf.Tensor[]) => tf.losses.softmaxCrossEntropy(ys, model.logitsWithValues(v, xs, 1)) as tf.Scalar;
    const logits = model.logitsWithValues(values, xs, 1);
    const correct = tf.equal(tf.argMax(logits, 1), tf.argMax(ys, 1));
    return {
      cost: cost(...values).dataSync()[0],
      accuracy: tf.mean(tf.cast(correct, "float32")).dataSync()[0],
      gradients: tf.grads(cost)(values).map((gradient) => gradient.dataSync() as Float32Array),
    };
  });
}

function flatValues(model: ChapterModel): Float32Array[] {
  return tf.tidy(() => model.readVariables().map((value) => value.dataSync() as Float32Array));
}

/** One trainingStep from a fresh tiny model: what the curve recorded, and how much each weight moved. */
function oneStep(keepProb: number): { point: { cost: number; accuracy: number }; moved: Float32Array[]; reference: ReturnType<typeof plainReference> } {
  const model = tinyModel(11);
  const optimizer = new AdamOptimizer(model.variables, { learningRate });
  const curve = new CurveAccumulator();
  const batch = new TinyBatches(16).nextBatch();
  const reference = plainReference(model, batch.xs, batch.ys);
  const before = flatValues(model);
  trainingStep(model, optimizer, batch, keepProb, curve);
  const after = flatValues(model);
  const point = curve.takePoint(1);
  tf.dispose([batch.xs, batch.ys]);
  curve.dispose();
  optimizer.dispose();
  model.dispose();
  return { point, reference, moved: after.map((values, i) => values.map((value, j) => value - before[i][j])) };
}

test("trainingStep at keep probability 1: the curve gets plain tfjs's cost and accuracy, each weight moves by Adam's first step", () => {
  const { point, moved, reference } = oneStep(1);
  assert.ok(Math.abs(point.cost - reference.cost) < 1e-5, `${point.cost} vs ${reference.cost}`);
  assert.ok(Math.abs(point.accuracy - reference.accuracy) < 1e-6);
  // Adam's first update (m = (1−β1)g, v = (1−β2)g²) is −lr · g / (|g| + ε/√(1−β2)).
  const epsilonTerm = 1e-8 / Math.sqrt(1 - 0.999);
  moved.forEach((deltas, i) =>
    deltas.forEach((delta, j) => {
      const g = reference.gradients[i][j];
      const expected = (-learningRate * g) / (Math.abs(g) + epsilonTerm);
      assert.ok(Math.abs(delta - expected) < 1e-4 * learningRate, `variable ${i}[${j}]: moved ${delta}, expected ${expected}`);
    }),
  );
});

test("trainingStep at keep probability 0.5 trains the network with dropout: another cost, other weight updates", () => {
  const { point, moved, reference } = oneStep(0.5);
  assert.ok(Math.abs(point.cost - reference.cost) > 1e-3, `cost with dropout ${point.cost} equals the cost without, ${reference.cost}`);
  const epsilonTerm = 1e-8 / Math.sqrt(1 - 0.999);
  const deltas = moved.flatMap((values) => Array.from(values));
  const withoutDropout = reference.gradients.flatMap((values) => Array.from(values)).map((g) => (-learningRate * g) / (Math.abs(g) + epsilonTerm));
  const differing = deltas.filter((delta, k) => Math.abs(delta - withoutDropout[k]) > 1e-3).length;
  assert.ok(differing > deltas.length / 10, `only ${differing} of ${deltas.length} updates differ from training without dropout`);
});

test("evaluateBatch measures without dropout: plain tfjs's cost and accuracy at keep probability 1, the same every call", () => {
  const model = tinyModel(12);
  const batch = new TinyBatches(32).nextBatch();
  const reference = plainReference(model, batch.xs, batch.ys);
  const first = evaluateBatch(model, batch.xs, batch.ys);
  const second = evaluateBatch(model, batch.xs, batch.ys);
  assert.ok(Math.abs(first.cost - reference.cost) < 1e-5, `${first.cost} vs ${reference.cost}`);
  assert.ok(Math.abs(first.accuracy - reference.accuracy) < 1e-6);
  assert.equal(second, first);
  tf.dispose([batch.xs, batch.ys]);
  model.dispose();
});

test.run();
