/**
 * Whole runs of airbench's recipe trained from the terminal (`npm run train --
 * --model airbench --record NAME`), kept in results/airbench-runs.json so that
 * notebook 4.4 can show runs it does not train itself: other seeds, and the
 * schedule fitted into the time PyTorch needs for the same recipe.
 */
import * as fs from "fs";
import * as path from "path";
import { writeFileAtomic } from "../../cache";

export const AIRBENCH_RUNS_FILE = path.resolve(__dirname, "../../../results/airbench-runs.json");

/** One finished training run and its test accuracy. */
export interface AirbenchRunRecord {
  /** What the run stands for, e.g. "recipe" or "equal-time"; with the seed it names the run. */
  name: string;
  seed: number;
  epochs: number;
  /** Training wall time as trainOrLoad measures it (per-epoch evaluation not included). */
  trainSeconds: number;
  msPerStep: number;
  testAccuracy: number;
  /** With the recipe's test-time augmentation. */
  testAccuracyTta: number;
  /** Peak resident memory of the training process. */
  peakResidentMiB: number;
  /** How to make this record again. */
  command: string;
  finishedAt: string;
  /** The class of CPU it ran on (cpuClass: "AVX2", "AVX-512 with bfloat16", ...): speeds hold for that class. */
  cpuClass: string;
  machine: string;
}

const NUMBER_FIELDS = ["seed", "epochs", "trainSeconds", "msPerStep", "testAccuracy", "testAccuracyTta", "peakResidentMiB"] as const;
const STRING_FIELDS = ["name", "command", "finishedAt", "cpuClass", "machine"] as const;

function recordProblem(run: unknown, where: string): string | undefined {
  if (run === null || typeof run !== "object") return `${where} is not an object`;
  const fields = run as Record<string, unknown>;
  const badNumber = NUMBER_FIELDS.find((key) => typeof fields[key] !== "number" || !Number.isFinite(fields[key]));
  if (badNumber) return `${where}.${badNumber} is not a number`;
  const badString = STRING_FIELDS.find((key) => typeof fields[key] !== "string");
  return badString ? `${where}.${badString} is not a string` : undefined;
}

/** The recorded runs; none when the file does not exist. A damaged file is an error that names it. */
export function readAirbenchRuns(file: string = AIRBENCH_RUNS_FILE): AirbenchRunRecord[] {
  if (!fs.existsSync(file)) return [];
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`${file} is not valid JSON (${(error as Error).message}); delete it and record the runs again with \`npm run train -- --model airbench --record NAME\`.`);
  }
  const runs = (data as { runs?: unknown })?.runs;
  const problem = Array.isArray(runs) ? runs.map((run, i) => recordProblem(run, `runs[${i}]`)).find(Boolean) : "it has no list 'runs'";
  if (problem) {
    throw new Error(`${file} is not a record of airbench runs: ${problem}. Delete it and record the runs again with \`npm run train -- --model airbench --record NAME\`.`);
  }
  return runs as AirbenchRunRecord[];
}

/** Adds `run` to the file, replacing an earlier run of the same name and seed on the same class of CPU. */
export function recordAirbenchRun(run: AirbenchRunRecord, file: string = AIRBENCH_RUNS_FILE): void {
  const problem = recordProblem(run, "the run");
  if (problem) throw new Error(`recordAirbenchRun: ${problem}.`);
  const runs = readAirbenchRuns(file).filter((other) => other.name !== run.name || other.seed !== run.seed || other.cpuClass !== run.cpuClass);
  runs.push(run);
  runs.sort((a, b) => a.cpuClass.localeCompare(b.cpuClass) || a.name.localeCompare(b.name) || a.seed - b.seed);
  writeFileAtomic(file, `${JSON.stringify({ runs }, null, 2)}\n`);
}

/**
 * How far apart the seeds of the runs named `name` ended, in points: the larger of the
 * spreads without and with test-time augmentation; null for fewer than two runs.
 */
export function seedGap(records: readonly AirbenchRunRecord[], name: string): number | null {
  const runs = records.filter((record) => record.name === name);
  if (runs.length < 2) return null;
  const spread = (values: number[]) => 100 * (Math.max(...values) - Math.min(...values));
  return Math.max(spread(runs.map((run) => run.testAccuracy)), spread(runs.map((run) => run.testAccuracyTta)));
}
