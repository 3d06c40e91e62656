/** The weights file (src/training/weights-file.ts): what is saved, what is checked on reading and on assigning. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/native/backend";
import { displayPath } from "../../src/cache";
import { convLayer, fullLayer, maxPool2x2 } from "../../src/layers";
import { ChapterModel, createModel, type ModelDefinition, type TrainableModel } from "../../src/models";
import { silentProgress } from "../../src/output";
import { trainOrLoad } from "../../src/training";
import { assignWeights, describeVariables, readWeightsFile, saveWeights, savedVariables, WeightsFileError } from "../../src/training/weights-file";
import { lineCollector, TinyBatches, tinyDefinition, tinyModel } from "./fixtures";
import { readHeader, rewriteHeader } from "./weights-files";
import { AirbenchModel } from "../../src/recipes";
import { chapterStepSettings } from "../../src/recipes";

const weightsDir = fs.mkdtempSync(path.join(os.tmpdir(), "cnn-weights-test-"));

function weightValues(model: TrainableModel): number[][] {
  return tf.tidy(() => savedVariables(model).map((variable) => Array.from(variable.read().dataSync())));
}

/** What trainOrLoad stores besides the values (any JSON object will do for saveWeights). */
const header = {
  key: { format: 2, seed: 1, note: "a test header" },
  run: { history: [{ step: 5, cost: 0.7, accuracy: 0.5 }], curve: [{ step: 0, cost: 0.9, accuracy: 0.25 }], epochs: [], steps: 10, seconds: 1.5 },
};

/** The tiny model's variables with the same names and other shapes: 8 filters instead of 4. */
const wideTinyDefinition: ModelDefinition = {
  ...tinyDefinition,
  forward(x) {
    const conv = maxPool2x2(convLayer(x, [3, 3, 1, 8]));
    return fullLayer(tf.reshape(conv, [-1, 2 * 2 * 8]) as tf.Tensor2D, 2);
  },
};

/** Reads and assigns `filePath` to `model`: the WeightsFileError's message, checking it says what to do and that the model kept its values. */
function refusal(model: TrainableModel, filePath: string): string {
  const before = weightValues(model);
  try {
    assignWeights(model, readWeightsFile(filePath), filePath);
  } catch (error) {
    assert.instance(error, WeightsFileError);
    assert.is((error as WeightsFileError).filePath, filePath);
    assert.match((error as Error).message, /Delete it or retrain \(pass retrain: true\)\.$/);
    assert.equal(weightValues(model), before, "the model is unchanged");
    return (error as WeightsFileError).reason;
  }
  throw new Error(`${filePath} was accepted`);
}

test("saveWeights then readWeightsFile and assignWeights restore every value; the header keeps what was given, the variables and a checksum", () => {
  const source = tinyModel(1);
  const target = tinyModel(2);
  const filePath = path.join(weightsDir, "roundtrip.weights");
  saveWeights(source, filePath, header);
  assert.not.equal(weightValues(target), weightValues(source));
  const file = readWeightsFile(filePath);
  assert.equal(file.header.key, header.key);
  assert.equal(file.header.run, header.run);
  assert.equal(file.header.variables, [
    { name: "weight1", shape: [3, 3, 1, 4] },
    { name: "bias1", shape: [4] },
    { name: "weight2", shape: [16, 2] },
    { name: "bias2", shape: [2] },
  ]);
  assert.match(file.header.sha256 as string, /^[0-9a-f]{64}$/);
  assert.ok(!Number.isNaN(Date.parse(file.header.createdAt as string)));
  assert.is(file.data.length, 4 * source.parameterCount);
  assignWeights(target, file, filePath);
  assert.equal(weightValues(target), weightValues(source));
  assert.equal(
    fs.readdirSync(weightsDir).filter((name) => name.includes(".tmp")),
    [],
  );
  source.dispose();
  target.dispose();
});

test("the state is saved after the variables and restored with them", () => {
  const widths = { whitening: 24, blocks: [2, 2, 2] as [number, number, number] };
  const source = new AirbenchModel({ widths, seed: 1 });
  source.initializeRandomFilters(5);
  source.runningStatistics[0].assign(tf.fill([2], 0.25));
  const target = new AirbenchModel({ widths, seed: 2 });
  const filePath = path.join(weightsDir, "state.weights");
  saveWeights(source, filePath, header);
  assert.equal(
    readHeader(filePath).variables,
    [...source.variables, ...source.state].map((variable) => ({ name: variable.name, shape: [...variable.shape] })),
  );
  assignWeights(target, readWeightsFile(filePath), filePath);
  assert.equal(weightValues(target), weightValues(source));
  [source, target].forEach((model) => model.dispose());
});

