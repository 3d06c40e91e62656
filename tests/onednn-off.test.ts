/**
 * The package turns TensorFlow's oneDNN optimizations on (src/native/backend.ts), so the rest of the
 * suite runs with them. A reader may turn them off (TF_ENABLE_ONEDNN_OPTS=0), and CPUs differ in
 * which kernels oneDNN picks: the numerics-sensitive tests must pass either way. This runs them
 * again in a child with oneDNN forced off: gradients against plain tfjs, compiled against eager
 * (chapter models and airbench), the kernel fallbacks, Adam and SGD against their references;
 * backend.test.ts checks in the same child that TensorFlow really had oneDNN off.
 */
import * as path from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { fullSuiteTest, runProcess } from "./wait";

const NUMERICS_TESTS = [
  "native/backend",
  "layers/fallback",
  "native/kernels",
  "training/gradients",
  "training/compiled-step",
  "training/airbench-step",
  "training/loss-and-adam",
  "training/sgd",
];

// A hang guard far above the files' own time on a busy two-core machine.
const TIMEOUT_MS = 30 * 60 * 1000;

// Minutes of reruns: in `npm run test:all`; `npm test` runs these files once, with oneDNN on.
fullSuiteTest(test, "onednn-off.test.ts")("the numerics-sensitive tests pass with oneDNN forced off", async () => {
  const root = path.resolve(__dirname, "..");
  const pattern = `^(${NUMERICS_TESTS.join("|")})\\.test\\.ts$`;
  const child = await runProcess(process.execPath, [path.join(root, "node_modules/uvu/bin.js"), "-r", "ts-node/register/transpile-only", "tests", pattern], {
    cwd: root,
    env: { ...process.env, TF_ENABLE_ONEDNN_OPTS: "0" },
    timeoutMs: TIMEOUT_MS,
  });
  const output = `${child.stdout}\n${child.stderr}`;
  assert.is(child.status, 0, output.split("\n").slice(-60).join("\n"));
  const total = Number(/Total:\s+(\d+)/.exec(child.stdout)?.[1]);
  const passed = Number(/Passed:\s+(\d+)/.exec(child.stdout)?.[1]);
  assert.ok(total >= NUMERICS_TESTS.length && passed === total, `ran ${total} tests of ${NUMERICS_TESTS.length} files, ${passed} passed:\n${child.stdout.slice(-2000)}`);
});

test.run();
