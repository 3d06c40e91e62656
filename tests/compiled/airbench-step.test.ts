/**
 * airbench's compiled gradient step against the eager one: from the same
 * weights and batch, the same loss, logits, gradients and running-statistics
 * updates; the same weights after a few Nesterov steps; no leaks.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/backend";
import { AirbenchGradientStep } from "../../src/compiled/airbench-step";
import { AirbenchModel } from "../../src/models/airbench";
import { liveNativeHandles } from "../../src/native/ops";
import { NesterovSgdOptimizer } from "../../src/training/sgd";
import type { ModelVariable } from "../../src/layers/variables";

const BATCH = 8;
const SMOOTHING = 0.2;

function batch(seed: number, size = BATCH): { images: tf.Tensor4D; labels: tf.Tensor2D } {
  return tf.tidy(() => ({
    images: tf.randomNormal([size, 32, 32, 3], 0, 1, "float32", seed) as tf.Tensor4D,
    labels: tf.oneHot(tf.randomUniform([size], 0, 10, "int32", seed + 1) as tf.Tensor1D, 10).toFloat() as tf.Tensor2D,
  }));
}

/** Two models with the same weights (seed) and whitening. */
function twinModels(seed: number): [AirbenchModel, AirbenchModel] {
  const models: [AirbenchModel, AirbenchModel] = [new AirbenchModel({ seed }), new AirbenchModel({ seed })];
  tf.tidy(() => models.forEach((model) => model.initializeWhitening(tf.randomNormal([64, 32, 32, 3], 0, 1, "float32", seed + 7) as tf.Tensor4D)));
  return models;
}

function relativeDifference(actual: tf.Tensor, expected: tf.Tensor): number {
  return tf.tidy(() => tf.norm(tf.sub(actual, expected)).dataSync()[0] / Math.max(tf.norm(expected).dataSync()[0], 1e-30));
}

function read(variable: ModelVariable): tf.Tensor {
  return variable.read();
}

test("airbench: the compiled step's loss, logits, gradients and running statistics equal the eager step's (1e-5 relative)", () => {
  const [eagerModel, compiledModel] = twinModels(11);
  const eager = new AirbenchGradientStep(eagerModel, { labelSmoothing: SMOOTHING, kind: "eager" });
  const compiled = new AirbenchGradientStep(compiledModel, { labelSmoothing: SMOOTHING });
  const { images, labels } = batch(1);
  tf.tidy(() => {
    const expected = eager.run(images, labels);
    const actual = compiled.run(images, labels);
    assert.is(compiled.kind, "compiled");
    assert.ok(relativeDifference(actual.loss, expected.loss) < 1e-5, "loss");
    assert.ok(relativeDifference(actual.logits, expected.logits) < 1e-5, "logits");
    assert.is(actual.gradients.length, compiledModel.trainable.length);
    actual.gradients.forEach((gradient, i) => {
      const difference = relativeDifference(gradient, expected.gradients[i]);
      assert.ok(difference < 1e-5, `${compiledModel.trainable[i].name}'s gradient differs by ${difference} (relative)`);
    });
    compiledModel.runningStatistics.forEach((variable, i) => {
      const difference = relativeDifference(read(variable), read(eagerModel.runningStatistics[i]));
      assert.ok(difference < 1e-5, `${variable.name} differs by ${difference} (relative) after one step`);
    });
    const initialVariance = tf.onesLike(read(compiledModel.runningStatistics[1]));
    assert.ok(relativeDifference(read(compiledModel.runningStatistics[1]), initialVariance) > 1e-3, "the step moved the running variance");
  });
  tf.dispose([images, labels]);
  [eager, compiled].forEach((step) => step.dispose());
  [eagerModel, compiledModel].forEach((model) => model.dispose());
});