test("damaged, truncated, foreign and missing files are a WeightsFileError saying what is wrong", () => {
  const source = tinyModel(1);
  const target = tinyModel(2);
  const filePath = path.join(weightsDir, "damaged.weights");
  saveWeights(source, filePath, header);
  const bytes = fs.readFileSync(filePath);

  const flipped = Buffer.from(bytes);
  flipped[flipped.length - 3] ^= 0xff;
  fs.writeFileSync(filePath, flipped);
  assert.is(refusal(target, filePath), "its data is damaged (checksum mismatch)");

  fs.writeFileSync(filePath, bytes.subarray(0, bytes.length - 4));
  assert.is(refusal(target, filePath), "it holds 292 bytes of values, its header declares 74 float32 values");

  fs.writeFileSync(filePath, bytes.subarray(0, 20));
  assert.is(refusal(target, filePath), "it is not a cnn-chapter4 weights file or it is truncated");

  fs.writeFileSync(filePath, "hello");
  assert.is(refusal(target, filePath), "it is not a cnn-chapter4 weights file or it is truncated");

  fs.rmSync(filePath);
  assert.match(refusal(target, filePath), /^it cannot be read \(ENOENT/);
  source.dispose();
  target.dispose();
});

test("a malformed header is a WeightsFileError naming what is wrong", () => {
  const source = tinyModel(1);
  const target = tinyModel(2);
  const filePath = path.join(weightsDir, "malformed.weights");
  const failure = (edit: (stored: Record<string, unknown>) => unknown): string => {
    saveWeights(source, filePath, header);
    rewriteHeader(filePath, edit);
    return refusal(target, filePath);
  };
  const invalid = "its header is invalid: it needs 'variables' (a list of { name, shape }) and 'sha256'";
  assert.is(failure(() => [1, 2]), invalid);
  assert.is(
    failure((stored) => {
      delete stored.sha256;
    }),
    invalid,
  );
  assert.is(
    failure((stored) => {
      stored.variables = [{ name: "weight1", shape: [3, "3"] }];
    }),
    invalid,
  );
  assert.is(
    failure((stored) => {
      (stored.variables as { shape: number[] }[])[0].shape = [3, 3, 1, 5];
    }),
    "it holds 296 bytes of values, its header declares 83 float32 values",
  );
  // A header that is not JSON at all (its length still right).
  saveWeights(source, filePath, header);
  const bytes = fs.readFileSync(filePath);
  bytes[12] = "<".charCodeAt(0);
  fs.writeFileSync(filePath, bytes);
  assert.is(refusal(target, filePath), "its header is damaged (not JSON)");
  source.dispose();
  target.dispose();
});

test("a file of the same model name whose variables have other shapes (or other names) is refused by assignWeights, naming both", () => {
  const target = tinyModel(2);
  const wide = new ChapterModel(wideTinyDefinition, { seed: 1 });
  assert.is(wide.key, target.key);
  assert.equal(
    wide.variables.map((variable) => variable.name),
    target.variables.map((variable) => variable.name),
  );
  const filePath = path.join(weightsDir, "wide.weights");
  saveWeights(wide, filePath, header);
  // The file itself is intact: only assigning it to this model fails.
  readWeightsFile(filePath);
  assert.is(
    refusal(target, filePath),
    "it holds variables weight1[3,3,1,8] bias1[8] weight2[32,2] bias2[2], not those of model 'tiny', weight1[3,3,1,4] bias1[4] weight2[16,2] bias2[2]",
  );
  assert.is(describeVariables(target.variables), "weight1[3,3,1,4] bias1[4] weight2[16,2] bias2[2]");

  const mnist = createModel("mnist", { seed: 1 });
  saveWeights(mnist, filePath, header);
  assert.match(refusal(target, filePath), /^it holds variables weight1\[5,5,1,32\] .*, not those of model 'tiny', weight1\[3,3,1,4\]/);
  [target, wide, mnist].forEach((model) => model.dispose());
});

test("trainOrLoad: a cached file with this run's key but other variable shapes is not loaded; it says why and retrains", async () => {
  const dir = path.join(weightsDir, "shapes");
  const options = { steps: 10, logEvery: 5, weightsDir: dir, progress: silentProgress };
  const first = tinyModel(7);
  const trained = await trainOrLoad(first, new TinyBatches(8, "tiny-train:0001"), { ...chapterStepSettings(first), ...options, log: () => {} });
  const filePath = trained.weightsPath as string;
  const stored = readHeader(filePath);

  // The header names this very run (its key and log) but holds the wide model's values.
  const wide = new ChapterModel(wideTinyDefinition, { seed: 7 });
  saveWeights(wide, filePath, { key: stored.key, run: stored.run });
  wide.dispose();
  const { lines, log } = lineCollector();
  const second = tinyModel(7);
  const batches = new TinyBatches(8, "tiny-train:0001");
  const retrained = await trainOrLoad(second, batches, { ...chapterStepSettings(second), ...options, log });
  assert.is(retrained.outcome, "trained");
  assert.is(batches.handedOut, 10);
  assert.equal(lines.filter((line) => line.startsWith("Not using")), [
    `Not using ${displayPath(filePath)}: it holds variables weight1[3,3,1,8] bias1[8] weight2[32,2] bias2[2], not those of model 'tiny', weight1[3,3,1,4] bias1[4] weight2[16,2] bias2[2]. ` +
      "Training instead; the new run will replace it.",
  ]);
  // The new run replaced the file: the next call loads it.
  const third = tinyModel(7);
  const loaded = await trainOrLoad(third, new TinyBatches(8, "tiny-train:0001"), { ...chapterStepSettings(third), ...options, log });
  assert.is(loaded.outcome, "loaded");
  assert.equal(weightValues(third), weightValues(second));
  [first, second, third].forEach((model) => model.dispose());
});

test.after(() => fs.rmSync(weightsDir, { recursive: true, force: true }));

test.run();
