/**
 * scripts/ablation.ts as `npm run ablation` runs it, in a child process: --help
 * prints the options, bad flags stop it with one message, and a short run on
 * the tiny data set writes a results file the notebook can read, the full
 * recipe first, each epoch with its training cost and accuracy.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { writeTinyDatasets } from "../../src/data";
import { readAblationResults, writeAblationResults } from "../../src/recipes/airbench/ablation-results";

import { runProcess } from "../wait";
import { AIRBENCH_INGREDIENTS, AIRBENCH_RECIPE } from "../../src/recipes";

const root = path.resolve(__dirname, "../..");

// Hang guards, far above a busy machine's times: a refused flag, and eight short training runs.
const FLAG_CHECK_MS = 3 * 60 * 1000;
const SHORT_RUN_MS = 20 * 60 * 1000;

function runAblation(args: string[], timeoutMs: number, env: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return runProcess(process.execPath, ["-r", "ts-node/register/transpile-only", "scripts/ablation.ts", ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    timeoutMs,
  });
}

test("bad flags stop the script with one message naming the flag, and the usage", async () => {
  const cases: Array<[string[], RegExp]> = [
    [["--epochs", "three"], /^ablation: --epochs needs a number > 0, got 'three'\.$/m],
    [["--epochs"], /^ablation: --epochs needs a value\.$/m],
    [["--batch-size", "2.5"], /^ablation: --batch-size needs a whole number > 0, got '2\.5'\.$/m],
    [["--seeds", "42,-1"], /^ablation: --seeds needs a whole number from 0 to 2147483647, got '-1'\.$/m],
    [["--seeds", "7,7"], /^ablation: --seeds lists a seed twice: 7,7\.$/m],
    [["--validation", "half"], /^ablation: --validation needs a whole number ≥ 0, got 'half'\.$/m],
    [["--fast"], /^ablation: unknown argument '--fast'\.$/m],
    [["--retrain=yes"], /^ablation: --retrain takes no value, got 'yes'\.$/m],
    [["--output", "--retrain"], /^ablation: --output needs a value\.$/m],
    [["3"], /^ablation: unexpected argument '3'\.$/m],
  ];
  for (const [args, message] of cases) {
    const { status, stdout, stderr } = await runAblation(args, FLAG_CHECK_MS);
    assert.is(status, 1, `${args.join(" ")}: exit status`);
    assert.match(stderr, message);
    assert.is(stderr.match(/^ablation: /gm)?.length, 1, `${args.join(" ")}: one error message, got\n${stderr}`);
    assert.is(stdout, "", `${args.join(" ")}: nothing trained`);
  }
});

test("--help prints the usage and every option's meaning, and exits 0 before any training", async () => {
  const { status, stdout } = await runAblation(["--help"], FLAG_CHECK_MS);
  assert.is(status, 0);
  assert.match(stdout, /^usage: npm run ablation -- /);
  for (const flag of ["--epochs N", "--seeds N,N", "--validation N", "--batch-size N", "--output FILE", "--retrain", "-h, --help"]) assert.match(stdout, `  ${flag}  `);
  assert.not.match(stdout, /airbench ablation:/);
});

test("a short run on the tiny data set writes every run measured on held-out images: the full recipe first, test-time augmentation from its weights, the other seeds last", async () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "ablation-script-"));
  try {
    await writeTinyDatasets(path.join(work, "data"));
    const output = path.join(work, "ablation.json");
    const env = { CNN_DATA_DIR: path.join(work, "data"), CNN_CACHE_DIR: path.join(work, "cache") };
    const flags = ["--epochs", "0.2", "--batch-size", "40", "--seeds", "7,3", "--validation", "100", "--output", output];
    const { status, stdout, stderr } = await runAblation(flags, SHORT_RUN_MS, env);
    assert.is(status, 0, stderr);
    const results = readAblationResults(output);
    assert.is(results.epochs, 0.2);
    assert.is(results.seed, 7);
    assert.equal(results.blockWidths, [...AIRBENCH_RECIPE.widths.blocks]);
    assert.is(results.batchSize, 40);
    assert.match(results.command, /^npm run ablation -- --epochs 0\.2 --seeds 7,3 --validation 100 --batch-size 40 --output /);
    assert.is(results.evaluatedOn, "validation");
    assert.match(results.validationSet ?? "", /\[held out 100, seed 7\]$/);
    assert.match(results.trainSet, /\[without held out 100, seed 7\]$/);
    const ingredients = Object.keys(AIRBENCH_INGREDIENTS);
    assert.equal(results.runs.map((run) => run.removed ?? `full recipe, seed ${run.seed}`), ["full recipe, seed 7", "test-time-augmentation", ...ingredients.filter((name) => name !== "test-time-augmentation"), "full recipe, seed 3"]);
    assert.ok(results.runs.every((run) => run.precision === "float32" || run.precision === "mixed-bfloat16"));
    assert.ok(results.runs.slice(0, -1).every((run) => run.seed === 7));
    const withoutTta = results.runs.find((run) => run.removed === "test-time-augmentation")!;
    assert.is(withoutTta.testAccuracyTta, results.runs[0].testAccuracy);
    assert.is(withoutTta.trainSeconds, results.runs[0].trainSeconds);
    // 400 images in batches of 40, 0.2 epochs: 2 steps, one evaluation.
    for (const run of results.runs) assert.equal(run.epochs.map((record) => record.epoch), [0.2]);
    // As notebook 4.4 reads them: each run's last epoch, its training accuracy and cost beside its test accuracy.
    for (const run of results.runs) {
      const last = run.epochs[run.epochs.length - 1];
      const name = run.removed ?? "full recipe";
      for (const key of ["trainAccuracy", "testAccuracy"] as const) {
        assert.ok(Number.isFinite(last[key]) && last[key] >= 0 && last[key] <= 1, `${name}: last epoch's ${key} ${last[key]}`);
      }
      assert.ok(Number.isFinite(last.trainCost) && last.trainCost > 0, `${name}: last epoch's trainCost ${last.trainCost}`);
    }
    const trainedRuns = results.runs.length - 1;
    assert.match(stdout, new RegExp(`\\[${trainedRuns}/${trainedRuns}\\] full recipe, seed 3`));

    // Run again: every training run comes from the cache.
    const again = await runAblation(flags, SHORT_RUN_MS, env);
    assert.is(again.status, 0, again.stderr);
    assert.is(again.stdout.match(/^ {2}loaded airbench/gm)?.length, trainedRuns);
    assert.equal(readAblationResults(output).runs, results.runs);
    const progressFile = path.join(work, "ablation.in-progress.json");
    assert.not.ok(fs.existsSync(progressFile), "a finished ablation leaves no in-progress file");

    // Interrupted after three training runs, resumed on a machine without their weights: the
    // runs kept in the in-progress file are reused as they are, the others trained.
    const firstRemoved = results.runs[2].removed;
    const kept = results.runs.slice(0, 3).map((run) => (run.removed === firstRemoved ? { ...run, testAccuracy: 0.123 } : run));
    writeAblationResults({ ...results, runs: kept }, progressFile);
    const resumed = await runAblation(flags, SHORT_RUN_MS, { ...env, CNN_CACHE_DIR: path.join(work, "other-machine-cache") });
    assert.is(resumed.status, 0, resumed.stderr);
    assert.is(resumed.stdout.match(/^ {2}made earlier \(/gm)?.length, 2, resumed.stdout);
    assert.not.match(resumed.stdout, /^ {2}loaded airbench/m);
    const final = readAblationResults(output);
    assert.equal(final.runs.map((run) => run.removed), results.runs.map((run) => run.removed));
    assert.is(final.runs.find((run) => run.removed === firstRemoved)?.testAccuracy, 0.123);
    assert.is(final.startedAt, results.startedAt, "a resumed ablation started when its first run did");
    assert.ok(final.runs.every((run) => typeof run.recipeKey === "string" && typeof run.machine === "string"));
    assert.not.ok(fs.existsSync(progressFile));
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});

test.run();
