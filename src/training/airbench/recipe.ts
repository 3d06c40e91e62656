/**
 * airbench's training recipe (Keller Jordan's airbench93) as one object, so an
 * ablation can switch its ingredients off one at a time. The optimizer's
 * numbers are airbench's own, in its "decoupled" form (per 1024 examples,
 * independent of momentum); sgdSettings converts them for this project's
 * batch-mean loss.
 */
import { createHash } from "node:crypto";
import { AIRBENCH93_WIDTHS, type AirbenchWidths } from "../../models/airbench";
import type { ConvolutionPrecision } from "../../compiled/trace";
import { AIRBENCH_SCHEDULE, type TriangularSchedule } from "../schedule";

export type { ConvolutionPrecision };

/** airbench's weight averaging: every few steps the weights move to an average of their recent values. */
export interface LookaheadSettings {
  /** Steps between averaging steps (airbench: 5). */
  every: number;
  /** The first epoch (from 0) that averages (airbench: 3, once the whitening bias is frozen). */
  startEpoch: number;
  /** The average's decay at the last step (airbench: 0.95⁵); it grows as (step / steps)^power, so early training is barely averaged. */
  finalDecay: number;
  power: number;
}

export type TestTimeAugmentation = "none" | "mirror" | "mirror-translate";

/** Every knob of the recipe; the ablation switches one off at a time. */
export interface AirbenchRecipe {
  widths: AirbenchWidths;
  /** May be fractional: the last epoch is then partial. */
  epochs: number;
  batchSize: number;
  /** airbench's learning rate "per 1024 examples", decoupled from momentum (11.5); see sgdSettings. */
  learningRate: number;
  momentum: number;
  /** airbench's weight decay "per 1024 examples", decoupled from the learning rate (0.0153). */
  weightDecay: number;
  /** Batch-norm offsets learn this many times faster (their weight decay per step stays the same). */
  normOffsetLearningRateScale: number;
  /** 0 = plain one-hot targets. */
  labelSmoothing: number;
  /** true: the first convolution's filters whiten 2×2 patches of the training images; false: random filters. Frozen either way. */
  whitening: boolean;
  /** The whitening bias is trained for this many epochs, then frozen. */
  whiteningBiasEpochs: number;
  /** Random translation by up to this many pixels (reflect-padded crops); 0 = none. */
  translate: number;
  /** Alternating left-right flips. */
  flip: boolean;
  /** null = no weight averaging. */
  lookahead: LookaheadSettings | null;
  /** null = a constant learning rate (the schedule's peak). */
  schedule: TriangularSchedule | null;
  /** Used for the final accuracy: none, the mean of the image's and its mirror's logits, or also 1-pixel shifts. */
  testTimeAugmentation: TestTimeAugmentation;
  /**
   * The training step's convolutions (and their gradients) compute in this;
   * weights, updates and evaluation stay float32. bfloat16 needs a CPU with
   * avx512_bf16 or amx_bf16 (trainOrLoadAirbench falls back to float32 elsewhere).
   */
  convolutionPrecision: ConvolutionPrecision;
}

/**
 * airbench93's recipe, adapted to two CPU cores: blocks of 192 channels
 * instead of 128 (airbench94 has 256), 10 epochs, batches of 512. On these
 * cores 512 images a step train an epoch a little faster than airbench's 1024
 * and as accurately; the wider blocks cost about 1.4 times as much per epoch
 * and reach in 10 epochs more than the narrow ones in 12 (README, 4.4).
 */
export const AIRBENCH_RECIPE: AirbenchRecipe = {
  widths: { ...AIRBENCH93_WIDTHS, blocks: [64, 192, 192] },
  // The PyTorch peer trained airbench93 for 8 epochs (694 s here); this project's bfloat16 step fits 10 of these in about 14 minutes.
  epochs: 10,
  batchSize: 512,
  learningRate: 11.5,
  momentum: 0.85,
  weightDecay: 0.0153,
  normOffsetLearningRateScale: 64,
  labelSmoothing: 0.2,
  whitening: true,
  whiteningBiasEpochs: 3,
  translate: 2,
  flip: true,
  lookahead: { every: 5, startEpoch: 3, finalDecay: 0.95 ** 5, power: 3 },
  schedule: AIRBENCH_SCHEDULE,
  testTimeAugmentation: "mirror-translate",
  // airbench trains in half precision too; on this project's CPU bfloat16 convolutions make a step about 1.7× faster.
  convolutionPrecision: "bfloat16",
};

/** What withoutIngredient can take out of a recipe, each with what it then does instead. */
export const AIRBENCH_INGREDIENTS = {
  whitening: "the first convolution keeps random filters instead of whitening the training images' 2×2 patches",
  "label-smoothing": "plain one-hot targets instead of 0.2 of each target spread over all classes",
  augmentation: "no random translation and no flips: every epoch sees the same images",
  flip: "random translation only, no alternating flips",
  lookahead: "no weight averaging every 5 steps",
  schedule: "a constant learning rate (the schedule's peak) instead of the triangular warm-up and decay",
  "norm-offset-rate": "batch-norm offsets learn at the base rate instead of 64× faster",
  "test-time-augmentation": "the final accuracy from the images alone, without their mirrors and shifts",
} as const;

export type AirbenchIngredient = keyof typeof AIRBENCH_INGREDIENTS;

