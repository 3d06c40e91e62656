/**
 * The chapter's recipe: how its four models train, from each model
 * definition's defaults (Adam's learning rate, dropout, batch size, steps, log
 * interval). The notebooks, `npm run train` and the bench all take them from here.
 */
import type { ImageSet } from "../data/image-set";
import type { BatchSource, BatchesIdentity } from "../training/data";
import type { ChapterModel, ModelDefinition } from "../models/model";
import { createModel, type ModelKey } from "../models/registry";
import { TrainingStepTimer, type TrainingStepTimerOptions } from "../training/benchmark";
import { checkSeed } from "../seed";
import type { AdamChoice } from "../training/adam";
import { checkStepScale } from "./step-scale";
import type { TrainOrLoadOptions } from "../training/train-or-load";

export interface ChapterTrainingSettings {
  /** Seeds the shuffling; the model's own seed sets its initial weights and dropout masks. */
  seed: number;
  /** Multiplies the chapter's step count and log interval (default 1). */
  stepScale?: number;
  /** Train even when matching weights are cached (default false). */
  retrain?: boolean;
}

/** Endless batches; one pass over the training set counts as an epoch, after which a testSet given to the run is measured. */
export interface ChapterBatches extends BatchSource {
  readonly identity: BatchesIdentity;
  readonly stepsPerEpoch: number;
}

export interface ChapterTraining {
  /** The training set shuffled anew each pass, repeated endlessly, in batches of the model's batch size. */
  batches: ChapterBatches;
  /** Adam at the chapter's learning rate, its dropout, the steps and log interval (scaled), and whether to retrain. */
  options: TrainOrLoadOptions;
}

/** A chapter step count scaled by `stepScale` (checkStepScale), at least 1. */
export function scaledSteps(chapterSteps: number, stepScale: number): number {
  return Math.max(1, Math.round(chapterSteps * checkStepScale(stepScale)));
}

/** What one training step of `model` needs, as the chapter trains it: Adam at its learning rate, its dropout, plain labels. */
export function chapterStepSettings(model: Pick<ChapterModel, "definition">): { optimizer: AdamChoice; keepProb: number; labelSmoothing: number } {
  const { learningRate, keepProb } = model.definition.defaults;
  return { optimizer: { kind: "adam", learningRate }, keepProb, labelSmoothing: 0 };
}

/** A timer of `model`'s training step as the chapter trains it (a fresh model from seed 0, which the timer frees). */
export function chapterStepTimer(model: ModelKey | ModelDefinition, batchSize = 50, options: TrainingStepTimerOptions = {}): TrainingStepTimer {
  const built = createModel(model, { seed: 0 });
  return new TrainingStepTimer(built, chapterStepSettings(built), batchSize, options);
}

/**
 * The batches and training options of `model`'s chapter run on `trainSet`:
 *
 *     const { batches, options } = chapterTraining(model, mnist.train, settings);
 *     const run = await trainAndPlot(model, batches, { ...options, testSet: mnist.test });
 *
 * (The chapter measures the test set once, at the end; a testSet measures it after each pass too.)
 */
export function chapterTraining(model: ChapterModel, trainSet: ImageSet, settings: ChapterTrainingSettings): ChapterTraining {
  const { batchSize, steps, logEvery } = model.definition.defaults;
  const stepScale = settings.stepScale ?? 1;
  // The chapter's mnist.train.next_batch(50): the training set shuffled (a buffer
  // as large as the set gives a uniform permutation), reshuffled after each pass.
  const iterator = trainSet
    .pipeline()
    .shuffle(trainSet.count, { seed: checkSeed(settings.seed, "chapterTraining: seed") })
    .repeat()
    .batch(batchSize)
    .iterator();
  // A pass is a whole number of batches when the batch size divides the set (60,000 and 50,000 by 50); else the nearest.
  const stepsPerEpoch = Math.max(1, Math.round(trainSet.count / batchSize));
  return {
    batches: { identity: iterator.identity, stepsPerEpoch, nextBatch: () => iterator.nextBatch() },
    options: {
      ...chapterStepSettings(model),
      steps: scaledSteps(steps, stepScale),
      logEvery: scaledSteps(logEvery, stepScale),
      retrain: settings.retrain ?? false,
    },
  };
}
