/**
 * Direct access to TensorFlow ops through tfjs-node's binding, for the few
 * ops tfjs itself runs in JavaScript or splits into many small kernels
 * (random numbers, ReLU's gradient, Adam's update, resource variables).
 */
import { tf, assertNativeBackend } from "../backend";
import { asNodeKernelBackend, type NativeAttr, type NativeBinding, type NodeKernelBackend } from "./binding";

export type { NativeAttr };

/**
 * A TensorFlow tensor handle that tfjs does not track, such as a resource
 * variable's handle. Whoever creates one deletes it with `deleteNativeHandle`.
 */
export class NativeHandle {
  constructor(readonly id: number) {}
}

export type NativeInput = tf.Tensor | NativeHandle;

function nodeBackend(): NodeKernelBackend {
  assertNativeBackend();
  return asNodeKernelBackend(tf.backend());
}

function binding(): NativeBinding {
  return nodeBackend().binding;
}

/**
 * The `_kernel` label TensorFlow registers its oneDNN kernels under. Their op
 * names (`_MklNative...`) are internal, so the layers probe each once and fall
 * back to tfjs's ops where it does not run (./kernels.ts).
 */
export const ONEDNN_KERNEL_LABEL = "MklNameChangeOp";

/** Builders for op attributes. */
export const attr = {
  dtype: (name: string, dtype: "float32" | "int32"): NativeAttr => ({
    name,
    type: binding().TF_ATTR_TYPE,
    value: dtype === "float32" ? binding().TF_FLOAT : binding().TF_INT32,
  }),
  shape: (name: string, dims: readonly number[]): NativeAttr => ({ name, type: binding().TF_ATTR_SHAPE, value: [...dims] }),
  string: (name: string, value: string): NativeAttr => ({ name, type: binding().TF_ATTR_STRING, value }),
  bool: (name: string, value: boolean): NativeAttr => ({ name, type: binding().TF_ATTR_BOOL, value }),
  float: (name: string, value: number): NativeAttr => ({ name, type: binding().TF_ATTR_FLOAT, value }),
  ints: (name: string, values: readonly number[]): NativeAttr => ({ name, type: binding().TF_ATTR_INT, value: [...values] }),
};

function inputIds(inputs: readonly NativeInput[]): number[] {
  const backend = nodeBackend();
  return inputs.map((input) => (input instanceof NativeHandle ? input.id : backend.getInputTensorIds([input])[0]));
}

/** Runs a TensorFlow op; its outputs become ordinary tfjs tensors (tracked by tf.tidy). */
export function runNativeOp(name: string, attrs: NativeAttr[], inputs: readonly NativeInput[], numOutputs = 1): tf.Tensor[] {
  const backend = nodeBackend();
  return backend.binding.executeOp(name, attrs, inputIds(inputs), numOutputs).map((info) => backend.createOutputTensor(info));
}

/** Runs a TensorFlow op that has no outputs (e.g. a variable update). */
export function runNativeOpForEffect(name: string, attrs: NativeAttr[], inputs: readonly NativeInput[]): void {
  binding().executeOp(name, attrs, inputIds(inputs), 0);
}

/**
 * TensorFlow's reserved `shared_name` for an anonymous resource: a variable
 * created under it lives exactly as long as its handle, so deleting the handle
 * frees the memory.
 */
export const ANONYMOUS_RESOURCE_NAME = "cd2c89b7-88b7-44c8-ad83-06c2a9158347";

/** Handles created by createNativeHandle and not deleted yet (tfjs's tf.memory() does not see them). */
const liveHandles = new Set<NativeHandle>();

/**
 * Runs an op whose single output stays an untracked handle (e.g. a resource
 * variable handle). The caller deletes it with deleteNativeHandle.
 */
export function createNativeHandle(name: string, attrs: NativeAttr[], inputs: readonly NativeInput[]): NativeHandle {
  const handle = new NativeHandle(binding().executeOp(name, attrs, inputIds(inputs), 1)[0].id);
  liveHandles.add(handle);
  return handle;
}

export function deleteNativeHandle(handle: NativeHandle): void {
  if (!liveHandles.delete(handle)) {
    throw new Error(`Native handle ${handle.id} was deleted already, or not created by createNativeHandle.`);
  }
  binding().deleteTensor(handle.id);
}

/**
 * How many native handles (model variables, optimizer slots) are alive: the
 * memory tfjs's tf.memory() does not count. Leak tests check it returns to
 * where it started.
 */
export function liveNativeHandles(): number {
  return liveHandles.size;
}