test("airbench: after three Nesterov SGD steps, compiled and eager weights agree; a new batch size builds its own function", () => {
  const handlesBefore = liveNativeHandles();
  const models = twinModels(12);
  const steps = [
    new AirbenchGradientStep(models[0], { labelSmoothing: SMOOTHING, kind: "eager" }),
    new AirbenchGradientStep(models[1], { labelSmoothing: SMOOTHING }),
  ];
  const optimizers = models.map(
    (model) =>
      new NesterovSgdOptimizer(model.trainable, { learningRate: 0.05, momentum: 0.85 }, model.roles.map((role) => ({ learningRateScale: role === "norm-offset" ? 64 : 1, weightDecay: 5e-4 }))),
  );
  const batches = [batch(2), batch(3), batch(4, 5)];
  const tensorsBefore = tf.memory().numTensors;
  batches.forEach(({ images, labels }) =>
    steps.forEach((step, i) => tf.tidy(() => optimizers[i].applyGradients(step.run(images, labels).gradients))),
  );
  assert.is(tf.memory().numTensors, tensorsBefore, "no tensor left behind");
  assert.is(steps[1].kind, "compiled");
  // Three float32 steps through different op orders: differences of a few ulps grow by the learning rate's
  // reach, about 1e-6 of a weight; 1e-4 relative still fails for any step computed differently.
  models[1].trainable.forEach((variable, i) => {
    const difference = tf.tidy(() => relativeDifference(read(variable), read(models[0].trainable[i])));
    assert.ok(difference < 1e-4, `${variable.name} differs by ${difference} (relative) after three steps`);
  });
  tf.dispose(batches.flatMap(({ images, labels }) => [images, labels]));
  steps.forEach((step) => step.dispose());
  optimizers.forEach((optimizer) => optimizer.dispose());
  models.forEach((model) => model.dispose());
  assert.is(liveNativeHandles(), handlesBefore);
});

test("airbench, bfloat16 convolutions: loss within 1e-3 and each gradient's direction within cosine 0.97 of float32's, yet not float32's; refused for the eager step", () => {
  const [reference, lowPrecision] = twinModels(13);
  const float32Step = new AirbenchGradientStep(reference, { labelSmoothing: SMOOTHING });
  let bfloat16Step: AirbenchGradientStep;
  try {
    bfloat16Step = new AirbenchGradientStep(lowPrecision, { labelSmoothing: SMOOTHING, convolutionPrecision: "bfloat16" });
  } catch (error) {
    assert.match((error as Error).message, /needs a CPU with avx512_bf16/);
    console.log("  (this CPU has no bfloat16 compute: only the refusal is checked)");
    float32Step.dispose();
    [reference, lowPrecision].forEach((model) => model.dispose());
    return;
  }
  const { images, labels } = batch(6);
  tf.tidy(() => {
    const expected = float32Step.run(images, labels);
    const actual = bfloat16Step.run(images, labels);
    assert.is(bfloat16Step.kind, "compiled");
    assert.ok(relativeDifference(actual.loss, expected.loss) < 1e-3, "loss");
    // bfloat16 keeps 8 significant bits (0.4% rounding); through seven convolutions and the batch norms'
    // mean-subtracting gradients, about 1–2% of a gradient's direction changes (cosine ≈ 0.99).
    actual.gradients.forEach((gradient, i) => {
      const cosine = tf.tidy(() => tf.sum(tf.mul(gradient, expected.gradients[i])).dataSync()[0] / (tf.norm(gradient).dataSync()[0] * tf.norm(expected.gradients[i]).dataSync()[0]));
      assert.ok(cosine > 0.97, `${lowPrecision.trainable[i].name}'s gradient is at cosine ${cosine} to float32's`);
    });
    const largest = Math.max(...actual.gradients.map((gradient, i) => relativeDifference(gradient, expected.gradients[i])));
    assert.ok(largest > 1e-4, `the convolutions ran in bfloat16 (float32 agrees to 1e-5; largest difference ${largest})`);
  });
  assert.throws(() => new AirbenchGradientStep(lowPrecision, { labelSmoothing: SMOOTHING, kind: "eager", convolutionPrecision: "bfloat16" }), /only in the compiled step/);
  tf.dispose([images, labels]);
  [float32Step, bfloat16Step].forEach((step) => step.dispose());
  [reference, lowPrecision].forEach((model) => model.dispose());
});

test.run();
