/**
 * airbench's gradient step: the label-smoothed loss of one batch, its
 * gradients with respect to the model's trainable variables, and the batch
 * norms' running-statistics updates. The compiled kind runs all of it as one
 * graph function traced from AirbenchModel.forward (./trace.ts), so
 * TensorFlow's executor overlaps independent ops and Grappler fuses; the
 * eager kind is the reference (tf.valueAndGrads over model.logits). Either
 * way the caller applies the gradients, e.g. NesterovSgdOptimizer.applyGradients,
 * which keeps weight decay and per-variable learning rates in one place.
 */
import { tf } from "../backend";
import { assertBfloat16Compute } from "../native/cpu";
import { withKernelFallbacks } from "../native/kernels";
import type { AirbenchModel, AirbenchState } from "../models/airbench";
import { labelSmoothedCrossEntropy } from "../training/label-smoothing";
import { GraphBuilder, graphAttr, type CompiledFunction, type GraphTensor } from "./graph";
import { traceInto, type ConvolutionPrecision } from "./trace";

/** "compiled": one graph function per batch size; "eager": tfjs's tape over model.logits, the reference. */
export type AirbenchStepKind = "compiled" | "eager";

export interface AirbenchStepOptions {
  /** The loss's label smoothing (airbench: 0.2; 0 = plain cross-entropy). */
  labelSmoothing: number;
  /** Default "compiled"; where it cannot be built, the eager step runs and one line says why. */
  kind?: AirbenchStepKind;
  /**
   * "bfloat16" (compiled only, CPUs with avx512_bf16): the convolutions and
   * their gradients compute in bfloat16 inside the graph function; weights,
   * gradients and everything else stay float32. Default "float32".
   */
  convolutionPrecision?: ConvolutionPrecision;
}

export interface AirbenchStepResult {
  /** The batch's mean label-smoothed cross-entropy, before any update. */
  loss: tf.Scalar;
  /** The batch's logits from the same forward pass (for the training accuracy). */
  logits: tf.Tensor2D;
  /** d loss / d variable, in `model.trainable` order. */
  gradients: tf.Tensor[];
}

const FLOAT32 = graphAttr.type("dtype", "float32");

/**
 * Computes airbench's loss and gradients for batches of [batch, 32, 32, 3]
 * images and one-hot [batch, 10] labels, in training mode: each run moves
 * the running statistics, as model.logits(x, true) does.
 */
export class AirbenchGradientStep {
  private readonly compiledBySize = new Map<number, CompiledFunction>();
  private compiledFailure: string | null = null;

  constructor(
    private readonly model: AirbenchModel,
    private readonly options: AirbenchStepOptions,
  ) {
    if (!(options.labelSmoothing >= 0 && options.labelSmoothing <= 1)) {
      throw new Error(`AirbenchGradientStep: labelSmoothing must be from 0 to 1, got ${options.labelSmoothing}.`);
    }
    if (options.convolutionPrecision === "bfloat16") {
      if (options.kind === "eager") {
        throw new Error('AirbenchGradientStep: bfloat16 convolutions run only in the compiled step; leave kind at "compiled" or use float32.');
      }
      assertBfloat16Compute("AirbenchGradientStep");
    }
  }

  /** What runs: "eager" when asked for, or once the compiled step failed to build. */
  get kind(): AirbenchStepKind {
    return this.options.kind === "eager" || this.compiledFailure !== null ? "eager" : "compiled";
  }

  /**
   * Loss, logits and gradients for one batch (new tensors: dispose them, or
   * call inside tf.tidy). The first batch of each size builds that size's
   * graph function (a few hundred ms); the batch stays the caller's.
   */
  run(images: tf.Tensor4D, labels: tf.Tensor2D): AirbenchStepResult {
    if (this.kind === "eager") {
      return this.runEager(images, labels);
    }
    const compiled = this.compiledFor(images, labels);
    if (compiled === null) {
      return this.runEager(images, labels);
    }
    const { model } = this;
    const [loss, logits, ...gradients] = compiled.call([
      images,
      labels,
      model.whiteningFilter.nativeHandle,
      ...model.trainable.map((variable) => variable.nativeHandle),
      ...model.runningStatistics.map((variable) => variable.nativeHandle),
    ]);
    return { loss: loss as tf.Scalar, logits: logits as tf.Tensor2D, gradients };
  }

  dispose(): void {
    this.compiledBySize.forEach((compiled) => compiled.dispose());
    this.compiledBySize.clear();
  }

