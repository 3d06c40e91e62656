import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../../src/backend";
import { AirbenchModel } from "../../../src/models/airbench";
import { liveNativeHandles } from "../../../src/native/ops";
import { airbenchAccuracy, stepCounts, trainAirbench, type AirbenchRecipe, type EpochRecord, type LookaheadSettings } from "../../../src/training";
import { quiet, SMALL_RECIPE, tinyCifar } from "./fixtures";

/** Every value the model's predictions depend on, variable by variable. */
function state(model: AirbenchModel): number[][] {
  return tf.tidy(() => [model.whiteningFilter, ...model.trainable, ...model.runningStatistics].map((variable) => Array.from(variable.read().dataSync())));
}

async function run(recipe: AirbenchRecipe, seed: number, onEpoch?: (record: EpochRecord, model: AirbenchModel) => void) {
  const { train, test: testSet } = await tinyCifar();
  const model = new AirbenchModel({ widths: recipe.widths, seed });
  const training = await trainAirbench(model, train, testSet, recipe, { seed, ...quiet, onEpoch: (record) => onEpoch?.(record, model) });
  return { model, training };
}

test("on tiny CIFAR the cost falls epoch by epoch and the test accuracy ends far above chance", async () => {
  const { model, training } = await run(SMALL_RECIPE, 1);
  const costs = training.epochs.map((epoch) => epoch.trainCost);
  assert.is(training.epochs.length, 4);
  assert.equal(training.epochs.map((epoch) => [epoch.epoch, epoch.steps]), [[1, 10], [2, 20], [3, 30], [4, 40]]);
  costs.slice(1).forEach((cost, i) => assert.ok(cost < costs[i], `epoch ${i + 2}: ${costs}`));
  assert.ok(training.epochs[3].testAccuracy > 0.6, `test accuracy ${training.epochs[3].testAccuracy}`);
  assert.ok(training.epochs.every((epoch, i) => epoch.seconds > 0 && (i === 0 || epoch.seconds > training.epochs[i - 1].seconds)));
  model.dispose();
});

test("a fractional number of epochs ends with a partial epoch, evaluated too", async () => {
  const { model, training } = await run({ ...SMALL_RECIPE, epochs: 1.5 }, 1);
  assert.equal(training.epochs.map((epoch) => [epoch.epoch, epoch.steps]), [[1, 10], [1.5, 15]]);
  assert.is(training.steps, 15);
  model.dispose();
});

test("the same seed gives the same weights and figures; another seed other weights", async () => {
  const recipe = { ...SMALL_RECIPE, epochs: 2 };
  const first = await run(recipe, 5);
  const second = await run(recipe, 5);
  const other = await run(recipe, 6);
  assert.equal(state(second.model), state(first.model));
  assert.equal(
    second.training.epochs.map(({ trainCost, testAccuracy }) => [trainCost, testAccuracy]),
    first.training.epochs.map(({ trainCost, testAccuracy }) => [trainCost, testAccuracy]),
  );
  assert.not.equal(state(other.model), state(first.model));
  [first, second, other].forEach(({ model }) => model.dispose());
});

test("the whitening bias changes while it is trained and stays fixed from epoch whiteningBiasEpochs on", async () => {
  const biases: number[][] = [];
  const { model } = await run(SMALL_RECIPE, 2, (_record, trained) => {
    biases.push(tf.tidy(() => Array.from(trained.trainable[trained.roles.indexOf("whitening-bias")].read().dataSync())));
  });
  // After epochs 1 to 4; frozen from the third epoch (epoch index 2) on.
  assert.not.equal(biases[1], biases[0]);
  assert.equal(biases[2], biases[1]);
  assert.equal(biases[3], biases[1]);
  model.dispose();
});

test("without whitening the first layer has random filters (not the data's), still frozen", async () => {
  const { model } = await run({ ...SMALL_RECIPE, epochs: 0.2, whitening: false }, 3);
  const { model: whitened } = await run({ ...SMALL_RECIPE, epochs: 0.2 }, 3);
  const filters = (m: AirbenchModel) => tf.tidy(() => Array.from(m.whiteningFilter.read().dataSync()));
  const random = filters(model);
  const bound = 1 / Math.sqrt(12);
  assert.ok(random.every((value) => Math.abs(value) <= bound) && new Set(random).size === random.length);
  // Whitening filters come in ± pairs: filter k + 12 is the negative of filter k.
  const whitenedFilters = filters(whitened);
  assert.ok(whitenedFilters.every((value, i) => (i % 24 < 12 ? Math.abs(value + whitenedFilters[i + 12]) < 1e-6 : true)));
  assert.ok(random.some((value, i) => (i % 24 < 12 ? Math.abs(value + random[i + 12]) > 1e-3 : false)));
  [model, whitened].forEach((m) => m.dispose());
});

test("training leaks no tensors or native handles, within a run (flat across epochs) or after dispose", async () => {
  const { train, test: testSet } = await tinyCifar();
  const [tensors, handles] = [tf.memory().numTensors, liveNativeHandles()];
  const perEpoch: Array<[number, number]> = [];
  // Averaging from the first epoch on, so that its state exists at every epoch's end.
  const recipe = { ...SMALL_RECIPE, lookahead: { ...(SMALL_RECIPE.lookahead as LookaheadSettings), startEpoch: 0 } };
  const { model } = await run(recipe, 4, () => perEpoch.push([tf.memory().numTensors, liveNativeHandles()]));
  assert.ok(perEpoch.every(([t, h]) => t === perEpoch[0][0] && h === perEpoch[0][1]), JSON.stringify(perEpoch));
  airbenchAccuracy(model, testSet, "mirror-translate");
  model.dispose();
  assert.is(tf.memory().numTensors, tensors);
  assert.is(liveNativeHandles(), handles);
  assert.ok(train.count > 0);
});

test("a batch larger than the training set is a clear error", () => {
  assert.throws(() => stepCounts(500, { ...SMALL_RECIPE, batchSize: 1024 }), /batch size of 1024 is larger than the 500 training images; pass a smaller recipe batchSize/);
  assert.equal(stepCounts(500, { ...SMALL_RECIPE, epochs: 2.05 }), { perEpoch: 10, total: 21 });
});

test.run();
