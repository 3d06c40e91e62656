/// <reference lib="es2021.weakref" />
/**
 * TensorFlow graphs built from TypeScript and run as one op. A GraphBuilder
 * adds placeholders, constants and operations by op type, differentiates with
 * TensorFlow's own gradient registry (TF_AddGradients) and turns the graph
 * into a function of tfjs-node's eager context; a CompiledFunction runs it
 * through the binding's executeOp, on tfjs tensors and on resource-variable
 * handles shared with eager code. TensorFlow's function runtime then runs
 * independent ops side by side and its graph optimizer fuses what it can,
 * which one eager op at a time cannot.
 *
 * The native side is addon/graph_api.cc, compiled into tfjs-node's addon by
 * scripts/setup.sh.
 */
import { tf, assertNativeBackend } from "../native/backend";
import { asNodeKernelBackend } from "../native/binding";
import {
  attr,
  isNotRegisteredError,
  NativeHandle,
  runNativeOp,
  tfStatusOf,
  withCause,
  type NativeInput,
  type TfStatusCode,
} from "../native/ops";
import { onednnBfloat16ConfigProto } from "./config-proto";

export type { TfStatusCode };

/**
 * What genuinely cannot be compiled here: the tracer cannot put an op,
 * attribute or dtype into a graph (then `tfStatus` is null), or TensorFlow has
 * no op type, kernel or gradient for what the graph holds (`tfStatus` is the
 * code TensorFlow reported). The original error, if any, is `cause`.
 */
export class GraphCompileError extends Error {
  readonly cause?: unknown;

  constructor(
    message: string,
    readonly tfStatus: TfStatusCode | null,
    cause?: unknown,
  ) {
    super(message);
    this.name = "GraphCompileError";
    if (cause !== undefined) withCause(this, cause);
  }
}

/** TensorFlow's word for a gradient its C++ registry does not have. */
const NO_GRADIENT = /No gradient defined for op/;

/** A native error that means "TensorFlow cannot do this here" (see isUncompilable). */
function isUncompilableNativeError(error: unknown): boolean {
  const status = tfStatusOf(error);
  return (
    status === "UNIMPLEMENTED" ||
    isNotRegisteredError(error) ||
    (status === "NOT_FOUND" && NO_GRADIENT.test((error as Error).message))
  );
}

/**
 * True when `error` (or an error in its `cause` chain) is a GraphCompileError:
 * the computation cannot be compiled on this TensorFlow build, and running it
 * eagerly instead is the remedy. The rule: only an op, kernel or gradient that
 * TensorFlow or the tracer does not support counts. Wrong shapes, invalid
 * arguments, out of memory, a missing variable or a bug do not: the eager step
 * would fail too, or hide the bug.
 */
export function isUncompilable(error: unknown): boolean {
  const seen = new Set<unknown>();
  for (let current = error; current instanceof Error && !seen.has(current); current = (current as { cause?: unknown }).cause) {
    if (current instanceof GraphCompileError) {
      return true;
    }
    seen.add(current);
  }
  return false;
}

/** Runs a graph API call; what TensorFlow cannot compile becomes a GraphCompileError, anything else stays as it is. */
function compiling<T>(body: () => T): T {
  try {
    return body();
  } catch (error) {
    if (isUncompilableNativeError(error)) {
      throw new GraphCompileError(
        `${(error as Error).message}\nThis TensorFlow build cannot compile it; run the computation eagerly instead.`,
        tfStatusOf(error),
        error,
      );
    }
    throw error;
  }
}

/** Element types a graph tensor can have. */
export type GraphDtype = "float32" | "int32" | "int64" | "bool" | "uint8" | "float16" | "bfloat16" | "resource";

/** One output of a graph operation. */
export interface GraphTensor {
  readonly operation: string;
  readonly index: number;
  readonly dtype: GraphDtype;
  /** The shape TensorFlow infers: null when the rank is unknown, -1 for an unknown dimension. */
  readonly shape: readonly number[] | null;
}

