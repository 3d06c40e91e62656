/**
 * airbench through the training engine (src/training/step.ts): the compiled
 * step against the eager one from the same weights and batch: the same loss,
 * batch accuracy, gradients and running-statistics updates (the whitening
 * filter, state too, left alone); the same weights after a few Nesterov SGD
 * steps, which update outside the graph; a frozen variable's gradient left
 * out; mixed bfloat16; no leaks.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/native/backend";
import type { ModelVariable } from "../../src/layers/variables";
import { AirbenchModel } from "../../src/recipes/airbench/model";
import { liveNativeHandles } from "../../src/native/ops";
import { CompiledTrainingStep, eagerTrainingStep, NesterovSgdOptimizer, TrainingStepper, type Batch, type StepSettings } from "../../src/training";
import { bfloat16Test, noBfloat16Test } from "../bfloat16";
import { cosine, lineCollector, relativeDifference, valuesOf } from "./fixtures";

const BATCH = 8;
const SETTINGS: StepSettings = { keepProb: 1, labelSmoothing: 0.2 };

/** Images in [0, 1], as the model takes them, and one-hot labels. */
function batch(seed: number, size = BATCH): Batch {
  return tf.tidy(() => ({
    xs: tf.randomUniform([size, 32, 32, 3], 0, 1, "float32", seed) as tf.Tensor4D,
    ys: tf.oneHot(tf.randomUniform([size], 0, 10, "int32", seed + 1) as tf.Tensor1D, 10).toFloat() as tf.Tensor2D,
  }));
}

/** Two models with the same weights (seed) and whitening. */
function twinModels(seed: number): [AirbenchModel, AirbenchModel] {
  const models: [AirbenchModel, AirbenchModel] = [new AirbenchModel({ seed }), new AirbenchModel({ seed })];
  tf.tidy(() => models.forEach((model) => model.initializeWhitening(tf.randomUniform([64, 32, 32, 3], 0, 1, "float32", seed + 7) as tf.Tensor4D)));
  return models;
}

/** airbench's optimizer: batch-norm offsets 64× faster, weight decay on everything. */
function sgd(model: AirbenchModel): NesterovSgdOptimizer {
  const perVariable = model.variableRoles.map((role) => ({ learningRateScale: role === "norm-offset" ? 64 : 1, weightDecay: 5e-4 }));
  return new NesterovSgdOptimizer(model.variables, { learningRate: 0.05, momentum: 0.85 }, perVariable);
}

function read(variable: ModelVariable): tf.Tensor {
  return variable.read();
}

test("airbench: the compiled step's loss, accuracy, gradients and running statistics equal the eager step's (1e-5 relative); the whitening filter stays", () => {
  const [eagerModel, compiledModel] = twinModels(11);
  const [eagerOptimizer, compiledOptimizer] = [sgd(eagerModel), sgd(compiledModel)];
  const { xs, ys } = batch(1);
  const step = CompiledTrainingStep.build(compiledModel, compiledOptimizer, { xs, ys }, { ...SETTINGS, returnGradients: true });
  const whiteningBefore = valuesOf(compiledModel.whiteningFilter);
  try {
    assert.is(step.randomSeeds, 0, "airbench's forward pass draws nothing at random");
    assert.is(compiledModel.state.length, 1 + compiledModel.runningStatistics.length);
    assert.is(compiledModel.state[0], compiledModel.whiteningFilter);
    tf.tidy(() => {
      const expected = eagerTrainingStep(eagerModel, eagerOptimizer, { xs, ys }, SETTINGS, true);
      const actual = step.run({ xs, ys });
      assert.ok(relativeDifference(actual.loss, expected.loss) < 1e-5, "loss");
      assert.is(actual.accuracy.dataSync()[0], expected.accuracy.dataSync()[0], "batch accuracy");
      assert.is(actual.gradients.length, compiledModel.variables.length);
      actual.gradients.forEach((gradient, i) => {
        const difference = relativeDifference(gradient, expected.gradients[i]);
        assert.ok(difference < 1e-5, `${compiledModel.variables[i].name}'s gradient differs by ${difference} (relative)`);
      });
      compiledModel.runningStatistics.forEach((variable, i) => {
        const difference = relativeDifference(read(variable), read(eagerModel.runningStatistics[i]));
        assert.ok(difference < 1e-5, `${variable.name} differs by ${difference} (relative) after one step`);
      });
      const initialVariance = tf.onesLike(read(compiledModel.runningStatistics[1]));
      assert.ok(relativeDifference(read(compiledModel.runningStatistics[1]), initialVariance) > 1e-3, "the step moved the running variance");
      assert.ok(tf.norm(read(compiledModel.runningStatistics[0])).dataSync()[0] > 0, "and the running mean");
      // The updated statistics and weights give both models the same inference-mode logits.
      assert.ok(relativeDifference(compiledModel.logits(xs), eagerModel.logits(xs)) < 1e-5, "inference logits after the step");
    });
    assert.equal(valuesOf(compiledModel.whiteningFilter), whiteningBefore, "the compiled step leaves the whitening filter");
    assert.equal(valuesOf(eagerModel.whiteningFilter), whiteningBefore, "so does the eager step");
  } finally {
    step.dispose();
    tf.dispose([xs, ys]);
    [eagerOptimizer, compiledOptimizer, eagerModel, compiledModel].forEach((owner) => owner.dispose());
  }
});

