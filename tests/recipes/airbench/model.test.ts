import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../../src/native/backend";
import { AirbenchModel, CIFAR10_MEAN, CIFAR10_STD, normalizeCifar } from "../../../src/recipes/airbench/model";
import { liveNativeHandles } from "../../../src/native/ops";
import { whiteningFilters } from "../../../src/recipes/airbench/whitening";
import { NesterovSgdOptimizer } from "../../../src/training/sgd";
import { labelSmoothedCrossEntropy } from "../../../src/training/label-smoothing";
import { AIRBENCH_LABEL_SMOOTHING } from "../../../src/recipes/airbench/recipe";
import { TrainingStepper } from "../../../src/training/step";

/** Random images with pixel values in [0, 1], as the model takes them. */
const images = (count: number, seed: number) => tf.randomUniform([count, 32, 32, 3], 0, 1, "float32", seed) as tf.Tensor4D;

// airbench93's layers as [height, width, in, out] and the output size each convolution runs at (VALID pooling: 31 → 15 → 7 → 3).
const convolutions: Array<{ filter: [number, number, number, number]; outputSide: number }> = [
  { filter: [2, 2, 3, 24], outputSide: 31 },
  { filter: [3, 3, 24, 64], outputSide: 31 },
  { filter: [3, 3, 64, 64], outputSide: 15 },
  { filter: [3, 3, 64, 128], outputSide: 15 },
  { filter: [3, 3, 128, 128], outputSide: 7 },
  { filter: [3, 3, 128, 128], outputSide: 7 },
  { filter: [3, 3, 128, 128], outputSide: 3 },
];
const product = (values: number[]) => values.reduce((a, b) => a * b, 1);

test("airbench93: parameters are its filters, the whitening bias, one offset per normalised channel and the 128×10 linear layer", () => {
  const model = new AirbenchModel({ seed: 1 });
  const filters = convolutions.reduce((sum, { filter }) => sum + product(filter), 0);
  const offsets = 24 + 2 * (64 + 128 + 128);
  assert.is(model.parameterCount, filters + offsets + 128 * 10);
  model.dispose();
});

test("airbench93: multiply-adds per image are the convolutions' at their output sizes plus the linear layer's (about 54 M)", () => {
  const model = new AirbenchModel({ seed: 1 });
  const expected = convolutions.reduce((sum, { filter, outputSide }) => sum + outputSide * outputSide * product(filter), 0) + 128 * 10;
  assert.is(model.multiplyAddsPerImage(), expected);
  assert.ok(expected > 54e6 && expected < 55e6);
  model.dispose();
});

test("airbench: each block's first filters start as identities (dirac), so the block passes its input channels through", () => {
  const model = new AirbenchModel({ seed: 1 });
  tf.tidy(() => {
    const filter = model.variables[model.variableRoles.indexOf("convolution")].read() as tf.Tensor4D;
    const input = tf.randomNormal([1, 5, 5, 24], 0, 1, "float32", 3) as tf.Tensor4D;
    const out = tf.conv2d(input, filter, 1, "same");
    const passed = tf.slice(out, [0, 0, 0, 0], [-1, -1, -1, 24]);
    assert.ok(tf.max(tf.abs(tf.sub(passed, input))).dataSync()[0] < 1e-6);
  });
  model.dispose();
});

