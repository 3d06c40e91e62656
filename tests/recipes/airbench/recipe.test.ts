import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../../src/native/backend";

import { streamSeed } from "../../../src/data/random";
import { AIRBENCH_WHITENING } from "../../../src/recipes/airbench/whitening";
import { SEED_LIMIT } from "../../../src/seed";
import { ImageSet } from "../../../src/data";
import { resolveTrainingSettings } from "../../../src/training";
import { SMALL_RECIPE, tinyCifar, tinyMnist } from "./fixtures";
import { AIRBENCH_VALIDATION_IMAGES, airbenchValidationSplit, AIRBENCH_INGREDIENTS, AIRBENCH_RECIPE, AIRBENCH_SCHEDULE, EpochBatches, airbenchModel, airbenchTraining, checkRecipe, recipeFor, sgdSettings, type AirbenchIngredient, type AirbenchRecipe, withoutIngredient } from "../../../src/recipes";

const close = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${what}: ${actual} instead of ${expected}`);

test("sgdSettings: airbench's 11.5 per 1024 examples at momentum 0.85 is a rate of 1.5 on the batch-mean loss of 1024 images", () => {
  // airbench sums the loss and steps by 11.5 / (1024 · (1 + 1/0.15)) = 11.5 / 7850.67 per example.
  close(sgdSettings({ ...AIRBENCH_RECIPE, batchSize: 1024 }).learningRate, 1.5, "batch 1024");
  close(sgdSettings(AIRBENCH_RECIPE).learningRate, 0.75, "the recipe's batch of 512");
  close(sgdSettings({ ...AIRBENCH_RECIPE, batchSize: 256 }).learningRate, 0.375, "batch 256: the same rate per example");
  close(sgdSettings({ ...AIRBENCH_RECIPE, batchSize: 1024, momentum: 0.9 }).learningRate, 11.5 / 11, "momentum 0.9: steps 1 + 1/0.1 = 11 times the gradient");
});

test("sgdSettings: the weights shrink per step by airbench's 0.0153 · batch / 7850.67, for batch-norm offsets too", () => {
  for (const batchSize of [1024, 256]) {
    const recipe = { ...AIRBENCH_RECIPE, batchSize };
    const settings = sgdSettings(recipe);
    const airbenchShrinkPerStep = (0.0153 * batchSize) / 7850.666666666667;
    close(settings.learningRate * settings.weightDecay, airbenchShrinkPerStep, `weights, batch ${batchSize}`);
    close(64 * settings.learningRate * settings.normOffsetWeightDecay, airbenchShrinkPerStep, `norm offsets, batch ${batchSize}`);
  }
});

test("withoutIngredient switches off exactly its own fields; every ingredient has its one-line description", () => {
  const changed = (ingredient: AirbenchIngredient) => {
    const recipe = withoutIngredient(AIRBENCH_RECIPE, ingredient) as unknown as Record<string, unknown>;
    const original = AIRBENCH_RECIPE as unknown as Record<string, unknown>;
    return Object.fromEntries(Object.keys(original).filter((key) => recipe[key] !== original[key]).map((key) => [key, recipe[key]]));
  };
  assert.equal(changed("whitening"), { whitening: false });
  assert.equal(changed("computed-first-layer"), { whitening: false, trainFirstLayer: true });
  assert.equal(changed("batch-norm"), { batchNorm: false });
  assert.equal(changed("gelu"), { activation: "relu" });
  assert.equal(changed("nesterov-sgd"), { optimizer: "adam" });
  assert.equal(changed("label-smoothing"), { labelSmoothing: 0 });
  assert.equal(changed("augmentation"), { translate: 0, flip: false });
  assert.equal(changed("flip"), { flip: false });
  assert.equal(changed("lookahead"), { lookahead: null });
  assert.equal(changed("schedule"), { schedule: null });
  assert.equal(changed("norm-offset-rate"), { normOffsetLearningRateScale: 1 });
  assert.equal(changed("test-time-augmentation"), { testTimeAugmentation: "none" });
  for (const [ingredient, description] of Object.entries(AIRBENCH_INGREDIENTS)) {
    assert.ok(description.length > 20 && !description.includes("\n"), ingredient);
    checkRecipe(withoutIngredient(AIRBENCH_RECIPE, ingredient as AirbenchIngredient));
  }
});

test("checkRecipe names every field that makes no sense", () => {
  assert.throws(
    () => checkRecipe({ ...AIRBENCH_RECIPE, epochs: 0, batchSize: 10.5, momentum: 1, testTimeAugmentation: "flips" as never }),
    (error: Error) =>
      /^airbench recipe: epochs must be a number > 0 \(got 0\); batchSize must be a whole number ≥ 1 \(got 10\.5\); momentum must be from 0 up to \(not including\) 1 \(got 1\); testTimeAugmentation must be/.test(
        error.message,
      ),
  );
  assert.throws(() => checkRecipe({ ...AIRBENCH_RECIPE, step: "float16" as never }), /step must be one of "compiled", "compiled-bfloat16", "eager" \(got "float16"\)/);
  assert.is(checkRecipe(AIRBENCH_RECIPE), AIRBENCH_RECIPE);
});

/** airbenchTraining for a model built from `recipe` (disposed after `body`). */
async function withTraining<T>(
  recipe: AirbenchRecipe,
  settings: { seed: number; stepScale?: number; retrain?: boolean },
  body: (training: ReturnType<typeof airbenchTraining>, model: ReturnType<typeof airbenchModel>) => T,
): Promise<T> {
  const { train, test: testSet } = await tinyCifar();
  const model = airbenchModel(recipe, { seed: 1 });
  try {
    return body(airbenchTraining(model, train, testSet, { recipe, ...settings }), model);
  } finally {
    model.dispose();
  }
}

test("airbenchTraining: Nesterov SGD with sgdSettings' numbers, norm offsets 64× faster, the whitening bias frozen after its epochs", async () => {
  const { test: testSet } = await tinyCifar();
  await withTraining(SMALL_RECIPE, { seed: 3 }, ({ recipe, options }, model) => {
    assert.equal(recipe, SMALL_RECIPE);
    const { learningRate, weightDecay, normOffsetWeightDecay } = sgdSettings(SMALL_RECIPE);
    assert.equal(options.optimizer, {
      kind: "nesterov-sgd",
      learningRate,
      momentum: 0.85,
      weightDecay,
      roles: { "norm-offset": { learningRateScale: 64, weightDecay: normOffsetWeightDecay } },
      freezeFromEpoch: { "whitening-bias": 2 },
    });
    // Every role the optimizer settings name is one of the model's.
    assert.ok(model.variableRoles.includes("norm-offset") && model.variableRoles.includes("whitening-bias"));
    assert.is(options.schedule, AIRBENCH_SCHEDULE);
    assert.is(options.labelSmoothing, 0.2);
    assert.is(options.keepProb, 1);
    assert.is(options.logEvery, null);
    assert.equal(options.lookahead, SMALL_RECIPE.lookahead);
    assert.is(options.step, SMALL_RECIPE.step);
    assert.is(options.testSet, testSet);
    assert.is(options.retrain, false);
    // The engine takes them as they are.
    const settings = resolveTrainingSettings(model, options);
    assert.is(settings.steps, 40);
    assert.equal(settings.optimizer, options.optimizer);
  });
  await withTraining(withoutIngredient(SMALL_RECIPE, "norm-offset-rate"), { seed: 3, retrain: true }, ({ options }) => {
    const { weightDecay } = sgdSettings(SMALL_RECIPE);
    assert.equal(options.optimizer?.kind === "nesterov-sgd" && options.optimizer.roles, { "norm-offset": { learningRateScale: 1, weightDecay } });
    assert.is(options.retrain, true);
  });
});

test("airbenchTraining: steps = ceil(stepsPerEpoch × epochs), the epochs scaled by stepScale; the batches are full ones of the recipe's size", async () => {
  const { train } = await tinyCifar();
  const steps = (recipe: AirbenchRecipe, stepScale?: number) =>
    withTraining(recipe, { seed: 3, stepScale }, ({ recipe: scaled, batches, options }) => {
      assert.instance(batches, EpochBatches);
      assert.is(batches.stepsPerEpoch, Math.floor(train.count / recipe.batchSize));
      assert.equal(batches.identity, { dataset: train.datasetId, batchSize: recipe.batchSize, order: batches.identity.order });
      return [scaled.epochs, options.steps];
    });
  assert.equal(await steps(SMALL_RECIPE), [4, 40]);
  assert.equal(await steps(SMALL_RECIPE, 0.5), [2, 20]);
  assert.equal(await steps({ ...SMALL_RECIPE, epochs: 2.05 }), [2.05, 21], "a partial last epoch is rounded up to a whole step");
  assert.equal(await steps({ ...SMALL_RECIPE, batchSize: 64 }), [4, 28], "500 images: 7 full batches of 64 an epoch");
  assert.equal(await steps(SMALL_RECIPE, 0.01), [0.04, 1], "at least one step");
  for (const stepScale of [0, -1, NaN, Infinity]) {
    const error = await steps(SMALL_RECIPE, stepScale).then(() => null, (rejected: Error) => rejected);
    assert.match(error?.message ?? "no error", new RegExp(`^stepScale ${stepScale} is not valid: expected a number in \\(0, 10\\]`), `stepScale ${stepScale}`);
  }
});

test("airbenchTraining: the first layer is prepared from the training images (whitening) or from the seed (random filters), recorded in the run's key", async () => {
  const { train } = await tinyCifar();
  await withTraining(SMALL_RECIPE, { seed: 3 }, ({ options }, model) => {
    assert.equal(options.prepare?.what, { firstLayer: "whitening", images: train.count, settings: AIRBENCH_WHITENING });
    options.prepare?.run(model);
    const expected = airbenchModel(SMALL_RECIPE, { seed: 9 });
    tf.tidy(() => expected.initializeWhitening(train.images()));
    const [prepared, whitened] = tf.tidy(() => [model.whiteningFilter.read().arraySync(), expected.whiteningFilter.read().arraySync()]);
    expected.dispose();
    assert.equal(prepared, whitened);
  });
  const randomFilters = (seed: number) =>
    withTraining(withoutIngredient(SMALL_RECIPE, "whitening"), { seed }, ({ options }, model) => {
      const firstLayerSeed = streamSeed(seed, "firstLayer") % SEED_LIMIT;
      assert.equal(options.prepare?.what, { firstLayer: "random", seed: firstLayerSeed });
      options.prepare?.run(model);
      const values = tf.tidy(() => Array.from(model.whiteningFilter.read().dataSync()));
      const expected = airbenchModel(SMALL_RECIPE, { seed: 9 });
      expected.initializeRandomFilters(firstLayerSeed);
      assert.equal(values, tf.tidy(() => Array.from(expected.whiteningFilter.read().dataSync())));
      expected.dispose();
      return values;
    });
  const random = await randomFilters(3);
  // PyTorch's initialisation: uniform in ±1/√fan-in (fan-in 2·2·3), all different.
  assert.ok(random.every((value) => Math.abs(value) <= 1 / Math.sqrt(12)) && new Set(random).size === random.length);
  // Whitening filters come in ± pairs (filter k + 12 is the negative of filter k); random ones do not.
  assert.ok(random.some((value, i) => (i % 24 < 12 ? Math.abs(value + random[i + 12]) > 1e-3 : false)));
  assert.not.equal(await randomFilters(4), random, "another training seed, other filters");
});

test("airbenchTraining: MNIST-shaped data (28×28, one channel) is a clear error, not a stretched image", async () => {
  const mnist = await tinyMnist();
  const cifar = await tinyCifar();
  const model = airbenchModel(SMALL_RECIPE, { seed: 1 });
  try {
    assert.throws(
      () => airbenchTraining(model, mnist.train, mnist.test, { recipe: SMALL_RECIPE, seed: 1 }),
      (error: Error) => error.message === `airbench takes CIFAR-10's 32×32 colour images; got 28×28×1 training images (${mnist.train.datasetId}).`,
    );
    // The test set too, before any training: it is evaluated after each epoch.
    assert.throws(
      () => airbenchTraining(model, cifar.train, mnist.test, { recipe: SMALL_RECIPE, seed: 1 }),
      (error: Error) => error.message === `airbench takes CIFAR-10's 32×32 colour images; got 28×28×1 test images (${mnist.test.datasetId}).`,
    );
  } finally {
    model.dispose();
  }
});

