/**
 * The results file of the airbench ablation: scripts/ablation.ts (`npm run
 * ablation`) writes it and notebook 4.4 draws it, so readers see what each
 * ingredient is worth without re-running hours of training.
 */
import * as fs from "fs";
import * as path from "path";
import { displayPath, writeFileAtomic } from "../../cache";

/** results/airbench-ablation.json of this package (beside src/ and dist/), committed with the notebooks. */
export const ABLATION_RESULTS_FILE = path.resolve(__dirname, "../../../results/airbench-ablation.json");

/** One epoch of an ablation run; notebook 4.4 compares the last one's training and test accuracy. */
export interface AblationEpoch {
  epoch: number;
  steps: number;
  seconds: number;
  trainCost: number;
  trainAccuracy: number;
  testAccuracy: number;
}

/** One training run of the ablation: the full recipe, or the recipe with one ingredient taken out. */
export interface AblationRun {
  /** The ingredient taken out (an AirbenchIngredient), or null for the full recipe. */
  removed: string | null;
  /** The run's seed (its initial weights, batch order and augmentation). */
  seed: number;
  /** What its step computed in: "float32" or "mixed-bfloat16" (runs made before 2026-12-05: "bfloat16-convolutions"). */
  precision: string;
  /** Final accuracy without test-time augmentation, a fraction, on the set the results' evaluatedOn names. */
  testAccuracy: number;
  /** The same weights' accuracy with the run's own test-time augmentation (none when that is what was removed). */
  testAccuracyTta: number;
  trainSeconds: number;
  /** The recipe it trained, as a hash (keyHash of the AirbenchRecipe): a resumed ablation reuses a run only for the same recipe. Absent in files made before 2026-12-07. */
  recipeKey?: string;
  /** The CPU it trained on (formatCpu): a resumed ablation may have runs from more than one machine. Absent in files made before 2026-12-07. */
  machine?: string;
  /** Per epoch, as the engine's EpochRecord has it: the steps and training seconds so far, the epoch's mean training cost and accuracy (on its augmented batches, in training mode), and the test accuracy after it. */
  epochs: AblationEpoch[];
}

export interface AblationResults {
  /** The command that made the file, e.g. "npm run ablation -- --epochs 3". */
  command: string;
  /** When the first run started and the last one ended, ISO 8601 UTC. */
  startedAt: string;
  finishedAt: string;
  /** Epochs of every run (may be fractional), and the seed of the runs without an ingredient. */
  epochs: number;
  seed: number;
  /** Where the accuracies were measured: the test set, or images held out of the training set (validationSet). */
  evaluatedOn: "test" | "validation";
  /** The held-out images' dataset id; null when evaluatedOn is "test". */
  validationSet: string | null;
  /** The full recipe's three block widths (channels) and batch size. */
  blockWidths: number[];
  batchSize: number;
  /** Dataset ids of the training and test sets (see ImageSet.datasetId). */
  trainSet: string;
  testSet: string;
  /** runInfo() at the start: date, backend, machine, load. */
  machine: string;
  /** The full recipe first (seed `seed`), then one run per ingredient removed, then the full recipe with other seeds. */
  runs: AblationRun[];
}

/** Writes `results` as JSON to a temporary file beside `file`, then renames it over `file`: a reader never sees half a file. */
export function writeAblationResults(results: AblationResults, file: string = ABLATION_RESULTS_FILE): void {
  // Refuse what readAblationResults would refuse (a NaN would be written as null), before the earlier file is replaced.
  const problem = resultsProblem(results);
  if (problem) throw new Error(`Ablation results for ${displayPath(file)}: ${problem}; nothing was written.`);
  writeFileAtomic(file, `${JSON.stringify(results, null, 2)}\n`);
}

function fieldProblem(value: unknown, where: string, kind: "string" | "number" | "array"): string | undefined {
  const fits = kind === "array" ? Array.isArray(value) : kind === "number" ? typeof value === "number" && Number.isFinite(value) : typeof value === "string";
  return fits ? undefined : `${where} is not a${kind === "array" ? "n array" : ` ${kind}`}`;
}

const EPOCH_FIELDS: ReadonlyArray<keyof AblationEpoch> = ["epoch", "steps", "seconds", "trainCost", "trainAccuracy", "testAccuracy"];