test("airbench: variables, roles and state: the whitening bias, two filters and offsets per block and the linear layer trained; the whitening filter and running statistics saved", () => {
  const model = new AirbenchModel({ widths: { whitening: 24, blocks: [8, 16, 16] }, seed: 1 });
  const blocks = [1, 2, 3].flatMap((block) => [1, 2].map((conv) => `block${block}/conv${conv}`));
  assert.equal(
    model.variables.map((variable) => variable.name),
    ["whitening/bias", ...blocks.flatMap((name) => [`${name}/filter`, `${name}/norm-offset`]), "linear/weight"],
  );
  assert.equal(model.variableRoles, ["whitening-bias", ...blocks.flatMap(() => ["convolution", "norm-offset"]), "linear"]);
  assert.equal(
    model.state.map((variable) => variable.name),
    ["whitening/filter", ...blocks.flatMap((name) => [`${name}/running-mean`, `${name}/running-variance`])],
  );
  assert.is(model.state[0], model.whiteningFilter);
  assert.equal(model.state.slice(1), [...model.runningStatistics]);
  assert.equal(model.architecture, {
    key: "airbench",
    widths: { whitening: 24, blocks: [8, 16, 16] },
    batchNorm: model.batchNorm,
    normalization: { mean: CIFAR10_MEAN, std: CIFAR10_STD },
  });
  assert.is(model.title, "airbench (8/16/16)");
  model.dispose();
});

test("normalizeCifar subtracts the CIFAR-10 mean and divides by the standard deviation, per channel", () => {
  const normalized = tf.tidy(() => normalizeCifar(tf.fill([1, 32, 32, 3], 0.5) as tf.Tensor4D).arraySync()[0][7][9]);
  normalized.forEach((value, channel) => assert.ok(Math.abs(value - (0.5 - CIFAR10_MEAN[channel]) / CIFAR10_STD[channel]) < 1e-5));
});

test("airbench: initializeWhitening takes images in [0, 1] and whitens them normalised; initializeRandomFilters draws from its seed", () => {
  const model = new AirbenchModel({ widths: { whitening: 24, blocks: [8, 8, 8] }, seed: 1 });
  const filter = () => tf.tidy(() => Array.from(model.whiteningFilter.read().dataSync()));
  const x = images(16, 7);
  tf.tidy(() => model.initializeWhitening(x));
  const expected = tf.tidy(() => {
    const { filters, eigenvalues } = whiteningFilters(normalizeCifar(x));
    eigenvalues.dispose();
    return Array.from(filters.dataSync());
  });
  filter().forEach((value, i) => assert.ok(Math.abs(value - expected[i]) < 1e-5, `value ${i}: ${value} vs ${expected[i]}`));
  model.initializeRandomFilters(3);
  const random = filter();
  assert.ok(random.every((value) => Math.abs(value) <= 1 / Math.sqrt(12)) && new Set(random).size === random.length);
  model.initializeRandomFilters(3);
  assert.equal(filter(), random, "the same seed, the same filters");
  model.initializeRandomFilters(4);
  assert.not.equal(filter(), random);
  x.dispose();
  model.dispose();
});

test("airbench: trainingForward returns the running statistics blended towards the batch's without writing them; logits reads them", () => {
  const model = new AirbenchModel({ seed: 2 });
  const runningMean = () => tf.tidy(() => Array.from(model.runningStatistics[0].read().dataSync()));
  assert.is(model.runningStatistics[0].name, "block1/conv1/running-mean");
  tf.tidy(() => model.initializeWhitening(images(4, 4)));
  const before = runningMean();
  const x = images(4, 5);
  const inference = tf.tidy(() => Array.from(model.logits(x).dataSync()));
  assert.equal(runningMean(), before, "inference leaves them");
  const updated = tf.tidy(() => {
    const values = model.variables.map((variable) => variable.read());
    const stateValues = model.state.map((variable) => variable.read());
    const { logits, state } = model.trainingForward(x, values, stateValues, 1);
    assert.equal(logits.shape, [4, 10]);
    assert.is(state.length, model.state.length);
    assert.is(state[0], stateValues[0], "the whitening filter is passed through unchanged");
    assert.ok(state.slice(1).every((next, i) => next !== stateValues[i + 1]), "every running statistic is new");
    return state.map((next) => tf.keep(next.clone()));
  });
  assert.equal(runningMean(), before, "the training pass writes no variable");
  assert.not.equal(Array.from(updated[1].dataSync()), before, "training moves them");
  // Inference mode reads the running statistics: once assigned, its logits change.
  model.state.forEach((variable, i) => variable.assign(updated[i]));
  assert.not.equal(tf.tidy(() => Array.from(model.logits(x).dataSync())), inference);
  tf.dispose([x, ...updated]);
  model.dispose();
});

