/**
 * Train once, then reuse: a trained run (the model's weights and state, its
 * log, curve and epochs) is cached under a key that holds everything its
 * result depends on, so a run is reused only where training again would give
 * the same.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { cacheRoot, displayPath } from "../cache";
import { localized } from "../language";
import type { TrainableModel } from "../models/model";
import { modelName } from "../models/registry";
import type { BatchesIdentity, BatchSource } from "./data";
import { runnableStepKind } from "./step";
import { formatLogLine, resolveTrainingSettings, trainWithSettings, type CurvePoint, type EpochRecord, type HistoryEntry, type TrainingSettings, type TrainOptions } from "./train";
import { assignWeights, describeVariables, readWeightsFile, saveWeights, WeightsFileError } from "./weights-file";

/** Bumped whenever the file's layout or the meaning of a key field changes, so older files are retrained, not misread. */
export const RUN_FORMAT_VERSION = 2;

export interface TrainOrLoadOptions extends TrainOptions {
  /** Train even when a matching run is cached; the new run replaces it. */
  retrain?: boolean;
  /** Default: defaultWeightsDir(). */
  weightsDir?: string;
}

/** Everything a run's result depends on. Two runs with equal keys train the same. */
export interface RunKey {
  format: number;
  model: { architecture: Readonly<Record<string, unknown>>; variables: string; state: string };
  seed: number;
  /**
   * The settings, the step kind as the precision it computes in (the float32
   * steps, compiled and eager, agree to rounding; "mixed-bfloat16" is the
   * compiled-bfloat16 step's autocast-style mixed precision).
   */
  settings: Omit<TrainingSettings, "step"> & { precision: "float32" | "mixed-bfloat16" };
  /** The training batches: data set, batch size and order; null for a source that does not say (synthetic batches). */
  data: BatchesIdentity | null;
  /** The set evaluated after each epoch; null for none. */
  testSet: string | null;
  /** What was done to the model before training (airbench: its first layer's filters); null for nothing. */
  preparation: Readonly<Record<string, unknown>> | null;
}

/** What a run gave, stored with its weights. */
interface StoredRun {
  history: HistoryEntry[];
  curve: CurvePoint[];
  epochs: EpochRecord[];
  steps: number;
  seconds: number;
}

export interface TrainOrLoadResult extends StoredRun {
  outcome: "trained" | "loaded";
  /** The settings as run (for loaded weights: those of the run that made them, the same). */
  settings: TrainingSettings;
  msPerStep: number;
  /** Training arithmetic per second, a step counted as 3 forward passes at 2 FLOPs per multiply-add; null when the batch size is unknown. */
  gflopsPerSecond: number | null;
  /** Where the run is cached; null when the model has no seed and nothing was cached. */
  weightsPath: string | null;
  /** One line saying what happened, for the notebook (no paths: messageWithWeightsPath adds the file's). */
  message: string;
}

/** `weights` under the project's cache root (see cacheRoot: CNN_CACHE_DIR, XDG_CACHE_HOME, ~/.cache). */
export function defaultWeightsDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheRoot(env), "weights");
}

/** JSON with object keys sorted, so equal values give equal text whatever order their fields were written in. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(canonicalJson).join(",")}]`;
  }
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value).filter(([, field]) => field !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, field]) => `${JSON.stringify(key)}:${canonicalJson(field)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The key of a run of `model` (seeded) on `batches` with `settings` as this CPU runs them. */
export function runKey(model: TrainableModel, seed: number, settings: TrainingSettings, batches: BatchSource, options: Pick<TrainOptions, "testSet" | "prepare"> = {}): RunKey {
  const { step, ...rest } = settings;
  return {
    format: RUN_FORMAT_VERSION,
    model: { architecture: model.architecture, variables: describeVariables(model.variables), state: describeVariables(model.state) },
    seed,
    settings: { ...rest, precision: step === "compiled-bfloat16" ? "mixed-bfloat16" : "float32" },
    data: batches.identity ?? null,
    testSet: options.testSet === undefined ? null : options.testSet.datasetId ?? "unidentified",
    preparation: options.prepare?.what ?? null,
  };
}

/** The cache file of a run: the model's key, a hash of the run's key, and the seed. */
export function weightsFilePath(weightsDir: string, key: RunKey, modelKey: string): string {
  return path.join(weightsDir, `${modelKey}-${keyHash(key)}-seed${key.seed}.weights`);
}

/** A short hash of a key's canonical JSON, for cache file names: equal keys, equal names. */
export function keyHash(key: unknown): string {
  return createHash("sha256").update(canonicalJson(key)).digest("hex").slice(0, 12);
}

/** How a stored key differs from the wanted one, field by field (empty when equal). */
function keyDifferences(stored: unknown, wanted: RunKey): string[] {
  const storedKey = typeof stored === "object" && stored !== null ? (stored as Record<string, unknown>) : {};
  return (Object.keys(wanted) as (keyof RunKey)[])
    .filter((field) => canonicalJson(storedKey[field]) !== canonicalJson(wanted[field]))
    .map((field) => `${field} ${canonicalJson(storedKey[field]) ?? "(none)"} instead of ${canonicalJson(wanted[field])}`);
}

const isStoredRun = (value: unknown): value is StoredRun => {
  const run = value as StoredRun;
  return typeof value === "object" && value !== null && [run.history, run.curve, run.epochs].every(Array.isArray) && Number.isInteger(run.steps) && Number.isFinite(run.seconds);
};

