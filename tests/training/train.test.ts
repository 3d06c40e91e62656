import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/native/backend";
import { createModel } from "../../src/models";
import { liveNativeHandles } from "../../src/native/ops";
import { silentProgress, type ProgressSink } from "../../src/output";
import {
  AdamOptimizer,
  evaluateBatch,
  testAccuracy,
  train,
  TrainingInterruptedError,
  type Batch,
  type EpochRecord,
} from "../../src/training";
import { runProcess } from "../wait";
import { lineCollector, TinyBatches, tinyDefinition, tinyModel, tinyTestSet } from "./fixtures";
import { chapterStepSettings } from "../../src/recipes";

const root = path.resolve(__dirname, "../..");

test("logs after every logEvery steps, numbered as the chapter (step i + 1), and returns the same history onLog saw", async () => {
  const model = tinyModel();
  const { lines, log } = lineCollector();
  const seen: number[] = [];
  const result = await train(model, new TinyBatches(), { ...chapterStepSettings(model),
    steps: 120,
    logEvery: 50,
    log,
    onLog: (entry, history) => seen.push(entry.step, history.length),
  });
  assert.equal(
    result.history.map((entry) => entry.step),
    [50, 100],
  );
  assert.equal(seen, [50, 1, 100, 2]);
  assert.is(lines.length, 2);
  lines.forEach((line, i) => assert.match(line, new RegExp(`^step ${(i + 1) * 50}, cost \\d+\\.\\d{4}, training accuracy [01]\\.\\d{4}$`)));
  assert.is(result.steps, 120);
  assert.ok(result.seconds > 0 && result.stepsPerSecond > 0);
  assert.is(result.evaluationSeconds, 0, "no epochs, no evaluation after them");
  model.dispose();
});

test("training learns the tiny task: cost falls and test accuracy ends high", async () => {
  const model = tinyModel();
  const { log } = lineCollector();
  const { history, curve } = await train(model, new TinyBatches(), { ...chapterStepSettings(model), steps: 300, logEvery: 100, log });
  // curve[0]: the first batch before training, measured like the log entries (keep probability 1).
  assert.ok(history[history.length - 1].cost < curve[0].cost / 2, JSON.stringify({ history, start: curve[0] }));
  const { lines, log: testLog } = lineCollector();
  assert.ok(testAccuracy(model, tinyTestSet(500), { log: testLog }) > 0.95);
  assert.match(lines[0], /^test accuracy: \d+\.\d\d%$/);
  model.dispose();
});

test("no tensor leaks: the same number of tensors at step 10 and at step 1000, batches disposed", async () => {
  const model = tinyModel();
  const counts = new Map<number, number>();
  const batches = new TinyBatches();
  const handedOut: Batch[] = [];
  const source = {
    nextBatch() {
      counts.set(batches.handedOut, tf.memory().numTensors);
      const batch = batches.nextBatch();
      handedOut.push(batch);
      return batch;
    },
  };
  const before = tf.memory().numTensors;
  const handlesBefore = liveNativeHandles();
  await train(model, source, { ...chapterStepSettings(model), steps: 1001, logEvery: 100, log: () => {} });
  assert.is(counts.get(1000), counts.get(10));
  assert.ok(handedOut.every((batch) => batch.xs.isDisposed && batch.ys.isDisposed));
  assert.is(tf.memory().numTensors, before);
  assert.is(liveNativeHandles(), handlesBefore, "Adam's slots were not released");
  model.dispose();
});

test("the curve: the first batch before training, then the mean of every curveEvery training steps and the last step", async () => {
  const batches = new TinyBatches();
  const firstBatch = new TinyBatches().nextBatch();
  const untrained = tinyModel(3);
  const start = evaluateBatch(untrained, firstBatch.xs, firstBatch.ys);
  untrained.dispose();
  tf.dispose([firstBatch.xs, firstBatch.ys]);

  const model = tinyModel(3);
  const seen: string[] = [];
  const { curve } = await train(model, batches, { ...chapterStepSettings(model),
    steps: 23,
    curveEvery: 5,
    log: () => {},
    onCurve: (point, soFar) => seen.push(`${point.step}:${soFar.length}`),
  });
  model.dispose();
  assert.equal(
    curve.map((point) => point.step),
    [0, 5, 10, 15, 20, 23],
  );
  assert.equal(seen, ["0:1", "5:2", "10:3", "15:4", "20:5", "23:6"]);
  assert.equal(curve[0], { step: 0, ...start });

  // Same seed, same batches, one point per step: each point above is the mean of its steps'.
  const perStep = (await train(tinyModel(3), new TinyBatches(), { ...chapterStepSettings({ definition: tinyDefinition }), steps: 23, curveEvery: 1, log: () => {} })).curve;
  assert.equal(
    perStep.map((point) => point.step),
    Array.from({ length: 24 }, (_, i) => i),
  );
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  curve.slice(1).forEach((point, i) => {
    const steps = perStep.filter((single) => single.step > curve[i].step && single.step <= point.step);
    assert.ok(Math.abs(point.cost - mean(steps.map((single) => single.cost))) < 1e-5, `cost at ${point.step}`);
    assert.ok(Math.abs(point.accuracy - mean(steps.map((single) => single.accuracy))) < 1e-6, `accuracy at ${point.step}`);
  });
});

