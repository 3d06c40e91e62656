/**
 * airbench's training recipe (Keller Jordan's airbench93) as one object, so an
 * ablation can switch its ingredients off one at a time. The optimizer's
 * numbers are airbench's own, in its "decoupled" form (per 1024 examples,
 * independent of momentum); sgdSettings converts them for this project's
 * batch-mean loss.
 */
import { tf } from "../../native/backend";
import { EpochBatches } from "./epoch-batches";
import type { ImageSet } from "../../data/image-set";
import { streamSeed } from "../../data/random";
import { holdOut, type HeldOut } from "../../data/hold-out";
import { AIRBENCH_WHITENING } from "./whitening";
import { AIRBENCH93_WIDTHS, AirbenchModel, type AirbenchActivation, type AirbenchWidths } from "./model";
import { checkSeed, SEED_LIMIT } from "../../seed";
import { checkStepScale } from "../step-scale";
import { TEST_TIME_AUGMENTATIONS, type TestTimeAugmentation } from "./test-time-augmentation";
import type { LookaheadSettings } from "../../training/lookahead";
import type { AdamChoice } from "../../training/adam";
import type { OptimizerChoice } from "../../training/optimizers";
import type { NesterovSgdChoice } from "../../training/sgd";
import type { TriangularSchedule } from "../../training/schedule";
import { STEP_KINDS, type StepKind } from "../../training/step";
import type { TrainOrLoadOptions } from "../../training/train-or-load";

/** airbench's learning-rate multiplier: up from 0.2 to 1 over the first 23% of the steps, then down to 0.07. */
export const AIRBENCH_SCHEDULE: TriangularSchedule = { start: 0.2, peak: 1, end: 0.07, peakFraction: 0.23 };

/** airbench's label smoothing: the true class gets 0.8 + 0.02, every other class 0.02. */
export const AIRBENCH_LABEL_SMOOTHING = 0.2;

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
  /** true: the first convolution's filters whiten 2×2 patches of the training images; false: random filters. */
  whitening: boolean;
  /** false: the first convolution's filters stay as set (whitening's); true: trained like the other convolutions. */
  trainFirstLayer: boolean;
  /** false: no batch norm, each convolution gets a plain bias. */
  batchNorm: boolean;
  activation: AirbenchActivation;
  /** airbench's Nesterov SGD, or the chapter's Adam (learning rate 1e-4, times the schedule). */
  optimizer: "nesterov-sgd" | "adam";
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
  /** "compiled-bfloat16": the step's convolutions compute in bfloat16 (where the CPU has it; float32 elsewhere, see runnableStepKind). */
  step: StepKind;
}

/**
 * How many CIFAR-10 training images (a tenth, the same number of each class)
 * are held out to choose the recipe and draw 4.4's epoch curve on, so that the
 * test set is used once per final run: holdOut(train, { count, seed }).
 */
export const AIRBENCH_VALIDATION_IMAGES = 5000;

/**
 * The training images 4.4 holds out to measure each epoch on: AIRBENCH_VALIDATION_IMAGES of
 * CIFAR-10's 50,000, a tenth of a smaller set (a quick run's subset), the same number of each
 * class, chosen by `seed`; the ablation holds out the same images with seed 42.
 */
export function airbenchValidationSplit(trainSet: ImageSet, seed: number): HeldOut {
  const perClass = Math.floor(Math.min(AIRBENCH_VALIDATION_IMAGES, trainSet.count / 10) / trainSet.numClasses);
  return holdOut(trainSet, { count: perClass * trainSet.numClasses, seed });
}

/**
 * airbench93's recipe, adapted to two CPU cores: blocks of 192 channels
 * instead of 128 (airbench94 has 256), 11 epochs, batches of 512 instead of
 * airbench's 1024. The runs that chose these are in docs/results.md, "How the recipe was chosen".
 */
export const AIRBENCH_RECIPE: AirbenchRecipe = {
  widths: { ...AIRBENCH93_WIDTHS, blocks: [64, 192, 192] },
  // As many epochs as the mixed-bfloat16 step fits in a quarter of an hour on two cores.
  epochs: 11,
  batchSize: 512,
  learningRate: 11.5,
  momentum: 0.85,
  weightDecay: 0.0153,
  normOffsetLearningRateScale: 64,
  labelSmoothing: AIRBENCH_LABEL_SMOOTHING,
  whitening: true,
  trainFirstLayer: false,
  batchNorm: true,
  activation: "gelu",
  optimizer: "nesterov-sgd",
  whiteningBiasEpochs: 3,
  translate: 2,
  flip: true,
  lookahead: { every: 5, startEpoch: 3, finalDecay: 0.95 ** 5, power: 3 },
  schedule: AIRBENCH_SCHEDULE,
  testTimeAugmentation: "mirror-translate",
  // airbench trains in half precision too; mixed bfloat16 makes a step faster on CPUs that have it (docs/speed.md).
  step: "compiled-bfloat16",
};

