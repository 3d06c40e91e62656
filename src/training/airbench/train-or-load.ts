/**
 * Train airbench once, then reuse: the trained state (weights, whitening
 * filters, batch-norm running statistics) and the run's per-epoch figures are
 * cached in the chapter's weights folder, keyed by recipe, seed, step scale
 * and data sets.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { displayPath } from "../../cache";
import type { ImageSet } from "../../data/image-set";
import type { ModelVariable } from "../../layers/variables";
import { AirbenchModel } from "../../models/airbench";
import { hasBfloat16Compute } from "../../native/cpu";
import { randomSeed } from "../../seed";
import type { ProgressSink } from "../progress-sink";
import { defaultWeightsDir } from "../train-or-load";
import {
  assignValues,
  describeVariables,
  headerChecks,
  readWeightsFile,
  saveVariables,
  WeightsFileError,
  type HeaderFields,
} from "../weights-file";
import { airbenchAccuracy } from "./inference";
import { AIRBENCH_RECIPE, canonicalJson, checkRecipe, shortHash, type AirbenchRecipe } from "./recipe";
import { trainAirbench, type EpochRecord } from "./train";

export interface AirbenchRunOptions {
  /** Changes to AIRBENCH_RECIPE. */
  recipe?: Partial<AirbenchRecipe>;
  /** The model's initial weights, the shuffling and the augmentation; without one the run is random and not cached. */
  seed?: number;
  /** Multiplies the recipe's epochs (e.g. 0.01 for a smoke run); default 1. */
  stepScale?: number;
  /** Train even when a matching run is cached; the new run replaces it. */
  retrain?: boolean;
  /** Default: defaultWeightsDir(), the chapter's weights cache. */
  weightsDir?: string;
  onEpoch?: (record: EpochRecord, all: readonly EpochRecord[]) => void;
  /** Default: a ProgressReporter, as the chapter's train(). */
  progress?: ProgressSink;
}

export interface AirbenchRunResult {
  /** The trained (or loaded) model; the caller disposes it. */
  model: AirbenchModel;
  /** The recipe as run (epochs already multiplied by the step scale). */
  recipe: AirbenchRecipe;
  epochs: EpochRecord[];
  /** After the last epoch, without test-time augmentation. */
  testAccuracy: number;
  /** After the last epoch, with the recipe's test-time augmentation. */
  testAccuracyTta: number;
  /** Training wall time (evaluation excluded). */
  trainSeconds: number;
  msPerStep: number;
  /** Training arithmetic per second, counting a step as 3 forward passes (forward, input and filter gradients) at 2 FLOPs per multiply-add. */
  gflopsPerSecond: number;
  /** true: the model and figures came from the cache. */
  loaded: boolean;
  /** The cache file; null for a run without a seed (not cached). */
  weightsPath: string | null;
  /** One line saying what happened, for the notebook. */
  message: string;
}

/** How a cached run was made, stored in its file's header. */
interface AirbenchRunMetadata {
  model: "airbench";
  recipe: AirbenchRecipe;
  seed: number;
  stepScale: number;
  trainData: string;
  testData: string;
  epochs: EpochRecord[];
  testAccuracyTta: number;
}

const { isNumber, isCount, isString, isObject, listOf, record } = headerChecks;
const metadataFields: HeaderFields<AirbenchRunMetadata> = {
  model: { check: (value) => value === "airbench", expected: "\"airbench\"" },
  recipe: { check: isObject, expected: "a recipe" },
  seed: { check: isCount, expected: "a seed" },
  stepScale: { check: isNumber, expected: "a number" },
  trainData: { check: isString, expected: "a data set id" },
  testData: { check: isString, expected: "a data set id" },
  epochs: {
    check: listOf(record({ epoch: isNumber, steps: isCount, seconds: isNumber, trainCost: isNumber, trainAccuracy: isNumber, testAccuracy: isNumber })),
    expected: "a list of { epoch, steps, seconds, trainCost, trainAccuracy, testAccuracy }",
  },
  testAccuracyTta: { check: isNumber, expected: "a number" },
};

/** Everything the model's predictions depend on: the whitening filters, the trained variables and the running statistics. */
function stateOf(model: AirbenchModel): ModelVariable[] {
  return [model.whiteningFilter, ...model.trainable, ...model.runningStatistics];
}

/** The cache file of a run: a hash of recipe, step scale and data sets, and the seed. */
export function airbenchWeightsPath(weightsDir: string, recipe: AirbenchRecipe, seed: number, stepScale: number, trainSet: ImageSet, testSet: ImageSet): string {
  const key = shortHash({ recipe, stepScale, trainData: trainSet.datasetId, testData: testSet.datasetId });
  return path.join(weightsDir, `airbench-${key}-seed${seed}.weights`);
}

