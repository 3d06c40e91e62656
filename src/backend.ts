/**
 * The one place the project loads TensorFlow.js: tfjs-node with its native
 * TensorFlow backend. Everything else imports `tf` from here.
 */
// Hides TensorFlow's C++ INFO lines (such as the CPU-feature notice) and keeps its warnings
// and errors; it only works when set before the library loads, just below. The "oneDNN custom
// operations are on" line still prints once per process: TensorFlow logs it while the library
// loads, before this setting applies (no level hides it; TF_ENABLE_ONEDNN_OPTS=0 would, by
// turning off the oneDNN kernels the layers run on).
process.env.TF_CPP_MIN_LOG_LEVEL ??= "1";

import * as tf from "@tensorflow/tfjs-node";
import { asNodeKernelBackend } from "./native/binding";

export { tf };

/** What the native backend is running on, for logs, notebook headers and `npm run doctor`. */
export interface BackendInfo {
  backend: string;
  tensorflowVersion: string;
  tfjsVersion: string;
  nodeVersion: string;
  /** TF_NUM_INTRAOP_THREADS / TF_NUM_INTEROP_THREADS as set, or "default" (TensorFlow picks one per core). */
  intraOpThreads: string;
  interOpThreads: string;
  oneDnn: string;
}

/**
 * Throws unless tfjs runs on the native TensorFlow backend. The pure-JavaScript
 * CPU backend is about a thousand times slower for these models, so a silent
 * fallback would turn a 5-minute notebook into days.
 */
export function assertNativeBackend(): void {
  const name = tf.getBackend();
  if (name !== "tensorflow") {
    throw new Error(
      `tfjs is running on the '${name}' backend, not the native 'tensorflow' backend. ` +
        "Run `npm run setup` (it builds tfjs-node's addon), then restart the kernel.",
    );
  }
}

export function backendInfo(): BackendInfo {
  assertNativeBackend();
  return {
    backend: tf.getBackend(),
    tensorflowVersion: asNodeKernelBackend(tf.backend()).binding.TF_Version,
    tfjsVersion: tf.version["tfjs-node"],
    nodeVersion: process.versions.node,
    intraOpThreads: process.env.TF_NUM_INTRAOP_THREADS ?? "default",
    interOpThreads: process.env.TF_NUM_INTEROP_THREADS ?? "default",
    oneDnn: process.env.TF_ENABLE_ONEDNN_OPTS === "0" ? "off" : "on",
  };
}