/**
 * The peer to beat: a PyTorch 2.15 implementation of this recipe, written by this project
 * (blocks of 64/192/192, batches of 512, 10 epochs, the same schedule, label
 * smoothing, whitening, weight averaging and test-time augmentation, bfloat16
 * autocast) on the same two cores and data, seed 42 (docs/speed.md), on an
 * AMD EPYC with AVX-512 and bfloat16 (its time holds for that class of CPU).
 */
export const AIRBENCH_PYTORCH_PEER = {
  cpuClass: "AVX-512 with bfloat16",
  epochs: 10,
  trainSeconds: 698,
  testAccuracy: 0.8889,
  testAccuracyTta: 0.8997,
} as const;

/** What withoutIngredient can take out of a recipe, each with what it then does instead. */
export const AIRBENCH_INGREDIENTS = {
  whitening: "the first convolution keeps random filters instead of whitening the training images' 2×2 patches",
  "computed-first-layer": "the first convolution is trained from random filters, like the others, instead of computed by whitening and frozen",
  "batch-norm": "no batch norm: each convolution's output gets a plain bias",
  gelu: "ReLU, the chapter's nonlinearity, instead of GELU",
  "nesterov-sgd": "the chapter's Adam (learning rate 1e-4, times the schedule) instead of Nesterov SGD",
  "label-smoothing": "plain one-hot targets instead of 0.2 of each target spread over all classes",
  augmentation: "no random translation and no flips: every epoch sees the same images",
  flip: "random translation only, no alternating flips",
  lookahead: "no weight averaging every 5 steps",
  schedule: "a constant learning rate (the schedule's peak) instead of the triangular warm-up and decay",
  "norm-offset-rate": "batch-norm offsets learn at the base rate instead of 64× faster",
  "test-time-augmentation": "the final accuracy from the images alone, without their mirrors and shifts",
} as const;

export type AirbenchIngredient = keyof typeof AIRBENCH_INGREDIENTS;

/** The same ingredients in the Korean edition: the name its ablation chart gives each, and what the recipe then does instead. */
export const AIRBENCH_INGREDIENTS_KOREAN: Record<AirbenchIngredient, { name: string; description: string }> = {
  whitening: { name: "백색화", description: "첫 합성곱이 학습 이미지의 2×2 패치를 백색화하는 필터 대신 무작위 필터를 그대로 씀" },
  "computed-first-layer": { name: "계산한 첫 계층", description: "첫 합성곱을 백색화로 계산해 고정하지 않고, 다른 계층처럼 무작위 필터에서 학습함" },
  "batch-norm": { name: "배치 정규화", description: "배치 정규화 없음: 각 합성곱의 출력에 편향만 더함" },
  gelu: { name: "GELU", description: "GELU 대신 책의 비선형 함수인 ReLU를 씀" },
  "nesterov-sgd": { name: "네스테로프 SGD", description: "네스테로프 SGD 대신 책의 Adam을 씀 (학습률 1e-4에 학습률 일정을 곱함)" },
  "label-smoothing": { name: "레이블 평활화", description: "목표의 0.2를 모든 클래스에 나누지 않고 원-핫 목표를 그대로 씀" },
  augmentation: { name: "데이터 증강", description: "무작위 이동도 뒤집기도 없음: 에포크마다 같은 이미지를 봄" },
  flip: { name: "좌우 뒤집기", description: "무작위 이동만 하고, 번갈아 하는 좌우 뒤집기는 없음" },
  lookahead: { name: "가중치 평균", description: "5 스텝마다 하는 가중치 평균 없음" },
  schedule: { name: "학습률 일정", description: "삼각형 모양의 워밍업과 감소 대신 고정된 학습률(학습률 일정의 최고치)을 씀" },
  "norm-offset-rate": { name: "오프셋 학습률", description: "배치 정규화 오프셋이 64배 빠르게 학습하지 않고 기본 학습률로 학습함" },
  "test-time-augmentation": { name: "테스트 시 증강", description: "거울상과 이동한 사본 없이 원래 이미지만으로 최종 정확도를 잼" },
};