test("airbench: after three Nesterov SGD steps, compiled and eager weights and running statistics agree; a new batch size builds its own function", () => {
  const handlesBefore = liveNativeHandles();
  const models = twinModels(12);
  const optimizers = models.map(sgd);
  const { lines, log } = lineCollector();
  const steppers = [new TrainingStepper(models[0], optimizers[0], "eager", SETTINGS, log), new TrainingStepper(models[1], optimizers[1], "compiled", SETTINGS, log)];
  const batches = [batch(2), batch(3), batch(4, 5)];
  const tensorsBefore = tf.memory().numTensors;
  batches.forEach((each) => steppers.forEach((stepper) => tf.dispose(Object.values(stepper.step(each)))));
  assert.is(tf.memory().numTensors, tensorsBefore, "no tensor left behind");
  assert.equal([steppers[0].kind, steppers[1].kind], ["eager", "compiled"]);
  // A compiled function takes one batch shape (see compiled-step.test.ts); without a fallback line, the batch of 5 got its own.
  assert.equal(lines, [], "the compiled step was built for both batch sizes, no fallback");
  // Three float32 steps through different op orders: differences of a few ulps grow by the learning rate's
  // reach, about 1e-6 of a weight; 1e-4 relative still fails for any step computed differently.
  [...models[1].variables, ...models[1].runningStatistics].forEach((variable, i) => {
    const twin = [...models[0].variables, ...models[0].runningStatistics][i];
    const difference = tf.tidy(() => relativeDifference(read(variable), read(twin)));
    assert.ok(difference < 1e-4, `${variable.name} differs by ${difference} (relative) after three steps`);
  });
  tf.dispose(batches.flatMap(({ xs, ys }) => [xs, ys]));
  steppers.forEach((stepper) => stepper.dispose());
  optimizers.forEach((optimizer) => optimizer.dispose());
  models.forEach((model) => model.dispose());
  assert.is(liveNativeHandles(), handlesBefore);
});

test("airbench: freezing the whitening bias builds a step without its gradient; the other weights train as in the eager step, the bias stays", () => {
  const models = twinModels(14);
  const optimizers = models.map(sgd);
  const { lines, log } = lineCollector();
  const steppers = [new TrainingStepper(models[0], optimizers[0], "eager", SETTINGS, log), new TrainingStepper(models[1], optimizers[1], "compiled", SETTINGS, log)];
  const biasIndex = models[1].variableRoles.indexOf("whitening-bias");
  try {
    steppers.forEach((stepper) => tf.dispose(Object.values(stepper.step(batch(20)))));
    models.forEach((model, m) => optimizers[m].setLearningRateScale(model.variables[biasIndex], 0));
    assert.equal(models.map((model, m) => optimizers[m].trains(model.variables[biasIndex])), [false, false]);
    const biasBefore = valuesOf(models[1].variables[biasIndex]);
    const built = (steppers[1] as unknown as { compiled: Map<string, CompiledTrainingStep | null> }).compiled;
    [batch(21), batch(22)].forEach((each) => steppers.forEach((stepper) => tf.dispose(Object.values(stepper.step(each)))));
    const steps = [...built.values()];
    assert.is(steps.length, 2, "one function before the freeze, one after");
    assert.equal(steps.map((step) => step?.trained[biasIndex]), [true, false], "the second leaves the bias's gradient out");
    assert.equal(lines, [], "both compiled, no fallback");
    assert.equal(valuesOf(models[1].variables[biasIndex]), biasBefore, "the frozen bias did not move");
    models[1].variables.forEach((variable, i) => {
      const difference = tf.tidy(() => relativeDifference(read(variable), read(models[0].variables[i])));
      assert.ok(difference < 1e-4, `${variable.name} differs from the eager step's by ${difference} (relative) after the frozen steps`);
    });
  } finally {
    steppers.forEach((stepper) => stepper.dispose());
    [...optimizers, ...models].forEach((owner) => owner.dispose());
  }
});

