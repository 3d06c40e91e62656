/** The run cache (src/training/train-or-load.ts): one key per run, one file per key, one policy for a file that cannot be used. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { setLanguage } from "../../src/language";
import { tf } from "../../src/native/backend";
import { displayPath } from "../../src/cache";
import { createModel, type TrainableModel } from "../../src/models";
import { silentProgress } from "../../src/output";
import {
  defaultWeightsDir,
  resolveTrainingSettings,
  runKey,
  trainOrLoad,
  messageWithWeightsPath,
  weightsFilePath,
  type BatchesIdentity,
  type RunKey,
  type TestSet,
  type TrainOrLoadOptions,
} from "../../src/training";
import { canonicalJson, RUN_FORMAT_VERSION } from "../../src/training/train-or-load";
import { savedVariables } from "../../src/training/weights-file";
import { lineCollector, TinyBatches, tinyDefinition, tinyModel, tinyTestSet } from "./fixtures";
import { copyOf, readHeader, withHeader } from "./weights-files";
import { chapterStepSettings } from "../../src/recipes";

const weightsRoot = fs.mkdtempSync(path.join(os.tmpdir(), "cnn-train-or-load-test-"));
let folders = 0;

/** A new empty folder for one test's cache. */
function freshDir(): string {
  return path.join(weightsRoot, `cache-${++folders}`);
}

function weightValues(model: TrainableModel): number[][] {
  return tf.tidy(() => savedVariables(model).map((variable) => Array.from(variable.read().dataSync())));
}

/** TinyBatches in epochs of 5 batches, identified as the data module's sources are (data set, batch size, order). */
class TinyEpochs extends TinyBatches {
  readonly stepsPerEpoch = 5;
  readonly identity: BatchesIdentity;
  constructor(dataset = "tiny-train:0001", order = "in order, epochs of 5 batches") {
    super(8);
    this.identity = { dataset, batchSize: 8, order };
  }
}

const identifiedTestSet: TestSet = { ...tinyTestSet(20), datasetId: "tiny-test:0001" };

/** A run with every key field set: settings, data (with its order), a test set and a preparation. */
function fullOptions(weightsDir: string, log: (line: string) => void): TrainOrLoadOptions {
  return {
    // The tiny model's chapter-style recipe: Adam at 0.01, keep probability 0.75.
    optimizer: { kind: "adam", learningRate: 0.01 },
    keepProb: 0.75,
    steps: 10,
    logEvery: 5,
    curveEvery: 5,
    testSet: identifiedTestSet,
    prepare: { what: { firstLayer: "as built" }, run: () => {} },
    weightsDir,
    log,
    progress: silentProgress,
  };
}

