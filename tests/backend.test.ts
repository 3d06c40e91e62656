import * as path from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { assertNativeBackend, backendInfo, tf } from "../src/backend";
import { runProcess } from "./wait";

// A hang guard for loading TensorFlow in a new process, far above a busy machine's time.
const LOAD_TIMEOUT_MS = 3 * 60 * 1000;

test("tfjs runs on the native TensorFlow backend", () => {
  assert.is(tf.getBackend(), "tensorflow");
  assertNativeBackend();
  const info = backendInfo();
  assert.match(info.tensorflowVersion, /^2\.\d+\.\d+/);
  assert.is(info.tfjsVersion, tf.version["tfjs-core"]);
});

/** TensorFlow's INFO lines (absl format "I<date> ...") written while a new process loads src/backend, but the oneDNN banner. */
async function infoLinesOnLoad(logLevel: string | undefined): Promise<string[]> {
  const env = { ...process.env, TF_CPP_MIN_LOG_LEVEL: logLevel };
  if (logLevel === undefined) delete env.TF_CPP_MIN_LOG_LEVEL;
  const child = await runProcess(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", 'require("./src/backend")'], {
    cwd: path.resolve(__dirname, ".."),
    env,
    timeoutMs: LOAD_TIMEOUT_MS,
  });
  assert.is(child.status, 0, child.stderr);
  return child.stderr.split("\n").filter((line) => /^I\d{4} /.test(line) && !line.includes("oneDNN custom operations are on"));
}

test("loading the backend hides TensorFlow's INFO lines unless TF_CPP_MIN_LOG_LEVEL asks for them", async () => {
  assert.ok((await infoLinesOnLoad("0")).length > 0, "at level 0 TensorFlow logs INFO lines while loading (the check below needs some)");
  assert.equal(await infoLinesOnLoad(undefined), []);
});

test("a 3x3 SAME convolution matches a reference computed by hand", () => {
  // 3x3 input 1..9, 2x2 kernel [[1, 0], [0, -1]], stride 1, SAME padding.
  // TensorFlow pads SAME with the extra row/column at the bottom/right, so
  // out[i][j] = in[i][j] - in[i+1][j+1], with zeros past the edge.
  const input = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
  const kernel = tf.tensor4d([1, 0, 0, -1], [2, 2, 1, 1]);
  const output = tf.conv2d(input, kernel, 1, "same");
  assert.equal(output.shape, [1, 3, 3, 1]);
  assert.equal(Array.from(output.dataSync()), [1 - 5, 2 - 6, 3, 4 - 8, 5 - 9, 6, 7, 8, 9]);
  tf.dispose([input, kernel, output]);
});

test("a two-channel convolution sums over input channels", () => {
  // 2x2 input with channels (1, 10), (2, 20), (3, 30), (4, 40); 1x1 kernel weights (1, 0.5).
  const input = tf.tensor4d([1, 10, 2, 20, 3, 30, 4, 40], [1, 2, 2, 2]);
  const kernel = tf.tensor4d([1, 0.5], [1, 1, 2, 1]);
  const output = tf.conv2d(input, kernel, 1, "same");
  assert.equal(Array.from(output.dataSync()), [6, 12, 18, 24]);
  tf.dispose([input, kernel, output]);
});

test.run();