test("airbench: a few Nesterov SGD steps on one small batch lower its label-smoothed loss; dispose frees every variable", () => {
  const handlesBefore = liveNativeHandles();
  const model = new AirbenchModel({ seed: 3 });
  const x = images(8, 6);
  const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], "int32"), 10).toFloat() as tf.Tensor2D;
  tf.tidy(() => model.initializeWhitening(x));
  const optimizer = new NesterovSgdOptimizer(
    model.variables,
    { learningRate: 0.05, momentum: 0.85 },
    model.variableRoles.map((role) => ({ learningRateScale: role === "norm-offset" ? 64 : 1 })),
  );
  const lossAndStep = () =>
    tf.tidy(() => {
      const values = model.variables.map((variable) => variable.read());
      const stateValues = model.state.map((variable) => variable.read());
      const loss = (...current: tf.Tensor[]) => labelSmoothedCrossEntropy(model.trainingForward(x, current, stateValues, 1).logits, labels, AIRBENCH_LABEL_SMOOTHING);
      const { value, grads } = tf.valueAndGrads(loss)(values);
      optimizer.applyGradients(grads);
      return value.dataSync()[0];
    });
  const first = lossAndStep();
  let last = first;
  for (let step = 0; step < 4; step++) {
    last = lossAndStep();
  }
  assert.ok(last < first, `loss ${first} → ${last}`);
  optimizer.dispose();
  model.dispose();
  tf.dispose([x, labels]);
  assert.is(liveNativeHandles(), handlesBefore);
});

test("airbench: a whitening width that is not a whole number ≥ 1 is refused before any variable is made", () => {
  const handlesBefore = liveNativeHandles();
  for (const whitening of [0, -24, 2.5, NaN, Infinity]) {
    assert.throws(
      () => new AirbenchModel({ widths: { whitening, blocks: [8, 8, 8] }, seed: 1 }),
      (error: Error) => error.message === `AirbenchModel: widths.whitening must be a whole number ≥ 1 (24 to whiten 2×2 patches), got ${whitening}.`,
      `whitening ${whitening}`,
    );
  }
  assert.is(liveNativeHandles(), handlesBefore);
});

test("airbench: block widths that are not three whole numbers ≥ 1 are refused", () => {
  const cases: Array<[unknown, string]> = [
    [[8, 0, 8], "[8, 0, 8]"],
    [[8, 8, 1.5], "[8, 8, 1.5]"],
    [[NaN, 8, 8], "[NaN, 8, 8]"],
    [[8, 8], "[8, 8]"],
    [[8, 8, 8, 8], "[8, 8, 8, 8]"],
    [undefined, "undefined"],
  ];
  for (const [blocks, shown] of cases) {
    assert.throws(
      () => new AirbenchModel({ widths: { whitening: 24, blocks: blocks as [number, number, number] }, seed: 1 }),
      (error: Error) => error.message === `AirbenchModel: widths.blocks must be three whole numbers ≥ 1, got ${shown}.`,
      `blocks ${shown}`,
    );
  }
});

test("airbench: a seed outside checkSeed's range is refused, naming the model and the seed", () => {
  for (const seed of [-1, 0.5, 2 ** 31, NaN]) {
    assert.throws(() => new AirbenchModel({ widths: { whitening: 24, blocks: [8, 8, 8] }, seed }), new RegExp(`^AirbenchModel: seed ${seed} is not valid`), `seed ${seed}`);
  }
  // Without a seed the model is seeded randomly, and says so (such runs are not cached).
  const small = new AirbenchModel({ widths: { whitening: 8, blocks: [1, 1, 1] } });
  const other = new AirbenchModel({ widths: { whitening: 8, blocks: [1, 1, 1] } });
  assert.is(small.seed, undefined);
  const linear = (model: AirbenchModel) => tf.tidy(() => Array.from(model.variables[model.variables.length - 1].read().dataSync()));
  assert.not.equal(linear(small), linear(other), "two unseeded models start from different weights");
  small.dispose();
  other.dispose();
});

