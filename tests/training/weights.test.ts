import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/backend";
import { createModel } from "../../src/models";
import { loadWeights, saveWeights, trainOrLoad, weightsFilePath, WeightsFileError, type WeightsMetadata } from "../../src/training";
import { lineCollector, TinyBatches, tinyDefinition, tinyModel } from "./fixtures";
import type { ChapterModel } from "../../src/models";

const weightsDir = fs.mkdtempSync(path.join(os.tmpdir(), "cnn-weights-test-"));

function weightValues(model: ChapterModel): number[][] {
  const values = model.readVariables();
  const result = values.map((value) => Array.from(value.dataSync()));
  tf.dispose(values);
  return result;
}

const metadata: WeightsMetadata = {
  model: "tiny",
  steps: 10,
  seed: 1,
  learningRate: 0.01,
  keepProb: 0.75,
  trainingSeconds: 1.5,
  history: [{ step: 0, cost: 0.7, accuracy: 0.5 }],
};

test("saveWeights then loadWeights restores every value and returns the metadata", () => {
  const source = tinyModel(1);
  const target = tinyModel(2);
  const filePath = path.join(weightsDir, "roundtrip.weights");
  saveWeights(source, filePath, metadata);
  assert.not.equal(weightValues(target), weightValues(source));
  assert.equal(loadWeights(target, filePath, { steps: 10, seed: 1 }), metadata);
  assert.equal(weightValues(target), weightValues(source));
  assert.equal(
    fs.readdirSync(weightsDir).filter((name) => name.includes(".tmp")),
    [],
  );
  source.dispose();
  target.dispose();
});

test("damaged, foreign and mismatched files give a WeightsFileError and leave the model unchanged", () => {
  const source = tinyModel(1);
  const target = tinyModel(2);
  const original = weightValues(target);
  const filePath = path.join(weightsDir, "damaged.weights");
  saveWeights(source, filePath, metadata);
  const bytes = fs.readFileSync(filePath);

  const expectFailure = (pattern: RegExp, expected = {}) => {
    try {
      loadWeights(target, filePath, expected);
      assert.unreachable("should have thrown");
    } catch (error) {
      assert.instance(error, WeightsFileError);
      assert.match((error as Error).message, pattern);
      assert.match((error as Error).message, /Delete it or retrain/);
    }
    assert.equal(weightValues(target), original);
  };

  expectFailure(/it was trained with steps 10 instead of 20, seed 1 instead of 9/, { steps: 20, seed: 9, keepProb: 0.75 });

  const flipped = Buffer.from(bytes);
  flipped[flipped.length - 3] ^= 0xff;
  fs.writeFileSync(filePath, flipped);
  expectFailure(/checksum mismatch/);

  fs.writeFileSync(filePath, bytes.subarray(0, 20));
  expectFailure(/not a cnn-chapter4 weights file or it is truncated/);

  fs.writeFileSync(filePath, "hello");
  expectFailure(/not a cnn-chapter4 weights file/);

  fs.rmSync(filePath);
  expectFailure(/cannot be read/);

  const mnist = createModel("mnist", { seed: 1 });
  saveWeights(mnist, filePath, { ...metadata, model: "mnist" });
  expectFailure(/holds 'mnist' variables weight1\[5,5,1,32\].* not 'tiny' variables weight1\[3,3,1,4\]/);
  mnist.dispose();
  source.dispose();
  target.dispose();
});

test("trainOrLoad trains and caches, then loads the same weights without touching the data", async () => {
  const first = tinyModel(7);
  const { log } = lineCollector();
  const trained = await trainOrLoad(first, new TinyBatches(), { steps: 40, logEvery: 20, log, weightsDir });
  assert.is(trained.outcome, "trained");
  assert.is(trained.weightsPath, weightsFilePath(weightsDir, "tiny", 40, 7));
  assert.ok(fs.existsSync(trained.weightsPath as string));
  assert.match(trained.message, /^trained tiny for 40 steps in \d+\.\d s; weights saved to /);

  const second = tinyModel(7);
  const unused = new TinyBatches();
  const loaded = await trainOrLoad(second, unused, { steps: 40, logEvery: 20, log, weightsDir });
  assert.is(loaded.outcome, "loaded");
  assert.is(unused.handedOut, 0);
  assert.equal(loaded.history, trained.history);
  assert.is(loaded.trainingSeconds, trained.trainingSeconds);
  assert.match(loaded.message, /^loaded tiny weights \(40 steps, seed 7, trained in \d+\.\d s\) from .*retrain: true/);
  assert.equal(weightValues(second), weightValues(first));

  const third = tinyModel(7);
  const retrained = await trainOrLoad(third, new TinyBatches(), { steps: 40, logEvery: 20, log, weightsDir, retrain: true });
  assert.is(retrained.outcome, "trained");
  [first, second, third].forEach((model) => model.dispose());
});

test("trainOrLoad retrains, saying why, when the cached file does not match or is damaged", async () => {
  const { lines, log } = lineCollector();
  const model = tinyModel(8);
  await trainOrLoad(model, new TinyBatches(), { steps: 20, logEvery: 10, log, weightsDir });
  const otherRate = await trainOrLoad(model, new TinyBatches(), { steps: 20, logEvery: 10, learningRate: 0.05, log, weightsDir });
  assert.is(otherRate.outcome, "trained");
  assert.ok(lines.some((line) => /^Not using .*: it was trained with learningRate 0\.01 instead of 0\.05\. Training instead/.test(line)), lines.join("\n"));

  const filePath = weightsFilePath(weightsDir, "tiny", 20, 8);
  fs.writeFileSync(filePath, "garbage");
  lines.length = 0;
  const afterDamage = await trainOrLoad(model, new TinyBatches(), { steps: 20, logEvery: 10, learningRate: 0.05, log, weightsDir });
  assert.is(afterDamage.outcome, "trained");
  assert.ok(lines.some((line) => /^Not using .*not a cnn-chapter4 weights file/.test(line)), lines.join("\n"));
  assert.is((await trainOrLoad(model, new TinyBatches(), { steps: 20, learningRate: 0.05, log, weightsDir })).outcome, "loaded");
  model.dispose();
});

test("trainOrLoad does not cache models built without a seed", async () => {
  const model = createModel(tinyDefinition);
  const result = await trainOrLoad(model, new TinyBatches(), { steps: 5, log: () => {}, weightsDir });
  assert.is(result.outcome, "trained");
  assert.is(result.weightsPath, null);
  assert.match(result.message, /no seed, so the weights were not cached/);
  model.dispose();
});

test.after(() => fs.rmSync(weightsDir, { recursive: true, force: true }));

test.run();
