/**
 * A chapter model's whole training step (forward pass, mean cross-entropy,
 * batch accuracy, gradients, Adam updates) as one graph function over the
 * model's resource variables and the optimizer's slots, which eager code
 * keeps reading and writing as before. The graph is traced from the model's
 * own forward code and the eager step's cost and accuracy (./trace.ts), not
 * written a second time.
 */
import { tf } from "../backend";
import type { SeedPair } from "../layers/random";
import { withKernelFallbacks } from "../native/kernels";
import type { ChapterModel } from "../models/model";
import type { AdamOptimizer } from "../training/adam";
import type { Batch } from "../training/data";
import { accuracy, crossEntropyCost } from "../training/loss";
import { GraphBuilder, graphAttr, type CompiledFunction, type GraphTensor } from "./graph";
import { traceInto, type ConvolutionPrecision, type Trace } from "./trace";

export interface CompiledStepOptions {
  /** Also return each variable's gradient, for checks against the eager step (default false). */
  returnGradients?: boolean;
  /**
   * "bfloat16": the convolutions and their gradients compute in bfloat16
   * (see TraceOptions); the caller checks that the CPU does so natively.
   * Default "float32".
   */
  convolutionPrecision?: ConvolutionPrecision;
}

export interface CompiledStepResult {
  /** The batch's mean cross-entropy before the update (with dropout, as trained). */
  loss: tf.Scalar;
  /** The fraction of the batch the same forward pass classified right. */
  accuracy: tf.Scalar;
  /** d loss / d variable, in the variables' order; empty unless returnGradients. */
  gradients: tf.Tensor[];
}

const READ_FLOAT32 = [graphAttr.type("dtype", "float32")];
const ADAM_ATTRS = [graphAttr.type("T", "float32"), graphAttr.bool("use_locking", false), graphAttr.bool("use_nesterov", false)];
const ADAM_SCALARS = ["beta1_power", "beta2_power", "learning_rate", "beta1", "beta2", "epsilon"];

/** One model's training step for one batch shape and keep probability, as one graph function. */
export class CompiledTrainingStep {
  private constructor(
    private readonly model: ChapterModel,
    /** The step's graph function (its inputs: images, labels, seeds, Adam's scalars, variables, moments). */
    readonly compiled: CompiledFunction,
    /** How many dropout seed pairs a step draws from the model's seed stream. */
    readonly dropoutSeeds: number,
  ) {}

  /**
   * Traces `model`'s forward pass once on a batch shaped like `batch`
   * (running it eagerly, with the standard ops that TensorFlow's gradient
   * registry knows, and without drawing from the model's seed stream) and
   * builds the step's function. Throws when the trace or TensorFlow rejects it.
   */
  static build(model: ChapterModel, batch: Batch, keepProb: number, options: CompiledStepOptions = {}): CompiledTrainingStep {
    const graph = new GraphBuilder();
    try {
      const images = graph.placeholder("float32", batch.xs.shape, "images");
      const labels = graph.placeholder("float32", batch.ys.shape, "labels");
      const handle = (kind: string) => model.variables.map((_, i) => graph.placeholder("resource", [], `${kind}_${i}`));
      const variables = handle("variable");
      // A resource handle carries no shape into the graph: EnsureShape gives each value its static
      // shape, which the graph optimizer needs to recognise bias additions and fuse them.
      const weights = variables.map((variable, i) =>
        graph.op("EnsureShape", [graph.op("ReadVariableOp", [variable], READ_FLOAT32)], [
          graphAttr.type("T", "float32"),
          graphAttr.shape("shape", model.variables[i].shape),
        ]),
      );
      const {
        outputs: [loss, batchAccuracy],
        seedInputs,
      } = traceCostAndAccuracy(graph, model, batch, keepProb, { images, labels, weights }, options.convolutionPrecision ?? "float32");
      const gradients = graph.gradients([loss], weights);
      const firstMoments = handle("adam_m");
      const secondMoments = handle("adam_v");
      const scalars = ADAM_SCALARS.map((name) => graph.placeholder("float32", [], name));
      const updates = variables.map((variable, i) =>
        graph.operation(
          "ResourceApplyAdam",
          [variable, firstMoments[i], secondMoments[i], ...scalars, gradients[i]],
          ADAM_ATTRS,
        ),
      );
      const compiled = graph.toFunction(`${model.key.replace(/[^A-Za-z0-9]/g, "_")}_training_step`, {
        inputs: [images, labels, ...seedInputs, ...scalars, ...variables, ...firstMoments, ...secondMoments],
        outputs: [loss, batchAccuracy, ...(options.returnGradients === true ? gradients : [])],
        effects: updates,
      });
      return new CompiledTrainingStep(model, compiled, seedInputs.length);
    } finally {
      graph.dispose();
    }
  }

  /**
   * Forward, backward and Adam update on one batch, with `optimizer`'s slots
   * and step count. The dropout seeds are drawn from the model's seed stream,
   * as the eager step draws them, unless given. The batch stays the caller's.
   */
  run(optimizer: AdamOptimizer, batch: Batch, seeds?: readonly SeedPair[]): CompiledStepResult {
    if (optimizer.variables !== this.model.variables) {
      throw new Error(`The compiled step of model '${this.model.key}' was given an optimizer of another model's variables.`);
    }
    const seedPairs = seeds ?? Array.from({ length: this.dropoutSeeds }, () => this.model.seeds.next());
    if (seedPairs.length !== this.dropoutSeeds) {
      throw new Error(`The compiled step of model '${this.model.key}' takes ${this.dropoutSeeds} dropout seed pairs, got ${seedPairs.length}.`);
    }
    const [loss, batchAccuracy, ...gradients] = optimizer.withUpdateInputs(({ scalars, slots }) =>
      this.compiled.call([
        batch.xs,
        batch.ys,
        ...seedPairs.map((seed) => tf.tensor1d([...seed], "int32")),
        ...scalars,
        ...slots.map(({ variable }) => variable),
        ...slots.map(({ firstMoment }) => firstMoment),
        ...slots.map(({ secondMoment }) => secondMoment),
      ]),
    );
    return { loss: loss as tf.Scalar, accuracy: batchAccuracy as tf.Scalar, gradients };
  }

  dispose(): void {
    this.compiled.dispose();
  }
}

/**
 * Traces what the eager step computes, forward pass included: the batch's
 * cost and accuracy, from the graph's images, labels and variable values.
 */
function traceCostAndAccuracy(
  graph: GraphBuilder,
  model: ChapterModel,
  batch: Batch,
  keepProb: number,
  { images, labels, weights }: { images: GraphTensor; labels: GraphTensor; weights: readonly GraphTensor[] },
  convolutionPrecision: ConvolutionPrecision,
): Trace {
  const values = model.readVariables();
  try {
    const inputs = new Map<tf.Tensor, GraphTensor>([
      [batch.xs, images],
      [batch.ys, labels],
      ...values.map((value, i): [tf.Tensor, GraphTensor] => [value, weights[i]]),
    ]);
    return withKernelFallbacks("the compiled step is traced on TensorFlow's standard ops", () =>
      model.seeds.withoutAdvancing(() =>
        traceInto(
          graph,
          inputs,
          () => {
            const logits = model.logitsWithValues(values, batch.xs, keepProb);
            return [crossEntropyCost(logits, batch.ys), accuracy(logits, batch.ys)];
          },
          { convolutionPrecision },
        ),
      ),
    );
  } finally {
    tf.dispose(values);
  }
}
