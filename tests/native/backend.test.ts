import * as path from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { assertNativeBackend, backendInfo, describeOneDnn, tf } from "../../src/native/backend";
import { runProcess } from "../wait";

// A hang guard for loading TensorFlow in a new process, far above a busy machine's time.
const LOAD_TIMEOUT_MS = 3 * 60 * 1000;

test("tfjs runs on the native TensorFlow backend", () => {
  assert.is(tf.getBackend(), "tensorflow");
  assertNativeBackend();
  const info = backendInfo();
  assert.match(info.tensorflowVersion, /^2\.\d+\.\d+/);
  assert.is(info.tfjsVersion, tf.version["tfjs-core"]);
  assert.is(info.oneDnn.enabled, process.env.TF_ENABLE_ONEDNN_OPTS !== "0");
});

/** TensorFlow's INFO lines (absl format "I<date> ...") written while a new process loads src/native/backend, but the oneDNN banner. */
async function infoLinesOnLoad(logLevel: string | undefined): Promise<string[]> {
  const env = { ...process.env, TF_CPP_MIN_LOG_LEVEL: logLevel };
  if (logLevel === undefined) delete env.TF_CPP_MIN_LOG_LEVEL;
  const child = await runProcess(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", 'require("./src/native/backend")'], {
    cwd: path.resolve(__dirname, "../.."),
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

/** backendInfo().oneDnn in a new process that loads src/native/backend with TF_ENABLE_ONEDNN_OPTS as given (undefined: unset). */
async function oneDnnInNewProcess(setting: string | undefined): Promise<{ enabled: boolean; userSetting?: string }> {
  const env = { ...process.env, TF_ENABLE_ONEDNN_OPTS: setting };
  if (setting === undefined) delete env.TF_ENABLE_ONEDNN_OPTS;
  const script = 'console.log("ONEDNN " + JSON.stringify(require("./src/native/backend").backendInfo().oneDnn))';
  const child = await runProcess(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], {
    cwd: path.resolve(__dirname, "../.."),
    env,
    timeoutMs: LOAD_TIMEOUT_MS,
  });
  assert.is(child.status, 0, child.stderr);
  const line = child.stdout.split("\n").find((text) => text.startsWith("ONEDNN "));
  assert.ok(line, child.stdout);
  return JSON.parse(line.slice("ONEDNN ".length));
}

test("oneDNN is on by default on every CPU, as TensorFlow itself reports; the user's TF_ENABLE_ONEDNN_OPTS wins", async () => {
  // On an AVX2 CPU TensorFlow's own default is off, so "on" here is the package's doing.
  assert.equal(await oneDnnInNewProcess(undefined), { enabled: true });
  assert.equal(await oneDnnInNewProcess(""), { enabled: true }, "an empty value counts as unset");
  assert.equal(await oneDnnInNewProcess("0"), { enabled: false, userSetting: "0" });
  assert.equal(await oneDnnInNewProcess("1"), { enabled: true, userSetting: "1" });
});

test("describeOneDnn says on or off and who decided", () => {
  assert.is(describeOneDnn({ enabled: true, userSetting: undefined, maxCpuIsa: undefined }), "on (this package's default)");
  assert.is(describeOneDnn({ enabled: false, userSetting: "0", maxCpuIsa: undefined }), "off (TF_ENABLE_ONEDNN_OPTS=0)");
  assert.is(describeOneDnn({ enabled: true, userSetting: "1", maxCpuIsa: "AVX2" }), "on (TF_ENABLE_ONEDNN_OPTS=1, kernels capped at AVX2 by ONEDNN_MAX_CPU_ISA)");
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