/** `recipe` with one ingredient switched off, everything else unchanged. */
export function withoutIngredient(recipe: AirbenchRecipe, ingredient: AirbenchIngredient): AirbenchRecipe {
  switch (ingredient) {
    case "whitening":
      return { ...recipe, whitening: false };
    case "computed-first-layer":
      return { ...recipe, whitening: false, trainFirstLayer: true };
    case "batch-norm":
      return { ...recipe, batchNorm: false };
    case "gelu":
      return { ...recipe, activation: "relu" };
    case "nesterov-sgd":
      return { ...recipe, optimizer: "adam" };
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
  if (!["gelu", "relu"].includes(recipe.activation)) problems.push(`activation must be "gelu" or "relu" (got ${JSON.stringify(recipe.activation)})`);
  if (!["nesterov-sgd", "adam"].includes(recipe.optimizer)) problems.push(`optimizer must be "nesterov-sgd" or "adam" (got ${JSON.stringify(recipe.optimizer)})`);
  if (recipe.whitening && recipe.trainFirstLayer) problems.push("whitening computes the first layer's filters, so trainFirstLayer needs whitening: false");
  if (!TEST_TIME_AUGMENTATIONS.includes(recipe.testTimeAugmentation)) {
    problems.push(`testTimeAugmentation must be "none", "mirror" or "mirror-translate" (got ${JSON.stringify(recipe.testTimeAugmentation)})`);
  }
  if (!STEP_KINDS.includes(recipe.step)) {
    problems.push(`step must be one of ${STEP_KINDS.map((kind) => `"${kind}"`).join(", ")} (got ${JSON.stringify(recipe.step)})`);
  }
  if (problems.length > 0) {
    throw new Error(`airbench recipe: ${problems.join("; ")}.`);
  }
  return recipe;
}

/**
 * AIRBENCH_RECIPE with `changes`, checked. A training set of fewer than ten of the
 * recipe's batches (a small stand-in set, as the tests use) gets batches of a tenth
 * of its images, unless `changes` sets the batch size.
 */
export function recipeFor(trainSet: Pick<ImageSet, "count">, changes: Partial<AirbenchRecipe> = {}): AirbenchRecipe {
  const fitted = changes.batchSize === undefined && trainSet.count < 10 * AIRBENCH_RECIPE.batchSize ? { batchSize: Math.max(1, Math.floor(trainSet.count / 10)) } : {};
  return checkRecipe({ ...AIRBENCH_RECIPE, ...fitted, ...changes });
}

/** airbench whitens with the first 5000 training images. */
const WHITENING_IMAGES = 5000;

/** airbench's network for `recipe` (its widths, and the ablation's variants where it sets them), its initial weights from `seed`. */
export function airbenchModel(recipe: Pick<AirbenchRecipe, "widths"> & Partial<Pick<AirbenchRecipe, "batchNorm" | "activation" | "trainFirstLayer">>, options: { seed?: number } = {}): AirbenchModel {
  return new AirbenchModel({
    widths: recipe.widths,
    seed: options.seed,
    batchNorm: recipe.batchNorm === false ? null : undefined,
    activation: recipe.activation,
    trainFirstLayer: recipe.trainFirstLayer,
  });
}

/** The recipe's Nesterov SGD: airbench's numbers converted (sgdSettings), the batch-norm offsets' faster rate, the whitening bias frozen after its epochs. */
export function airbenchOptimizer(recipe: AirbenchRecipe): NesterovSgdChoice {
  const { learningRate, weightDecay, normOffsetWeightDecay } = sgdSettings(recipe);
  return {
    kind: "nesterov-sgd",
    learningRate,
    momentum: recipe.momentum,
    weightDecay,
    roles: { "norm-offset": { learningRateScale: recipe.normOffsetLearningRateScale, weightDecay: normOffsetWeightDecay } },
    freezeFromEpoch: { "whitening-bias": recipe.whiteningBiasEpochs },
  };
}

/** The chapter's tf.train.AdamOptimizer(1e-4), for the ablation's run without Nesterov SGD (it cannot freeze the whitening bias). */
const CHAPTER_ADAM: AdamChoice = { kind: "adam", learningRate: 1e-4 };

/** What one training step needs, as the recipe trains: its optimizer, no dropout, its label smoothing. */
export function airbenchStepSettings(recipe: AirbenchRecipe): { optimizer: OptimizerChoice; keepProb: number; labelSmoothing: number } {
  return { optimizer: recipe.optimizer === "adam" ? CHAPTER_ADAM : airbenchOptimizer(recipe), keepProb: 1, labelSmoothing: recipe.labelSmoothing };
}

export interface AirbenchTrainingSettings {
  /** Changes to AIRBENCH_RECIPE. */
  recipe?: Partial<AirbenchRecipe>;
  /** Seeds the order and augmentation of the batches (and random first-layer filters). */
  seed: number;
  /** Multiplies the recipe's epochs (e.g. 0.01 for a smoke run); default 1. */
  stepScale?: number;
  /** Train even when a matching run is cached. */
  retrain?: boolean;
}

export interface AirbenchTraining {
  /** The recipe as run (epochs already multiplied by the step scale). */
  recipe: AirbenchRecipe;
  batches: EpochBatches;
  options: TrainOrLoadOptions;
}

/**
 * The batches and training options of airbench's recipe for `model` on
 * `trainSet`, evaluated on `testSet` after each epoch; the same trainOrLoad
 * and trainAndPlot as the chapter's models then run it:
 *
 *     const { batches, options } = airbenchTraining(model, cifar.train, cifar.test, settings);
 *     const run = await trainAndPlot(model, batches, options);
 */
export function airbenchTraining(model: AirbenchModel, trainSet: ImageSet, testSet: ImageSet, settings: AirbenchTrainingSettings): AirbenchTraining {
  const stepScale = checkStepScale(settings.stepScale ?? 1);
  const base = recipeFor(trainSet, settings.recipe);
  const recipe = checkRecipe({ ...base, epochs: base.epochs * stepScale });
  const seed = checkSeed(settings.seed, "airbench: seed");
  if (canonicalWidths(model.widths) !== canonicalWidths(recipe.widths)) {
    throw new Error(`airbench: the model's widths ${canonicalWidths(model.widths)} differ from the recipe's ${canonicalWidths(recipe.widths)}; build it with airbenchModel(recipe).`);
  }
  if ((model.batchNorm !== null) !== recipe.batchNorm || model.activation !== recipe.activation || model.trainFirstLayer !== recipe.trainFirstLayer) {
    throw new Error("airbench: the model's batch norm, activation or first layer differ from the recipe's; build it with airbenchModel(recipe).");
  }
  for (const [set, what] of [[trainSet, "training"], [testSet, "test"]] as const) {
    if (set.channels !== 3 || set.height !== 32 || set.width !== 32) {
      throw new Error(`airbench takes CIFAR-10's 32×32 colour images; got ${set.height}×${set.width}×${set.channels} ${what} images (${set.datasetId}).`);
    }
  }
  if (recipe.batchSize > trainSet.count) {
    throw new Error(
      `airbench: a batch size of ${recipe.batchSize} is larger than the ${trainSet.count} training images; ` +
        `pass a smaller recipe batchSize (e.g. recipe: { batchSize: ${Math.max(1, Math.floor(trainSet.count / 10))} }).`,
    );
  }
  const batches = new EpochBatches(trainSet, { batchSize: recipe.batchSize, seed, translate: recipe.translate, flip: recipe.flip });
  const firstLayerSeed = streamSeed(seed, "firstLayer") % SEED_LIMIT;
  const whiteningImages = Math.min(WHITENING_IMAGES, trainSet.count);
  return {
    recipe,
    batches,
    options: {
      ...airbenchStepSettings(recipe),
      steps: Math.ceil(batches.stepsPerEpoch * recipe.epochs),
      schedule: recipe.schedule,
      logEvery: null,
      lookahead: recipe.lookahead,
      step: recipe.step,
      testSet,
      retrain: settings.retrain ?? false,
      prepare: recipe.whitening
        ? {
            what: { firstLayer: "whitening", images: whiteningImages, settings: AIRBENCH_WHITENING },
            run: () => tf.tidy(() => model.initializeWhitening(trainSet.images(0, whiteningImages))),
          }
        : { what: { firstLayer: "random", seed: firstLayerSeed }, run: () => model.initializeRandomFilters(firstLayerSeed) },
    },
  };
}

function canonicalWidths(widths: AirbenchWidths): string {
  return `${widths.whitening}/${widths.blocks.join("/")}`;
}
