import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/backend";
import { createModel } from "../../src/models";
import {
  defaultWeightsDir,
  loadWeights,
  saveWeights,
  trainOrLoad,
  weightsFilePath,
  WeightsFileError,
  type WeightsMetadata,
} from "../../src/training";
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
  data: { dataset: "tiny-train:0001", batchSize: 8 },
  trainingSeconds: 1.5,
  history: [{ step: 5, cost: 0.7, accuracy: 0.5 }],
  curve: [
    { step: 0, cost: 0.9, accuracy: 0.25 },
    { step: 10, cost: 0.6, accuracy: 0.625 },
  ],
};

/** Rewrites the JSON header of a weights file in place (magic, length, header, data). */
function rewriteHeader(filePath: string, edit: (header: Record<string, unknown>) => unknown): void {
  const bytes = fs.readFileSync(filePath);
  const dataStart = 12 + bytes.readUInt32LE(8);
  const header = JSON.parse(bytes.subarray(12, dataStart).toString("utf8")) as Record<string, unknown>;
  const headerBytes = Buffer.from(JSON.stringify(edit(header) ?? header), "utf8");
  const length = Buffer.alloc(4);
  length.writeUInt32LE(headerBytes.length);
  fs.writeFileSync(filePath, Buffer.concat([bytes.subarray(0, 8), length, headerBytes, bytes.subarray(dataStart)]));
}

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

  saveWeights(source, filePath, metadata);
  expectFailure(/trained with tiny-train:0001 in batches of 8 instead of fashion-train:0002 in batches of 8/, {
    data: { dataset: "fashion-train:0002", batchSize: 8 },
  });
  expectFailure(/trained with tiny-train:0001 in batches of 8 instead of tiny-train:0001 in batches of 16/, {
    data: { dataset: "tiny-train:0001", batchSize: 16 },
  });
  expectFailure(/trained with tiny-train:0001 in batches of 8 instead of unidentified data/, { data: null });

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
  const trained = await trainOrLoad(first, new TinyBatches(8, "tiny-train:0001"), { steps: 40, logEvery: 20, curveEvery: 10, log, weightsDir });
  assert.is(trained.outcome, "trained");
  assert.is(trained.weightsPath, weightsFilePath(weightsDir, "tiny", 40, 7, { dataset: "tiny-train:0001", batchSize: 8 }));
  assert.is(path.basename(trained.weightsPath as string), "tiny-steps40-seed7-tiny-train-0001-batch8.weights");
  const data = { dataset: "tiny-train:0001", batchSize: 8 };
  assert.is(weightsFilePath(weightsDir, "tiny", 40, 7, data, "eager"), trained.weightsPath, "the float32 steps share a file");
  assert.is(path.basename(weightsFilePath(weightsDir, "tiny", 40, 7, data, "compiled-bfloat16")), "tiny-bfloat16-steps40-seed7-tiny-train-0001-batch8.weights");
  assert.equal(
    trained.curve.map((point) => point.step),
    [0, 10, 20, 30, 40],
  );
  assert.ok(fs.existsSync(trained.weightsPath as string));
  assert.match(trained.message, /^trained tiny for 40 steps in \d+\.\d s; weights saved to /);

  const second = tinyModel(7);
  const unused = new TinyBatches(8, "tiny-train:0001");
  const loaded = await trainOrLoad(second, unused, { steps: 40, logEvery: 20, log, weightsDir });
  assert.is(loaded.outcome, "loaded");
  assert.is(unused.handedOut, 0);
  assert.equal(loaded.history, trained.history);
  assert.equal(loaded.curve, trained.curve);
  assert.is(loaded.trainingSeconds, trained.trainingSeconds);
  assert.match(loaded.message, /^loaded tiny weights \(40 steps, seed 7, trained in \d+\.\d s\) from .*retrain: true/);
  assert.equal(weightValues(second), weightValues(first));

  const third = tinyModel(7);
  const retrained = await trainOrLoad(third, new TinyBatches(8, "tiny-train:0001"), { steps: 40, logEvery: 20, log, weightsDir, retrain: true });
  assert.is(retrained.outcome, "trained");
  [first, second, third].forEach((model) => model.dispose());
});

test("trainOrLoad never loads weights of another seed, data set or batch size", async () => {
  const { lines, log } = lineCollector();
  const options = { steps: 20, logEvery: 10, log, weightsDir };
  const fashion = tinyModel(7);
  assert.is((await trainOrLoad(fashion, new TinyBatches(8, "fashion-train:aaaa"), options)).outcome, "trained");
  fashion.dispose();
  const runs: [seed: number, batches: TinyBatches][] = [
    [8, new TinyBatches(8, "fashion-train:aaaa")],
    [7, new TinyBatches(8, "mnist-train:bbbb")],
    [7, new TinyBatches(4, "fashion-train:aaaa")],
    [7, new TinyBatches(8)],
  ];
  for (const [seed, batches] of runs) {
    const model = tinyModel(seed);
    const result = await trainOrLoad(model, batches, options);
    assert.is(result.outcome, "trained", `seed ${seed}, ${JSON.stringify(batches.identity)}`);
    assert.is(batches.handedOut, 20);
    model.dispose();
  }

  // The header is checked too, not only the name: Fashion-MNIST weights under the MNIST name are refused.
  const mnistData = { dataset: "mnist-train:bbbb", batchSize: 8 };
  const fashionFile = weightsFilePath(weightsDir, "tiny", 20, 7, { dataset: "fashion-train:aaaa", batchSize: 8 });
  fs.copyFileSync(fashionFile, weightsFilePath(weightsDir, "tiny", 20, 7, mnistData));
  const model = tinyModel(7);
  const result = await trainOrLoad(model, new TinyBatches(8, mnistData.dataset), options);
  assert.is(result.outcome, "trained");
  assert.ok(
    lines.some((line) =>
      /^Not using .*: it was trained with fashion-train:aaaa in batches of 8 instead of mnist-train:bbbb in batches of 8\. Training instead/.test(line),
    ),
    lines.join("\n"),
  );
  model.dispose();
});