/** An operation's input: one tensor, or a list of tensors for a list input (AddN, ConcatV2, ...). */
export type GraphInput = GraphTensor | readonly GraphTensor[];

/** A constant's value, stored in the graph. */
export interface ConstantValue {
  dtype: "float32" | "int32" | "int64";
  shape: readonly number[];
  values: readonly number[];
}

/** An operation attribute, in the encoding addon/graph_api.cc reads. */
export type GraphAttr =
  | { name: string; type: "int"; value: number }
  | { name: string; type: "ints"; value: readonly number[] }
  | { name: string; type: "float"; value: number }
  | { name: string; type: "floats"; value: readonly number[] }
  | { name: string; type: "bool"; value: boolean }
  | { name: string; type: "string"; value: string }
  | { name: string; type: "func"; value: string }
  | { name: string; type: "type"; value: GraphDtype }
  | { name: string; type: "types"; value: readonly GraphDtype[] }
  | { name: string; type: "shape"; value: readonly number[] | null }
  | { name: string; type: "tensor"; value: ConstantValue };

/** Builders for operation attributes. */
export const graphAttr = {
  int: (name: string, value: number): GraphAttr => ({ name, type: "int", value }),
  ints: (name: string, value: readonly number[]): GraphAttr => ({ name, type: "ints", value }),
  float: (name: string, value: number): GraphAttr => ({ name, type: "float", value }),
  floats: (name: string, value: readonly number[]): GraphAttr => ({ name, type: "floats", value }),
  bool: (name: string, value: boolean): GraphAttr => ({ name, type: "bool", value }),
  string: (name: string, value: string): GraphAttr => ({ name, type: "string", value }),
  /** A function of the eager context, by name (e.g. StatefulPartitionedCall's `f`); keep its CompiledFunction referenced. */
  func: (name: string, value: string): GraphAttr => ({ name, type: "func", value }),
  type: (name: string, value: GraphDtype): GraphAttr => ({ name, type: "type", value }),
  types: (name: string, value: readonly GraphDtype[]): GraphAttr => ({ name, type: "types", value }),
  /** null: unknown rank; -1: unknown dimension. */
  shape: (name: string, value: readonly number[] | null): GraphAttr => ({ name, type: "shape", value }),
  tensor: (name: string, value: ConstantValue): GraphAttr => ({ name, type: "tensor", value }),
};

/** An operation added to a graph. */
export interface GraphOperation {
  readonly name: string;
  readonly outputs: readonly GraphTensor[];
}

export interface OperationOptions {
  /** The node's name; by default the op type and a counter. */
  name?: string;
  /** Operations that must run before this one although no data flows between them. */
  controlInputs?: readonly GraphOperation[];
}

/** What a function made from a graph takes, returns and does. */
export interface FunctionSignature {
  /** Placeholders, in the order `call` takes its inputs. */
  inputs: readonly GraphTensor[];
  /** Tensors `call` returns, in this order. */
  outputs: readonly GraphTensor[];
  /** Operations run for their effect (variable updates): each call runs them all before it returns. */
  effects?: readonly GraphOperation[];
}

export interface FunctionOptions {
  /**
   * Run TensorFlow's graph optimizer (Grappler: pruning, constant folding,
   * the remapper's fusions such as MatMul + BiasAdd) on the function when it
   * is first called, as Python's tf.function does; default true. TensorFlow
   * runs it only for calls that carry a `config_proto` attribute. Without it,
   * only the graph passes every function gets run (the oneDNN layout pass,
   * which still puts Conv2D's BiasAdd into the convolution).
   */
  optimize?: boolean;
  /**
   * "bfloat16": Grappler's oneDNN auto mixed precision rewrites the function
   * at its first call, as PyTorch's autocast does eagerly: convolutions and
   * matrix products (and their gradients) compute in bfloat16, and the
   * activations between them (bias, ReLU, pooling, batch norm) stay bfloat16
   * where TensorFlow has the kernels; variables, their updates, softmax and
   * losses stay float32, as does every value crossing the
   * function's boundary. Needs `optimize` and a CPU that computes bfloat16
   * natively (see src/native/cpu.ts). Default "float32": the ops as traced.
   */
  precision?: FunctionPrecision;
}

