/**
 * Model variables: TensorFlow resource variables (so Adam can update them in
 * place with one native op) and the store that records which variables a
 * model's forward function creates.
 */
import { tf } from "../native/backend";
import {
  ANONYMOUS_RESOURCE_NAME,
  attr,
  createNativeHandle,
  deleteNativeHandle,
  NativeHandle,
  runNativeOp,
  runNativeOpForEffect,
} from "../native/ops";
import { SeedStream } from "./random";

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((dim, i) => dim === b[i]);
}

/** A trainable float32 tensor held natively by TensorFlow. */
export class ModelVariable {
  readonly shape: readonly number[];
  /** Number of values (the parameter count). */
  readonly size: number;
  private handle: NativeHandle | null;

  constructor(readonly name: string, initialValue: tf.Tensor) {
    this.shape = [...initialValue.shape];
    this.size = initialValue.size;
    this.handle = createNativeHandle(
      "VarHandleOp",
      [
        attr.dtype("dtype", "float32"),
        attr.shape("shape", this.shape),
        attr.string("container", ""),
        attr.string("shared_name", ANONYMOUS_RESOURCE_NAME),
      ],
      [],
    );
    try {
      this.assign(initialValue);
    } catch (error) {
      this.dispose();
      throw error;
    }
  }

  /** The handle native ops (ReadVariableOp, ResourceApplyAdam, ...) take. */
  get nativeHandle(): NativeHandle {
    if (this.handle === null) {
      throw new Error(`Variable '${this.name}' was disposed with its model; build the model again to use it.`);
    }
    return this.handle;
  }

  get isDisposed(): boolean {
    return this.handle === null;
  }

  /** The current value as a new tfjs tensor (dispose it, or read inside tf.tidy). */
  read(): tf.Tensor {
    return runNativeOp("ReadVariableOp", [attr.dtype("dtype", "float32")], [this.nativeHandle])[0];
  }

  assign(value: tf.Tensor): void {
    if (value.isDisposed) {
      throw new Error(`Cannot assign a disposed tensor to variable '${this.name}'.`);
    }
    if (value.dtype !== "float32" || !sameShape(value.shape, this.shape)) {
      throw new Error(
        `Cannot assign a ${value.dtype} tensor of shape [${value.shape}] to variable '${this.name}' ` +
          `(float32, shape [${this.shape}]).`,
      );
    }
    runNativeOpForEffect("AssignVariableOp", [attr.dtype("dtype", "float32")], [this.nativeHandle, value]);
  }

  dispose(): void {
    if (this.handle !== null) {
      deleteNativeHandle(this.handle);
      this.handle = null;
    }
  }
}

export type VariableKind = "weight" | "bias";

let activeStore: VariableStore | null = null;

/**
 * Records the variables a forward function creates. The first `run` creates
 * them (in call order); later runs hand the same variables back in the same
 * order, so the chapter's helpers (`convLayer(input, shape)` creating its own
 * W and b) can be called on every forward pass.
 */
export class VariableStore {
  readonly variables: ModelVariable[] = [];
  /** Seeds for weight initialisation and dropout masks, in draw order. */
  readonly seeds: SeedStream;
  private built = false;
  private cursor = 0;
  private readonly createdOfKind: Record<VariableKind, number> = { weight: 0, bias: 0 };
  private boundValues: readonly tf.Tensor[] | null = null;

  constructor(seed: number) {
    this.seeds = new SeedStream(seed);
  }

  /**
   * Runs `forward` with this store active. With `values`, the variables are
   * replaced by those tensors (in creation order), which is how gradients
   * with respect to the variables are taken.
   */
  run<T>(forward: () => T, values?: readonly tf.Tensor[]): T {
    if (activeStore !== null) {
      throw new Error("A model's forward pass cannot run inside another model's forward pass.");
    }
    if (values !== undefined && values.length !== this.variables.length) {
      throw new Error(`Expected ${this.variables.length} variable values, got ${values.length}.`);
    }
    activeStore = this;
    this.cursor = 0;
    this.boundValues = values ?? null;
    try {
      const result = forward();
      if (this.built && this.cursor !== this.variables.length) {
        throw new Error(
          `The forward pass used ${this.cursor} variables but the model has ${this.variables.length}: ` +
            "a forward function must create the same variables in the same order on every call.",
        );
      }
      this.built = true;
      return result;
    } finally {
      activeStore = null;
      this.boundValues = null;
    }
  }

  /** The next variable's value; on the first run, creates it from `initialValue()`. */
  variable(kind: VariableKind, shape: readonly number[], initialValue: () => tf.Tensor): tf.Tensor {
    const index = this.cursor++;
    if (!this.built) {
      const initial = tf.tidy(initialValue);
      try {
        if (!sameShape(initial.shape, shape)) {
          throw new Error(`The initial value of a ${kind} of shape [${shape}] has shape [${initial.shape}].`);
        }
        this.variables.push(new ModelVariable(`${kind}${++this.createdOfKind[kind]}`, initial));
      } finally {
        initial.dispose();
      }
      return this.variables[index].read();
    }
    const variable = this.variables[index];
    if (variable === undefined || !variable.name.startsWith(kind) || !sameShape(variable.shape, shape)) {
      const existing = variable === undefined ? "nothing" : `'${variable.name}' [${variable.shape}]`;
      throw new Error(
        `The forward pass asked for variable #${index + 1} as a ${kind} of shape [${shape}], ` +
          `but the first pass created ${existing} there: ` +
          "a forward function must create the same variables in the same order on every call.",
      );
    }
    return this.boundValues === null ? variable.read() : this.boundValues[index];
  }

  dispose(): void {
    this.variables.forEach((variable) => variable.dispose());
  }
}

/** The store of the forward pass now running; `caller` names the helper for the error message. */
export function activeVariableStore(caller: string): VariableStore {
  if (activeStore === null) {
    throw new Error(
      `${caller}() creates a model variable, so it must be called inside a model's forward function ` +
        "(run it through createModel(...) or ChapterModel, not on its own).",
    );
  }
  return activeStore;
}

/** The running forward pass's seed stream, if any (dropout draws its masks from it). */
export function activeSeedStream(): SeedStream | null {
  return activeStore?.seeds ?? null;
}
