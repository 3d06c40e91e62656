import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  AIRBENCH_RECIPE,
  AIRBENCH_INGREDIENTS,
  checkRecipe,
  sgdSettings,
  withoutIngredient,
  type AirbenchIngredient,
} from "../../../src/training";

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
  assert.throws(() => checkRecipe({ ...AIRBENCH_RECIPE, convolutionPrecision: "float16" as never }), /convolutionPrecision must be "float32" or "bfloat16" \(got "float16"\)/);
  assert.is(checkRecipe(AIRBENCH_RECIPE), AIRBENCH_RECIPE);
});

test.run();
