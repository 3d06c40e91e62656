/**
 * One training step of any TrainableModel with any Optimizer: the eager
 * reference (ops one by one, tfjs's tape for the gradients) or the compiled
 * step (forward, loss, gradients, state and, where the optimizer can, its
 * update as one TensorFlow graph function traced from the model's own code).
 */
import { tf } from "../native/backend";
import { GraphBuilder, graphAttr, isUncompilable, type CompiledFunction, type FunctionPrecision, type GraphTensor } from "../compiled/graph";
import { traceInto } from "../compiled/trace";
import type { SeedPair } from "../layers/random";
import type { TrainableModel } from "../models/model";
import { hasBfloat16Compute } from "../native/cpu";
import { withKernelFallbacks } from "../native/kernels";
import type { Batch } from "./data";
import { labelSmoothedCrossEntropy } from "./label-smoothing";
import { accuracy, crossEntropyCost } from "./loss";
import type { Optimizer } from "./optimizer";
import { localized } from "../language";

/**
 * "compiled" (the default): each step is one TensorFlow graph function;
 * "compiled-bfloat16": the same function in mixed precision, as PyTorch's
 * autocast: convolutions, matrix products and the activations between them
 * in bfloat16, weights, updates, losses and evaluation in float32;
 * "eager": the op-by-op reference step.
 */
export const STEP_KINDS = ["compiled", "compiled-bfloat16", "eager"] as const;

export type StepKind = (typeof STEP_KINDS)[number];

/** What a step computes besides the model and optimizer. */
export interface StepSettings {
  /** Dropout keep probability (1: none; models without dropout ignore it). */
  keepProb: number;
  /** 0: the chapter's cross-entropy on one-hot labels; s > 0: labels smoothed by s (airbench: 0.2). */
  labelSmoothing: number;
}

/**
 * The step kind this CPU runs for `kind`: "compiled-bfloat16" needs
 * avx512_bf16 or amx_bf16 (elsewhere TensorFlow would emulate bfloat16, far
 * slower than float32), so without them the float32 compiled step runs and
 * `warn` gets one line saying so.
 */
export function runnableStepKind(kind: StepKind, warn: (line: string) => void = console.warn): StepKind {
  if (!STEP_KINDS.includes(kind)) {
    throw new Error(`Unknown training step kind ${JSON.stringify(kind)}: use one of ${STEP_KINDS.map((k) => `"${k}"`).join(", ")}.`);
  }
  if (kind === "compiled-bfloat16" && !hasBfloat16Compute()) {
    warn(
      localized({
        en: 'This CPU has neither avx512_bf16 nor amx_bf16: training with the float32 compiled step instead of "compiled-bfloat16".',
        ko: '이 CPU에는 avx512_bf16도 amx_bf16도 없으므로 "compiled-bfloat16" 대신 float32로 계산하는 컴파일 스텝으로 학습합니다.',
      }),
    );
    return "compiled";
  }
  return kind;
}

/** A step kind with the precision it computes in, e.g. "compiled step (float32)". */
export function describeStepKind(kind: StepKind): string {
  return `${kind} step (${kind === "compiled-bfloat16" ? "mixed bfloat16" : "float32"})`;
}

/** The step's loss: mean softmax cross-entropy of the logits against the (smoothed) one-hot labels. */
export function trainingLoss(logits: tf.Tensor2D, labels: tf.Tensor2D, labelSmoothing: number): tf.Scalar {
  return labelSmoothing === 0 ? crossEntropyCost(logits, labels) : labelSmoothedCrossEntropy(logits, labels, labelSmoothing);
}

/** A step's loss and batch accuracy (before its update); gradients only when asked for. */
export interface StepResult {
  loss: tf.Scalar;
  accuracy: tf.Scalar;
  /** d loss / d variable in `model.variables` order; empty unless asked for. */
  gradients: tf.Tensor[];
}

function checkPair(model: TrainableModel, optimizer: Optimizer): void {
  if (optimizer.variables !== model.variables) {
    throw new Error(`The training step of model '${model.key}' was given an optimizer of another model's variables.`);
  }
}

/**
 * The reference step, op by op: the training forward pass, its loss and
 * gradients by tfjs's tape, the model's new state assigned, the optimizer's
 * update. The batch stays the caller's.
 */
