/**
 * Records the TensorFlow ops that eager tfjs code runs into a GraphBuilder.
 * Every tfjs-node kernel, and every op the project runs through
 * src/native/ops.ts, ends in the binding's `executeOp(opName, attrs,
 * inputIds, numOutputs)`, and every tfjs tensor reaches it through the
 * backend's `getInputTensorIds`: wrapping both while the code runs once gives
 * the exact op sequence, attributes included, so the chapter's own forward
 * code becomes the graph instead of a second definition of each model.
 *
 * Tensors the traced code did not compute and that are not among the given
 * inputs are constants (shapes, axes, scalars written from JavaScript); the
 * seed of a stateless random op becomes an input of its own, so dropout masks
 * can change from call to call.
 */
import { tf } from "../native/backend";
import { asNodeKernelBackend, type NativeAttr, type NativeBinding, type NodeKernelBackend } from "../native/binding";
import { GraphCompileError, graphAttr, type GraphAttr, type GraphBuilder, type GraphDtype, type GraphTensor } from "./graph";

/**
 * Why an eager computation cannot be traced: an op, attribute, dtype or seed
 * the tracer cannot map. A GraphCompileError (isUncompilable), since running
 * the computation eagerly is the remedy.
 */
export class UntraceableError extends GraphCompileError {
  constructor(message: string) {
    super(`cannot trace: ${message}`, null);
    this.name = "UntraceableError";
  }
}

export interface Trace {
  /** The tensors `body` returned, as graph tensors. */
  outputs: GraphTensor[];
  /** One int32 [2] placeholder per stateless random op, in the order the ops ran. */
  seedInputs: GraphTensor[];
}

/** Stateless random ops take their seed as input 1. */
const STATELESS_RANDOM = /^Stateless(Random|Truncated)/;

/** tf.add of a rank-1 tensor along the last axis is what BiasAdd computes; the graph optimizer fuses BiasAdd into Conv2D and MatMul. */
const ADDS = new Set(["Add", "AddV2"]);

/** tf.matMul of two matrices runs as BatchMatMulV2; as MatMul, the graph optimizer can fuse its bias addition. */
function matMulAttrs(batchAttrs: readonly GraphAttr[]): GraphAttr[] {
  const adjoint = (name: string) => batchAttrs.find((attribute) => attribute.name === name)?.value === true;
  return [
    graphAttr.type("T", "float32"),
    graphAttr.bool("transpose_a", adjoint("adj_x")),
    graphAttr.bool("transpose_b", adjoint("adj_y")),
  ];
}

interface PendingConstant {
  dtype: "float32" | "int32";
  shape: number[];
  values: number[];
}

/**
 * Runs `body` eagerly (synchronously, once, inside tf.tidy) and records each
 * op it runs into `graph`. `inputs` maps tensors that exist before the call to
 * the graph tensors standing for them; `body` returns tensors it computed.
 *
 * Re-entrant: a trace inside `body` records into its own graph, and its ops
 * reach the outer trace's graph too, as the outer body ran them. Each trace
 * puts back the binding and getInputTensorIds it found, also when it throws.
 */
export function traceInto(
  graph: GraphBuilder,
  inputs: ReadonlyMap<tf.Tensor, GraphTensor>,
  body: () => tf.Tensor[],
): Trace {
  const backend = asNodeKernelBackend(tf.backend()) as NodeKernelBackend & { binding: NativeBinding };
  const { binding } = backend;
  const recorder = new OpRecorder(graph, binding);
  const originalIds = backend.getInputTensorIds;
  // An enclosing trace's wrapper, if any: it is an own property, the backend's method is on its prototype.
  const enclosingIds = Object.getOwnPropertyDescriptor(backend, "getInputTensorIds");
  inputs.forEach((graphTensor, tensor) => recorder.known.set(originalIds.call(backend, [tensor])[0], graphTensor));
  // The addon's exports are read-only: the backend gets a stand-in binding for the trace.
  const recordingBinding: NativeBinding = Object.create(binding, {
    executeOp: {
      value: (name: string, attrs: NativeAttr[], inputIds: number[], numOutputs: number) => {
        const infos = binding.executeOp(name, attrs, inputIds, numOutputs);
        try {
          recorder.record(name, attrs, inputIds, infos.map((info) => info.id));
        } catch (error) {
          // No tfjs tensor will own these outputs.
          infos.forEach((info) => binding.deleteTensor(info.id));
          throw error;
        }
        return infos;
      },
    },
  });
  backend.getInputTensorIds = function (this: NodeKernelBackend, tensors: tf.Tensor[]): number[] {
    const ids = originalIds.call(this, tensors);
    ids.forEach((id, i) => recorder.noteInput(id, tensors[i]));
    return ids;
  };
  backend.binding = recordingBinding;
  try {
    const outputs: GraphTensor[] = [];
    tf.tidy(() => {
      body().forEach((tensor) => outputs.push(recorder.graphTensorOf(originalIds.call(backend, [tensor])[0], "a result")));
    });
    return { outputs, seedInputs: recorder.seedInputs };
  } finally {
    backend.binding = binding;
    if (enclosingIds === undefined) {
      // The instance property goes; the prototype's method is the backend's own again.
      delete (backend as Partial<NodeKernelBackend>).getInputTensorIds;
    } else {
      Object.defineProperty(backend, "getInputTensorIds", enclosingIds);
    }
  }
}

