import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  ablationProgressFile,
  ablationSeedGap,
  informativeAblationRuns,
  readAblationResults,
  unfinishedAblation,
  writeAblationResults,
  type AblationResults,
  type AblationRun,
} from "../../../src/recipes/airbench/ablation-results";
import { chartToSvg } from "../../../src/display/chart-svg";
import { ablationChart, ablationDifferences } from "../../../src/display/charts/ablation";
import { countMarks, svgTexts } from "../../output/recorder";

function run(removed: string | null, testAccuracyTta: number, seed = 42): AblationRun {
  return {
    removed,
    seed,
    precision: "float32",
    testAccuracy: testAccuracyTta - 0.01,
    testAccuracyTta,
    trainSeconds: 270,
    epochs: [1, 2, 3].map((epoch) => ({
      epoch,
      steps: 97 * epoch,
      seconds: 90 * epoch,
      trainCost: 2 - 0.25 * epoch,
      trainAccuracy: (testAccuracyTta * epoch) / 3 - 0.02,
      testAccuracy: (testAccuracyTta * epoch) / 3,
    })),
  };
}

const results: AblationResults = {
  command: "npm run ablation -- --epochs 3",
  startedAt: "2026-12-01T12:00:00.000Z",
  finishedAt: "2026-12-01T12:40:00.000Z",
  epochs: 3,
  seed: 42,
  evaluatedOn: "test",
  validationSet: null,
  blockWidths: [64, 192, 192],
  batchSize: 512,
  trainSet: "cifar10-train:1a2b3c4d",
  testSet: "cifar10-test:5e6f7a8b",
  machine: "run 2026-12-01 12:00 UTC",
  runs: [run(null, 0.8912), run("whitening", 0.8634), run("label-smoothing", 0.8851), run("lookahead", 0.8930)],
};

let dir = "";
test.before.each(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "ablation-test-"));
});
test.after.each(() => fs.rmSync(dir, { recursive: true, force: true }));

test("ablation chart: two bars per ingredient taken out, its difference from the full recipe without and with TTA", async () => {
  const svg = await chartToSvg(ablationChart(results.runs, { title: "each ingredient taken out in turn", noise: { points: 0.5, label: "seed gap" } }));
  // 3 runs × (without, with test-time augmentation); the full recipe is the 0 line.
  assert.is(countMarks(svg, "bar"), 6);
  assert.is(countMarks(svg, "rule mark"), 1);
  const texts = svgTexts(svg);
  // testAccuracy is testAccuracyTta − 0.01 in every run, so both differences agree here.
  const expected = ["without whitening", "without label-smoothing", "without lookahead", "−2.78", "−0.61", "+0.18", "seed gap", "each ingredient taken out in turn"];
  for (const text of expected) assert.ok(texts.includes(text), `missing text ${text} in ${texts}`);
  assert.ok(texts.some((text) => text.includes("88.12% without test-time augmentation, 89.12% with it")), `no subtitle with the full recipe's accuracies in ${texts}`);
  assert.not.ok(texts.includes("full recipe"), "the full recipe is the 0 line, not a bar");
  assert.ok(texts.includes("change in test accuracy against the full recipe (points)"), `axis in ${texts}`);
});

test("ablation chart measured on held-out images: its axis says validation accuracy", async () => {
  const texts = svgTexts(await chartToSvg(ablationChart(results.runs, { measuredOn: "validation" })));
  assert.ok(texts.includes("change in validation accuracy against the full recipe (points)"), `axis in ${texts}`);
});

test("ablation differences: each run minus the full recipe, in points, measured both ways", () => {
  const runs: AblationRun[] = [
    { ...run(null, 0.8535), testAccuracy: 0.8459 },
    { ...run("label-smoothing", 0.8552), testAccuracy: 0.8404 },
  ];
  assert.equal(ablationDifferences(runs), [
    { name: "without label-smoothing", evaluation: "without test-time augmentation", points: -0.55, text: "−0.55" },
    { name: "without label-smoothing", evaluation: "with test-time augmentation", points: 0.17, text: "+0.17" },
  ]);
});