test("airbenchTraining: a model of other widths, a bad seed, a bad recipe or a batch larger than the training set is a clear error", async () => {
  const { train, test: testSet } = await tinyCifar();
  const narrow = airbenchModel({ widths: { whitening: 24, blocks: [8, 8, 8] } }, { seed: 1 });
  const model = airbenchModel(SMALL_RECIPE, { seed: 1 });
  try {
    assert.throws(
      () => airbenchTraining(narrow, train, testSet, { recipe: SMALL_RECIPE, seed: 1 }),
      /^airbench: the model's widths 24\/8\/8\/8 differ from the recipe's 24\/16\/32\/32; build it with airbenchModel\(recipe\)\.$/,
    );
    assert.throws(() => airbenchTraining(model, train, testSet, { recipe: SMALL_RECIPE, seed: -1 }), /^airbench: seed -1 is not valid/);
    assert.throws(() => airbenchTraining(model, train, testSet, { recipe: { ...SMALL_RECIPE, momentum: 1 }, seed: 1 }), /^airbench recipe: momentum must be/);
    assert.throws(
      () => airbenchTraining(model, train, testSet, { recipe: { ...SMALL_RECIPE, batchSize: 1024 }, seed: 1 }),
      /batch size of 1024 is larger than the 500 training images; pass a smaller recipe batchSize \(e\.g\. recipe: { batchSize: 50 }\)/,
    );
  } finally {
    narrow.dispose();
    model.dispose();
  }
});

