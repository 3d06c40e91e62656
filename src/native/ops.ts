/// <reference lib="es2021.weakref" />
/**
 * Direct access to TensorFlow ops through tfjs-node's binding, for the few
 * ops tfjs itself runs in JavaScript or splits into many small kernels
 * (random numbers, ReLU's gradient, Adam's update, resource variables).
 */
import { tf, assertNativeBackend } from "./backend";
import { asNodeKernelBackend, type NativeAttr, type NativeBinding, type NodeKernelBackend } from "./binding";

export type { NativeAttr };

/**
 * A TensorFlow tensor handle that tfjs does not track, such as a resource
 * variable's handle. Whoever creates one deletes it with `deleteNativeHandle`;
 * one dropped without that is deleted when it is garbage-collected.
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
  string: (name: string, value: string | Uint8Array): NativeAttr => ({ name, type: binding().TF_ATTR_STRING, value }),
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

/**
 * Handles created by createNativeHandle and not deleted yet (tfjs's
 * tf.memory() does not see them), by tensor id. Held weakly, so that a
 * handle nobody references can be collected.
 */
const liveHandles = new Map<number, WeakRef<NativeHandle>>();

/**
 * The safety net for a handle dropped without deleteNativeHandle: once it is
 * collected, no op can take it as an input any more, so its tensor goes. The
 * held value keeps the binding itself: tf.backend() may be another backend by then.
 */
const handleFinalizer = new FinalizationRegistry<{ id: number; binding: NativeBinding }>(({ id, binding }) => {
  liveHandles.delete(id);
  binding.deleteTensor(id);
});

/**
 * Runs an op whose single output stays an untracked handle (e.g. a resource
 * variable handle). The caller deletes it with deleteNativeHandle.
 */
export function createNativeHandle(name: string, attrs: NativeAttr[], inputs: readonly NativeInput[]): NativeHandle {
  const nativeBinding = binding();
  const handle = new NativeHandle(nativeBinding.executeOp(name, attrs, inputIds(inputs), 1)[0].id);
  liveHandles.set(handle.id, new WeakRef(handle));
  handleFinalizer.register(handle, { id: handle.id, binding: nativeBinding }, handle);
  return handle;
}

export function deleteNativeHandle(handle: NativeHandle): void {
  if (liveHandles.get(handle.id)?.deref() !== handle) {
    throw new Error(`Native handle ${handle.id} was deleted already, or not created by createNativeHandle.`);
  }
  const nativeBinding = binding();
  liveHandles.delete(handle.id);
  handleFinalizer.unregister(handle);
  nativeBinding.deleteTensor(handle.id);
}

/**
 * How many native handles (model variables, optimizer slots) are alive: the
 * memory tfjs's tf.memory() does not count. Leak tests check it returns to
 * where it started. A handle dropped without deleteNativeHandle counts until
 * it is collected.
 */
export function liveNativeHandles(): number {
  return liveHandles.size;
}

/** TensorFlow's status codes (TF_Code), by name. */
export type TfStatusCode =
  | "OK"
  | "CANCELLED"
  | "UNKNOWN"
  | "INVALID_ARGUMENT"
  | "DEADLINE_EXCEEDED"
  | "NOT_FOUND"
  | "ALREADY_EXISTS"
  | "PERMISSION_DENIED"
  | "RESOURCE_EXHAUSTED"
  | "FAILED_PRECONDITION"
  | "ABORTED"
  | "OUT_OF_RANGE"
  | "UNIMPLEMENTED"
  | "INTERNAL"
  | "UNAVAILABLE"
  | "DATA_LOSS"
  | "UNAUTHENTICATED";

/** Indexed by TF_Code's number. */
const TF_STATUS_CODES: readonly TfStatusCode[] = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
];

/** How tfjs-node's binding words an error from a TensorFlow status (its utils.h). */
const BINDING_STATUS = /^Invalid TF_Status: (\d+)\n/;

/**
 * The TensorFlow status code a native error carries: the graph API's
 * `tfStatus` property, or the code in the binding's "Invalid TF_Status: N"
 * message (executeOp). null when TensorFlow did not report the error.
 */
export function tfStatusOf(error: unknown): TfStatusCode | null {
  if (!(error instanceof Error)) {
    return null;
  }
  const { tfStatus } = error as { tfStatus?: unknown };
  if (typeof tfStatus === "string" && (TF_STATUS_CODES as readonly string[]).includes(tfStatus)) {
    return tfStatus as TfStatusCode;
  }
  const match = BINDING_STATUS.exec(error.message);
  return match === null ? null : TF_STATUS_CODES[Number(match[1])] ?? "UNKNOWN";
}

/**
 * TensorFlow's words for an op type, or a kernel for it, that this build does
 * not have: building a graph ("Op type not registered"), running an op eagerly
 * (NOT_FOUND: "is neither a type of a primitive operation nor ...", "No
 * registered '...' OpKernel", "Could not find device for node"), and
 * instantiating a graph function (INVALID_ARGUMENT: "No OpKernel was
 * registered to support Op"). The status code alone cannot tell: NOT_FOUND
 * also means a missing variable, INVALID_ARGUMENT a wrong shape.
 */
const NOT_REGISTERED = [
  /Op type not registered/,
  /is neither a type of a primitive operation nor a name of a function registered/,
  /No registered '[^']*' OpKernel/,
  /No OpKernel was registered to support Op/,
  /Could not find device for node/,
];

/** True when TensorFlow reported that an op type or a kernel for it is not registered in this build. */
export function isNotRegisteredError(error: unknown): boolean {
  return tfStatusOf(error) !== null && NOT_REGISTERED.some((pattern) => pattern.test((error as Error).message));
}

/** `error` with `cause` set as ES2022's `new Error(message, { cause })` does (this project compiles to ES2020). */
export function withCause<E extends Error>(error: E, cause: unknown): E & { readonly cause: unknown } {
  Object.defineProperty(error, "cause", { value: cause, writable: true, enumerable: false, configurable: true });
  return error as E & { readonly cause: unknown };
}