  private runEager(images: tf.Tensor4D, labels: tf.Tensor2D): AirbenchStepResult {
    return tf.tidy(() => {
      // Kept out of the gradient's tidy, and handed to the caller's as a clone: a kept tensor no tidy frees.
      let kept: tf.Tensor2D | undefined;
      const { value, grads } = tf.valueAndGrads((...values: tf.Tensor[]) => {
        kept = tf.keep(this.model.logits(images, true, values));
        return labelSmoothedCrossEntropy(kept, labels, this.options.labelSmoothing);
      })(this.model.trainable.map((variable) => variable.read()));
      const logits = tf.clone(kept!);
      kept!.dispose();
      return { loss: value as tf.Scalar, logits, gradients: grads };
    });
  }

  private compiledFor(images: tf.Tensor4D, labels: tf.Tensor2D): CompiledFunction | null {
    const batchSize = images.shape[0];
    const existing = this.compiledBySize.get(batchSize);
    if (existing !== undefined) {
      return existing;
    }
    try {
      const compiled = buildCompiledStep(this.model, images, labels, this.options);
      this.compiledBySize.set(batchSize, compiled);
      return compiled;
    } catch (error) {
      this.compiledFailure = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, " ").trim();
      console.warn(`airbench: the compiled training step could not be built (${this.compiledFailure}); using the eager step (float32).`);
      return null;
    }
  }
}

/**
 * The graph function: inputs images, labels, then the resource handles of
 * the whitening filter, the trainable variables and the running statistics;
 * outputs loss, logits and the gradients; the running statistics are
 * assigned inside it.
 */
function buildCompiledStep(
  model: AirbenchModel,
  images: tf.Tensor4D,
  labels: tf.Tensor2D,
  { labelSmoothing, convolutionPrecision }: AirbenchStepOptions,
): CompiledFunction {
  const graph = new GraphBuilder();
  try {
    const imageInput = graph.placeholder("float32", images.shape, "images");
    const labelInput = graph.placeholder("float32", labels.shape, "labels");
    // A resource handle carries no shape into the graph: EnsureShape gives each value its static
    // shape, which the graph optimizer needs to recognise bias additions and fuse them.
    const read = (handle: GraphTensor, shape: readonly number[]) =>
      graph.op("EnsureShape", [graph.op("ReadVariableOp", [handle], [FLOAT32])], [graphAttr.type("T", "float32"), graphAttr.shape("shape", shape)]);
    const whiteningHandle = graph.placeholder("resource", [], "whitening_filter");
    const trainableHandles = model.trainable.map((_, i) => graph.placeholder("resource", [], `trainable_${i}`));
    const statisticHandles = model.runningStatistics.map((_, i) => graph.placeholder("resource", [], `statistic_${i}`));
    const whiteningValue = read(whiteningHandle, model.whiteningFilter.shape);
    const trainableValues = trainableHandles.map((handle, i) => read(handle, model.trainable[i].shape));
    const statisticValues = statisticHandles.map((handle, i) => read(handle, model.runningStatistics[i].shape));

    const state: AirbenchState = model.readState();
    let traced: GraphTensor[];
    try {
      const inputs = new Map<tf.Tensor, GraphTensor>([
        [images, imageInput],
        [labels, labelInput],
        [state.whiteningFilter, whiteningValue],
        ...state.trainable.map((value, i): [tf.Tensor, GraphTensor] => [value, trainableValues[i]]),
        ...state.runningStatistics.map((value, i): [tf.Tensor, GraphTensor] => [value, statisticValues[i]]),
      ]);
      traced = withKernelFallbacks("the compiled step is traced on TensorFlow's standard ops", () =>
        traceInto(
          graph,
          inputs,
          () => {
            const { logits, runningStatistics } = model.forward(images, true, state);
            return [labelSmoothedCrossEntropy(logits, labels, labelSmoothing), logits, ...runningStatistics];
          },
          { convolutionPrecision },
        ).outputs,
      );
    } finally {
      tf.dispose([state.whiteningFilter, ...state.trainable, ...state.runningStatistics]);
    }
    const [loss, logits, ...updatedStatistics] = traced;
    const gradients = graph.gradients([loss], trainableValues);
    const assignments = statisticHandles.map((handle, i) => graph.operation("AssignVariableOp", [handle, updatedStatistics[i]], [FLOAT32]));
    return graph.toFunction("airbench_training_step", {
      inputs: [imageInput, labelInput, whiteningHandle, ...trainableHandles, ...statisticHandles],
      outputs: [loss, logits, ...gradients],
      effects: assignments,
    });
  } finally {
    graph.dispose();
  }
}