test("ablation chart needs the full recipe's run to compare with", () => {
  assert.throws(() => ablationChart(results.runs.slice(1)), /no full-recipe run \(removed: null\) among the 3 runs/);
});

test("results written are read back unchanged, and no temporary file stays beside them", () => {
  const file = path.join(dir, "results", "airbench-ablation.json");
  writeAblationResults(results, file);
  assert.equal(readAblationResults(file), results);
  assert.equal(fs.readdirSync(path.dirname(file)), ["airbench-ablation.json"]);
});

test("results the reader would refuse are not written: a NaN accuracy would become null", () => {
  const file = path.join(dir, "airbench-ablation.json");
  const nan = { ...results.runs[1], epochs: results.runs[1].epochs.map((epoch) => ({ ...epoch, trainAccuracy: Number.NaN })) };
  assert.throws(() => writeAblationResults({ ...results, runs: [results.runs[0], nan] }, file), /runs\[1\]\.epochs\[0\]\.trainAccuracy is not a number; nothing was written/);
  assert.not.ok(fs.existsSync(file));
});

test("a failed write leaves the earlier results file whole and no temporary file", () => {
  const file = path.join(dir, "airbench-ablation.json");
  writeAblationResults(results, file);
  const before = fs.readFileSync(file, "utf8");
  // A cycle cannot be serialised: the write fails after the temporary file was named.
  const cyclic = { ...results, runs: [...results.runs] } as AblationResults & { self?: unknown };
  cyclic.self = cyclic;
  assert.throws(() => writeAblationResults(cyclic, file), /circular/);
  assert.is(fs.readFileSync(file, "utf8"), before);
  assert.equal(fs.readdirSync(dir), ["airbench-ablation.json"]);

  // A folder in the file's place: the temporary file is written, the rename fails, the temporary file goes.
  const blocked = path.join(dir, "blocked.json");
  fs.mkdirSync(path.join(blocked, "inside"), { recursive: true });
  assert.throws(() => writeAblationResults(results, blocked));
  assert.equal(fs.readdirSync(dir).sort(), ["airbench-ablation.json", "blocked.json"]);
});

test("reading a missing, broken or incomplete file says which file, what is wrong and how to remake it", () => {
  const file = path.join(dir, "airbench-ablation.json");
  assert.throws(() => readAblationResults(file), /airbench-ablation\.json does not exist\. Run `npm run ablation`/);
  fs.writeFileSync(file, '{"runs": [');
  assert.throws(() => readAblationResults(file), /is not valid JSON .*Run `npm run ablation`/);
  const { testAccuracyTta, ...incomplete } = results.runs[1];
  fs.writeFileSync(file, JSON.stringify({ ...results, runs: [results.runs[0], incomplete] }));
  assert.throws(() => readAblationResults(file), /not an ablation results file: runs\[1\]\.testAccuracyTta is not a number/);
  const { trainAccuracy, ...withoutTrainAccuracy } = results.runs[0].epochs[2];
  const olderRun = { ...results.runs[0], epochs: [...results.runs[0].epochs.slice(0, 2), withoutTrainAccuracy] };
  fs.writeFileSync(file, JSON.stringify({ ...results, runs: [olderRun, ...results.runs.slice(1)] }));
  assert.throws(() => readAblationResults(file), /not an ablation results file: runs\[0\]\.epochs\[2\]\.trainAccuracy is not a number/);
  fs.writeFileSync(file, JSON.stringify({ ...results, blockWidths: [64, "wide", 192] }));
  assert.throws(() => readAblationResults(file), /blockWidths is not a list of channel counts/);
  fs.writeFileSync(file, JSON.stringify({ ...results, runs: [...results.runs].reverse() }));
  assert.throws(() => readAblationResults(file), /runs\[0\] is not the full recipe/);
});

test("informativeAblationRuns: the run without weight averaging is left out when the runs end before averaging starts", () => {
  const removed = (runs: AblationRun[]) => runs.map((result) => result.removed);
  assert.equal(removed(informativeAblationRuns(results, 3)), [null, "whitening", "label-smoothing"], "3 epochs, averaging from epoch 3");
  assert.equal(removed(informativeAblationRuns({ ...results, epochs: 5 }, 3)), [null, "whitening", "label-smoothing", "lookahead"]);
  assert.equal(removed(informativeAblationRuns(results, null)), [null, "whitening", "label-smoothing", "lookahead"], "a recipe without averaging");
});