/** Loads a cached run into `model`, or throws WeightsFileError (the model unchanged) if the file is damaged or from another run. */
function loadRun(model: AirbenchModel, filePath: string, expected: Omit<AirbenchRunMetadata, "epochs" | "testAccuracyTta">): AirbenchRunMetadata {
  const { header, data } = readWeightsFile(filePath, metadataFields);
  const modelVariables = describeVariables(stateOf(model));
  const fileVariables = describeVariables(header.variables);
  if (fileVariables !== modelVariables) {
    throw new WeightsFileError(filePath, `it holds variables ${fileVariables}, not this airbench model's ${modelVariables}`);
  }
  const differences = (Object.keys(expected) as (keyof typeof expected)[])
    .filter((field) => canonicalJson(header[field]) !== canonicalJson(expected[field]))
    .map((field) => `${field} ${canonicalJson(header[field])} instead of ${canonicalJson(expected[field])}`);
  if (differences.length > 0) {
    throw new WeightsFileError(filePath, `it was trained with ${differences.join(", ")}`);
  }
  assignValues(stateOf(model), data);
  return header;
}

function figures(model: AirbenchModel, recipe: AirbenchRecipe, epochs: EpochRecord[]): Pick<AirbenchRunResult, "testAccuracy" | "trainSeconds" | "msPerStep" | "gflopsPerSecond"> {
  const last = epochs[epochs.length - 1];
  const flopsPerStep = 3 * 2 * model.multiplyAddsPerImage() * recipe.batchSize;
  return {
    testAccuracy: last.testAccuracy,
    trainSeconds: last.seconds,
    msPerStep: (1000 * last.seconds) / last.steps,
    gflopsPerSecond: (flopsPerStep * last.steps) / last.seconds / 1e9,
  };
}

/** The recipe as this CPU can run it: bfloat16 convolutions become float32, with one line saying why, where bfloat16 would be emulated. */
function withAvailablePrecision(recipe: AirbenchRecipe): AirbenchRecipe {
  if (recipe.convolutionPrecision !== "bfloat16" || hasBfloat16Compute()) {
    return recipe;
  }
  console.warn("airbench: this CPU has neither avx512_bf16 nor amx_bf16, so the convolutions train in float32 (slower; the cached weights are named for float32).");
  return { ...recipe, convolutionPrecision: "float32" };
}

/**
 * Trains airbench on CIFAR-10 (AIRBENCH_RECIPE with `options.recipe`'s
 * changes), or loads the identical earlier run from the weights cache. A
 * cached file that is damaged or does not match throws a WeightsFileError
 * saying so (delete it, or pass retrain: true). An interrupted run
 * (TrainingInterruptedError) writes nothing.
 */
export async function trainOrLoadAirbench(trainSet: ImageSet, testSet: ImageSet, options: AirbenchRunOptions = {}): Promise<AirbenchRunResult> {
  const stepScale = options.stepScale ?? 1;
  if (!(stepScale > 0 && Number.isFinite(stepScale))) {
    throw new Error(`stepScale ${stepScale} is not valid: expected a number > 0, e.g. 0.1 for a tenth of the epochs.`);
  }
  const base = withAvailablePrecision({ ...AIRBENCH_RECIPE, ...options.recipe });
  const recipe = checkRecipe({ ...base, epochs: base.epochs * stepScale });
  const seed = options.seed ?? randomSeed();
  const model = new AirbenchModel({ widths: recipe.widths, seed });
  try {
    const filePath = options.seed === undefined ? null : airbenchWeightsPath(options.weightsDir ?? defaultWeightsDir(), recipe, seed, stepScale, trainSet, testSet);
    const identity = { model: "airbench" as const, recipe, seed, stepScale, trainData: trainSet.datasetId, testData: testSet.datasetId };
    if (filePath !== null && !options.retrain && fs.existsSync(filePath)) {
      const run = loadRun(model, filePath, identity);
      const result = figures(model, recipe, run.epochs);
      return {
        model,
        recipe,
        epochs: run.epochs,
        ...result,
        testAccuracyTta: run.testAccuracyTta,
        loaded: true,
        weightsPath: filePath,
        message:
          `loaded airbench (${recipe.epochs} epochs, seed ${seed}, trained in ${result.trainSeconds.toFixed(1)} s) ` +
          `from ${displayPath(filePath)}; pass retrain: true to train again`,
      };
    }
    const training = await trainAirbench(model, trainSet, testSet, recipe, { seed, onEpoch: options.onEpoch, progress: options.progress });
    const testAccuracyTta = airbenchAccuracy(model, testSet, recipe.testTimeAugmentation);
    if (filePath !== null) {
      saveVariables(stateOf(model), filePath, { ...identity, epochs: training.epochs, testAccuracyTta });
    }
    const result = figures(model, recipe, training.epochs);
    return {
      model,
      recipe,
      epochs: training.epochs,
      ...result,
      testAccuracyTta,
      loaded: false,
      weightsPath: filePath,
      message:
        `trained airbench for ${recipe.epochs} epochs (${training.steps} steps) in ${training.seconds.toFixed(1)} s; ` +
        (filePath === null ? "no seed, so not cached" : `saved to ${displayPath(filePath)}`),
    };
  } catch (error) {
    model.dispose();
    throw error;
  }
}
