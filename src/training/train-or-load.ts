/** Train once, then reuse: trained weights are cached per model, steps, seed, data set and batch size. */
import * as fs from "node:fs";
import * as path from "node:path";
import { cacheRoot, displayPath } from "../cache";
import type { ChapterModel } from "../models/model";
import type { BatchesIdentity, BatchSource } from "./data";
import type { StepKind } from "./step";
import { resolveTrainingSettings, train, type CurvePoint, type HistoryEntry, type TrainOptions } from "./train";
import { loadWeights, saveWeights, WeightsFileError } from "./weights-file";

export interface TrainOrLoadOptions extends TrainOptions {
  /** Train even when matching weights are cached; the new weights replace them. */
  retrain?: boolean;
  /** Default: defaultWeightsDir(). */
  weightsDir?: string;
}

export interface TrainOrLoadResult {
  outcome: "trained" | "loaded";
  /** The log points of the training run (for loaded weights: of the run that made them). */
  history: HistoryEntry[];
  /** The training curve of that run. */
  curve: CurvePoint[];
  /** Wall time of that training run, in seconds. */
  trainingSeconds: number;
  /** Where the weights are cached; null when the model has no seed and nothing was cached. */
  weightsPath: string | null;
  /** One line saying what happened, for the notebook (paths under the home folder as `~/…`). */
  message: string;
}

/** `weights` under the project's cache root (see cacheRoot: CNN_CACHE_DIR, XDG_CACHE_HOME, ~/.cache). */
export function defaultWeightsDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheRoot(env), "weights");
}

/** A file-name-safe form of a data set id ("mnist-train:1a2b3c4d" → "mnist-train-1a2b3c4d"). */
function fileNamePart(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, "-");
}

/**
 * The cache file of one run: model, steps, seed, data set and batch size
 * (`unidentified` for batch sources that do not say what they draw). Runs
 * with bfloat16 convolutions are cached apart; the float32 steps, compiled
 * and eager, share a file (they agree to float32 rounding).
 */
export function weightsFilePath(
  weightsDir: string,
  modelKey: string,
  steps: number,
  seed: number,
  data: BatchesIdentity | null,
  step: StepKind = "compiled",
): string {
  const dataPart = data === null ? "unidentified" : `${fileNamePart(data.dataset)}-batch${data.batchSize}`;
  const precisionPart = step === "compiled-bfloat16" ? "-bfloat16" : "";
  return path.join(weightsDir, `${modelKey}${precisionPart}-steps${steps}-seed${seed}-${dataPart}.weights`);
}

/**
 * Loads the cached weights of an identical earlier run (same model, steps,
 * seed, learning rate, keep probability, data set and batch size) or trains
 * and caches them. A cached file that is damaged or does not match is
 * reported through `log` and replaced by a new run. Models without a seed are
 * always trained, and not cached. Batch sources without an `identity` are
 * cached as "unidentified": such files are told apart only by the model and
 * the training settings. Pass a freshly built model: a cached file stands for
 * a run from the seed's initial weights.
 */
export async function trainOrLoad(
  model: ChapterModel,
  batches: BatchSource,
  options: TrainOrLoadOptions = {},
): Promise<TrainOrLoadResult> {
  const settings = resolveTrainingSettings(model, options);
  const log = options.log ?? console.log;
  const { seed } = model;
  if (seed === undefined) {
    const run = await train(model, batches, options);
    return {
      outcome: "trained",
      history: run.history,
      curve: run.curve,
      trainingSeconds: run.seconds,
      weightsPath: null,
      message: `trained ${model.key} for ${run.steps} steps in ${run.seconds.toFixed(1)} s (the model has no seed, so the weights were not cached)`,
    };
  }

  const data = batches.identity ?? null;
  const filePath = weightsFilePath(options.weightsDir ?? defaultWeightsDir(), model.key, settings.steps, seed, data, options.step);
  if (!options.retrain && fs.existsSync(filePath)) {
    try {
      const made = loadWeights(model, filePath, {
        steps: settings.steps,
        seed,
        learningRate: settings.learningRate,
        keepProb: settings.keepProb,
        data,
      });
      return {
        outcome: "loaded",
        history: made.history,
        curve: made.curve,
        trainingSeconds: made.trainingSeconds,
        weightsPath: filePath,
        message:
          `loaded ${model.key} weights (${made.steps} steps, seed ${seed}, trained in ${made.trainingSeconds.toFixed(1)} s) ` +
          `from ${displayPath(filePath)}; pass retrain: true to train again`,
      };
    } catch (error) {
      if (!(error instanceof WeightsFileError)) {
        throw error;
      }
      log(`Not using ${displayPath(filePath)}: ${error.reason}. Training instead; the new weights will replace it.`);
    }
  }

  const run = await train(model, batches, options);
  saveWeights(model, filePath, {
    model: model.key,
    steps: run.steps,
    seed,
    learningRate: settings.learningRate,
    keepProb: settings.keepProb,
    data,
    trainingSeconds: run.seconds,
    history: run.history,
    curve: run.curve,
  });
  return {
    outcome: "trained",
    history: run.history,
    curve: run.curve,
    trainingSeconds: run.seconds,
    weightsPath: filePath,
    message: `trained ${model.key} for ${run.steps} steps in ${run.seconds.toFixed(1)} s; weights saved to ${displayPath(filePath)}`,
  };
}