test("ablationSeedGap: the full recipe's spread over its seeds in these runs, in points; the chart's runs are the first seed's", () => {
  assert.is(ablationSeedGap(results), null, "one seed: no band");
  const seeded = { ...results, runs: [...results.runs, run(null, 0.8872, 7), { ...run(null, 0.8950, 1), testAccuracy: 0.8800 }] };
  // Without TTA: 0.8812, 0.8772, 0.8800 → 0.40 points; with TTA: 0.8912, 0.8872, 0.8950 → 0.78 points.
  assert.ok(Math.abs((ablationSeedGap(seeded) ?? 0) - 0.78) < 1e-9);
  assert.equal(informativeAblationRuns(seeded, null).map((result) => [result.removed, result.seed]), [[null, 42], ["whitening", 42], ["label-smoothing", 42], ["lookahead", 42]]);
});

test("a results file must say where it measured: validation with the held-out set's id, or test with none; and each run its seed and precision", () => {
  const file = path.join(dir, "checked.json");
  const refused = (changed: unknown, reason: RegExp) => {
    fs.writeFileSync(file, JSON.stringify(changed));
    assert.throws(() => readAblationResults(file), reason);
  };
  refused({ ...results, evaluatedOn: "validation" }, /validationSet does not match evaluatedOn/);
  refused({ ...results, evaluatedOn: "train" }, /evaluatedOn is neither "test" nor "validation"/);
  refused({ ...results, runs: [{ ...results.runs[0], seed: undefined }] }, /runs\[0\]\.seed is not a number/);
  refused({ ...results, runs: [{ ...results.runs[0], precision: 16 }] }, /runs\[0\]\.precision is not a string/);
  refused({ ...results, runs: [run(null, 0.89, 7)] }, /runs\[0\] is not the full recipe with the results' seed/);
  fs.writeFileSync(file, JSON.stringify({ ...results, evaluatedOn: "validation", validationSet: "cifar10-train:1a2b3c4d[held out 5000, seed 42]" }));
  assert.is(readAblationResults(file).evaluatedOn, "validation");
});

test("an unfinished ablation is kept beside its output, and resumed only with the same data, epochs and batch", () => {
  assert.is(ablationProgressFile("/results/airbench-ablation.json"), "/results/airbench-ablation.in-progress.json");
  const file = path.join(dir, "airbench-ablation.in-progress.json");
  const settings = { trainSet: results.trainSet, evaluationSet: results.testSet, epochs: 3, batchSize: 512 };
  assert.is(unfinishedAblation(file, settings), null, "no file: nothing to resume");
  const kept = { ...results, runs: [{ ...results.runs[0], recipeKey: "0efada8074a8", machine: "AMD EPYC × 2 cores, AVX2 class" }] };
  writeAblationResults(kept, file);
  assert.equal(unfinishedAblation(file, settings), kept);
  assert.throws(
    () => unfinishedAblation(file, { ...settings, epochs: 5, evaluationSet: "cifar10-train:1a2b3c4d[held out 5000, seed 42]" }),
    /airbench-ablation\.in-progress\.json holds an unfinished ablation with other settings \(evaluationSet cifar10-test:5e6f7a8b instead of cifar10-train:1a2b3c4d\[held out 5000, seed 42\]; epochs 3 instead of 5\)\. Finish it with its own command \(npm run ablation -- --epochs 3\), or delete the file to start this one\./,
  );
  fs.writeFileSync(file, '{"runs": [');
  assert.throws(() => unfinishedAblation(file, settings), /in-progress\.json is not valid JSON .*\. Delete it to start the ablation again\.$/);
  fs.writeFileSync(file, JSON.stringify({ ...kept, runs: [{ ...kept.runs[0], recipeKey: 12 }] }));
  assert.throws(() => unfinishedAblation(file, settings), /runs\[0\]\.recipeKey is not a string\. Delete it/);
});

test.run();
