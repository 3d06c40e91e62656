/**
 * The compiled training step, traced from the chapter's own forward code,
 * against the eager step: the same loss, batch accuracy and gradients from the
 * same weights, batch and dropout seeds, and the same weights after a few Adam
 * steps; no leaks; one line and the eager step where it cannot be built.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/backend";
import { hasCompiledFunction } from "../../src/compiled/graph";
import { CompiledTrainingStep } from "../../src/compiled/training-step";
import { fullLayer } from "../../src/layers";
import type { ModelVariable } from "../../src/layers/variables";
import { ChapterModel, type ModelDefinition } from "../../src/models";
import { createModel, modelKeys } from "../../src/models/registry";
import { asNodeKernelBackend } from "../../src/native/binding";
import { hasBfloat16Compute } from "../../src/native/cpu";
import { liveNativeHandles } from "../../src/native/ops";
import { AdamOptimizer, accuracy, crossEntropyCost, trainingStep, TrainingStepper, type Batch } from "../../src/training";
import { CurveAccumulator } from "../../src/training/curve";
import { lineCollector, TinyBatches, tinyModel } from "../training/fixtures";

const BATCH = 4;
const KEEP_PROB = 0.5;

function randomBatch(model: ChapterModel, size = BATCH, seed = 3): Batch {
  const { inputShape, numClasses } = model.definition;
  return tf.tidy(() => ({
    xs: tf.randomUniform([size, ...inputShape], 0, 1, "float32", seed) as tf.Tensor4D,
    ys: tf.oneHot(tf.randomUniform([size], 0, numClasses, "int32", seed + 1) as tf.Tensor1D, numClasses).toFloat() as tf.Tensor2D,
  }));
}

/** The eager step's loss, batch accuracy and gradients (as trainingStep computes them), drawing dropout seeds from the model's stream. */
function eagerLossAndGradients(model: ChapterModel, batch: Batch, keepProb: number) {
  return tf.tidy(() => {
    let batchAccuracy: tf.Scalar | undefined;
    const { value, grads } = tf.valueAndGrads((...values: tf.Tensor[]) => {
      const logits = model.logitsWithValues(values, batch.xs, keepProb);
      batchAccuracy = tf.keep(accuracy(logits, batch.ys));
      return crossEntropyCost(logits, batch.ys);
    })(model.readVariables());
    return { loss: value as tf.Scalar, accuracy: batchAccuracy!, gradients: grads };
  });
}

function valuesOf(variable: ModelVariable): number[] {
  const value = variable.read();
  try {
    return Array.from(value.dataSync());
  } finally {
    value.dispose();
  }
}

function relativeDifference(actual: tf.Tensor, expected: tf.Tensor): number {
  return tf.tidy(() => tf.norm(tf.sub(actual, expected)).dataSync()[0] / tf.norm(expected).dataSync()[0]);
}

/** Handles the binding holds (tensors and variables alike), which tf.memory() does not all see. */
function bindingTensorCount(): number {
  return (asNodeKernelBackend(tf.backend()).binding as unknown as { getNumOfTensors(): number }).getNumOfTensors();
}

for (const key of modelKeys) {
  test(`${key}: the compiled step's loss, accuracy and gradients equal the eager step's (1e-5 relative), same dropout seeds`, () => {
    const model = createModel(key, { seed: 5 });
    const optimizer = new AdamOptimizer(model.variables, { learningRate: 1e-3 });
    const batch = randomBatch(model);
    const step = CompiledTrainingStep.build(model, batch, KEEP_PROB, { returnGradients: true });
    try {
      const eager = model.seeds.withoutAdvancing(() => eagerLossAndGradients(model, batch, KEEP_PROB));
      const compiled = step.run(optimizer, batch);
      assert.ok(step.dropoutSeeds > 0, "the model's dropout draws its masks from step inputs");
      const lossDifference = relativeDifference(compiled.loss, eager.loss);
      assert.ok(lossDifference < 1e-5, `loss differs by ${lossDifference} (relative)`);
      assert.is(compiled.accuracy.dataSync()[0], eager.accuracy.dataSync()[0], "batch accuracy");
      assert.is(compiled.gradients.length, model.variables.length);
      compiled.gradients.forEach((gradient, i) => {
        const difference = relativeDifference(gradient, eager.gradients[i]);
        assert.ok(difference < 1e-5, `${model.variables[i].name}'s gradient differs by ${difference} (relative)`);
      });
      tf.dispose([eager.loss, eager.accuracy, ...eager.gradients, compiled.loss, compiled.accuracy, ...compiled.gradients]);
    } finally {
      step.dispose();
      tf.dispose([batch.xs, batch.ys]);
      optimizer.dispose();
      model.dispose();
    }
  });
}

