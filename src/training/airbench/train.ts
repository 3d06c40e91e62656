/**
 * airbench's training loop on CIFAR-10: whitening from the training images,
 * then epochs of shuffled, augmented batches with Nesterov SGD on a
 * triangular schedule, weight averaging every few steps, and the test accuracy
 * after each epoch. Live progress and Jupyter interrupts as the chapter's train().
 */
import { tf } from "../../backend";
import { AirbenchAugmentation, cropAndFlip, planForBatch, type AugmentationPlan } from "../../data/augment";
import type { ImageSet } from "../../data/image-set";
import { deriveSeed, mulberry32 } from "../../data/random";
import { ProgressReporter } from "../../display/progress-reporter";
import { SeedStream, statelessUniform } from "../../layers/random";
import type { AirbenchModel } from "../../models/airbench";
import { checkSeed, SEED_LIMIT } from "../../seed";
import type { ProgressSink } from "../progress-sink";
import { triangularMultiplier } from "../schedule";
import { NesterovSgdOptimizer, type VariableUpdateSettings } from "../sgd";
import { TrainingInterruptedError } from "../train";
import { airbenchAccuracy, normalizeCifar } from "./inference";
import { Lookahead, lookaheadDecay } from "./lookahead";
import { checkRecipe, sgdSettings, type AirbenchRecipe } from "./recipe";
import { AirbenchTrainingStep } from "./step";

/** One epoch's figures, as the notebook charts them. */
export interface EpochRecord {
  /** Epochs done (1, 2, …; fractional after a partial last epoch). */
  epoch: number;
  /** Steps done so far. */
  steps: number;
  /** Training wall time so far (whitening included, evaluation excluded). */
  seconds: number;
  /** Means over the epoch's steps, on its augmented batches (training mode). */
  trainCost: number;
  trainAccuracy: number;
  /** On the test set after this epoch, without test-time augmentation. */
  testAccuracy: number;
}

export interface AirbenchTrainOptions {
  /** Seeds the shuffling, the augmentation and (when the recipe has no whitening) the first layer's random filters. */
  seed: number;
  onEpoch?: (record: EpochRecord, all: readonly EpochRecord[]) => void;
  /** Default: a ProgressReporter labelled "airbench". */
  progress?: ProgressSink;
}

export interface AirbenchTraining {
  epochs: EpochRecord[];
  steps: number;
  /** Training wall time (evaluation excluded). */
  seconds: number;
}

/** airbench whitens with the first 5000 training images. */
const WHITENING_IMAGES = 5000;
const PROGRESS_INTERVAL_MS = 500;

/** Steps in each full epoch (the last partial batch is dropped, as airbench does) and in the whole run. */
export function stepCounts(imageCount: number, recipe: AirbenchRecipe): { perEpoch: number; total: number } {
  const perEpoch = Math.floor(imageCount / recipe.batchSize);
  if (perEpoch === 0) {
    throw new Error(
      `airbench: a batch size of ${recipe.batchSize} is larger than the ${imageCount} training images; ` +
        `pass a smaller recipe batchSize (e.g. recipe: { batchSize: ${Math.max(1, Math.floor(imageCount / 10))} }).`,
    );
  }
  return { perEpoch, total: Math.ceil(perEpoch * recipe.epochs) };
}

/** A seed for sub-stream `stream` of `seed`, in the range checkSeed accepts. */
function subSeed(seed: number, stream: number): number {
  return deriveSeed(seed, stream) % SEED_LIMIT;
}