test("the curve records the training passes themselves: with dropout they differ from the log's keep-probability-1 measures", async () => {
  // With logEvery 1 and curveEvery 1, log entry i and curve point i + 1 measure the same batch with the same weights.
  const run = async (keepProb: number) => {
    const model = tinyModel(4);
    const result = await train(model, new TinyBatches(), { ...chapterStepSettings(model), steps: 40, keepProb, logEvery: 1, curveEvery: 1, log: () => {} });
    model.dispose();
    return result.history.map((entry, i) => Math.abs(entry.cost - result.curve[i + 1].cost));
  };
  const withoutDropout = await run(1);
  assert.ok(
    withoutDropout.every((difference) => difference < 1e-5),
    `keep probability 1: ${withoutDropout.map((d) => d.toExponential(1))}`,
  );
  const withDropout = await run(0.5);
  const differing = withDropout.filter((difference) => difference > 1e-3).length;
  assert.ok(differing >= 30, `keep probability 0.5: only ${differing} of 40 training passes differ from the keep-probability-1 cost`);
});

function countsOf(): { listeners: number; tensors: number; handles: number } {
  return { listeners: process.listenerCount("SIGINT"), tensors: tf.memory().numTensors, handles: liveNativeHandles() };
}

test("an error anywhere in train() releases the SIGINT listener, the Adam slots and the curve's tensors", async () => {
  const model = tinyModel();
  const before = countsOf();
  const failing = async (what: string, options: Parameters<typeof train>[2], batches = new TinyBatches()) => {
    try {
      await train(model, batches, { ...chapterStepSettings(model), log: () => {}, ...options });
      assert.unreachable(`${what}: train() should have failed`);
    } catch (error) {
      assert.match((error as Error).message, /^broken /, what);
    }
    assert.equal(countsOf(), before, what);
  };

  const brokenProgress = { ...silentProgress, start: () => { throw new Error("broken progress display"); } };
  await failing("progress.start throws", { steps: 20, progress: brokenProgress });

  const brokenSource = new TinyBatches();
  await failing("the batch source throws", { steps: 20, progress: silentProgress }, {
    nextBatch: () => {
      if (brokenSource.handedOut === 7) throw new Error("broken batch source");
      return brokenSource.nextBatch();
    },
  } as TinyBatches);

  // Both the compiled and the eager step update the variables through withUpdateInputs.
  const withUpdateInputs = AdamOptimizer.prototype.withUpdateInputs;
  AdamOptimizer.prototype.withUpdateInputs = () => {
    throw new Error("broken optimizer");
  };
  try {
    await failing("the optimizer throws", { steps: 20, progress: silentProgress });
    await failing("the optimizer throws in the eager step", { steps: 20, progress: silentProgress, step: "eager" });
  } finally {
    AdamOptimizer.prototype.withUpdateInputs = withUpdateInputs;
  }
  model.dispose();
});

function mnistLikeBatches(): { nextBatch(): Batch } {
  let drawn = 0;
  return {
    nextBatch() {
      drawn++;
      return tf.tidy(() => {
        const labels = tf.randomUniform([50], 0, 10, "int32", 1000 + drawn) as tf.Tensor1D;
        return {
          xs: tf.randomUniform([50, 28, 28, 1], 0, 1, "float32", drawn) as tf.Tensor4D,
          ys: tf.oneHot(labels, 10).toFloat() as tf.Tensor2D,
        };
      });
    },
  };
}

test("a seed makes a run reproducible: the first 10 MNIST costs of two runs agree within 1e-5", async () => {
  const costs = async (seed: number) => {
    const model = createModel("mnist", { seed });
    const { history } = await train(model, mnistLikeBatches(), { ...chapterStepSettings(model), steps: 10, logEvery: 1, log: () => {} });
    model.dispose();
    return history.map((entry) => entry.cost);
  };
  const first = await costs(3);
  const second = await costs(3);
  assert.is(first.length, 10);
  first.forEach((cost, i) => assert.ok(Math.abs(cost - second[i]) <= 1e-5 * Math.abs(cost), `step ${i}: ${cost} vs ${second[i]}`));
  // Training moved the weights, so later costs differ from the first.
  assert.not.equal(first[9], first[0]);
  const other = await costs(4);
  assert.not.equal(other[0], first[0]);
});