export function eagerTrainingStep(model: TrainableModel, optimizer: Optimizer, batch: Batch, settings: StepSettings, returnGradients = false): StepResult {
  checkPair(model, optimizer);
  // Tensors of the forward pass kept past the gradient's tidy, which frees every other one.
  const kept: { accuracy?: tf.Scalar; state: Array<tf.Tensor | null> } = { state: [] };
  const keptState = () => kept.state.filter((next): next is tf.Tensor => next !== null);
  let computed: { value: tf.Tensor; grads: tf.Tensor[] };
  try {
    // The variables' read values are freed with this tidy, before the update, so
    // an in-place update (ResourceApplyAdam) need not copy each variable.
    computed = tf.tidy(() => {
      const stateValues = model.state.map((variable) => variable.read());
      const cost = (...values: tf.Tensor[]) => {
        const { logits, state } = model.trainingForward(batch.xs, values, stateValues, settings.keepProb);
        kept.accuracy = tf.keep(accuracy(logits, batch.ys));
        kept.state = state.map((next, i) => (next === stateValues[i] ? null : tf.keep(next)));
        return trainingLoss(logits, batch.ys, settings.labelSmoothing);
      };
      return tf.valueAndGrads(cost)(model.variables.map((variable) => variable.read()));
    });
  } catch (error) {
    tf.dispose([...(kept.accuracy === undefined ? [] : [kept.accuracy]), ...keptState()]);
    throw error;
  }
  const { value, grads } = computed;
  try {
    kept.state.forEach((next, i) => next !== null && model.state[i].assign(next));
    optimizer.applyGradients(grads);
  } catch (error) {
    tf.dispose([value, ...grads, kept.accuracy as tf.Scalar]);
    throw error;
  } finally {
    tf.dispose(keptState());
  }
  if (!returnGradients) tf.dispose(grads);
  return { loss: value as tf.Scalar, accuracy: kept.accuracy as tf.Scalar, gradients: returnGradients ? grads : [] };
}

const FLOAT32 = graphAttr.type("dtype", "float32");

function shapeKey(batch: Batch): string {
  return `${batch.xs.shape}|${batch.ys.shape}`;
}

export interface CompiledStepOptions extends StepSettings {
  /** Default "float32". The caller checks that the CPU computes bfloat16 natively (runnableStepKind). */
  precision?: FunctionPrecision;
  /** Also return each variable's gradient, for checks against the eager step (default false). */
  returnGradients?: boolean;
}

/** One model's whole training step for one batch shape, as one graph function. */
export class CompiledTrainingStep {
  private constructor(
    private readonly model: TrainableModel,
    private readonly optimizer: Optimizer,
    readonly compiled: CompiledFunction,
    /** How many seed pairs (dropout masks) a step draws from the model's seed stream. */
    readonly randomSeeds: number,
    private readonly returnsGradients: boolean,
    /** Per variable: whether the step computes its gradient (false: frozen when the step was built). */
    readonly trained: readonly boolean[],
  ) {}