class OpRecorder {
  /** Native tensor id → the graph tensor that computes it. */
  readonly known = new Map<number, GraphTensor>();
  readonly seedInputs: GraphTensor[] = [];
  /** Tensors written from JavaScript: they become Const nodes (or seed inputs) when an op uses them. */
  private readonly pending = new Map<number, PendingConstant>();
  private readonly dtypes: ReadonlyMap<number, GraphDtype>;

  constructor(
    private readonly graph: GraphBuilder,
    binding: NativeBinding,
  ) {
    this.dtypes = new Map<number, GraphDtype>([
      [binding.TF_FLOAT, "float32"],
      [binding.TF_INT32, "int32"],
      [binding.TF_BOOL, "bool"],
      [binding.TF_INT64, "int64"],
      [binding.TF_UINT8, "uint8"],
      [binding.TF_RESOURCE, "resource"],
    ]);
  }

  noteInput(id: number, tensor: tf.Tensor): void {
    if (this.known.has(id) || this.pending.has(id)) {
      return;
    }
    if (tensor.dtype !== "float32" && tensor.dtype !== "int32") {
      throw new UntraceableError(`a ${tensor.dtype} tensor from outside the traced code cannot become a graph constant`);
    }
    this.pending.set(id, { dtype: tensor.dtype, shape: [...tensor.shape], values: Array.from(tensor.dataSync()) });
  }

  record(opName: string, attrs: readonly NativeAttr[], inputIds: readonly number[], outputIds: readonly number[]): void {
    const inputs = inputIds.map((id, i) =>
      STATELESS_RANDOM.test(opName) && i === 1 ? this.seedInput(id, opName) : this.graphTensorOf(id, `input ${i} of ${opName}`),
    );
    const graphAttrs = attrs.map((attribute) => this.convertAttr(opName, attribute));
    const outputs = this.isBiasAdd(opName, inputs)
      ? [this.graph.op("BiasAdd", inputs, [graphAttr.type("T", "float32"), graphAttr.string("data_format", "NHWC")])]
      : this.isMatMul(opName, inputs)
        ? [this.graph.op("MatMul", inputs, matMulAttrs(graphAttrs))]
        : this.graph.operation(opName, inputs, graphAttrs).outputs;
    if (outputs.length !== outputIds.length) {
      throw new UntraceableError(`${opName} has ${outputs.length} outputs in a graph but ran with ${outputIds.length}`);
    }
    outputIds.forEach((id, i) => this.known.set(id, outputs[i]));
  }

  graphTensorOf(id: number, what: string): GraphTensor {
    const known = this.known.get(id);
    if (known !== undefined) {
      return known;
    }
    const constant = this.pending.get(id);
    if (constant === undefined) {
      // A caller's mistake (an input left out of `inputs`), not a limit of the tracer: no fallback.
      throw new Error(
        `traceInto: ${what} is a tensor the traced code neither computed nor was given; ` +
          "pass a tensor made before the trace in `inputs`, with the graph tensor standing for it.",
      );
    }
    const graphTensor = this.graph.constant(constant);
    this.known.set(id, graphTensor);
    return graphTensor;
  }

  private seedInput(id: number, opName: string): GraphTensor {
    const seed = this.pending.get(id);
    if (seed === undefined || seed.dtype !== "int32" || seed.values.length !== 2) {
      throw new UntraceableError(`the seed of ${opName} is not an int32 pair written from JavaScript`);
    }
    const input = this.graph.placeholder("int32", [2], `seed_${this.seedInputs.length}`);
    this.seedInputs.push(input);
    return input;
  }

  private isBiasAdd(opName: string, [x, b]: readonly GraphTensor[]): boolean {
    if (!ADDS.has(opName) || x?.dtype !== "float32" || b?.dtype !== "float32" || x.shape === null || b.shape === null) {
      return false;
    }
    const lastDim = x.shape[x.shape.length - 1];
    return x.shape.length >= 2 && b.shape.length === 1 && lastDim > 0 && b.shape[0] === lastDim;
  }

  private isMatMul(opName: string, inputs: readonly GraphTensor[]): boolean {
    return opName === "BatchMatMulV2" && inputs.every((input) => input.dtype === "float32" && input.shape?.length === 2);
  }

  private convertAttr(opName: string, { name, type, value }: NativeAttr): GraphAttr {
    const binding = asNodeKernelBackend(tf.backend()).binding;
    const unsupported = () => new UntraceableError(`attribute '${name}' of ${opName} (type ${type}) has no graph encoding here`);
    const dtype = (code: number): GraphDtype => {
      const found = this.dtypes.get(code);
      if (found === undefined) throw new UntraceableError(`attribute '${name}' of ${opName}: dtype ${code} is not supported`);
      return found;
    };
    switch (type) {
      case binding.TF_ATTR_TYPE:
        return Array.isArray(value) ? graphAttr.types(name, value.map(dtype)) : graphAttr.type(name, dtype(value as number));
      case binding.TF_ATTR_INT:
        return Array.isArray(value) ? graphAttr.ints(name, value) : graphAttr.int(name, value as number);
      case binding.TF_ATTR_FLOAT:
        return Array.isArray(value) ? graphAttr.floats(name, value) : graphAttr.float(name, value as number);
      case binding.TF_ATTR_BOOL:
        if (typeof value !== "boolean") throw unsupported();
        return graphAttr.bool(name, value);
      case binding.TF_ATTR_STRING:
        if (typeof value !== "string") throw unsupported();
        return graphAttr.string(name, value);
      case binding.TF_ATTR_SHAPE:
        if (!Array.isArray(value)) throw unsupported();
        return graphAttr.shape(name, value);
      default:
        throw unsupported();
    }
  }
}