/**
 * Adam moves a weight by lr·m/(√v + ε): by exactly ±lr at the first step,
 * whatever the gradient's size, and by about lr later. A gradient element
 * that differs by a relative δ between the two computations changes the
 * update by about δ·lr; gradients agree norm-wise to 1e-5 (above), so the
 * elements at least 1e-3 of their variable's largest gradient differ by at
 * most ~1e-2 relative: 1e-2·lr per step, plus float32 rounding of the weight
 * (an ulp, ~6e-8 below 1). Smaller elements are within rounding noise of
 * zero, and their sign may flip: such a weight may move the other way, up to
 * 2·lr per step.
 */
const STEPS = 3;
const LEARNING_RATE = 1e-3;
for (const key of modelKeys) {
  test(`${key}: after ${STEPS} steps the compiled step's weights agree with the eager step's`, () => {
    const eagerModel = createModel(key, { seed: 9 });
    const compiledModel = createModel(key, { seed: 9 });
    const eagerOptimizer = new AdamOptimizer(eagerModel.variables, { learningRate: LEARNING_RATE });
    const compiledOptimizer = new AdamOptimizer(compiledModel.variables, { learningRate: LEARNING_RATE });
    const batch = randomBatch(eagerModel);
    const step = CompiledTrainingStep.build(compiledModel, batch, KEEP_PROB);
    let smallGradient = eagerModel.variables.map((variable) => tf.zeros(variable.shape as number[], "bool"));
    try {
      for (let t = 0; t < STEPS; t++) {
        const eager = eagerLossAndGradients(eagerModel, batch, KEEP_PROB);
        const previous = smallGradient;
        smallGradient = tf.tidy(() =>
          eager.gradients.map((g, i) => tf.logicalOr(previous[i], tf.less(tf.abs(g), tf.mul(tf.max(tf.abs(g)), 1e-3)))),
        );
        tf.dispose(previous);
        eagerOptimizer.applyGradients(eager.gradients);
        tf.dispose([eager.loss, eager.accuracy, ...eager.gradients]);
        const compiled = step.run(compiledOptimizer, batch);
        tf.dispose([compiled.loss, compiled.accuracy]);
      }
      compiledModel.variables.forEach((variable, i) => {
        const [withinBound, largest] = tf.tidy(() => {
          const difference = tf.abs(tf.sub(variable.read(), eagerModel.variables[i].read()));
          const bound = tf.where(smallGradient[i], tf.scalar(2 * LEARNING_RATE * STEPS), tf.scalar(1e-2 * LEARNING_RATE * STEPS + 1e-7));
          return [tf.all(tf.lessEqual(difference, bound)).dataSync()[0], tf.max(difference).dataSync()[0]];
        });
        assert.ok(withinBound === 1, `${variable.name} differs from the eager step's by up to ${largest}`);
      });
    } finally {
      tf.dispose(smallGradient);
      step.dispose();
      tf.dispose([batch.xs, batch.ys]);
      [eagerOptimizer, compiledOptimizer, eagerModel, compiledModel].forEach((owner) => owner.dispose());
    }
  });
}

/** The cosine of the angle between two tensors' directions. */
function cosine(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.sum(tf.mul(a, b)).dataSync()[0] / (tf.norm(a).dataSync()[0] * tf.norm(b).dataSync()[0]));
}

