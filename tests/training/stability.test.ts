/**
 * Native memory safety of the training step. A heap corruption in the native
 * path rarely shows in a short run, but V8's sampling profiler (which interrupts
 * the main thread thousands of times a second) made one crash the process: the
 * fully connected layer's former MatMul + BiasAdd kernel aborted 11 of 17 runs
 * of 160 cifar-reduced steps under `node --cpu-prof` (environment.md).
 *
 * One run of 160 steps would miss such a fault about 6 times in 17 (35%). Taking
 * the crash as equally likely at every step, s steps miss it with probability
 * (6/17)^(s/160): this runs 640 steps in one child process, (6/17)^4 ≈ 1.6%.
 * More steps in one process rather than a sanitizer build of the addon: the
 * fault came from TensorFlow's own kernels and libraries, which an instrumented
 * addon does not cover, and this needs no second build in CI.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";

const root = path.resolve(__dirname, "../..");
const STEPS = 640;

const trainUnderProfiler = `
const { timeTrainingSteps } = require(${JSON.stringify(path.join(root, "src/training/benchmark"))});
const timing = timeTrainingSteps("cifar-reduced", { steps: ${STEPS}, warmupSteps: 5, repetitions: 1 });
console.log("ms per step " + timing.msPerStep.median.toFixed(1));
`;

test(`${STEPS} cifar-reduced training steps under node --cpu-prof end normally (no heap corruption)`, () => {
  const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), "cnn-cpu-prof-"));
  try {
    const run = spawnSync(
      process.execPath,
      ["--cpu-prof", `--cpu-prof-dir=${profileDir}`, "-r", "ts-node/register/transpile-only", "-e", trainUnderProfiler],
      { cwd: root, encoding: "utf8", env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: "2" } },
    );
    const tail = `${run.stdout}${run.stderr}`.trim().split("\n").slice(-3).join("\n");
    assert.is(run.signal, null, `the training process was killed by ${run.signal}:\n${tail}`);
    assert.is(run.status, 0, `the training process exited with ${run.status}:\n${tail}`);
    assert.match(run.stdout, /ms per step \d/);
  } finally {
    fs.rmSync(profileDir, { recursive: true, force: true });
  }
});

test.run();
