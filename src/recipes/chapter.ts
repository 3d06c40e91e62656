/**
 * The chapter's way of training a model, from the model definition's defaults:
 * one place for batch size, step count and log interval, used by the notebooks
 * and `npm run train`.
 */
import type { ImageSet } from "../data/image-set";
import type { BatchIterator } from "../data/pipeline";
import type { ChapterModel } from "../models/model";
import { checkSeed } from "../seed";
import type { TrainOrLoadOptions } from "../training/train-or-load";

export interface ChapterTrainingSettings {
  /** Seeds the shuffling; the model's own seed sets its initial weights and dropout masks. */
  seed: number;
  /** Multiplies the chapter's step count and log interval (default 1). */
  stepScale?: number;
  /** Train even when matching weights are cached (default false). */
  retrain?: boolean;
}

export interface ChapterTraining {
  /** The training set shuffled anew each pass, repeated endlessly, in batches of the model's batch size. */
  batches: BatchIterator;
  /** The steps and log interval, scaled, and whether to retrain; the rest are the model's defaults. */
  options: TrainOrLoadOptions;
}

/** A chapter step count scaled by `stepScale` (> 0), at least 1. */
export function scaledSteps(chapterSteps: number, stepScale: number): number {
  if (!(stepScale > 0 && Number.isFinite(stepScale))) {
    throw new Error(`stepScale ${stepScale} is not valid: expected a number > 0, e.g. 0.1 for a tenth of the steps.`);
  }
  return Math.max(1, Math.round(chapterSteps * stepScale));
}

/**
 * The batches and training options of `model`'s chapter run on `trainSet`:
 *
 *     const { batches, options } = chapterTraining(model, mnist.train, settings);
 *     const run = await trainAndPlot(model, batches, options);
 */
export function chapterTraining(model: ChapterModel, trainSet: ImageSet, settings: ChapterTrainingSettings): ChapterTraining {
  const { batchSize, steps, logEvery } = model.definition.defaults;
  const stepScale = settings.stepScale ?? 1;
  // The chapter's mnist.train.next_batch(50): the training set shuffled (a buffer
  // as large as the set gives a uniform permutation), reshuffled after each pass.
  const batches = trainSet
    .pipeline()
    .shuffle(trainSet.count, { seed: checkSeed(settings.seed, "chapterTraining: seed") })
    .repeat()
    .batch(batchSize)
    .iterator();
  return {
    batches,
    options: {
      steps: scaledSteps(steps, stepScale),
      logEvery: scaledSteps(logEvery, stepScale),
      retrain: settings.retrain ?? false,
    },
  };
}