/** The first thing wrong with `data` as ablation results, or undefined. */
function resultsProblem(data: unknown): string | undefined {
  if (data === null || typeof data !== "object") return "it is not a JSON object";
  const results = data as Record<string, unknown>;
  const top: Array<[string, "string" | "number" | "array"]> = [
    ["command", "string"], ["startedAt", "string"], ["finishedAt", "string"], ["epochs", "number"], ["seed", "number"],
    ["blockWidths", "array"], ["batchSize", "number"], ["trainSet", "string"], ["testSet", "string"], ["machine", "string"], ["runs", "array"],
  ];
  for (const [key, kind] of top) {
    const problem = fieldProblem(results[key], key, kind);
    if (problem) return problem;
  }
  if (results.evaluatedOn !== "test" && results.evaluatedOn !== "validation") return 'evaluatedOn is neither "test" nor "validation"';
  if (results.evaluatedOn === "validation" ? typeof results.validationSet !== "string" : results.validationSet !== null) {
    return "validationSet does not match evaluatedOn (a dataset id for validation, null for test)";
  }
  const widths = results.blockWidths as unknown[];
  if (widths.length === 0 || !widths.every((width) => Number.isInteger(width) && (width as number) > 0)) {
    return "blockWidths is not a list of channel counts";
  }
  const runs = results.runs as unknown[];
  if (runs.length === 0) return "runs is empty";
  for (const [i, run] of runs.entries()) {
    if (run === null || typeof run !== "object") return `runs[${i}] is not an object`;
    const fields = run as Record<string, unknown>;
    if (!(fields.removed === null || typeof fields.removed === "string")) return `runs[${i}].removed is neither null nor a string`;
    if (typeof fields.precision !== "string") return `runs[${i}].precision is not a string`;
    for (const key of ["recipeKey", "machine"]) {
      if (fields[key] !== undefined && typeof fields[key] !== "string") return `runs[${i}].${key} is not a string`;
    }
    for (const key of ["seed", "testAccuracy", "testAccuracyTta", "trainSeconds"]) {
      const problem = fieldProblem(fields[key], `runs[${i}].${key}`, "number");
      if (problem) return problem;
    }
    const epochs = fields.epochs;
    if (!Array.isArray(epochs)) return `runs[${i}].epochs is not an array`;
    for (const [j, record] of epochs.entries()) {
      for (const key of EPOCH_FIELDS) {
        const problem = fieldProblem((record as Record<string, unknown> | null)?.[key], `runs[${i}].epochs[${j}].${key}`, "number");
        if (problem) return problem;
      }
    }
  }
  const first = runs[0] as AblationRun;
  if (first.removed !== null || first.seed !== results.seed) return "runs[0] is not the full recipe with the results' seed";
  return undefined;
}

/** Reads and checks the ablation's results (default: the committed results/airbench-ablation.json). */
export function readAblationResults(file: string = ABLATION_RESULTS_FILE): AblationResults {
  return readResultsFile(file, "Run `npm run ablation` to make it (see scripts/ablation.ts).");
}

/** Reads and checks a results file; an error says what is wrong with it, then `remedy`. */
function readResultsFile(file: string, remedy: string): AblationResults {
  if (!fs.existsSync(file)) throw new Error(`Ablation results: ${displayPath(file)} does not exist. ${remedy}`);
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`Ablation results: ${displayPath(file)} is not valid JSON (${(error as Error).message}). ${remedy}`);
  }
  const problem = resultsProblem(data);
  if (problem) throw new Error(`Ablation results: ${displayPath(file)} is not an ablation results file: ${problem}. ${remedy}`);
  return data as AblationResults;
}

/**
 * Where `npm run ablation` keeps the runs made so far while it runs, beside its `output`: a
 * results file of the runs finished, rewritten after each one and deleted when the last is made.
 * Committed with the project, it lets an interrupted ablation resume on another machine too.
 */
export function ablationProgressFile(output: string): string {
  return output.replace(/(\.json)?$/, ".in-progress.json");
}

/** What every run of one ablation shares: a resumed ablation reuses only runs made with the same. */
export interface AblationSettings {
  trainSet: string;
  /** The validation set's id, or the test set's when it measures on the test set. */
  evaluationSet: string;
  epochs: number;
  batchSize: number;
}

function settingsOf(results: AblationResults): AblationSettings {
  const { trainSet, validationSet, testSet, epochs, batchSize } = results;
  return { trainSet, evaluationSet: validationSet ?? testSet, epochs, batchSize };
}

/**
 * What an unfinished ablation left in `progressFile`: its runs so far, and when it started (null
 * when there is no such file). A file made with other settings is refused rather than
 * overwritten: it may hold hours of training.
 */
export function unfinishedAblation(progressFile: string, settings: AblationSettings): AblationResults | null {
  if (!fs.existsSync(progressFile)) return null;
  const earlier = readResultsFile(progressFile, "Delete it to start the ablation again.");
  const earlierSettings = settingsOf(earlier);
  const differences = (Object.keys(settings) as (keyof AblationSettings)[])
    .filter((key) => earlierSettings[key] !== settings[key])
    .map((key) => `${key} ${earlierSettings[key]} instead of ${settings[key]}`);
  if (differences.length > 0) {
    throw new Error(
      `${displayPath(progressFile)} holds an unfinished ablation with other settings (${differences.join("; ")}). ` +
        `Finish it with its own command (${earlier.command}), or delete the file to start this one.`,
    );
  }
  return earlier;
}

/**
 * The runs worth drawing: all but the one without weight averaging when the runs end before
 * averaging starts (`averagingStartEpoch`), where that run is the full recipe again.
 */
export function informativeAblationRuns(results: AblationResults, averagingStartEpoch: number | null): AblationRun[] {
  return results.runs.filter(
    (run) => run.seed === results.seed && !(run.removed === "lookahead" && averagingStartEpoch !== null && results.epochs <= averagingStartEpoch),
  );
}

/**
 * How far apart the full recipe's seeds ended in these runs, in points: the larger of the
 * spreads without and with test-time augmentation; null for fewer than two seeds.
 */
export function ablationSeedGap(results: AblationResults): number | null {
  const full = results.runs.filter((run) => run.removed === null);
  if (full.length < 2) return null;
  const spread = (values: number[]) => 100 * (Math.max(...values) - Math.min(...values));
  return Math.max(spread(full.map((run) => run.testAccuracy)), spread(full.map((run) => run.testAccuracyTta)));
}