test("recipeFor: the recipe with changes; a stand-in set of fewer than ten batches gets batches of a tenth of its images unless the changes set one", () => {
  assert.equal(recipeFor({ count: 50000 }), AIRBENCH_RECIPE);
  assert.equal(recipeFor({ count: 50000 }, { epochs: 4.1 }), { ...AIRBENCH_RECIPE, epochs: 4.1 });
  assert.is(recipeFor({ count: 500 }).batchSize, 50);
  assert.is(recipeFor({ count: 5 }).batchSize, 1);
  assert.is(recipeFor({ count: 500 }, { batchSize: 64 }).batchSize, 64);
  assert.throws(() => recipeFor({ count: 500 }, { epochs: -1 }), /^airbench recipe: epochs must be a number > 0 \(got -1\)\.$/);
});

/** `count` images of 1×1 pixel (its value tells them apart), labels 0–9 in turn. */
function cycledSet(count: number): ImageSet {
  return new ImageSet({ pixels: Uint8Array.from({ length: count }, (_, i) => i % 251), labels: Uint8Array.from({ length: count }, (_, i) => i % 10), height: 1, width: 1, channels: 1, numClasses: 10, datasetId: `cycled:${count}` });
}

test("airbenchValidationSplit: 5,000 of CIFAR-10's 50,000 training images, a tenth of a smaller set, the same number of each class", () => {
  const full = airbenchValidationSplit(cycledSet(50000), 42);
  assert.is(full.validation.count, AIRBENCH_VALIDATION_IMAGES);
  assert.is(full.train.count, 45000);
  assert.equal(full.validation.classCounts(), new Array(10).fill(500));
  // A quick run's subset (the tests' 500 images) keeps 450 to train on instead of failing.
  const small = airbenchValidationSplit(cycledSet(500), 42);
  assert.equal([small.train.count, small.validation.count], [450, 50]);
  assert.equal(small.validation.classCounts(), new Array(10).fill(5));
  // The same seed holds out the same images.
  assert.equal(Array.from(airbenchValidationSplit(cycledSet(500), 42).validation.pixels), Array.from(small.validation.pixels));
  assert.not.equal(Array.from(airbenchValidationSplit(cycledSet(500), 7).validation.pixels), Array.from(small.validation.pixels));
});

test.run();