/** The arithmetic a compiled function computes in (FunctionOptions.precision). */
export type FunctionPrecision = "float32" | "bfloat16";

/**
 * The `config_proto` attribute of a call: a serialized ConfigProto. Empty is
 * the default one (Grappler with its default optimizers); "bfloat16" turns on
 * Grappler's oneDNN auto mixed precision (./config-proto.ts).
 */
const CONFIG_PROTO: Record<FunctionPrecision, Uint8Array> = {
  float32: new Uint8Array([]),
  bfloat16: onednnBfloat16ConfigProto(),
};

/** addon/graph_api.cc's exports (tfjs-node's binding's `graphApi`). */
interface NativeGraphApi {
  newGraph(): NativeGraph;
  deleteGraph(graph: NativeGraph): void;
  addOperation(
    graph: NativeGraph,
    opType: string,
    name: string,
    inputs: readonly GraphInput[],
    attributes: readonly GraphAttr[],
    controlInputs: readonly string[],
  ): GraphTensor[];
  addGradients(
    graph: NativeGraph,
    ys: readonly GraphTensor[],
    xs: readonly GraphTensor[],
    dys: readonly GraphTensor[] | null,
  ): GraphTensor[];
  addFunction(
    graph: NativeGraph,
    name: string,
    inputs: readonly GraphTensor[],
    outputs: readonly GraphTensor[],
    outputNames: readonly string[],
    controlOutputs: readonly string[],
  ): void;
  removeFunction(name: string): void;
  hasFunction(name: string): boolean;
  /** How many graphs newGraph made are not freed yet (by deleteGraph, or when their NativeGraph was collected). */
  liveGraphs(): number;
}

declare const nativeGraphBrand: unique symbol;
/** A TF_Graph held by the addon (freed by deleteGraph, or when collected). */
type NativeGraph = { readonly [nativeGraphBrand]: true };

function graphApi(): NativeGraphApi {
  assertNativeBackend();
  const { graphApi: api } = asNodeKernelBackend(tf.backend()).binding as { graphApi?: NativeGraphApi };
  if (api === undefined) {
    throw new Error(
      "tfjs-node's addon was built without the project's graph API (addon/). " +
        "Run `bash scripts/setup.sh` to rebuild it, then restart the kernel or process.",
    );
  }
  return api;
}

/** True when the eager context has a function of this name (a CompiledFunction not yet disposed nor collected). */
export function hasCompiledFunction(name: string): boolean {
  return graphApi().hasFunction(name);
}

/** How many GraphBuilders' native graphs are not freed yet (by dispose, or when the builder was collected). */
export function liveNativeGraphs(): number {
  return graphApi().liveGraphs();
}

const FUNCTION_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
/** Function names are unique per process: the eager context is shared by every model. */
let functionsMade = 0;

/**
 * A graph under construction. Dispose it once its functions are made (they stay valid).
 *
 * A builder never disposed needs no FinalizationRegistry: its NativeGraph is an
 * object of the addon that only this builder references, and the addon frees
 * the TF_Graph when that object is collected (napi_wrap's finalizer).
 */
export class GraphBuilder {
  private graph: NativeGraph | null;
  private readonly api = graphApi();
  private readonly namesUsed = new Map<string, number>();
  private readonly placeholders = new Set<string>();

  constructor() {
    this.graph = this.api.newGraph();
  }

