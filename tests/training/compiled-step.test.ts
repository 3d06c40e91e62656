/**
 * The compiled training step (src/training/step.ts), traced from the chapter's
 * own forward code, against the eager step: the same loss, batch accuracy and
 * gradients from the same weights, batch and dropout seeds, and the same
 * weights after a few Adam steps, whether the optimizer updates inside the
 * graph (Adam) or outside it (Nesterov SGD); mixed bfloat16; no leaks;
 * clear errors. The stepper's fallback policy is in step.test.ts.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/native/backend";
import { hasCompiledFunction } from "../../src/compiled/graph";
import type { SeedPair } from "../../src/layers/random";
import { createModel, modelKeys } from "../../src/models/registry";
import { liveNativeHandles } from "../../src/native/ops";
import {
  AdamOptimizer,
  CompiledTrainingStep,
  eagerTrainingStep,
  NesterovSgdOptimizer,
  TrainingStepper,
  type Batch,
  type Optimizer,
  type StepSettings,
} from "../../src/training";
import type { ChapterModel } from "../../src/models";
import { CurveAccumulator } from "../../src/training/curve";
import { bfloat16Test, noBfloat16Test } from "../bfloat16";
import { bindingTensorCount, cosine, lineCollector, relativeDifference, TinyBatches, tinyModel, valuesOf } from "./fixtures";

const BATCH = 4;
const KEEP_PROB = 0.5;
const SETTINGS: StepSettings = { keepProb: KEEP_PROB, labelSmoothing: 0 };

function randomBatch(model: ChapterModel, size = BATCH, seed = 3): Batch {
  const { inputShape, numClasses } = model.definition;
  return tf.tidy(() => ({
    xs: tf.randomUniform([size, ...inputShape], 0, 1, "float32", seed) as tf.Tensor4D,
    ys: tf.oneHot(tf.randomUniform([size], 0, numClasses, "int32", seed + 1) as tf.Tensor1D, numClasses).toFloat() as tf.Tensor2D,
  }));
}

/** Two models with the same initial weights and the same seed stream. */
function twins(key: (typeof modelKeys)[number], seed: number): [ChapterModel, ChapterModel] {
  return [createModel(key, { seed }), createModel(key, { seed })];
}