  /**
   * Traces the model's training forward pass once on a batch shaped like
   * `batch` (running it eagerly with TensorFlow's standard ops, without
   * drawing from the model's seed stream) and builds the step's function:
   * inputs images, labels, seeds, the variables' and the state's handles and
   * the optimizer's inputs; outputs loss and accuracy (and the gradients when
   * the optimizer updates outside the graph). Throws when the trace or
   * TensorFlow rejects it; isUncompilable(error) tells what cannot be compiled.
   */
  static build(model: TrainableModel, optimizer: Optimizer, batch: Batch, options: CompiledStepOptions): CompiledTrainingStep {
    checkPair(model, optimizer);
    const graph = new GraphBuilder();
    try {
      const images = graph.placeholder("float32", batch.xs.shape, "images");
      const labels = graph.placeholder("float32", batch.ys.shape, "labels");
      const variableHandles = model.variables.map((_, i) => graph.placeholder("resource", [], `variable_${i}`));
      const stateHandles = model.state.map((_, i) => graph.placeholder("resource", [], `state_${i}`));
      // A resource handle carries no shape into the graph: EnsureShape gives each value its static
      // shape, which the graph optimizer needs to recognise bias additions and fuse them.
      const read = (handle: GraphTensor, shape: readonly number[]) =>
        graph.op("EnsureShape", [graph.op("ReadVariableOp", [handle], [FLOAT32])], [graphAttr.type("T", "float32"), graphAttr.shape("shape", shape)]);
      const weights = variableHandles.map((handle, i) => read(handle, model.variables[i].shape));
      const stateReads = stateHandles.map((handle, i) => read(handle, model.state[i].shape));

      const values = model.variables.map((variable) => variable.read());
      const stateValues = model.state.map((variable) => variable.read());
      let changed: number[] = [];
      let traced: { outputs: GraphTensor[]; seedInputs: GraphTensor[] };
      try {
        const inputs = new Map<tf.Tensor, GraphTensor>([
          [batch.xs, images],
          [batch.ys, labels],
          ...values.map((value, i): [tf.Tensor, GraphTensor] => [value, weights[i]]),
          ...stateValues.map((value, i): [tf.Tensor, GraphTensor] => [value, stateReads[i]]),
        ]);
        traced = withKernelFallbacks("the compiled step is traced on TensorFlow's standard ops", () =>
          model.seeds.withoutAdvancing(() =>
            traceInto(
              graph,
              inputs,
              () => {
                const { logits, state } = model.trainingForward(batch.xs, values, stateValues, options.keepProb);
                changed = state.flatMap((next, i) => (next === stateValues[i] ? [] : [i]));
                return [trainingLoss(logits, batch.ys, options.labelSmoothing), accuracy(logits, batch.ys), ...changed.map((i) => state[i])];
              },
            ),
          ),
        );
      } finally {
        tf.dispose([...values, ...stateValues]);
      }
      const [loss, batchAccuracy, ...newState] = traced.outputs;
      // Frozen variables get no gradient: TensorFlow then leaves out the backward ops only they need
      // (airbench's frozen whitening bias spares the first convolution's input gradient).
      const trained = model.variables.map((variable) => optimizer.trains(variable));
      if (optimizer.inGraph !== undefined && trained.includes(false)) {
        throw new Error(`The compiled step of model '${model.key}': an optimizer that updates in the graph cannot have frozen variables.`);
      }
      const gradients = graph.gradients([loss], weights.filter((_, i) => trained[i]));
      const assignments = changed.map((stateIndex, k) => graph.operation("AssignVariableOp", [stateHandles[stateIndex], newState[k]], [FLOAT32]));
      const update = optimizer.inGraph?.build(graph, variableHandles, gradients);
      const returnsGradients = update === undefined || options.returnGradients === true;
      const compiled = graph.toFunction(`${model.key.replace(/[^A-Za-z0-9]/g, "_")}_training_step`, {
        inputs: [images, labels, ...traced.seedInputs, ...variableHandles, ...stateHandles, ...(update?.inputs ?? [])],
        outputs: [loss, batchAccuracy, ...(returnsGradients ? gradients : [])],
        effects: [...assignments, ...(update?.effects ?? [])],
      }, { precision: options.precision ?? "float32" });
      return new CompiledTrainingStep(model, optimizer, compiled, traced.seedInputs.length, options.returnGradients === true, trained);
    } finally {
      graph.dispose();
    }
  }

  /**
   * Forward, backward, state and update on one batch. The seeds are drawn
   * from the model's seed stream, as the eager step draws them, unless given.
   * The batch stays the caller's.
   */
  run(batch: Batch, seeds?: readonly SeedPair[]): StepResult {
    const { model, optimizer } = this;
    const seedPairs = seeds ?? Array.from({ length: this.randomSeeds }, () => model.seeds.next());
    if (seedPairs.length !== this.randomSeeds) {
      throw new Error(`The compiled step of model '${model.key}' takes ${this.randomSeeds} seed pairs, got ${seedPairs.length}.`);
    }
    const call = (updateInputs: readonly unknown[]) =>
      this.compiled.call([
        batch.xs,
        batch.ys,
        ...seedPairs.map((seed) => tf.tensor1d([...seed], "int32")),
        ...model.variables.map((variable) => variable.nativeHandle),
        ...model.state.map((variable) => variable.nativeHandle),
        ...(updateInputs as tf.Tensor[]),
      ]);
    if (optimizer.inGraph !== undefined) {
      const [loss, batchAccuracy, ...gradients] = optimizer.inGraph.withInputs((inputs) => call(inputs));
      return { loss: loss as tf.Scalar, accuracy: batchAccuracy as tf.Scalar, gradients };
    }
    const [loss, batchAccuracy, ...gradients] = tf.tidy(() => {
      const [lossValue, accuracyValue, ...computed] = call([]);
      let next = 0;
      // A frozen variable's gradient is zeros, which its optimizer ignores.
      return [lossValue, accuracyValue, ...model.variables.map((variable, i) => (this.trained[i] ? computed[next++] : tf.zeros([...variable.shape])))];
    });
    try {
      optimizer.applyGradients(gradients);
    } catch (error) {
      tf.dispose([loss, batchAccuracy, ...gradients]);
      throw error;
    }
    if (!this.returnsGradients) tf.dispose(gradients);
    return { loss: loss as tf.Scalar, accuracy: batchAccuracy as tf.Scalar, gradients: this.returnsGradients ? gradients : [] };
  }