test("trainOrLoad trains and caches, then loads the same run without drawing a batch; retrain: true trains again", async () => {
  const weightsDir = freshDir();
  const { log } = lineCollector();
  const options = { steps: 40, logEvery: 20, curveEvery: 10, log, weightsDir, progress: silentProgress };
  const first = tinyModel(7);
  const trained = await trainOrLoad(first, new TinyBatches(8, "tiny-train:0001"), { ...chapterStepSettings(first), ...options });
  assert.is(trained.outcome, "trained");
  const key = runKey(first, 7, trained.settings, new TinyBatches(8, "tiny-train:0001"));
  assert.is(trained.weightsPath, weightsFilePath(weightsDir, key, "tiny"));
  assert.match(path.basename(trained.weightsPath as string), /^tiny-[0-9a-f]{12}-seed7\.weights$/);
  assert.equal(readHeader(trained.weightsPath as string).key, key, "the file records its key");
  assert.equal(
    trained.curve.map((point) => point.step),
    [0, 10, 20, 30, 40],
  );
  assert.equal(
    trained.history.map((entry) => entry.step),
    [20, 40],
  );
  assert.match(trained.message, /^trained tiny for 40 steps in \d+\.\d s; saved the weights, so the next run with these settings loads them$/);

  const second = tinyModel(7);
  const unused = new TinyBatches(8, "tiny-train:0001");
  const loaded = await trainOrLoad(second, unused, { ...chapterStepSettings(second), ...options });
  assert.is(loaded.outcome, "loaded");
  assert.is(unused.handedOut, 0);
  assert.equal(loaded.history, trained.history);
  assert.equal(loaded.curve, trained.curve);
  assert.equal(loaded.epochs, trained.epochs);
  assert.is(loaded.seconds, trained.seconds);
  assert.is(loaded.steps, 40);
  assert.equal(loaded.settings, trained.settings);
  assert.is(loaded.weightsPath, trained.weightsPath);
  assert.match(loaded.message, /^loaded tiny \(40 steps, seed 7, trained in \d+\.\d s\) from the weights cache; pass retrain: true to train again$/);
  assert.equal(weightValues(second), weightValues(first));

  const third = tinyModel(7);
  const batches = new TinyBatches(8, "tiny-train:0001");
  const retrained = await trainOrLoad(third, batches, { ...chapterStepSettings(third), ...options, retrain: true });
  assert.is(retrained.outcome, "trained");
  assert.is(batches.handedOut, 40);
  assert.equal(fs.readdirSync(weightsDir), [path.basename(trained.weightsPath as string)]);
  [first, second, third].forEach((model) => model.dispose());
});

test("the key holds the model, the seed, every setting (the step as its precision), the data with its order, the test set and the preparation", () => {
  const model = tinyModel(7);
  const { log } = lineCollector();
  const options = fullOptions("/w", log);
  const settings = resolveTrainingSettings(model, options);
  const key = runKey(model, 7, settings, new TinyEpochs(), options);
  assert.equal(key, {
    format: RUN_FORMAT_VERSION,
    model: {
      architecture: { key: "tiny", inputShape: [4, 4, 1], numClasses: 2 },
      variables: "weight1[3,3,1,4] bias1[4] weight2[16,2] bias2[2]",
      state: "",
    },
    seed: 7,
    settings: {
      steps: 10,
      optimizer: { kind: "adam", learningRate: 0.01 },
      schedule: null,
      keepProb: 0.75,
      labelSmoothing: 0,
      logEvery: 5,
      curveEvery: 5,
      lookahead: null,
      precision: "float32",
    },
    data: { dataset: "tiny-train:0001", batchSize: 8, order: "in order, epochs of 5 batches" },
    testSet: "tiny-test:0001",
    preparation: { firstLayer: "as built" },
  });
  // The float32 steps, compiled and eager, agree to rounding and share a file; bfloat16 has its own.
  const file = (step: "compiled" | "eager" | "compiled-bfloat16") => weightsFilePath("/w", runKey(model, 7, { ...settings, step }, new TinyEpochs(), options), "tiny");
  assert.is(file("eager"), file("compiled"));
  assert.is.not(file("compiled-bfloat16"), file("compiled"));
  // Without a test set, a preparation or an identified source, those fields are null.
  const bare = runKey(model, 7, settings, { nextBatch: () => new TinyBatches().nextBatch() });
  assert.equal([bare.data, bare.testSet, bare.preparation], [null, null, null]);
  assert.is(runKey(model, 7, settings, new TinyEpochs(), { testSet: tinyTestSet(5) }).testSet, "unidentified");
  model.dispose();
});

/**
 * Each field of the key trainOrLoad compares at load: a change to it (made to
 * the stored key of a cached run, in the file at this run's path) and the
 * reason trainOrLoad must then give.
 */