test("a malformed header is a WeightsFileError naming each wrong field", () => {
  const source = tinyModel(1);
  const target = tinyModel(2);
  const filePath = path.join(weightsDir, "malformed.weights");
  const failure = (edit: (header: Record<string, unknown>) => unknown): string => {
    saveWeights(source, filePath, metadata);
    rewriteHeader(filePath, edit);
    try {
      loadWeights(target, filePath);
    } catch (error) {
      assert.instance(error, WeightsFileError);
      return (error as Error).message;
    }
    throw new Error("loadWeights accepted a malformed header");
  };
  assert.match(failure(() => [1, 2]), /its header is not a JSON object/);
  assert.match(
    failure((header) => {
      header.steps = "10";
      header.curve = [{ step: 0, cost: "high" }];
      delete header.data;
    }),
    /its header is invalid: 'steps' is not a step count; 'data' is missing; 'curve' is not a list of \{ step, cost, accuracy \}\./,
  );
  assert.match(
    failure((header) => {
      header.variables = [{ name: "weight1", shape: [3, "3"] }];
    }),
    /'variables' is not a list of \{ name, shape \}/,
  );
  assert.match(
    failure((header) => {
      (header.variables as { shape: number[] }[])[0].shape = [3, 3, 1, 5];
    }),
    /it holds 296 bytes of values, its header declares 83 float32 values/,
  );
  assert.match(
    failure((header) => {
      header.data = { dataset: 7, batchSize: 8 };
    }),
    /'data' is not null or \{ dataset, batchSize \}/,
  );
  source.dispose();
  target.dispose();
});

test("trainOrLoad retrains, saying why, when the cached file does not match or is damaged", async () => {
  const { lines, log } = lineCollector();
  const model = tinyModel(8);
  await trainOrLoad(model, new TinyBatches(), { steps: 20, logEvery: 10, log, weightsDir });
  const otherRate = await trainOrLoad(model, new TinyBatches(), { steps: 20, logEvery: 10, learningRate: 0.05, log, weightsDir });
  assert.is(otherRate.outcome, "trained");
  assert.ok(lines.some((line) => /^Not using .*: it was trained with learningRate 0\.01 instead of 0\.05\. Training instead/.test(line)), lines.join("\n"));

  const filePath = weightsFilePath(weightsDir, "tiny", 20, 8, null);
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

test("defaultWeightsDir is 'weights' under the cache root: CNN_CACHE_DIR, else XDG_CACHE_HOME, else ~/.cache; empty means unset", () => {
  const home = os.homedir();
  assert.is(defaultWeightsDir({ CNN_CACHE_DIR: "/data/cnn" }), "/data/cnn/weights");
  assert.is(defaultWeightsDir({ CNN_CACHE_DIR: "", XDG_CACHE_HOME: "/xdg" }), "/xdg/cnn-chapter4/weights");
  assert.is(defaultWeightsDir({ CNN_CACHE_DIR: "" }), path.join(home, ".cache/cnn-chapter4/weights"));
  assert.is(defaultWeightsDir({}), path.join(home, ".cache/cnn-chapter4/weights"));
  assert.ok(path.isAbsolute(defaultWeightsDir({ CNN_CACHE_DIR: "relative/cache" })));
});

test("trainOrLoad's messages print paths under the home folder as ~/...", async () => {
  // os.homedir() follows $HOME, so the test's own folder can stand for the home folder.
  const home = process.env.HOME;
  process.env.HOME = weightsDir;
  try {
    const { lines, log } = lineCollector();
    const options = { steps: 5, log, weightsDir: path.join(weightsDir, "cache") };
    const model = tinyModel(9);
    const trained = await trainOrLoad(model, new TinyBatches(), options);
    const shown = "~/cache/tiny-steps5-seed9-unidentified.weights";
    assert.ok(trained.message.endsWith(`weights saved to ${shown}`), trained.message);
    assert.ok((await trainOrLoad(model, new TinyBatches(), options)).message.includes(`from ${shown};`));
    fs.writeFileSync(trained.weightsPath as string, "garbage");
    await trainOrLoad(model, new TinyBatches(), options);
    assert.ok(lines.some((line) => line.startsWith(`Not using ${shown}: `)), lines.join("\n"));
    model.dispose();
  } finally {
    if (home === undefined) delete process.env.HOME;
    else process.env.HOME = home;
  }
});

test.after(() => fs.rmSync(weightsDir, { recursive: true, force: true }));

test.run();
