/**
 * The one place the project loads TensorFlow.js: tfjs-node with its native
 * TensorFlow backend. Everything else imports `tf` from here.
 */
// Hides TensorFlow's C++ INFO lines (such as the CPU-feature notice) and keeps its warnings
// and errors; it only works when set before the library loads, just below. The "oneDNN custom
// operations are on" line still prints once per process: TensorFlow logs it while the library
// loads, before this setting applies (no level hides it; TF_ENABLE_ONEDNN_OPTS=0 would).
process.env.TF_CPP_MIN_LOG_LEVEL ??= "1";
// TensorFlow turns its oneDNN optimizations on by itself only on CPUs with AVX-512 VNNI or BF16,
// or AMX; on an AVX2 CPU (most laptops) its default leaves them off and a training step runs at
// about half the speed. So they are on unless the user set TF_ENABLE_ONEDNN_OPTS (an empty value
// counts as unset); like the log level, it only works before the library loads.
const userOneDnnSetting = process.env.TF_ENABLE_ONEDNN_OPTS || undefined;
if (userOneDnnSetting === undefined) process.env.TF_ENABLE_ONEDNN_OPTS = "1";

import * as tf from "@tensorflow/tfjs-node";
import { asNodeKernelBackend } from "./binding";
import { describeCpu, type CpuDescription } from "./cpu";
import { localized } from "../language";

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
  /** What TensorFlow itself decided about its oneDNN optimizations, and who asked for it. */
  oneDnn: OneDnnState;
  cpu: CpuDescription;
}

export interface OneDnnState {
  /** TensorFlow's own answer (its IsMKLEnabled(), through the project's addon). */
  enabled: boolean;
  /** TF_ENABLE_ONEDNN_OPTS as the user set it; undefined when this package set it to 1. */
  userSetting: string | undefined;
  /** ONEDNN_MAX_CPU_ISA, which caps the instruction set oneDNN's kernels use (e.g. AVX2); undefined when unset. */
  maxCpuIsa: string | undefined;
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
    oneDnn: { enabled: oneDnnEnabled(), userSetting: userOneDnnSetting, maxCpuIsa: process.env.ONEDNN_MAX_CPU_ISA || undefined },
    cpu: describeCpu(),
  };
}

/** TensorFlow's own decision (IsMKLEnabled) through the project's addon, not a reading of the environment. */
function oneDnnEnabled(): boolean {
  const { graphApi } = asNodeKernelBackend(tf.backend()).binding as { graphApi?: { oneDnnEnabled?: () => boolean } };
  if (graphApi?.oneDnnEnabled === undefined) {
    throw new Error("tfjs-node's addon predates the project's oneDNN report (addon/). Run `npm run setup` to rebuild it, then restart the kernel or process.");
  }
  return graphApi.oneDnnEnabled();
}

/** "on", or "off", with who decided: e.g. "on (this package's default)", "off (TF_ENABLE_ONEDNN_OPTS=0)". */
export function describeOneDnn({ enabled, userSetting, maxCpuIsa }: OneDnnState): string {
  const why = userSetting === undefined ? localized({ en: "this package's default", ko: "이 패키지의 기본값" }) : `TF_ENABLE_ONEDNN_OPTS=${userSetting}`;
  const cap = maxCpuIsa === undefined ? "" : localized({ en: `, kernels capped at ${maxCpuIsa} by ONEDNN_MAX_CPU_ISA`, ko: `, ONEDNN_MAX_CPU_ISA로 커널을 ${maxCpuIsa}까지로 제한` });
  const state = enabled ? localized({ en: "on", ko: "켜짐" }) : localized({ en: "off", ko: "꺼짐" });
  return `${state} (${why}${cap})`;
}