test("train() runs the compiled step by default and the eager one with step: \"eager\"; from one seed both train alike", async () => {
  const run = async (step?: "eager") => {
    const model = tinyModel(8);
    let curve: number[] = [];
    const profile = await tf.profile(async () => {
      const result = await train(model, new TinyBatches(), { ...chapterStepSettings(model), steps: 30, keepProb: 0.5, curveEvery: 10, log: () => {}, progress: silentProgress, step });
      curve = result.curve.map((point) => point.cost);
    });
    model.dispose();
    return { curve, kernels: profile.kernels.length };
  };
  const compiled = await run();
  const eager = await run("eager");
  // The eager step runs each layer's ops as tfjs kernels; the compiled step runs the whole step as one function.
  assert.ok(compiled.kernels * 5 < eager.kernels, `tfjs kernels over 30 steps: compiled ${compiled.kernels}, eager ${eager.kernels}`);
  compiled.curve.forEach((cost, i) =>
    assert.ok(Math.abs(cost - eager.curve[i]) <= 1e-4 * Math.abs(eager.curve[i]), `curve point ${i}: compiled ${cost}, eager ${eager.curve[i]}`),
  );
});

function recordingProgress(): ProgressSink & { events: string[] } {
  const events: string[] = [];
  return {
    events,
    start: (total) => events.push(`start ${total}`),
    tick: (stepsDone, info) => events.push(`tick ${stepsDone} cost ${info.cost === undefined ? "none" : "known"}`),
    finish: () => events.push("finish"),
  };
}

test("progress: start with the total, a final tick at the last step, then finish", async () => {
  const model = tinyModel();
  const progress = recordingProgress();
  await train(model, new TinyBatches(), { ...chapterStepSettings(model), steps: 30, log: () => {}, progress });
  assert.is(progress.events[0], "start 30");
  assert.equal(progress.events.slice(-2), ["tick 30 cost known", "finish"]);
  model.dispose();
});

test("SIGINT (process.emit) stops training promptly with a clear error; the listener is removed", async () => {
  const model = tinyModel();
  const listenersBefore = process.listenerCount("SIGINT");
  const batches = new TinyBatches();
  const progress = recordingProgress();
  const source = {
    nextBatch() {
      if (batches.handedOut === 20) {
        process.emit("SIGINT");
      }
      return batches.nextBatch();
    },
  };
  const tensorsBefore = tf.memory().numTensors;
  try {
    await train(model, source, { ...chapterStepSettings(model), steps: 100_000, log: () => {}, progress });
    assert.unreachable("training should have been interrupted");
  } catch (error) {
    assert.instance(error, TrainingInterruptedError);
    assert.match((error as Error).message, /^training interrupted at step 21 of 100000/);
  }
  assert.is(batches.handedOut, 21);
  assert.is(progress.events[progress.events.length - 1], "finish");
  assert.is(process.listenerCount("SIGINT"), listenersBefore);
  assert.is(tf.memory().numTensors, tensorsBefore);

  const rerun = await train(model, new TinyBatches(), { ...chapterStepSettings(model), steps: 5, logEvery: 5, log: () => {} });
  assert.equal(
    rerun.history.map((entry) => entry.step),
    [5],
  );
  model.dispose();
});

// In a child process: if train() stopped listening for SIGINT, the signal would kill
// that process (failing this test) instead of the test runner.
const trainUntilSignalled = `
const { train, TrainingInterruptedError } = require(${JSON.stringify(path.join(root, "src/training"))});
const { TinyBatches, tinyDefinition, tinyModel } = require(${JSON.stringify(path.join(__dirname, "fixtures"))});
const { chapterStepSettings } = require(${JSON.stringify(path.join(root, "src/recipes"))});
const batches = new TinyBatches();
const source = {
  nextBatch() {
    if (batches.handedOut === 20) process.kill(process.pid, "SIGINT");
    return batches.nextBatch();
  },
};
train(tinyModel(), source, { ...chapterStepSettings({ definition: tinyDefinition }), steps: 1000000, log: () => {}, progress: { start() {}, tick() {}, finish() {} } }).then(
  () => console.log("not interrupted"),
  (error) => console.log(error instanceof TrainingInterruptedError ? "interrupted after " + batches.handedOut + " batches: " + error.message : "error " + error),
);
`;