  /** A function input of `dtype`; `shape` null for an unknown rank, -1 for an unknown dimension. */
  placeholder(dtype: GraphDtype, shape: readonly number[] | null, name?: string): GraphTensor {
    const placeholder = this.op("Placeholder", [], [graphAttr.type("dtype", dtype), graphAttr.shape("shape", shape)], { name });
    this.placeholders.add(placeholder.operation);
    return placeholder;
  }

  /** A constant tensor; a plain number is a float32 scalar. */
  constant(value: ConstantValue | number, name?: string): GraphTensor {
    const tensor: ConstantValue = typeof value === "number" ? { dtype: "float32", shape: [], values: [value] } : value;
    return this.op("Const", [], [graphAttr.type("dtype", tensor.dtype), graphAttr.tensor("value", tensor)], { name });
  }

  /** Adds an operation of TensorFlow op type `type` (e.g. "Conv2D", "ResourceApplyAdam"). */
  operation(
    type: string,
    inputs: readonly GraphInput[],
    attrs: readonly GraphAttr[] = [],
    options: OperationOptions = {},
  ): GraphOperation {
    const name = options.name ?? this.uniqueName(type);
    const controlInputs = (options.controlInputs ?? []).map((operation) => operation.name);
    const graph = this.nativeGraph();
    const outputs = compiling(() => this.api.addOperation(graph, type, name, inputs, attrs, controlInputs));
    return { name, outputs };
  }

  /** Adds an operation that has exactly one output and returns that output. */
  op(type: string, inputs: readonly GraphInput[], attrs: readonly GraphAttr[] = [], options: OperationOptions = {}): GraphTensor {
    const { name, outputs } = this.operation(type, inputs, attrs, options);
    if (outputs.length !== 1) {
      throw new Error(`GraphBuilder.op: ${type} '${name}' has ${outputs.length} outputs; use operation() for it.`);
    }
    return outputs[0];
  }

  /** d(sum of ys)/dx for each of `xs`, as graph tensors; `dys` seed the ys' gradients (default ones). */
  gradients(ys: readonly GraphTensor[], xs: readonly GraphTensor[], dys?: readonly GraphTensor[]): GraphTensor[] {
    const graph = this.nativeGraph();
    return compiling(() => this.api.addGradients(graph, ys, xs, dys ?? null));
  }

  /**
   * Makes a function of the graph and adds it to tfjs's eager context. Every
   * operation of the graph is part of it, so every placeholder must be among
   * the inputs.
   */
  toFunction(name: string, signature: FunctionSignature, options: FunctionOptions = {}): CompiledFunction {
    if (!FUNCTION_NAME.test(name)) {
      throw new Error(`GraphBuilder.toFunction: '${name}' is not a valid function name (letters, digits, _).`);
    }
    const { inputs, outputs, effects = [] } = signature;
    const listed = new Set(inputs.map((input) => input.operation));
    const unlisted = [...this.placeholders].filter((placeholder) => !listed.has(placeholder));
    if (unlisted.length > 0) {
      throw new Error(`GraphBuilder.toFunction '${name}': placeholders ${unlisted.join(", ")} are not among its inputs.`);
    }
    const uniqueName = `${name}_${++functionsMade}`;
    const graph = this.nativeGraph();
    compiling(() =>
      this.api.addFunction(
        graph,
        uniqueName,
        inputs,
        outputs,
        outputs.map((_, i) => `output_${i}`),
        effects.map((operation) => operation.name),
      ),
    );
    const optimize = options.optimize ?? true;
    const precision = options.precision ?? "float32";
    if (precision !== "float32" && !optimize) {
      throw new Error(`GraphBuilder.toFunction '${name}': precision "${precision}" is a Grappler rewrite; it needs optimize: true.`);
    }
    return new CompiledFunction(uniqueName, inputs, outputs, optimize ? CONFIG_PROTO[precision] : null);
  }

