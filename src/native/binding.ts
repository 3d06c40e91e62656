/**
 * The parts of tfjs-node's native binding this project calls. tfjs-node does
 * not export their types, so this is the one place its backend is seen
 * through them.
 */
// Types straight from tfjs-node: ../backend imports this module.
import type { KernelBackend, Tensor } from "@tensorflow/tfjs-node";

/** What the binding reports for each output of an op. */
export interface NativeTensorInfo {
  id: number;
  shape: number[];
  dtype: number;
}

/** One attribute of an op, in the binding's encoding. */
export interface NativeAttr {
  name: string;
  type: number;
  /** A string attribute may be bytes (the project's addon passes a Uint8Array through unchanged). */
  value: number | boolean | string | Uint8Array | number[];
}

export interface NativeBinding {
  executeOp(name: string, attrs: NativeAttr[], inputIds: number[], numOutputs: number): NativeTensorInfo[];
  deleteTensor(id: number): void;
  /** The TensorFlow library's version, e.g. "2.21.0". */
  TF_Version: string;
  TF_FLOAT: number;
  TF_INT32: number;
  TF_INT64: number;
  TF_BOOL: number;
  TF_UINT8: number;
  TF_RESOURCE: number;
  TF_ATTR_STRING: number;
  TF_ATTR_INT: number;
  TF_ATTR_FLOAT: number;
  TF_ATTR_BOOL: number;
  TF_ATTR_TYPE: number;
  TF_ATTR_SHAPE: number;
}

/** tfjs-node's backend object (NodeJSKernelBackend) as far as this project uses it. */
export interface NodeKernelBackend {
  binding: NativeBinding;
  getInputTensorIds(tensors: Tensor[]): number[];
  createOutputTensor(info: NativeTensorInfo): Tensor;
}

/** `backend` seen as tfjs-node's backend; callers check first that it is (assertNativeBackend). */
export function asNodeKernelBackend(backend: KernelBackend): NodeKernelBackend {
  return backend as unknown as NodeKernelBackend;
}
