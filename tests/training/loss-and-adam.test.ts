import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/native/backend";
import { ModelVariable } from "../../src/layers";
import { liveNativeHandles } from "../../src/native/ops";
import { accuracy, AdamOptimizer, crossEntropyCost } from "../../src/training";

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-5): void {
  assert.is(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance * Math.max(1, Math.abs(expected[i])), `[${i}] ${actual[i]} vs ${expected[i]}`);
  }
}

test("crossEntropyCost and its gradient equal tfjs's softmax cross-entropy (mean over the batch)", () => {
  tf.tidy(() => {
    const logits = tf.tensor2d([
      [2, -1, 0.5],
      [0, 0, 3],
      [-2, 4, 1],
    ]) as tf.Tensor2D;
    const labels = tf.tensor2d([
      [1, 0, 0],
      [0, 1, 0],
      [0, 1, 0],
    ]) as tf.Tensor2D;
    const reference = (l: tf.Tensor) => tf.losses.softmaxCrossEntropy(labels, l) as tf.Scalar;
    close(crossEntropyCost(logits, labels).dataSync(), reference(logits).dataSync());
    const ours = tf.grad((l: tf.Tensor) => crossEntropyCost(l as tf.Tensor2D, labels))(logits);
    close(ours.dataSync(), tf.grad(reference)(logits).dataSync());
  });
});

test("accuracy is the fraction of rows whose largest logit is the labelled class", () => {
  tf.tidy(() => {
    const logits = tf.tensor2d([
      [2, 1],
      [0, 3],
      [5, 4],
      [1, 2],
    ]) as tf.Tensor2D;
    const labels = tf.tensor2d([
      [1, 0],
      [0, 1],
      [0, 1],
      [0, 1],
    ]) as tf.Tensor2D;
    close(accuracy(logits, labels).dataSync(), [0.75]);
  });
});

/**
 * Adam in float64, as TensorFlow's ResourceApplyAdam defines it:
 * m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g², x ← x − lr·√(1−β2^t)/(1−β1^t) · m / (√v + ε).
 */
function adamReference(start: number[], gradients: number[][], learningRate: number, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8): number[] {
  const x = [...start];
  const m = start.map(() => 0);
  const v = start.map(() => 0);
  gradients.forEach((g, step) => {
    const t = step + 1;
    const stepSize = (learningRate * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
    for (let i = 0; i < x.length; i++) {
      m[i] = beta1 * m[i] + (1 - beta1) * g[i];
      v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
      x[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) + epsilon);
    }
  });
  return x;
}

/** Runs AdamOptimizer (default β1, β2, ε) on one variable and returns its final value. */
function adamResult(start: number[], gradients: number[][], learningRate: number): { values: ArrayLike<number>; optimizer: AdamOptimizer; variable: ModelVariable } {
  const initial = tf.tensor1d(start);
  const variable = new ModelVariable("w", initial);
  initial.dispose();
  const optimizer = new AdamOptimizer([variable], { learningRate });
  for (const g of gradients) {
    const gradient = tf.tensor1d(g);
    optimizer.applyGradients([gradient]);
    gradient.dispose();
  }
  const value = variable.read();
  const values = value.dataSync();
  value.dispose();
  return { values, optimizer, variable };
}

test("AdamOptimizer follows TensorFlow's Adam update for three steps", () => {
  const learningRate = 0.1;
  const start = [1, -2, 0.5];
  const gradients = [
    [0.3, -0.1, 2],
    [-0.5, 0.2, 1],
    [0.1, 0.1, -3],
  ];
  const { values, optimizer, variable } = adamResult(start, gradients, learningRate);
  close(values, adamReference(start, gradients, learningRate));

  const wrongCount = tf.tensor1d([1, 2, 3]);
  assert.throws(() => optimizer.applyGradients([wrongCount, wrongCount]), /expected 1 gradients, got 2/);
  wrongCount.dispose();
  optimizer.dispose();
  variable.dispose();
});

test("AdamOptimizer's epsilon is TensorFlow's 1e-8: gradients of 1e-9 to 1e-6, where epsilon shapes the step", () => {
  // √v is about 0.03·|g|, so with |g| ≈ 1e-7 the denominator √v + ε is mostly ε.
  const start = [0, 0, 0, 0];
  const gradients = [
    [1e-7, -3e-8, 1e-9, 2e-6],
    [2e-7, -1e-8, -1e-9, 1e-6],
    [5e-8, -2e-8, 3e-9, -1e-6],
  ];
  const { values, optimizer, variable } = adamResult(start, gradients, 0.1);
  close(values, adamReference(start, gradients, 0.1), 1e-4);
  // The same check is sensitive to ε: with 1e-7 the reference moves far from these values.
  const otherEpsilon = adamReference(start, gradients, 0.1, 0.9, 0.999, 1e-7);
  assert.ok(Math.abs(values[0] - otherEpsilon[0]) > 0.01, `${values[0]} vs ${otherEpsilon[0]}`);
  optimizer.dispose();
  variable.dispose();
});

test("AdamOptimizer releases the slots it made when building a later one fails", () => {
  const before = liveNativeHandles();
  const initial = tf.tensor1d([1, 2]);
  const good = new ModelVariable("good", initial);
  initial.dispose();
  // A shape no tensor can have: the second variable's slots cannot be made.
  const impossible = { name: "impossible", shape: [-1] } as unknown as ModelVariable;
  assert.throws(() => new AdamOptimizer([good, impossible], { learningRate: 0.1 }));
  good.dispose();
  assert.is(liveNativeHandles(), before);
});

test("AdamOptimizer rejects a non-positive learning rate", () => {
  assert.throws(() => new AdamOptimizer([], { learningRate: 0 }), /learning rate must be positive and finite, got 0/);
});

test("AdamOptimizer rejects a learning rate of NaN or Infinity", () => {
  assert.throws(() => new AdamOptimizer([], { learningRate: NaN }), /Adam: the learning rate must be positive and finite, got NaN/);
  assert.throws(() => new AdamOptimizer([], { learningRate: Infinity }), /Adam: the learning rate must be positive and finite, got Infinity/);
});

test("AdamOptimizer rejects beta1 and beta2 outside [0, 1), naming which and the value", () => {
  for (const beta of [1, 1.1, -0.5, NaN, Infinity]) {
    assert.throws(() => new AdamOptimizer([], { learningRate: 0.1, beta1: beta }), (error: Error) => error.message === `Adam: beta1 must be from 0 up to (not including) 1, got ${beta}.`, `beta1 ${beta}`);
    assert.throws(() => new AdamOptimizer([], { learningRate: 0.1, beta2: beta }), (error: Error) => error.message === `Adam: beta2 must be from 0 up to (not including) 1, got ${beta}.`, `beta2 ${beta}`);
  }
  new AdamOptimizer([], { learningRate: 0.1, beta1: 0, beta2: 0 }).dispose();
});

test("AdamOptimizer rejects an epsilon that is not positive and finite, before making any slot", () => {
  const before = liveNativeHandles();
  const initial = tf.tensor1d([1, 2]);
  const variable = new ModelVariable("w", initial);
  initial.dispose();
  const handles = liveNativeHandles();
  for (const epsilon of [0, -1e-8, NaN, Infinity]) {
    assert.throws(() => new AdamOptimizer([variable], { learningRate: 0.1, epsilon }), (error: Error) => error.message === `Adam: epsilon must be positive and finite, got ${epsilon}.`, `epsilon ${epsilon}`);
  }
  assert.is(liveNativeHandles(), handles);
  variable.dispose();
  assert.is(liveNativeHandles(), before);
});

test.run();