/** Loads a cached run into `model`, or throws WeightsFileError (the model unchanged) saying why it cannot stand in for this one. */
function loadRun(model: TrainableModel, filePath: string, key: RunKey): StoredRun {
  const file = readWeightsFile(filePath);
  const differences = keyDifferences(file.header.key, key);
  if (differences.length > 0) {
    throw new WeightsFileError(filePath, `it was trained with ${differences.join("; ")}`);
  }
  if (!isStoredRun(file.header.run)) {
    throw new WeightsFileError(filePath, "its header has no valid 'run' (history, curve, epochs, steps, seconds)");
  }
  assignWeights(model, file, filePath);
  return file.header.run;
}

function resultOf(model: TrainableModel, run: StoredRun, fields: Pick<TrainOrLoadResult, "outcome" | "settings" | "weightsPath" | "message">, batchSize: number | null): TrainOrLoadResult {
  const flopsPerStep = batchSize === null ? null : 3 * 2 * model.multiplyAddsPerImage() * batchSize;
  return {
    ...run,
    ...fields,
    msPerStep: (1000 * run.seconds) / run.steps,
    gflopsPerSecond: flopsPerStep === null ? null : (flopsPerStep * run.steps) / run.seconds / 1e9,
  };
}

/** Why a progress line's elapsed time is longer than the training time, when it is. */
function evaluationNote(evaluationSeconds: number): string {
  if (evaluationSeconds <= 0) return "";
  const seconds = evaluationSeconds.toFixed(1);
  return localized({ en: ` (plus ${seconds} s testing after each epoch, not counted as training)`, ko: ` (에포크마다 테스트한 ${seconds}초는 학습 시간에 넣지 않음)` });
}

function trainedMessage(model: TrainableModel, steps: number, run: { seconds: number; evaluationSeconds: number }, cached: boolean): string {
  const seconds = run.seconds.toFixed(1);
  const note = evaluationNote(run.evaluationSeconds);
  return cached
    ? localized({
        en: `trained ${model.key} for ${steps} steps in ${seconds} s${note}; saved the weights, so the next run with these settings loads them`,
        ko: `${modelName(model.key)}: ${steps} 스텝을 ${seconds}초 동안 학습했습니다${note}. 가중치를 저장했으니 같은 설정으로 다시 실행하면 불러옵니다.`,
      })
    : localized({
        en: `trained ${model.key} for ${steps} steps in ${seconds} s${note} (the model has no seed, so the run was not cached)`,
        ko: `${modelName(model.key)}: ${steps} 스텝을 ${seconds}초 동안 학습했습니다${note} (시드가 없는 모델이라 저장하지 않았습니다).`,
      });
}

/**
 * Loads the cached run with this run's key (same model, seed, settings, data
 * and precision) or trains and caches it. A cached file that is damaged or
 * does not match is reported through `log` with the reason and replaced by a
 * new run. Models without a seed are always trained, and not cached. Pass a
 * freshly built model: a cached run stands for one from the seed's initial
 * weights.
 */
export async function trainOrLoad(model: TrainableModel, batches: BatchSource, options: TrainOrLoadOptions = {}): Promise<TrainOrLoadResult> {
  const log = options.log ?? console.log;
  // The key names the step kind that will run here (bfloat16 only where the CPU has it).
  const settings = { ...resolveTrainingSettings(model, options), step: runnableStepKind(options.step ?? "compiled", log) };
  const batchSize = batches.identity?.batchSize ?? null;
  if (model.seed === undefined) {
    const run = await trainWithSettings(model, batches, settings, options);
    const message = trainedMessage(model, settings.steps, run, false);
    return resultOf(model, run, { outcome: "trained", settings, weightsPath: null, message }, batchSize);
  }

  const key = runKey(model, model.seed, settings, batches, options);
  const filePath = weightsFilePath(options.weightsDir ?? defaultWeightsDir(), key, model.key);
  if (!options.retrain && fs.existsSync(filePath)) {
    try {
      const run = loadRun(model, filePath, key);
      // The log of the run that made the weights, as training printed it.
      for (const entry of run.history) log(formatLogLine(entry));
      const seconds = run.seconds.toFixed(1);
      const message = localized({
        en: `loaded ${model.key} (${run.steps} steps, seed ${model.seed}, trained in ${seconds} s) from the weights cache; pass retrain: true to train again`,
        ko: `${modelName(model.key)}: 저장된 가중치를 불러왔습니다 (${run.steps} 스텝, 시드 ${model.seed}, 학습 ${seconds}초). 다시 학습하려면 설정에 \`retrain: true\`를 넣으세요.`,
      });
      return resultOf(model, run, { outcome: "loaded", settings, weightsPath: filePath, message }, batchSize);
    } catch (error) {
      if (!(error instanceof WeightsFileError)) throw error;
      log(`Not using ${displayPath(filePath)}: ${error.reason}. Training instead; the new run will replace it.`);
    }
  }

  const trained = await trainWithSettings(model, batches, settings, options);
  const run: StoredRun = { history: trained.history, curve: trained.curve, epochs: trained.epochs, steps: trained.steps, seconds: trained.seconds };
  saveWeights(model, filePath, { key, run });
  const message = trainedMessage(model, settings.steps, trained, true);
  return resultOf(model, run, { outcome: "trained", settings, weightsPath: filePath, message }, batchSize);
}

/** The result's message with its weights file's path, for command-line scripts (notebooks show the message alone). */
export function messageWithWeightsPath(result: TrainOrLoadResult): string {
  return result.weightsPath === null ? result.message : `${result.message} (${displayPath(result.weightsPath)})`;
}