  dispose(): void {
    this.compiled.dispose();
  }
}

/**
 * The training steps of one model with one optimizer. The compiled kinds
 * build a function per batch shape on first use (a last, smaller batch gets
 * its own). Where TensorFlow or the tracer cannot compile the model's ops
 * (isUncompilable), one line says why and the eager step runs for that batch
 * shape; any other error is the caller's to see.
 */
export class TrainingStepper {
  /** What runs: `kind` as this CPU can run it (see runnableStepKind). */
  readonly kind: StepKind;
  /** Per batch shape and frozen set (stepKey): the compiled step, or null where the eager step runs. */
  private readonly compiled = new Map<string, CompiledTrainingStep | null>();
  /** Batch shapes whose compiled step has run once (its kernels exist). */
  private readonly ran = new Set<string>();

  constructor(
    readonly model: TrainableModel,
    readonly optimizer: Optimizer,
    kind: StepKind,
    readonly settings: StepSettings,
    private readonly warn: (line: string) => void = console.warn,
  ) {
    checkPair(model, optimizer);
    this.kind = runnableStepKind(kind, warn);
  }

  /** One training step: its loss and batch accuracy, measured by its own forward pass (new scalars: dispose them). */
  step(batch: Batch): { loss: tf.Scalar; accuracy: tf.Scalar } {
    const compiled = this.kind === "eager" ? null : this.compiledStep(batch);
    if (compiled !== null) {
      const key = this.stepKey(batch);
      if (this.ran.has(key)) return compiled.run(batch);
      try {
        // TensorFlow instantiates a function's kernels at its first call, before any op runs.
        const result = compiled.run(batch);
        this.ran.add(key);
        return result;
      } catch (error) {
        if (!isUncompilable(error)) throw error;
        this.fallBack(batch, error);
      }
    }
    const { loss, accuracy: batchAccuracy } = eagerTrainingStep(this.model, this.optimizer, batch, this.settings);
    return { loss, accuracy: batchAccuracy };
  }

  /** Removes the compiled functions from TensorFlow's context; the model and optimizer stay the caller's. */
  dispose(): void {
    this.compiled.forEach((step) => step?.dispose());
    this.compiled.clear();
  }

  private compiledStep(batch: Batch): CompiledTrainingStep | null {
    const key = this.stepKey(batch);
    if (!this.compiled.has(key)) {
      try {
        const precision = this.kind === "compiled-bfloat16" ? "bfloat16" : "float32";
        this.compiled.set(key, CompiledTrainingStep.build(this.model, this.optimizer, batch, { ...this.settings, precision }));
      } catch (error) {
        if (!isUncompilable(error)) throw error;
        this.fallBack(batch, error);
      }
    }
    return this.compiled.get(key) ?? null;
  }

  /** A compiled step per batch shape and set of frozen variables (freezing builds a new one). */
  private stepKey(batch: Batch): string {
    const frozen = this.model.variables.flatMap((variable, i) => (this.optimizer.trains(variable) ? [] : [i]));
    return `${shapeKey(batch)}|frozen ${frozen.join(",")}`;
  }

  /** From now on the eager step runs for this batch shape; one line says why. */
  private fallBack(batch: Batch, error: unknown): void {
    const key = this.stepKey(batch);
    this.compiled.get(key)?.dispose();
    this.compiled.set(key, null);
    const reason = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, " ").trim();
    this.warn(`${this.model.key}: the compiled training step cannot be built (${reason}); using the eager float32 step for batches of [${batch.xs.shape}].`);
  }
}

export interface BatchEvaluation {
  cost: number;
  accuracy: number;
}

/** The chapter's cost and accuracy on one batch in inference mode (no dropout). */
export function evaluateBatch(model: TrainableModel, xs: tf.Tensor4D, ys: tf.Tensor2D): BatchEvaluation {
  const both = tf.tidy(() => {
    const logits = model.logits(xs);
    return tf.stack([crossEntropyCost(logits, ys), accuracy(logits, ys)]);
  });
  try {
    const [cost, batchAccuracy] = both.dataSync();
    return { cost, accuracy: batchAccuracy };
  } finally {
    both.dispose();
  }
}