bfloat16Test(
  "airbench, mixed bfloat16: loss within 1e-3 and each gradient's direction within cosine 0.97 of float32's, yet not float32's; the stepper runs it",
  () => {
    const [reference, lowPrecision] = twinModels(13);
    const optimizers = [sgd(reference), sgd(lowPrecision)];
    // 32 images: batch norm over 8 random images amplifies bfloat16's rounding enough that, depending on the
    // seed, a gradient's cosine to float32's ranged from 0.95 to 0.99; over 32 it stayed from 0.973 up.
    const { xs, ys } = batch(6, 32);
    const float32Step = CompiledTrainingStep.build(reference, optimizers[0], { xs, ys }, { ...SETTINGS, returnGradients: true });
    const bfloat16Step = CompiledTrainingStep.build(lowPrecision, optimizers[1], { xs, ys }, { ...SETTINGS, returnGradients: true, precision: "bfloat16" });
    try {
      tf.tidy(() => {
        const expected = float32Step.run({ xs, ys });
        const actual = bfloat16Step.run({ xs, ys });
        assert.ok(relativeDifference(actual.loss, expected.loss) < 1e-3, "loss");
        // bfloat16 keeps 8 significant bits (0.4% rounding); through seven convolutions and the batch norms'
        // mean-subtracting gradients, about 1–2% of a gradient's direction changes (cosine ≈ 0.99).
        actual.gradients.forEach((gradient, i) => {
          const similarity = cosine(gradient, expected.gradients[i]);
          assert.ok(similarity > 0.97, `${lowPrecision.variables[i].name}'s gradient is at cosine ${similarity} to float32's`);
        });
        const largest = Math.max(...actual.gradients.map((gradient, i) => relativeDifference(gradient, expected.gradients[i])));
        assert.ok(largest > 1e-4, `the step ran in bfloat16 (float32 agrees to 1e-5; largest difference ${largest})`);
      });
      const { lines, log } = lineCollector();
      const stepper = new TrainingStepper(lowPrecision, optimizers[1], "compiled-bfloat16", SETTINGS, log);
      const before = valuesOf(lowPrecision.variables[1]);
      tf.dispose(Object.values(stepper.step({ xs, ys })));
      assert.is(stepper.kind, "compiled-bfloat16");
      assert.equal(lines, [], "built and run in bfloat16, no fallback");
      assert.not.equal(valuesOf(lowPrecision.variables[1]), before, "the bfloat16 stepper trains");
      stepper.dispose();
    } finally {
      [float32Step, bfloat16Step].forEach((step) => step.dispose());
      tf.dispose([xs, ys]);
      [...optimizers, reference, lowPrecision].forEach((owner) => owner.dispose());
    }
  },
);

noBfloat16Test('airbench on a CPU without bfloat16 compute: a "compiled-bfloat16" stepper says so once and runs the float32 compiled step', () => {
  const [reference, requested] = twinModels(13);
  const optimizers = [sgd(reference), sgd(requested)];
  const { xs, ys } = batch(6);
  const { lines, log } = lineCollector();
  const float32 = new TrainingStepper(reference, optimizers[0], "compiled", SETTINGS, log);
  const stepper = new TrainingStepper(requested, optimizers[1], "compiled-bfloat16", SETTINGS, log);
  try {
    assert.is(stepper.kind, "compiled");
    assert.is(lines.length, 1, lines.join("\n"));
    assert.match(lines[0], /neither avx512_bf16 nor amx_bf16/);
    const expected = float32.step({ xs, ys });
    const actual = stepper.step({ xs, ys });
    assert.ok(relativeDifference(actual.loss, expected.loss) < 1e-5, "the loss is float32's");
    tf.dispose([expected.loss, expected.accuracy, actual.loss, actual.accuracy]);
    assert.is(lines.length, 1);
  } finally {
    [float32, stepper].forEach((owner) => owner.dispose());
    tf.dispose([xs, ys]);
    [...optimizers, reference, requested].forEach((owner) => owner.dispose());
  }
});

test.run();