test("the ablation's variants: ReLU, no batch norm, a trained first layer; each has what it changes in its architecture, and its compiled step matches the eager one", () => {
  const handlesBefore = liveNativeHandles();
  const widths = { whitening: 24, blocks: [8, 8, 8] as [number, number, number] };
  const x = images(16, 11);
  const labels = tf.oneHot(tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 10), "int32"), 10).toFloat() as tf.Tensor2D;
  const build = (options: ConstructorParameters<typeof AirbenchModel>[0]) => {
    const model = new AirbenchModel({ widths, seed: 5, ...options });
    tf.tidy(() => model.initializeWhitening(x));
    return model;
  };
  const plain = build({});
  assert.not.ok("activation" in plain.architecture || "firstLayer" in plain.architecture, "airbench's own architecture keeps its fields");
  const relu = build({ activation: "relu" });
  assert.is(relu.architecture.activation, "relu");
  const logitsDiffer = tf.tidy(() => tf.max(tf.abs(tf.sub(plain.logits(x), relu.logits(x)))).dataSync()[0]);
  assert.ok(logitsDiffer > 1e-4, "ReLU changes the logits");
  const unnormalised = build({ batchNorm: null });
  assert.is(unnormalised.architecture.batchNorm, null);
  assert.is(unnormalised.state.length, 1, "only the whitening filter: no running statistics");
  const trainedFirst = build({ trainFirstLayer: true });
  assert.is(trainedFirst.architecture.firstLayer, "trained");
  assert.is(trainedFirst.variables[0], trainedFirst.whiteningFilter);
  assert.is(trainedFirst.variableRoles[0], "convolution");
  assert.is(trainedFirst.state.length, 12, "the running statistics alone");
  assert.is(trainedFirst.parameterCount, plain.parameterCount);
  [plain, relu, unnormalised, trainedFirst].forEach((model) => model.dispose());

  // Each variant's compiled step against the eager one, from the same weights: the same losses over three steps.
  for (const options of [{ activation: "relu" as const }, { batchNorm: null }, { trainFirstLayer: true }]) {
    const losses = (["compiled", "eager"] as const).map((kind) => {
      const model = build(options);
      const optimizer = new NesterovSgdOptimizer(model.variables, { learningRate: 0.05, momentum: 0.85 });
      const stepper = new TrainingStepper(model, optimizer, kind, { keepProb: 1, labelSmoothing: AIRBENCH_LABEL_SMOOTHING });
      const filterBefore = model.whiteningFilter.read().dataSync().slice();
      const values = [0, 1, 2].map(() => {
        const { loss, accuracy } = stepper.step({ xs: x, ys: labels });
        const value = loss.dataSync()[0];
        tf.dispose([loss, accuracy]);
        return value;
      });
      const filterMoved = model.whiteningFilter.read().dataSync().some((value, i) => value !== filterBefore[i]);
      assert.is(filterMoved, options.trainFirstLayer === true, `${JSON.stringify(options)} ${kind}: the first layer's filter moves only when trained`);
      stepper.dispose();
      optimizer.dispose();
      model.dispose();
      return values;
    });
    losses[0].forEach((loss, i) => assert.ok(Math.abs(loss - losses[1][i]) < 1e-4 * Math.max(1, Math.abs(loss)), `${JSON.stringify(options)} step ${i}: compiled ${loss}, eager ${losses[1][i]}`));
  }
  tf.dispose([x, labels]);
  assert.is(liveNativeHandles(), handlesBefore);
});

test.run();
