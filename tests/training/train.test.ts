import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/backend";
import { createModel } from "../../src/models";
import { testAccuracy, train, TrainingInterruptedError, type Batch, type ProgressSink } from "../../src/training";
import { lineCollector, TinyBatches, tinyModel, tinyTestSet } from "./fixtures";

test("logs at step 0 and every logEvery steps in the chapter's form, and returns the same history onLog saw", async () => {
  const model = tinyModel();
  const { lines, log } = lineCollector();
  const seen: number[] = [];
  const result = await train(model, new TinyBatches(), {
    steps: 120,
    logEvery: 50,
    log,
    onLog: (entry, history) => seen.push(entry.step, history.length),
  });
  assert.equal(
    result.history.map((entry) => entry.step),
    [0, 50, 100],
  );
  assert.equal(seen, [0, 1, 50, 2, 100, 3]);
  assert.is(lines.length, 3);
  lines.forEach((line, i) => assert.match(line, new RegExp(`^step ${i * 50}, cost \\d+\\.\\d{4}, training accuracy [01]\\.\\d{4}$`)));
  assert.is(result.steps, 120);
  assert.ok(result.seconds > 0 && result.stepsPerSecond > 0);
  model.dispose();
});

test("training learns the tiny task: cost falls and test accuracy ends high", async () => {
  const model = tinyModel();
  const { log } = lineCollector();
  const { history } = await train(model, new TinyBatches(), { steps: 300, logEvery: 100, log });
  assert.ok(history[history.length - 1].cost < history[0].cost / 2, JSON.stringify(history));
  const { lines, log: testLog } = lineCollector();
  assert.ok(testAccuracy(model, tinyTestSet(500), { log: testLog }) > 0.95);
  assert.match(lines[0], /^test accuracy: \d\.\d{4}$/);
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
  await train(model, source, { steps: 1001, logEvery: 100, log: () => {} });
  assert.is(counts.get(1000), counts.get(10));
  assert.ok(handedOut.every((batch) => batch.xs.isDisposed && batch.ys.isDisposed));
  assert.is(tf.memory().numTensors, before);
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
    const { history } = await train(model, mnistLikeBatches(), { steps: 10, logEvery: 1, log: () => {} });
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
  await train(model, new TinyBatches(), { steps: 30, log: () => {}, progress });
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
    await train(model, source, { steps: 100_000, log: () => {}, progress });
    assert.unreachable("training should have been interrupted");
  } catch (error) {
    assert.instance(error, TrainingInterruptedError);
    assert.match((error as Error).message, /^training interrupted at step 21 of 100000/);
  }
  assert.is(batches.handedOut, 21);
  assert.is(progress.events[progress.events.length - 1], "finish");
  assert.is(process.listenerCount("SIGINT"), listenersBefore);
  assert.is(tf.memory().numTensors, tensorsBefore);

  const rerun = await train(model, new TinyBatches(), { steps: 5, logEvery: 5, log: () => {} });
  assert.equal(
    rerun.history.map((entry) => entry.step),
    [0],
  );
  model.dispose();
});

test("a real SIGINT sent while training is delivered between steps and stops the run", async () => {
  const model = tinyModel();
  const batches = new TinyBatches();
  const timer = setTimeout(() => process.kill(process.pid, "SIGINT"), 200);
  try {
    await train(model, batches, { steps: 1_000_000, log: () => {} });
    assert.unreachable("training should have been interrupted");
  } catch (error) {
    assert.instance(error, TrainingInterruptedError);
    assert.match((error as Error).message, new RegExp(`^training interrupted at step ${batches.handedOut} `));
  } finally {
    clearTimeout(timer);
  }
  model.dispose();
});

test("invalid options are reported together, naming the model", async () => {
  const model = tinyModel();
  try {
    await train(model, new TinyBatches(), { steps: 0, keepProb: 2, log: () => {} });
    assert.unreachable("should have thrown");
  } catch (error) {
    assert.match((error as Error).message, /^train\(tiny\): steps must be a positive integer \(got 0\); keepProb must be in \(0, 1\] \(got 2\)\.$/);
  }
  model.dispose();
});

test.run();
