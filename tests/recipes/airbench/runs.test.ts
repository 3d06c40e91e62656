import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ABLATION_RESULTS_FILE, AIRBENCH_RUNS_FILE, readAblationResults, readAirbenchRuns, recordAirbenchRun, seedGap, type AirbenchRunRecord } from "../../../src/recipes";

function run(name: string, seed: number, testAccuracyTta: number, cpuClass = "AVX-512 with bfloat16"): AirbenchRunRecord {
  return {
    name,
    seed,
    epochs: 9,
    trainSeconds: 650.5,
    msPerStep: 740,
    testAccuracy: testAccuracyTta - 0.01,
    testAccuracyTta,
    peakResidentMiB: 2300,
    command: `npm run train -- --model airbench --seed ${seed} --epochs 9 --record ${name} --retrain`,
    finishedAt: "2026-12-05T03:00:00.000Z",
    cpuClass,
    machine: "a test",
  };
}

const scratchFolders: string[] = [];

/** A file in a new folder, removed after each test. */
function scratchFile(): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "airbench-runs-"));
  scratchFolders.push(folder);
  return path.join(folder, "runs.json");
}

test.after.each(() => {
  for (const folder of scratchFolders.splice(0)) fs.rmSync(folder, { recursive: true, force: true });
});

test("no file: no runs; recorded runs read back sorted by CPU class, name and seed; a run of the same name and seed on the same CPU class replaces the earlier one", () => {
  const file = scratchFile();
  assert.equal(readAirbenchRuns(file), []);
  recordAirbenchRun(run("recipe", 42, 0.9), file);
  recordAirbenchRun(run("equal-time", 7, 0.899), file);
  recordAirbenchRun(run("recipe", 7, 0.901), file);
  recordAirbenchRun(run("recipe", 42, 0.905), file);
  recordAirbenchRun(run("recipe", 42, 0.87, "AVX2"), file);
  const runs = readAirbenchRuns(file);
  assert.equal(runs.map(({ cpuClass, name, seed, testAccuracyTta }) => [cpuClass, name, seed, testAccuracyTta]), [
    ["AVX-512 with bfloat16", "equal-time", 7, 0.899],
    ["AVX-512 with bfloat16", "recipe", 7, 0.901],
    ["AVX-512 with bfloat16", "recipe", 42, 0.905],
    ["AVX2", "recipe", 42, 0.87],
  ]);
  assert.equal(fs.readdirSync(path.dirname(file)), ["runs.json"], "written atomically: no temporary file left");
});

test("a damaged or foreign file is one error naming it, its problem and how to make it again; a bad record is refused before writing", () => {
  const file = scratchFile();
  fs.writeFileSync(file, "{ not json");
  assert.throws(() => readAirbenchRuns(file), (error: Error) => error.message.startsWith(`${file} is not valid JSON`) && /npm run train -- --model airbench --record NAME/.test(error.message));
  fs.writeFileSync(file, JSON.stringify({ runs: [{ ...run("recipe", 42, 0.9), trainSeconds: "long" }] }));
  assert.throws(() => readAirbenchRuns(file), /is not a record of airbench runs: runs\[0\]\.trainSeconds is not a number/);
  fs.writeFileSync(file, JSON.stringify({ results: [] }));
  assert.throws(() => readAirbenchRuns(file), /it has no list 'runs'/);
  const other = scratchFile();
  assert.throws(() => recordAirbenchRun({ ...run("recipe", 42, 0.9), testAccuracyTta: Number.NaN }, other), /recordAirbenchRun: the run\.testAccuracyTta is not a number/);
  assert.not.ok(fs.existsSync(other), "nothing written");
});

test("by default the records are the committed files in results/ of this package, which read back", () => {
  const results = path.resolve(__dirname, "../../../results");
  assert.is(AIRBENCH_RUNS_FILE, path.join(results, "airbench-runs.json"));
  assert.is(ABLATION_RESULTS_FILE, path.join(results, "airbench-ablation.json"));
  assert.ok(readAirbenchRuns().length > 0);
  assert.ok(readAblationResults().runs.length > 0);
});

test("seedGap: the larger spread, in points, of the accuracies with and without TTA of the runs of one name; null for fewer than two", () => {
  const records = [
    { ...run("recipe", 42, 0.9076), testAccuracy: 0.8917 },
    { ...run("recipe", 7, 0.8992), testAccuracy: 0.8905 },
    { ...run("equal-time", 42, 0.9), testAccuracy: 0.5 },
  ];
  assert.ok(Math.abs((seedGap(records, "recipe") ?? 0) - 0.84) < 1e-9);
  assert.is(seedGap(records, "equal-time"), null);
  assert.is(seedGap(records, "none"), null);
});

test.run();
