/**
 * Model variables, their state (airbench's running statistics) and the
 * optimizers' slots (Adam's moments, SGD's momentum) live in TensorFlow's
 * memory through native handles, which tf.memory() does not count: these tests
 * count the handles and bound the process's memory over many
 * create/train/dispose cycles.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/native/backend";
import { liveNativeHandles } from "../../src/native/ops";
import { silentProgress } from "../../src/output";
import { AirbenchModel } from "../../src/recipes/airbench/model";
import { train, type BatchSource } from "../../src/training";
import { TinyBatches, tinyModel } from "./fixtures";
import { chapterStepSettings } from "../../src/recipes";

const root = path.resolve(__dirname, "../..");

test("create, train and dispose cycles return to the starting number of native handles and tensors", async () => {
  const [handles, tensors] = [liveNativeHandles(), tf.memory().numTensors];
  for (let cycle = 0; cycle < 3; cycle++) {
    const model = tinyModel(cycle);
    assert.ok(liveNativeHandles() > handles, "a model holds native handles");
    await train(model, new TinyBatches(), { ...chapterStepSettings(model), steps: 5, log: () => {}, progress: silentProgress });
    model.dispose();
    assert.is(liveNativeHandles(), handles, `after cycle ${cycle + 1}`);
    assert.is(tf.memory().numTensors, tensors, `after cycle ${cycle + 1}`);
  }
});

/** Random CIFAR-shaped batches (images in [0, 1]) in epochs of two steps. */
function cifarBatches(size: number): BatchSource {
  let handedOut = 0;
  return {
    stepsPerEpoch: 2,
    nextBatch: () =>
      tf.tidy(() => {
        const seed = handedOut++;
        return {
          xs: tf.randomUniform([size, 32, 32, 3], 0, 1, "float32", seed) as tf.Tensor4D,
          ys: tf.oneHot(tf.randomUniform([size], 0, 10, "int32", seed + 100) as tf.Tensor1D, 10).toFloat() as tf.Tensor2D,
        };
      }),
  };
}

test("airbench create, train (Nesterov SGD, frozen role, weight averaging, compiled step) and dispose cycles return to the starting number of native handles and tensors", async () => {
  const [handles, tensors] = [liveNativeHandles(), tf.memory().numTensors];
  for (let cycle = 0; cycle < 2; cycle++) {
    const model = new AirbenchModel({ widths: { whitening: 24, blocks: [8, 8, 8] }, seed: cycle });
    tf.tidy(() => model.initializeWhitening(tf.randomUniform([16, 32, 32, 3], 0, 1, "float32", cycle) as tf.Tensor4D));
    assert.ok(liveNativeHandles() > handles, "a model holds native handles");
    const lines: string[] = [];
    const { settings } = await train(model, cifarBatches(8), {
      steps: 6,
      optimizer: { kind: "nesterov-sgd", learningRate: 0.05, momentum: 0.85, weightDecay: 5e-4, roles: {}, freezeFromEpoch: { "whitening-bias": 1 } },
      labelSmoothing: 0.2,
      lookahead: { every: 2, startEpoch: 1, finalDecay: 0.8, power: 3 },
      log: (line) => lines.push(line),
      progress: silentProgress,
    });
    assert.is(settings.step, "compiled");
    assert.equal(lines, [], "no log line, so no fallback to the eager step");
    model.dispose();
    assert.is(liveNativeHandles(), handles, `after cycle ${cycle + 1}`);
    assert.is(tf.memory().numTensors, tensors, `after cycle ${cycle + 1}`);
  }
});

const CYCLES = 16;
const WARM_UP_CYCLES = 4;

// A fresh process, so that the resident size reflects these cycles alone.
const mnistCycles = `
const { tf } = require(${JSON.stringify(path.join(root, "src/native/backend"))});
const { createModel } = require(${JSON.stringify(path.join(root, "src/models"))});
const { train } = require(${JSON.stringify(path.join(root, "src/training"))});
const { chapterStepSettings } = require(${JSON.stringify(path.join(root, "src/recipes"))});
const { silentProgress } = require(${JSON.stringify(path.join(root, "src/output"))});
const batches = {
  nextBatch: () => tf.tidy(() => ({
    xs: tf.randomUniform([50, 28, 28, 1], 0, 1, "float32", 1),
    ys: tf.oneHot(tf.randomUniform([50], 0, 10, "int32", 2), 10).toFloat(),
  })),
};
(async () => {
  const rss = [];
  for (let cycle = 0; cycle < ${CYCLES}; cycle++) {
    const model = createModel("mnist", { seed: cycle });
    await train(model, batches, { ...chapterStepSettings(model), steps: 2, log: () => {}, progress: silentProgress });
    model.dispose();
    rss.push(process.memoryUsage().rss);
  }
  console.log("rss " + JSON.stringify(rss));
})();
`;

test(`${CYCLES} MNIST-model create, train and dispose cycles: resident memory grows by far less than a model per cycle`, () => {
  const run = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", mnistCycles], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: "2" },
    // The cycles take seconds; should a process hang (as the compiled step once did, see addon/README.md), the test fails instead of stalling the suite.
    timeout: 180_000,
  });
  const line = run.stdout.split("\n").find((text) => text.startsWith("rss "));
  assert.ok(run.status === 0 && line !== undefined, `the cycles did not finish (${run.status ?? run.signal}):\n${run.stderr.slice(-2000)}`);
  const rss = JSON.parse(line.slice(4)) as number[];
  const MiB = 2 ** 20;
  // One MNIST model's variables are 3,274,634 float32 = 12.5 MiB, its Adam slots twice that:
  // leaking only the variables would add 12.5 MiB per cycle.
  const growth = (rss[CYCLES - 1] - rss[WARM_UP_CYCLES - 1]) / MiB;
  const leakOfVariablesOnly = (CYCLES - WARM_UP_CYCLES) * 12.5;
  console.log(`resident memory over cycles ${WARM_UP_CYCLES}–${CYCLES}: ${(rss[WARM_UP_CYCLES - 1] / MiB).toFixed(0)} → ${(rss[CYCLES - 1] / MiB).toFixed(0)} MiB`);
  assert.ok(growth < leakOfVariablesOnly / 2, `grew by ${growth.toFixed(0)} MiB; leaking the variables alone would be ${leakOfVariablesOnly} MiB`);
});

test.run();