const tamperings: Array<{ what: string; tamper: (key: RunKey) => void; reason: RegExp }> = [
  { what: "format", tamper: (key) => (key.format = 1), reason: /^format 1 instead of 2$/ },
  {
    what: "model architecture",
    tamper: (key) => ((key.model.architecture as { key: string }).key = "tiny-v0"),
    reason: /^model \{"architecture":\{"inputShape":\[4,4,1\],"key":"tiny-v0",.*\} instead of \{"architecture":\{"inputShape":\[4,4,1\],"key":"tiny",/,
  },
  {
    what: "model variables",
    tamper: (key) => (key.model.variables = "weight1[3,3,1,8] bias1[8] weight2[32,2] bias2[2]"),
    reason: /^model \{.*"variables":"weight1\[3,3,1,8\] .*"\} instead of \{.*"variables":"weight1\[3,3,1,4\] /,
  },
  { what: "seed", tamper: (key) => (key.seed = 99), reason: /^seed 99 instead of 7$/ },
  { what: "steps", tamper: (key) => (key.settings.steps = 20), reason: /^settings \{.*"steps":20\} instead of \{.*"steps":10\}$/ },
  { what: "keepProb", tamper: (key) => (key.settings.keepProb = 0.5), reason: /^settings \{.*"keepProb":0\.5,.*\} instead of \{.*"keepProb":0\.75,/ },
  {
    what: "learningRate",
    tamper: (key) => (key.settings.optimizer.learningRate = 0.05),
    reason: /^settings \{.*"optimizer":\{"kind":"adam","learningRate":0\.05\}.*\} instead of \{.*"optimizer":\{"kind":"adam","learningRate":0\.01\}/,
  },
  { what: "labelSmoothing", tamper: (key) => (key.settings.labelSmoothing = 0.2), reason: /^settings \{.*"labelSmoothing":0\.2,.*\} instead of \{.*"labelSmoothing":0,/ },
  { what: "precision", tamper: (key) => (key.settings.precision = "mixed-bfloat16"), reason: /^settings \{.*"precision":"mixed-bfloat16",.*\} instead of \{.*"precision":"float32",/ },
  {
    what: "data set",
    tamper: (key) => (key.data = { ...(key.data as BatchesIdentity), dataset: "fashion-train:aaaa" }),
    reason: /^data \{"batchSize":8,"dataset":"fashion-train:aaaa",.*\} instead of \{"batchSize":8,"dataset":"tiny-train:0001",/,
  },
  { what: "batch size", tamper: (key) => (key.data = { ...(key.data as BatchesIdentity), batchSize: 16 }), reason: /^data \{"batchSize":16,.*\} instead of \{"batchSize":8,/ },
  {
    what: "data order",
    tamper: (key) => (key.data = { ...(key.data as BatchesIdentity), order: "shuffle(buffer 60000, seed 42)" }),
    reason: /^data \{.*"order":"shuffle\(buffer 60000, seed 42\)"\} instead of \{.*"order":"in order, epochs of 5 batches"\}$/,
  },
  { what: "no data identity", tamper: (key) => (key.data = null), reason: /^data null instead of \{"batchSize":8,/ },
  { what: "test set", tamper: (key) => (key.testSet = "other-test:0002"), reason: /^testSet "other-test:0002" instead of "tiny-test:0001"$/ },
  { what: "no test set", tamper: (key) => (key.testSet = null), reason: /^testSet null instead of "tiny-test:0001"$/ },
  { what: "preparation", tamper: (key) => (key.preparation = { firstLayer: "whitening" }), reason: /^preparation \{"firstLayer":"whitening"\} instead of \{"firstLayer":"as built"\}$/ },
  { what: "no preparation", tamper: (key) => (key.preparation = null), reason: /^preparation null instead of \{"firstLayer":"as built"\}$/ },
];

test("every key field is compared at load: a cached run whose stored key differs in one field is not used; trainOrLoad says which and retrains", async () => {
  const weightsDir = freshDir();
  const { lines, log } = lineCollector();
  const run = async () => {
    const model = tinyModel(7);
    const batches = new TinyEpochs();
    const result = await trainOrLoad(model, batches, { ...chapterStepSettings(model), ...fullOptions(weightsDir, log) });
    model.dispose();
    return { result, drawn: batches.handedOut };
  };
  const first = await run();
  assert.is(first.result.outcome, "trained");
  const filePath = first.result.weightsPath as string;
  const pristine = fs.readFileSync(filePath);
  const key = readHeader(filePath).key as RunKey;
  assert.is((await run()).result.outcome, "loaded", "the untampered file loads");

  for (const { what, tamper, reason } of tamperings) {
    const tampered = copyOf(key);
    tamper(tampered);
    // The stored key changes, the values and their checksum do not: only the key can stop the load.
    fs.writeFileSync(filePath, withHeader(pristine, (header) => void (header.key = tampered)));
    lines.length = 0;
    const again = await run();
    assert.is(again.result.outcome, "trained", what);
    assert.is(again.drawn, 10, what);
    const refusals = lines.filter((line) => line.startsWith("Not using"));
    assert.is(refusals.length, 1, `${what}: ${lines.join("\n")}`);
    const match = /^Not using (.*): it was trained with (.*)\. Training instead; the new run will replace it\.$/.exec(refusals[0]);
    assert.ok(match !== null, refusals[0]);
    assert.is(match[1], displayPath(filePath), what);
    assert.match(match[2], reason, what);
    // The stored and the wanted value, as canonical JSON, for exactly the fields that differ.
    const differing = (Object.keys(key) as (keyof RunKey)[]).filter((field) => canonicalJson(tampered[field]) !== canonicalJson(key[field]));
    assert.is(match[2], differing.map((field) => `${field} ${canonicalJson(tampered[field])} instead of ${canonicalJson(key[field])}`).join("; "), what);
    // The new run replaced the tampered file.
    assert.equal(readHeader(filePath).key, key, what);
    assert.is((await run()).result.outcome, "loaded", what);
  }
});

test("a cached file without a key (an older layout) is not used: every field is reported missing", async () => {
  const weightsDir = freshDir();
  const { lines, log } = lineCollector();
  const model = tinyModel(7);
  const trained = await trainOrLoad(model, new TinyEpochs(), { ...chapterStepSettings(model), ...fullOptions(weightsDir, () => {}) });
  const filePath = trained.weightsPath as string;
  fs.writeFileSync(filePath, withHeader(fs.readFileSync(filePath), (header) => void delete header.key));
  const again = tinyModel(7);
  assert.is((await trainOrLoad(again, new TinyEpochs(), { ...chapterStepSettings(again), ...fullOptions(weightsDir, log) })).outcome, "trained");
  const refusal = lines.find((line) => line.startsWith("Not using")) ?? lines.join("\n");
  assert.match(refusal, /: it was trained with format \(none\) instead of 2; model \(none\) instead of \{.*\}; seed \(none\) instead of 7; settings \(none\) instead of/);
  assert.match(refusal, /; preparation \(none\) instead of \{"firstLayer":"as built"\}\. Training instead/);
  [model, again].forEach((m) => m.dispose());
});

test("runs that differ only in learningRate or keepProb get files of their own: neither replaces the other", async () => {
  const { lines, log } = lineCollector();
  for (const [what, a, b] of [
    ["learningRate", { learningRate: 0.01 }, { learningRate: 0.05 }],
    ["keepProb", { keepProb: 0.75 }, { keepProb: 0.5 }],
  ] as const) {
    const weightsDir = freshDir();
    const run = async (options: TrainOrLoadOptions) => {
      const model = tinyModel(8);
      const result = await trainOrLoad(model, new TinyBatches(8, "tiny-train:0001"), { ...chapterStepSettings(model), steps: 20, logEvery: 10, log, weightsDir, progress: silentProgress, ...options });
      const values = weightValues(model);
      model.dispose();
      return { result, values };
    };
    const first = await run(a);
    const second = await run(b);
    assert.is(first.result.outcome, "trained", what);
    assert.is(second.result.outcome, "trained", what);
    assert.is.not(second.result.weightsPath, first.result.weightsPath, what);
    assert.not.equal(second.values, first.values, what);
    assert.equal(fs.readdirSync(weightsDir).sort(), [first.result.weightsPath, second.result.weightsPath].map((file) => path.basename(file as string)).sort(), what);
    // Each loads back its own run.
    const firstAgain = await run(a);
    const secondAgain = await run(b);
    assert.is(firstAgain.result.outcome, "loaded", what);
    assert.is(secondAgain.result.outcome, "loaded", what);
    assert.equal(firstAgain.values, first.values, what);
    assert.equal(secondAgain.values, second.values, what);
    assert.equal(firstAgain.result.history, first.result.history, what);
    assert.equal(secondAgain.result.history, second.result.history, what);
  }
  assert.equal(
    lines.filter((line) => line.startsWith("Not using")),
    [],
  );
});

test("trainOrLoad never loads the run of another seed, data set, batch size or order", async () => {
  const weightsDir = freshDir();
  const { lines, log } = lineCollector();
  const options = { steps: 20, logEvery: 10, log, weightsDir, progress: silentProgress };
  const base = tinyModel(7);
  assert.is((await trainOrLoad(base, new TinyBatches(8, "fashion-train:aaaa"), { ...chapterStepSettings(base), ...options })).outcome, "trained");
  base.dispose();
  const runs: [seed: number, batches: TinyBatches][] = [
    [8, new TinyBatches(8, "fashion-train:aaaa")],
    [7, new TinyBatches(8, "mnist-train:bbbb")],
    [7, new TinyBatches(4, "fashion-train:aaaa")],
    [7, new TinyEpochs("fashion-train:aaaa")],
    [7, new TinyBatches(8)],
  ];
  const files = new Set<string>();
  for (const [seed, batches] of runs) {
    const model = tinyModel(seed);
    const result = await trainOrLoad(model, batches, { ...chapterStepSettings(model), ...options });
    assert.is(result.outcome, "trained", `seed ${seed}, ${JSON.stringify(batches.identity)}`);
    assert.is(batches.handedOut, 20);
    files.add(result.weightsPath as string);
    model.dispose();
  }
  assert.is(files.size, runs.length);
  assert.is(fs.readdirSync(weightsDir).length, runs.length + 1);
  assert.equal(
    lines.filter((line) => line.startsWith("Not using")),
    [],
  );
});

test("a damaged cached file (checksum, truncation, garbage) is not used: trainOrLoad says why, retrains and replaces it", async () => {
  const weightsDir = freshDir();
  const { lines, log } = lineCollector();
  const options = { steps: 20, logEvery: 10, log, weightsDir, progress: silentProgress };
  const run = async () => {
    const model = tinyModel(9);
    const result = await trainOrLoad(model, new TinyBatches(8, "tiny-train:0001"), { ...chapterStepSettings(model), ...options });
    model.dispose();
    return result;
  };
  const first = await run();
  const filePath = first.weightsPath as string;
  const pristine = fs.readFileSync(filePath);
  const damaged = Buffer.from(pristine);
  damaged[damaged.length - 5] ^= 0xff;
  const cases: Array<[string, Buffer | string, string]> = [
    ["a flipped value byte", damaged, "its data is damaged (checksum mismatch)"],
    ["a truncated file", pristine.subarray(0, pristine.length - 8), "it holds 288 bytes of values, its header declares 74 float32 values"],
    ["a file cut inside its header", pristine.subarray(0, 30), "it is not a cnn-chapter4 weights file or it is truncated"],
    ["garbage", "garbage", "it is not a cnn-chapter4 weights file or it is truncated"],
  ];
  for (const [what, contents, reason] of cases) {
    fs.writeFileSync(filePath, contents);
    lines.length = 0;
    const result = await run();
    assert.is(result.outcome, "trained", what);
    assert.equal(
      lines.filter((line) => line.startsWith("Not using")),
      [`Not using ${displayPath(filePath)}: ${reason}. Training instead; the new run will replace it.`],
      what,
    );
    assert.is((await run()).outcome, "loaded", `${what}: replaced by the new run`);
  }
});

test("trainOrLoad does not cache models built without a seed", async () => {
  const weightsDir = freshDir();
  const model = createModel(tinyDefinition);
  const result = await trainOrLoad(model, new TinyBatches(), { ...chapterStepSettings(model), steps: 5, log: () => {}, weightsDir, progress: silentProgress });
  assert.is(result.outcome, "trained");
  assert.is(result.weightsPath, null);
  assert.match(result.message, /^trained tiny for 5 steps in \d+\.\d s \(the model has no seed, so the run was not cached\)$/);
  assert.not.ok(fs.existsSync(weightsDir));
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

test("in Korean, trainOrLoad's messages are Korean and a loaded run prints its training log as it was", async () => {
  const weightsDir = freshDir();
  const lines: string[] = [];
  const options = { ...chapterStepSettings({ definition: tinyDefinition }), steps: 20, logEvery: 10, log: (line: string) => lines.push(line), weightsDir, progress: silentProgress };
  setLanguage("ko");
  try {
    const trained = await trainOrLoad(tinyModel(4), new TinyBatches(8, "tiny-train:0001"), options);
    assert.match(trained.message, /^tiny: 20 스텝을 \d+\.\d초 동안 학습했습니다\. 가중치를 저장했으니 같은 설정으로 다시 실행하면 불러옵니다\.$/);
    const trainedLog = lines.splice(0);
    assert.equal(trainedLog.map((line) => line.split(",")[0]), ["step 10", "step 20"], "log lines stay as the chapter prints them");
    const loaded = await trainOrLoad(tinyModel(4), new TinyBatches(8, "tiny-train:0001"), options);
    assert.match(loaded.message, /^tiny: 저장된 가중치를 불러왔습니다 \(20 스텝, 시드 4, 학습 \d+\.\d초\)\. 다시 학습하려면 설정에 `retrain: true`를 넣으세요\.$/);
    assert.equal(lines, trainedLog);
  } finally {
    setLanguage(undefined);
  }
});

test("messageWithWeightsPath and the warning about a damaged file print paths under the home folder as ~/...", async () => {
  // os.homedir() follows $HOME, so the test's own folder can stand for the home folder.
  const home = process.env.HOME;
  process.env.HOME = weightsRoot;
  try {
    const { lines, log } = lineCollector();
    const options = { steps: 5, log, weightsDir: path.join(weightsRoot, "cache"), progress: silentProgress };
    const model = tinyModel(9);
    const trained = await trainOrLoad(model, new TinyBatches(), { ...chapterStepSettings(model), ...options });
    const shown = `~/cache/${path.basename(trained.weightsPath as string)}`;
    assert.not.ok(trained.message.includes(shown), "a notebook shows the message without the path");
    assert.is(messageWithWeightsPath(trained), `${trained.message} (${shown})`);
    assert.is(messageWithWeightsPath(await trainOrLoad(model, new TinyBatches(), { ...chapterStepSettings(model), ...options })).slice(-shown.length - 1), `${shown})`);
    fs.writeFileSync(trained.weightsPath as string, "garbage");
    await trainOrLoad(model, new TinyBatches(), { ...chapterStepSettings(model), ...options });
    assert.ok(lines.some((line) => line.startsWith(`Not using ${shown}: `)), lines.join("\n"));
    model.dispose();
  } finally {
    if (home === undefined) delete process.env.HOME;
    else process.env.HOME = home;
  }
});

test.after(() => fs.rmSync(weightsRoot, { recursive: true, force: true }));

test.run();