/** A seeded random order of 0 … count − 1 (Fisher–Yates). */
function permutation(count: number, seed: number): Int32Array {
  const random = mulberry32(seed);
  const order = Int32Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** The first layer: whitening filters from the training images, or (without whitening) random ones as PyTorch initialises a convolution. */
function initializeFirstLayer(model: AirbenchModel, trainSet: ImageSet, recipe: AirbenchRecipe, seed: number): void {
  if (recipe.whitening) {
    tf.tidy(() => model.initializeWhitening(normalizeCifar(trainSet.images(0, Math.min(WHITENING_IMAGES, trainSet.count)))));
    return;
  }
  tf.tidy(() => {
    const shape = model.whiteningFilter.shape;
    const bound = 1 / Math.sqrt(shape[0] * shape[1] * shape[2]);
    const uniform = statelessUniform(shape, new SeedStream(seed).next());
    model.whiteningFilter.assign(tf.sub(tf.mul(uniform, 2 * bound), bound));
  });
}

/** Each trainable variable's learning-rate scale and weight decay, by its role. */
function variableSettings(model: AirbenchModel, recipe: AirbenchRecipe): VariableUpdateSettings[] {
  const { weightDecay, normOffsetWeightDecay } = sgdSettings(recipe);
  return model.roles.map((role) =>
    role === "norm-offset"
      ? { learningRateScale: recipe.normOffsetLearningRateScale, weightDecay: normOffsetWeightDecay }
      : { learningRateScale: 1, weightDecay },
  );
}

/** The batch's images, normalised and augmented by the epoch's plan. */
function augmentedBatch(trainSet: ImageSet, indices: Int32Array, plan: AugmentationPlan | null, translate: number): { images: tf.Tensor4D; oneHot: tf.Tensor2D } {
  const { xs, ys } = trainSet.gather(indices);
  const images = tf.tidy(() => {
    const normalized = normalizeCifar(xs as tf.Tensor4D);
    return plan === null ? normalized : cropAndFlip(normalized, planForBatch(plan, indices), translate);
  });
  xs.dispose();
  return { images, oneHot: ys as tf.Tensor2D };
}

/**
 * Trains `model` (freshly built: its whitening layer is set here) by `recipe`
 * on `trainSet`, evaluating on `testSet` after each epoch. SIGINT stops the
 * run with a TrainingInterruptedError; the model keeps the weights it had.
 */
export async function trainAirbench(
  model: AirbenchModel,
  trainSet: ImageSet,
  testSet: ImageSet,
  recipe: AirbenchRecipe,
  options: AirbenchTrainOptions,
): Promise<AirbenchTraining> {
  checkRecipe(recipe);
  const seed = checkSeed(options.seed, "airbench: seed");
  const steps = stepCounts(trainSet.count, recipe);
  const progress = options.progress ?? new ProgressReporter({ label: "airbench" });
  const { learningRate } = sgdSettings(recipe);
  const augmentation = recipe.translate > 0 || recipe.flip ? new AirbenchAugmentation(trainSet.count, subSeed(seed, 1), recipe.translate) : null;
  const whiteningBias = model.trainable[model.roles.indexOf("whitening-bias")];
  const records: EpochRecord[] = [];

  let interruptRequested = false;
  const onInterrupt = () => {
    interruptRequested = true;
  };
  // As train(): listen only after the cell's synchronous part (tslab restores SIGINT's default action then).
  await new Promise(setImmediate);
  progress.start(steps.total);
  let optimizer: NesterovSgdOptimizer | null = null;
  let stepper: AirbenchTrainingStep | null = null;
  let lookahead: Lookahead | null = null;
  let stepsDone = 0;
  let seconds = 0;
  try {
    process.on("SIGINT", onInterrupt);
    let started = performance.now();
    initializeFirstLayer(model, trainSet, recipe, subSeed(seed, 3));
    optimizer = new NesterovSgdOptimizer(model.trainable, { learningRate, momentum: recipe.momentum }, variableSettings(model, recipe));
    stepper = new AirbenchTrainingStep(model, optimizer, recipe);
    let lastProgressAt = performance.now();
    for (let epoch = 0; stepsDone < steps.total; epoch++) {
      if (epoch === recipe.whiteningBiasEpochs) {
        optimizer.setLearningRateScale(whiteningBias, 0);
      }
      const order = permutation(trainSet.count, deriveSeed(deriveSeed(seed, 2), epoch));
      const plan = augmentation === null ? null : augmentation.epochPlan(epoch);
      if (plan !== null && !recipe.flip) plan.flips.fill(0);
      let costSum = 0;
      let accuracySum = 0;
      let epochSteps = 0;
      for (let batch = 0; batch < steps.perEpoch && stepsDone < steps.total; batch++) {
        // Give a pending SIGINT the chance to reach onInterrupt.
        await new Promise(setImmediate);
        if (interruptRequested) {
          throw new TrainingInterruptedError(stepsDone, steps.total);
        }
        const multiplier = recipe.schedule === null ? 1 : triangularMultiplier(stepsDone, steps.total, recipe.schedule);
        optimizer.setLearningRate(learningRate * multiplier);
        const { images, oneHot } = augmentedBatch(trainSet, order.subarray(batch * recipe.batchSize, (batch + 1) * recipe.batchSize), plan, recipe.translate);
        try {
          const measures = stepper.run(images, oneHot);
          costSum += measures.cost;
          accuracySum += measures.accuracy;
        } finally {
          tf.dispose([images, oneHot]);
        }
        stepsDone++;
        epochSteps++;
        if (recipe.lookahead !== null && epoch >= recipe.lookahead.startEpoch && stepsDone % recipe.lookahead.every === 0) {
          if (lookahead === null) {
            lookahead = new Lookahead([...model.trainable, ...model.runningStatistics]);
          } else {
            lookahead.update(lookaheadDecay(stepsDone, steps.total, recipe.lookahead));
          }
        }
        const now = performance.now();
        if (now - lastProgressAt >= PROGRESS_INTERVAL_MS || stepsDone === steps.total) {
          lastProgressAt = now;
          progress.tick(stepsDone, { cost: costSum / epochSteps, accuracy: accuracySum / epochSteps });
        }
      }
      // Each epoch ends on the averaged weights.
      lookahead?.update(1);
      seconds += (performance.now() - started) / 1000;
      const record: EpochRecord = {
        epoch: stepsDone / steps.perEpoch,
        steps: stepsDone,
        seconds,
        trainCost: costSum / epochSteps,
        trainAccuracy: accuracySum / epochSteps,
        testAccuracy: airbenchAccuracy(model, testSet, "none"),
      };
      records.push(record);
      progress.clear?.();
      options.onEpoch?.(record, records);
      started = performance.now();
    }
  } finally {
    process.off("SIGINT", onInterrupt);
    lookahead?.dispose();
    stepper?.dispose();
    optimizer?.dispose();
    progress.finish();
  }
  return { epochs: records, steps: stepsDone, seconds };
}