test("cifar-3conv, bfloat16 convolutions: loss within 1e-2 and gradient directions within cosine 0.97 of float32's, yet not float32's; the stepper runs it or refuses it", () => {
  const model = createModel("cifar-3conv", { seed: 5 });
  const optimizer = new AdamOptimizer(model.variables, { learningRate: 1e-3 });
  const batch = randomBatch(model, 8);
  try {
    if (!hasBfloat16Compute()) {
      assert.throws(() => new TrainingStepper(model, optimizer, "compiled-bfloat16"), /needs a CPU with avx512_bf16/);
      console.log("  (this CPU has no bfloat16 compute: only the refusal is checked)");
      return;
    }
    const float32Step = CompiledTrainingStep.build(model, batch, KEEP_PROB, { returnGradients: true });
    const bfloat16Step = CompiledTrainingStep.build(model, batch, KEEP_PROB, { returnGradients: true, convolutionPrecision: "bfloat16" });
    const seeds = Array.from({ length: float32Step.dropoutSeeds }, (_, i): [number, number] => [i + 1, 7]);
    try {
      // Each run updates the weights: both steps start from the same weights on a fresh optimizer's first step.
      const before = model.readVariables();
      const expected = float32Step.run(optimizer, batch, seeds);
      model.variables.forEach((variable, i) => variable.assign(before[i]));
      const freshOptimizer = new AdamOptimizer(model.variables, { learningRate: 1e-3 });
      const actual = bfloat16Step.run(freshOptimizer, batch, seeds);
      freshOptimizer.dispose();
      tf.dispose(before);
      const lossDifference = relativeDifference(actual.loss, expected.loss);
      assert.ok(lossDifference < 1e-2, `loss differs by ${lossDifference} (relative)`);
      // bfloat16 keeps 8 significant bits (0.4% rounding per value): a gradient's direction moves by about 1%.
      actual.gradients.forEach((gradient, i) => {
        const similarity = cosine(gradient, expected.gradients[i]);
        assert.ok(similarity > 0.97, `${model.variables[i].name}'s gradient is at cosine ${similarity} to float32's`);
      });
      const largest = Math.max(...actual.gradients.map((gradient, i) => relativeDifference(gradient, expected.gradients[i])));
      assert.ok(largest > 1e-4, `the convolutions ran in bfloat16 (float32 agrees to 1e-5; largest difference ${largest})`);
      tf.dispose([actual.loss, actual.accuracy, ...actual.gradients, expected.loss, expected.accuracy, ...expected.gradients]);
    } finally {
      [float32Step, bfloat16Step].forEach((step) => step.dispose());
    }
    const stepper = new TrainingStepper(model, optimizer, "compiled-bfloat16");
    const weightsBefore = valuesOf(model.variables[0]);
    stepper.step(batch, KEEP_PROB);
    assert.not.equal(valuesOf(model.variables[0]), weightsBefore, "the bfloat16 stepper trains");
    stepper.dispose();
  } finally {
    tf.dispose([batch.xs, batch.ys]);
    optimizer.dispose();
    model.dispose();
  }
});

test("a seeded compiled run reproduces itself; other dropout seeds train differently", () => {
  const weightsAfterSteps = (seed: number) => {
    const model = tinyModel(seed);
    const optimizer = new AdamOptimizer(model.variables, { learningRate: 0.01 });
    const stepper = new TrainingStepper(model, optimizer);
    const batches = new TinyBatches();
    for (let i = 0; i < 5; i++) {
      const batch = batches.nextBatch();
      stepper.step(batch, 0.5);
      tf.dispose([batch.xs, batch.ys]);
    }
    const values = model.variables.map(valuesOf);
    [stepper, optimizer, model].forEach((owner) => owner.dispose());
    return values;
  };
  assert.equal(weightsAfterSteps(4), weightsAfterSteps(4));
  assert.not.equal(weightsAfterSteps(4), weightsAfterSteps(6));
});

test("200 compiled steps leak no tfjs tensor, binding handle or variable; dispose removes the functions", () => {
  const model = tinyModel();
  const optimizer = new AdamOptimizer(model.variables, { learningRate: 0.01 });
  const stepper = new TrainingStepper(model, optimizer);
  const curve = new CurveAccumulator();
  const batches = new TinyBatches();
  const runOnce = () => {
    const batch = batches.nextBatch();
    stepper.step(batch, KEEP_PROB, curve);
    tf.dispose([batch.xs, batch.ys]);
  };
  runOnce();
  const tensorsBefore = tf.memory().numTensors;
  const handlesBefore = bindingTensorCount();
  const variablesBefore = liveNativeHandles();
  for (let i = 0; i < 200; i++) {
    runOnce();
  }
  assert.is(tf.memory().numTensors, tensorsBefore, "tfjs tensors");
  assert.is(bindingTensorCount(), handlesBefore, "binding handles");
  assert.is(liveNativeHandles(), variablesBefore, "native variable handles");
  assert.ok(curve.takePoint(201).cost > 0, "the curve got the steps' costs");

  const lastBatch = new TinyBatches(3).nextBatch();
  const functionsBefore = bindingTensorCount();
  stepper.step(lastBatch, KEEP_PROB);
  tf.dispose([lastBatch.xs, lastBatch.ys]);
  assert.is(bindingTensorCount(), functionsBefore, "a smaller last batch's own function leaks nothing either");

  const batch = new TinyBatches().nextBatch();
  const step = CompiledTrainingStep.build(model, batch, KEEP_PROB);
  assert.ok(hasCompiledFunction(step.compiled.name));
  step.dispose();
  assert.not.ok(hasCompiledFunction(step.compiled.name), "dispose removes the function from the eager context");
  tf.dispose([batch.xs, batch.ys]);
  [stepper, optimizer, model, curve].forEach((owner) => owner.dispose());
});