/** `recipe` with one ingredient switched off, everything else unchanged. */
export function withoutIngredient(recipe: AirbenchRecipe, ingredient: AirbenchIngredient): AirbenchRecipe {
  switch (ingredient) {
    case "whitening":
      return { ...recipe, whitening: false };
    case "label-smoothing":
      return { ...recipe, labelSmoothing: 0 };
    case "augmentation":
      return { ...recipe, translate: 0, flip: false };
    case "flip":
      return { ...recipe, flip: false };
    case "lookahead":
      return { ...recipe, lookahead: null };
    case "schedule":
      return { ...recipe, schedule: null };
    case "norm-offset-rate":
      return { ...recipe, normOffsetLearningRateScale: 1 };
    case "test-time-augmentation":
      return { ...recipe, testTimeAugmentation: "none" };
  }
}

/** The optimizer's numbers for a loss that is the batch's mean. */
export interface SgdRecipeSettings {
  /** The base learning rate (before the schedule's multiplier). */
  learningRate: number;
  /** Added to the mean loss's gradient times the weights (PyTorch's weight_decay for that loss). */
  weightDecay: number;
  /** For the batch-norm offsets, whose learning rate is scaled up: the same decay per step. */
  normOffsetWeightDecay: number;
}

/**
 * Converts airbench's decoupled numbers. airbench sums the loss over the batch
 * and uses a per-example rate lr = learningRate / (1024 · (1 + 1/(1 − momentum)))
 * (Nesterov momentum makes steady steps 1 + 1/(1 − momentum) times the
 * gradient); with the batch mean, the same steps need batchSize times that
 * rate (1.5 for airbench's 1024). airbench shrinks the weights by
 * weightDecay · batchSize / (1024 · (1 + 1/(1 − momentum))) per step (times
 * the schedule); on the mean loss that is a decay coefficient of
 * weightDecay / learningRate, divided by the offsets' rate scale for them.
 */
export function sgdSettings(recipe: AirbenchRecipe): SgdRecipeSettings {
  const stepGain = 1 + 1 / (1 - recipe.momentum);
  const decay = recipe.weightDecay / recipe.learningRate;
  return {
    learningRate: (recipe.learningRate * recipe.batchSize) / (1024 * stepGain),
    weightDecay: decay,
    normOffsetWeightDecay: decay / recipe.normOffsetLearningRateScale,
  };
}

/** Throws, naming each problem, unless every field of `recipe` makes sense. */
export function checkRecipe(recipe: AirbenchRecipe): AirbenchRecipe {
  const problems: string[] = [];
  const positive = (value: number, what: string) => {
    if (!(value > 0 && Number.isFinite(value))) problems.push(`${what} must be a number > 0 (got ${value})`);
  };
  const whole = (value: number, what: string, minimum: number) => {
    if (!(Number.isInteger(value) && value >= minimum)) problems.push(`${what} must be a whole number ≥ ${minimum} (got ${value})`);
  };
  positive(recipe.epochs, "epochs");
  whole(recipe.batchSize, "batchSize", 1);
  positive(recipe.learningRate, "learningRate");
  if (!(recipe.momentum >= 0 && recipe.momentum < 1)) problems.push(`momentum must be from 0 up to (not including) 1 (got ${recipe.momentum})`);
  if (!(recipe.weightDecay >= 0)) problems.push(`weightDecay must be ≥ 0 (got ${recipe.weightDecay})`);
  positive(recipe.normOffsetLearningRateScale, "normOffsetLearningRateScale");
  if (!(recipe.labelSmoothing >= 0 && recipe.labelSmoothing <= 1)) problems.push(`labelSmoothing must be from 0 to 1 (got ${recipe.labelSmoothing})`);
  whole(recipe.whiteningBiasEpochs, "whiteningBiasEpochs", 0);
  whole(recipe.translate, "translate", 0);
  if (recipe.lookahead !== null) {
    whole(recipe.lookahead.every, "lookahead.every", 1);
    whole(recipe.lookahead.startEpoch, "lookahead.startEpoch", 0);
    if (!(recipe.lookahead.finalDecay >= 0 && recipe.lookahead.finalDecay < 1)) {
      problems.push(`lookahead.finalDecay must be from 0 up to (not including) 1 (got ${recipe.lookahead.finalDecay})`);
    }
  }
  if (!["none", "mirror", "mirror-translate"].includes(recipe.testTimeAugmentation)) {
    problems.push(`testTimeAugmentation must be "none", "mirror" or "mirror-translate" (got ${JSON.stringify(recipe.testTimeAugmentation)})`);
  }
  if (!["float32", "bfloat16"].includes(recipe.convolutionPrecision)) {
    problems.push(`convolutionPrecision must be "float32" or "bfloat16" (got ${JSON.stringify(recipe.convolutionPrecision)})`);
  }
  if (problems.length > 0) {
    throw new Error(`airbench recipe: ${problems.join("; ")}.`);
  }
  return recipe;
}

/** A short hash of `value`'s JSON (keys in a fixed order), e.g. naming a recipe's cached weights. */
export function shortHash(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex").slice(0, 12);
}

/** JSON with object keys sorted, so equal recipes give equal text whatever order their fields were written in. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(canonicalJson).join(",")}]`;
  }
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, field]) => `${JSON.stringify(key)}:${canonicalJson(field)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
