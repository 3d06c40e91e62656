/** Train once, then reuse: trained weights are cached per model, steps and seed. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { ChapterModel } from "../models/model";
import type { BatchSource } from "./data";
import { resolveTrainingSettings, train, type HistoryEntry, type TrainOptions } from "./train";
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
  /** Wall time of that training run, in seconds. */
  trainingSeconds: number;
  /** Where the weights are cached; null when the model has no seed and nothing was cached. */
  weightsPath: string | null;
  /** One line saying what happened, for the notebook. */
  message: string;
}

/** `$CNN_CACHE_DIR/weights`, by default `~/.cache/cnn-chapter4/weights`. */
export function defaultWeightsDir(): string {
  return path.join(process.env.CNN_CACHE_DIR ?? path.join(os.homedir(), ".cache", "cnn-chapter4"), "weights");
}

export function weightsFilePath(weightsDir: string, modelKey: string, steps: number, seed: number): string {
  return path.join(weightsDir, `${modelKey}-steps${steps}-seed${seed}.weights`);
}

/**
 * Loads the cached weights of an identical earlier run (same model, steps,
 * seed, learning rate and keep probability) or trains and caches them. A
 * cached file that is damaged or does not match is reported through `log`
 * and replaced by a new run. Models without a seed are always trained, and
 * not cached. Pass a freshly built model: a cached file stands for a run
 * from the seed's initial weights.
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
      trainingSeconds: run.seconds,
      weightsPath: null,
      message: `trained ${model.key} for ${run.steps} steps in ${run.seconds.toFixed(1)} s (the model has no seed, so the weights were not cached)`,
    };
  }

  const filePath = weightsFilePath(options.weightsDir ?? defaultWeightsDir(), model.key, settings.steps, seed);
  if (!options.retrain && fs.existsSync(filePath)) {
    try {
      const made = loadWeights(model, filePath, {
        steps: settings.steps,
        seed,
        learningRate: settings.learningRate,
        keepProb: settings.keepProb,
      });
      return {
        outcome: "loaded",
        history: made.history,
        trainingSeconds: made.trainingSeconds,
        weightsPath: filePath,
        message:
          `loaded ${model.key} weights (${made.steps} steps, seed ${seed}, trained in ${made.trainingSeconds.toFixed(1)} s) ` +
          `from ${filePath}; pass retrain: true to train again`,
      };
    } catch (error) {
      if (!(error instanceof WeightsFileError)) {
        throw error;
      }
      log(`Not using ${filePath}: ${error.reason}. Training instead; the new weights will replace it.`);
    }
  }

  const run = await train(model, batches, options);
  saveWeights(model, filePath, {
    model: model.key,
    steps: run.steps,
    seed,
    learningRate: settings.learningRate,
    keepProb: settings.keepProb,
    trainingSeconds: run.seconds,
    history: run.history,
  });
  return {
    outcome: "trained",
    history: run.history,
    trainingSeconds: run.seconds,
    weightsPath: filePath,
    message: `trained ${model.key} for ${run.steps} steps in ${run.seconds.toFixed(1)} s; weights saved to ${filePath}`,
  };
}