test("a bad call is one clear error, and the step carries on", () => {
  const model = tinyModel();
  const other = tinyModel();
  const optimizer = new AdamOptimizer(model.variables, { learningRate: 0.01 });
  const otherOptimizer = new AdamOptimizer(other.variables, { learningRate: 0.01 });
  const batch = new TinyBatches().nextBatch();
  const step = CompiledTrainingStep.build(model, batch, KEEP_PROB);
  try {
    assert.throws(() => step.run(optimizer, batch, []), /takes 1 dropout seed pairs, got 0/);
    assert.throws(() => step.run(otherOptimizer, batch), /optimizer of another model's variables/);
    assert.throws(() => step.compiled.call([batch.xs]), /takes \d+ inputs \(images, labels, seed_0,.*\), got 1/);
    const wrongBatch = new TinyBatches(3).nextBatch();
    assert.throws(() => step.run(optimizer, wrongBatch), /Compiled function 'tiny_training_step_\d+' failed/);
    tf.dispose([wrongBatch.xs, wrongBatch.ys]);
    const { loss, accuracy: batchAccuracy } = step.run(optimizer, batch);
    assert.ok(Number.isFinite(loss.dataSync()[0]));
    tf.dispose([loss, batchAccuracy]);
  } finally {
    step.dispose();
    tf.dispose([batch.xs, batch.ys]);
    [optimizer, otherOptimizer, model, other].forEach((owner) => owner.dispose());
  }
});

/** A model whose forward pass uses a tensor the tracer cannot make a graph constant of (a bool mask written from JavaScript). */
const untraceableDefinition: ModelDefinition = {
  key: "untraceable",
  title: "test model with a bool constant",
  inputShape: [4, 4, 1],
  numClasses: 2,
  defaults: { learningRate: 0.01, steps: 10, batchSize: 8, keepProb: 1, logEvery: 5 },
  forward(x) {
    const flat = tf.reshape(x, [-1, 16]) as tf.Tensor2D;
    const mask = tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 2 === 0), "bool");
    return fullLayer(tf.mul(flat, tf.cast(mask, "float32")) as tf.Tensor2D, 2);
  },
};

test("a model the tracer cannot compile trains with the eager step, after one line saying why", () => {
  const model = new ChapterModel(untraceableDefinition, { seed: 1 });
  const optimizer = new AdamOptimizer(model.variables, { learningRate: 0.01 });
  const { lines, log } = lineCollector();
  const stepper = new TrainingStepper(model, optimizer, "compiled", log);
  const batches = new TinyBatches();
  // One eager step first: the optimizer's constants get their native handles on first use.
  const warmUpBatch = batches.nextBatch();
  trainingStep(model, optimizer, warmUpBatch, 1);
  tf.dispose([warmUpBatch.xs, warmUpBatch.ys]);
  const before = valuesOf(model.variables[0]);
  const handlesBefore = bindingTensorCount();
  const tensorsBefore = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) {
    const batch = batches.nextBatch();
    stepper.step(batch, 1);
    tf.dispose([batch.xs, batch.ys]);
  }
  assert.is(bindingTensorCount(), handlesBefore, "the failed trace left no binding handle behind");
  assert.is(tf.memory().numTensors, tensorsBefore, "nor a tfjs tensor");
  assert.is(lines.length, 1, lines.join("\n"));
  assert.match(lines[0], /^untraceable: the compiled training step cannot be built \(a bool tensor .*\); using the eager step for batches of \[8,4,4,1\]\.$/);
  assert.not.equal(valuesOf(model.variables[0]), before, "the eager step trained the model");
  [stepper, optimizer, model].forEach((owner) => owner.dispose());
});

test.run();