for (const key of modelKeys) {
  test(`${key}: the compiled step's loss, accuracy and gradients equal the eager step's (1e-5 relative), same dropout seeds`, () => {
    const [eagerModel, compiledModel] = twins(key, 5);
    const eagerOptimizer = new AdamOptimizer(eagerModel.variables, { learningRate: 1e-3 });
    const compiledOptimizer = new AdamOptimizer(compiledModel.variables, { learningRate: 1e-3 });
    const batch = randomBatch(eagerModel);
    const step = CompiledTrainingStep.build(compiledModel, compiledOptimizer, batch, { ...SETTINGS, returnGradients: true });
    try {
      assert.ok(step.randomSeeds > 0, "the model's dropout draws its masks from step inputs");
      const eager = eagerTrainingStep(eagerModel, eagerOptimizer, batch, SETTINGS, true);
      const compiled = step.run(batch);
      const lossDifference = relativeDifference(compiled.loss, eager.loss);
      assert.ok(lossDifference < 1e-5, `loss differs by ${lossDifference} (relative)`);
      assert.is(compiled.accuracy.dataSync()[0], eager.accuracy.dataSync()[0], "batch accuracy");
      assert.is(compiled.gradients.length, compiledModel.variables.length);
      assert.is(eager.gradients.length, eagerModel.variables.length);
      compiled.gradients.forEach((gradient, i) => {
        const difference = relativeDifference(gradient, eager.gradients[i]);
        assert.ok(difference < 1e-5, `${compiledModel.variables[i].name}'s gradient differs by ${difference} (relative)`);
      });
      // Both steps drew the same number of seed pairs from their (identical) streams.
      assert.equal(compiledModel.seeds.next(), eagerModel.seeds.next(), "the compiled step draws its dropout seeds as the eager step does");
      tf.dispose([eager.loss, eager.accuracy, ...eager.gradients, compiled.loss, compiled.accuracy, ...compiled.gradients]);
    } finally {
      step.dispose();
      tf.dispose([batch.xs, batch.ys]);
      [eagerOptimizer, compiledOptimizer, eagerModel, compiledModel].forEach((owner) => owner.dispose());
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
  test(`${key}: after ${STEPS} steps the compiled step's weights (Adam inside the graph) agree with the eager step's`, () => {
    const [eagerModel, compiledModel] = twins(key, 9);
    const eagerOptimizer = new AdamOptimizer(eagerModel.variables, { learningRate: LEARNING_RATE });
    const compiledOptimizer = new AdamOptimizer(compiledModel.variables, { learningRate: LEARNING_RATE });
    const batch = randomBatch(eagerModel);
    const step = CompiledTrainingStep.build(compiledModel, compiledOptimizer, batch, SETTINGS);
    let smallGradient = eagerModel.variables.map((variable) => tf.zeros(variable.shape as number[], "bool"));
    try {
      const before = valuesOf(compiledModel.variables[0]);
      for (let t = 0; t < STEPS; t++) {
        const eager = eagerTrainingStep(eagerModel, eagerOptimizer, batch, SETTINGS, true);
        const previous = smallGradient;
        smallGradient = tf.tidy(() =>
          eager.gradients.map((g, i) => tf.logicalOr(previous[i], tf.less(tf.abs(g), tf.mul(tf.max(tf.abs(g)), 1e-3)))),
        );
        tf.dispose(previous);
        tf.dispose([eager.loss, eager.accuracy, ...eager.gradients]);
        const compiled = step.run(batch);
        assert.equal(compiled.gradients, [], "with Adam in the graph, no gradient leaves it unless asked for");
        tf.dispose([compiled.loss, compiled.accuracy]);
      }
      assert.not.equal(valuesOf(compiledModel.variables[0]), before, "the compiled step updated the weights");
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

test("Adam inside the graph: the step's function outputs loss and accuracy only, plus the gradients when asked for", () => {
  const model = tinyModel(2);
  const optimizer = new AdamOptimizer(model.variables, { learningRate: 0.01 });
  const batch = new TinyBatches().nextBatch();
  const withoutGradients = CompiledTrainingStep.build(model, optimizer, batch, SETTINGS);
  const withGradients = CompiledTrainingStep.build(model, optimizer, batch, { ...SETTINGS, returnGradients: true });
  try {
    assert.ok(optimizer.inGraph !== undefined);
    assert.is(withoutGradients.compiled.outputs.length, 2);
    assert.is(withGradients.compiled.outputs.length, 2 + model.variables.length);
  } finally {
    [withoutGradients, withGradients].forEach((step) => step.dispose());
    tf.dispose([batch.xs, batch.ys]);
    [optimizer, model].forEach((owner) => owner.dispose());
  }
});

test("Nesterov SGD (updates outside the graph): the compiled step hands it the gradients; weights agree with the eager step's; nothing leaks", () => {
  const models = [tinyModel(7), tinyModel(7)];
  const settings = { learningRate: 0.05, momentum: 0.85 };
  const perVariable = models[0].variables.map(() => ({ learningRateScale: 1, weightDecay: 5e-4 }));
  const [eagerOptimizer, compiledOptimizer] = models.map((model) => new NesterovSgdOptimizer(model.variables, settings, perVariable));
  const batches = new TinyBatches();
  const first = batches.nextBatch();
  const step = CompiledTrainingStep.build(models[1], compiledOptimizer, first, SETTINGS);
  const stepWithGradients = CompiledTrainingStep.build(models[1], compiledOptimizer, first, { ...SETTINGS, returnGradients: true });
  tf.dispose([first.xs, first.ys]);
  try {
    assert.is((compiledOptimizer as Optimizer).inGraph, undefined);
    assert.is(step.compiled.outputs.length, 2 + models[1].variables.length, "the function returns the gradients for the optimizer");
    const before = valuesOf(models[1].variables[0]);
    const tensorsBefore = tf.memory().numTensors;
    for (let t = 0; t < 3; t++) {
      const batch = batches.nextBatch();
      const eager = eagerTrainingStep(models[0], eagerOptimizer, batch, SETTINGS);
      const compiled = step.run(batch);
      assert.equal(compiled.gradients, [], "the gradients went to the optimizer and were freed");
      assert.ok(relativeDifference(compiled.loss, eager.loss) < 1e-5, `step ${t + 1}: loss`);
      tf.dispose([eager.loss, eager.accuracy, compiled.loss, compiled.accuracy, batch.xs, batch.ys]);
    }
    assert.is(tf.memory().numTensors, tensorsBefore, "no tensor left behind");
    assert.not.equal(valuesOf(models[1].variables[0]), before, "the optimizer applied the compiled step's gradients");
    models[1].variables.forEach((variable, i) => {
      const difference = tf.tidy(() => relativeDifference(variable.read(), models[0].variables[i].read()));
      assert.ok(difference < 1e-5, `${variable.name} differs by ${difference} (relative) after three steps`);
    });
    // Asked for, the gradients (the ones the optimizer got) come back too.
    const batch = batches.nextBatch();
    const eager = eagerTrainingStep(models[0], eagerOptimizer, batch, SETTINGS, true);
    const compiled = stepWithGradients.run(batch);
    assert.is(compiled.gradients.length, models[1].variables.length);
    compiled.gradients.forEach((gradient, i) => assert.ok(relativeDifference(gradient, eager.gradients[i]) < 1e-5, `${models[1].variables[i].name}'s gradient`));
    tf.dispose([eager.loss, eager.accuracy, ...eager.gradients, compiled.loss, compiled.accuracy, ...compiled.gradients, batch.xs, batch.ys]);
  } finally {
    [step, stepWithGradients].forEach((owner) => owner.dispose());
    [eagerOptimizer, compiledOptimizer, ...models].forEach((owner) => owner.dispose());
  }
});

bfloat16Test(
  "cifar-3conv, mixed bfloat16: loss within 1e-2 and gradient directions within cosine 0.97 of float32's, yet not float32's; the stepper runs it",
  () => {
    const [reference, lowPrecision] = twins("cifar-3conv", 5);
    const optimizers = [reference, lowPrecision].map((model) => new AdamOptimizer(model.variables, { learningRate: 1e-3 }));
    const batch = randomBatch(reference, 8);
    const float32Step = CompiledTrainingStep.build(reference, optimizers[0], batch, { ...SETTINGS, returnGradients: true });
    const bfloat16Step = CompiledTrainingStep.build(lowPrecision, optimizers[1], batch, { ...SETTINGS, returnGradients: true, precision: "bfloat16" });
    try {
      assert.is(bfloat16Step.randomSeeds, float32Step.randomSeeds);
      const seeds = Array.from({ length: float32Step.randomSeeds }, (_, i): SeedPair => [i + 1, 7]);
      // Twin models, each on its fresh optimizer's first step: the same weights, batch and dropout masks.
      const expected = float32Step.run(batch, seeds);
      const actual = bfloat16Step.run(batch, seeds);
      const lossDifference = relativeDifference(actual.loss, expected.loss);
      assert.ok(lossDifference < 1e-2, `loss differs by ${lossDifference} (relative)`);
      // bfloat16 keeps 8 significant bits (0.4% rounding per value): a gradient's direction moves by about 1%.
      actual.gradients.forEach((gradient, i) => {
        const similarity = cosine(gradient, expected.gradients[i]);
        assert.ok(similarity > 0.97, `${lowPrecision.variables[i].name}'s gradient is at cosine ${similarity} to float32's`);
      });
      const largest = Math.max(...actual.gradients.map((gradient, i) => relativeDifference(gradient, expected.gradients[i])));
      assert.ok(largest > 1e-4, `the step ran in bfloat16 (float32 agrees to 1e-5; largest difference ${largest})`);
      tf.dispose([actual.loss, actual.accuracy, ...actual.gradients, expected.loss, expected.accuracy, ...expected.gradients]);

      const { lines, log } = lineCollector();
      const stepper = new TrainingStepper(lowPrecision, optimizers[1], "compiled-bfloat16", SETTINGS, log);
      assert.is(stepper.kind, "compiled-bfloat16");
      const weightsBefore = valuesOf(lowPrecision.variables[0]);
      const { loss, accuracy } = stepper.step(batch);
      assert.ok(Number.isFinite(loss.dataSync()[0]));
      tf.dispose([loss, accuracy]);
      assert.not.equal(valuesOf(lowPrecision.variables[0]), weightsBefore, "the bfloat16 stepper trains");
      assert.equal(lines, [], "no warning: the bfloat16 step was built and ran");
      stepper.dispose();
    } finally {
      [float32Step, bfloat16Step].forEach((step) => step.dispose());
      tf.dispose([batch.xs, batch.ys]);
      [...optimizers, reference, lowPrecision].forEach((owner) => owner.dispose());
    }
  },
);

noBfloat16Test('cifar-3conv on a CPU without bfloat16 compute: a "compiled-bfloat16" stepper says so once and trains with the float32 compiled step', () => {
  const [reference, requested] = twins("cifar-3conv", 5);
  const optimizers = [reference, requested].map((model) => new AdamOptimizer(model.variables, { learningRate: 1e-3 }));
  const batch = randomBatch(reference, 8);
  const { lines, log } = lineCollector();
  const float32 = new TrainingStepper(reference, optimizers[0], "compiled", SETTINGS, log);
  const stepper = new TrainingStepper(requested, optimizers[1], "compiled-bfloat16", SETTINGS, log);
  try {
    assert.is(stepper.kind, "compiled");
    assert.is(lines.length, 1, lines.join("\n"));
    assert.match(lines[0], /neither avx512_bf16 nor amx_bf16: training with the float32 compiled step instead of "compiled-bfloat16"/);
    for (let t = 0; t < 2; t++) {
      const expected = float32.step(batch);
      const actual = stepper.step(batch);
      assert.ok(relativeDifference(actual.loss, expected.loss) < 1e-5, `step ${t + 1}: the loss is float32's`);
      tf.dispose([expected.loss, expected.accuracy, actual.loss, actual.accuracy]);
    }
    assert.is(lines.length, 1, "one line, not one per step");
  } finally {
    [float32, stepper].forEach((owner) => owner.dispose());
    tf.dispose([batch.xs, batch.ys]);
    [...optimizers, reference, requested].forEach((owner) => owner.dispose());
  }
});

test("a seeded compiled run reproduces itself; other dropout seeds train differently", () => {
  const weightsAfterSteps = (seed: number) => {
    const model = tinyModel(seed);
    const optimizer = new AdamOptimizer(model.variables, { learningRate: 0.01 });
    const stepper = new TrainingStepper(model, optimizer, "compiled", { keepProb: 0.5, labelSmoothing: 0 });
    const batches = new TinyBatches();
    for (let i = 0; i < 5; i++) {
      const batch = batches.nextBatch();
      tf.dispose(Object.values(stepper.step(batch)));
      tf.dispose([batch.xs, batch.ys]);
    }
    const values = model.variables.map(valuesOf);
    [stepper, optimizer, model].forEach((owner) => owner.dispose());
    return values;
  };
  assert.equal(weightsAfterSteps(4), weightsAfterSteps(4));
  assert.not.equal(weightsAfterSteps(4), weightsAfterSteps(6));
});

test("200 compiled steps leak no tfjs tensor, binding handle or variable; the curve leaves the step's scalars to the caller; dispose removes the functions", () => {
  const model = tinyModel();
  const optimizer = new AdamOptimizer(model.variables, { learningRate: 0.01 });
  const stepper = new TrainingStepper(model, optimizer, "compiled", SETTINGS);
  const curve = new CurveAccumulator();
  const batches = new TinyBatches();
  const runOnce = () => {
    const batch = batches.nextBatch();
    const { loss, accuracy } = stepper.step(batch);
    curve.add(loss, accuracy);
    assert.not.ok(loss.isDisposed || accuracy.isDisposed, "CurveAccumulator.add does not take the scalars");
    tf.dispose([loss, accuracy, batch.xs, batch.ys]);
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
  tf.dispose(Object.values(stepper.step(lastBatch)));
  tf.dispose([lastBatch.xs, lastBatch.ys]);
  assert.is(bindingTensorCount(), functionsBefore, "a smaller last batch's own function leaks nothing either");

  const batch = new TinyBatches().nextBatch();
  const step = CompiledTrainingStep.build(model, optimizer, batch, SETTINGS);
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
  const step = CompiledTrainingStep.build(model, optimizer, batch, SETTINGS);
  try {
    assert.throws(() => step.run(batch, []), /The compiled step of model 'tiny' takes 1 seed pairs, got 0/);
    assert.throws(() => CompiledTrainingStep.build(model, otherOptimizer, batch, SETTINGS), /training step of model 'tiny' was given an optimizer of another model's variables/);
    assert.throws(() => eagerTrainingStep(model, otherOptimizer, batch, SETTINGS), /optimizer of another model's variables/);
    assert.throws(() => new TrainingStepper(model, otherOptimizer, "compiled", SETTINGS), /optimizer of another model's variables/);
    assert.throws(() => step.compiled.call([batch.xs]), /takes \d+ inputs \(images, labels, seed_0,.*\), got 1/);
    const wrongBatch = new TinyBatches(3).nextBatch();
    assert.throws(() => step.run(wrongBatch), /Compiled function 'tiny_training_step_\d+' failed/);
    tf.dispose([wrongBatch.xs, wrongBatch.ys]);
    const { loss, accuracy: batchAccuracy } = step.run(batch);
    assert.ok(Number.isFinite(loss.dataSync()[0]));
    tf.dispose([loss, batchAccuracy]);
  } finally {
    step.dispose();
    tf.dispose([batch.xs, batch.ys]);
    [optimizer, otherOptimizer, model, other].forEach((owner) => owner.dispose());
  }
});

test.run();