  /** Frees the graph; functions made from it stay usable. */
  dispose(): void {
    if (this.graph !== null) {
      this.api.deleteGraph(this.graph);
      this.graph = null;
    }
  }

  private nativeGraph(): NativeGraph {
    if (this.graph === null) {
      throw new Error("GraphBuilder: the graph was disposed; make a new GraphBuilder.");
    }
    return this.graph;
  }

  private uniqueName(type: string): string {
    const count = this.namesUsed.get(type) ?? 0;
    this.namesUsed.set(type, count + 1);
    return count === 0 ? type : `${type}_${count}`;
  }
}

/**
 * The safety net for a CompiledFunction never disposed: once the object is
 * collected nothing can call the function through it, so it leaves the eager
 * context. The held value keeps the graph API itself: tf.backend() may be
 * another backend by then.
 */
const functionFinalizer = new FinalizationRegistry<{ api: NativeGraphApi; name: string }>(({ api, name }) => {
  if (api.hasFunction(name)) {
    api.removeFunction(name);
  }
});

/**
 * A graph function in tfjs's eager context, called like one op. dispose()
 * removes it; one dropped without dispose() is removed when collected, so keep
 * it referenced while another graph calls it by name (graphAttr.func).
 */
export class CompiledFunction {
  private disposed = false;
  private readonly api = graphApi();

  constructor(
    readonly name: string,
    readonly inputs: readonly GraphTensor[],
    readonly outputs: readonly GraphTensor[],
    /** The serialized ConfigProto calls pass for Grappler; null: no Grappler (FunctionOptions.optimize false). */
    private readonly configProto: Uint8Array | null,
  ) {
    functionFinalizer.register(this, { api: this.api, name }, this);
  }

  /**
   * Runs the function once. Resource inputs take a NativeHandle (a
   * ModelVariable's `nativeHandle`); the outputs are new tfjs tensors
   * (tracked by tf.tidy), in the order of the signature's outputs.
   */
  call(inputs: readonly NativeInput[]): tf.Tensor[] {
    if (this.disposed) {
      throw new Error(`Compiled function '${this.name}' was disposed; build it again to call it.`);
    }
    if (inputs.length !== this.inputs.length) {
      const expected = this.inputs.map((input) => input.operation).join(", ");
      throw new Error(
        `Compiled function '${this.name}' takes ${this.inputs.length} inputs (${expected}), got ${inputs.length}.`,
      );
    }
    inputs.forEach((input, i) => this.checkInput(input, this.inputs[i]));
    try {
      const attrs = this.configProto === null ? [] : [attr.string("config_proto", this.configProto)];
      return runNativeOp(this.name, attrs, inputs, this.outputs.length);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // A missing kernel shows at the first call, when TensorFlow instantiates the
      // function's kernels, before any of its ops (variable updates included) runs.
      if (isUncompilableNativeError(error)) {
        throw new GraphCompileError(
          `Compiled function '${this.name}' cannot run on this TensorFlow build: ${message}`,
          tfStatusOf(error),
          error,
        );
      }
      throw withCause(new Error(`Compiled function '${this.name}' failed: ${message}`), error);
    }
  }

  /** Removes the function from the eager context; later calls do nothing. */
  dispose(): void {
    if (!this.disposed) {
      this.api.removeFunction(this.name);
      functionFinalizer.unregister(this);
      this.disposed = true;
    }
  }

  private checkInput(input: NativeInput, placeholder: GraphTensor): void {
    if (input instanceof NativeHandle) {
      return; // its type is only known natively, where TensorFlow checks it
    }
    if (placeholder.dtype === "resource" || input.dtype !== placeholder.dtype) {
      const expected = placeholder.dtype === "resource" ? "a resource handle (NativeHandle)" : placeholder.dtype;
      throw new Error(
        `Compiled function '${this.name}': input '${placeholder.operation}' takes ${expected}, got a ${input.dtype} tensor.`,
      );
    }
  }
}