test("a real SIGINT sent while training is delivered between steps and stops the run (in a child process)", async () => {
  // Bounded: a child that neither ends nor is interrupted is stopped after two minutes and fails the test.
  const run = await runProcess(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", trainUntilSignalled], {
    timeoutMs: 120_000,
    cwd: root,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: "2" },
  });
  const output = `${run.stdout}${run.stderr}`.trim().split("\n").slice(-3).join("\n");
  assert.is(run.signal, null, `the training process was killed by ${run.signal} (no SIGINT listener?):\n${output}`);
  assert.is(run.status, 0, output);
  const match = /interrupted after (\d+) batches: training interrupted at step (\d+) of 1000000/.exec(run.stdout);
  assert.ok(match !== null, output);
  const [handedOut, step] = [Number(match[1]), Number(match[2])];
  // The signal was sent while batch 21 was drawn; it stops the run before a later batch, within a few steps.
  assert.is(step, handedOut);
  assert.ok(handedOut >= 21 && handedOut <= 25, output);
});

/** TinyBatches that come in epochs of `stepsPerEpoch` batches. */
class TinyEpochs extends TinyBatches {
  constructor(readonly stepsPerEpoch: number) {
    super(8, "tiny-train:0001");
  }
}

test("batches in epochs: a record per epoch (a partial last one too), the test set evaluated after each, the preparation run first", async () => {
  const model = tinyModel(5);
  const testSet = tinyTestSet(100);
  const events: string[] = [];
  const seen: EpochRecord[] = [];
  const result = await train(model, new TinyEpochs(10), { ...chapterStepSettings(model),
    steps: 25,
    logEvery: 10,
    testSet,
    prepare: { what: { note: "test" }, run: (prepared) => events.push(`prepare ${prepared.key}`) },
    log: (line) => events.push(line.split(",")[0]),
    onEpoch: (record, all) => {
      events.push(`epoch ${record.epoch}`);
      seen.push({ ...record });
      assert.is(all[all.length - 1], record);
      // Time spent here counts as evaluation, not training.
      const until = performance.now() + 20;
      while (performance.now() < until);
    },
    progress: silentProgress,
  });
  assert.equal(events, ["prepare tiny", "step 10", "epoch 1", "step 20", "epoch 2", "epoch 2.5"]);
  assert.equal(
    result.epochs.map(({ epoch, steps }) => [epoch, steps]),
    [[1, 10], [2, 20], [2.5, 25]],
  );
  assert.equal(result.epochs, seen);
  result.epochs.forEach((record, i) => {
    assert.ok(record.seconds > 0 && (i === 0 || record.seconds > result.epochs[i - 1].seconds));
    assert.ok(record.trainCost > 0 && record.trainAccuracy >= 0 && record.trainAccuracy <= 1);
  });
  // The last record's test accuracy is the trained model's.
  assert.is(result.epochs[2].testAccuracy, testAccuracy(model, testSet, { log: () => {} }));
  assert.is(result.seconds, result.epochs[2].seconds);
  assert.ok(result.evaluationSeconds >= 3 * 0.02, `evaluation took ${result.evaluationSeconds} s`);
  model.dispose();
});

test("a test set, weight averaging or freezing by epoch without batches in epochs is a clear error, before any step", async () => {
  const model = tinyModel();
  const cases: Array<[string, Parameters<typeof train>[2]]> = [
    ["testSet", { testSet: tinyTestSet(10) }],
    ["lookahead", { lookahead: { every: 5, startEpoch: 0, finalDecay: 0.5, power: 3 } }],
    ["freezing", { optimizer: { kind: "nesterov-sgd", learningRate: 0.1, momentum: 0.9, weightDecay: 0, roles: {}, freezeFromEpoch: { bias: 1 } } }],
  ];
  for (const [what, options] of cases) {
    const batches = new TinyBatches();
    try {
      await train(model, batches, { ...chapterStepSettings(model), steps: 5, log: () => {}, progress: silentProgress, ...options });
      assert.unreachable(what);
    } catch (error) {
      assert.match((error as Error).message, /^train\(tiny\): weight averaging, freezing by epoch and a testSet need batches that come in epochs/, what);
    }
    assert.is(batches.handedOut, 0, what);
  }
  model.dispose();
});

test("invalid options are reported together, naming the model", async () => {
  const model = tinyModel();
  try {
    await train(model, new TinyBatches(), { ...chapterStepSettings(model), steps: 0, keepProb: 2, log: () => {} });
    assert.unreachable("should have thrown");
  } catch (error) {
    assert.match((error as Error).message, /^train\(tiny\): steps must be a positive integer \(got 0\); keepProb must be in \(0, 1\] \(got 2\)\.$/);
  }
  model.dispose();
});

test.run();
