/**
 * The one place the project loads TensorFlow.js: tfjs-node with its native
 * TensorFlow backend. Everything else imports `tf` from here.
 */
// TensorFlow's C++ INFO lines (oneDNN banners, CPU feature notices) would otherwise
// land in every notebook server log; warnings and errors still show.
process.env.TF_CPP_MIN_LOG_LEVEL ??= "1";

import * as tf from "@tensorflow/tfjs-node";

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

interface NativeBinding {
  TF_Version: string;
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
  const binding = (tf.backend() as unknown as { binding: NativeBinding }).binding;
  return {
    backend: tf.getBackend(),
    tensorflowVersion: binding.TF_Version,
    tfjsVersion: tf.version["tfjs-node"],
    nodeVersion: process.versions.node,
    intraOpThreads: process.env.TF_NUM_INTRAOP_THREADS ?? "default",
    interOpThreads: process.env.TF_NUM_INTEROP_THREADS ?? "default",
    oneDnn: process.env.TF_ENABLE_ONEDNN_OPTS === "0" ? "off" : "on",
  };
}
