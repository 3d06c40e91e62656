/**
 * A whole training step (forward pass, mean cross-entropy, gradients, Adam
 * updates) as one graph function over a model's resource variables, which
 * eager code keeps reading and writing as before. Opt-in groundwork: the
 * chapter's training runs src/training/step.ts.
 */
import { tf } from "../backend";
import type { SeedPair } from "../layers/random";
import { ModelVariable } from "../layers/variables";
import type { AdamSettings } from "../training/adam";
import { GraphBuilder, viaPartitionedCall, type CompiledFunction, type GraphTensor } from "./graph";
import { adamUpdates, meanSoftmaxCrossEntropy, readVariable } from "./graph-layers";

/** A model's forward pass, written with the graph layers, and the batch it is compiled for. */
export interface StepGraphDefinition {
  /** Images and one-hot labels, batch dimension included: the function is built for one batch size. */
  imagesShape: readonly number[];
  labelsShape: readonly number[];
  /** How many dropout seed pairs one forward pass takes. */
  dropoutSeeds: number;
  /** Emits logits from the images, the variables' values (in the variables' order) and int32 [2] seeds. */
  forward(graph: GraphBuilder, images: GraphTensor, weights: readonly GraphTensor[], seeds: readonly GraphTensor[]): GraphTensor;
}

export interface CompiledStepOptions {
  /** Also return each variable's gradient, for checks against the eager step (default false). */
  returnGradients?: boolean;
  /**
   * How each step calls the graph function: as an op by its name (as Python's
   * eager tf.function call does; the default), or from a wrapper function
   * through StatefulPartitionedCall (as a tf.function called inside a graph).
   */
  call?: "by-name" | "partitioned-call";
  /** Run Grappler on the step's function (FunctionOptions.optimize); default true. */
  optimize?: boolean;
}

export interface CompiledStepResult {
  /** The batch's mean cross-entropy before the update. */
  loss: tf.Scalar;
  /** d loss / d variable, in the variables' order; empty unless returnGradients. */
  gradients: tf.Tensor[];
}

/** Adam's hyperparameters with TensorFlow's defaults filled in. */
interface AdamConstants {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

interface Moments {
  first: ModelVariable;
  second: ModelVariable;
}

function zeroVariable(name: string, shape: readonly number[]): ModelVariable {
  const zeros = tf.zeros([...shape]);
  try {
    return new ModelVariable(name, zeros);
  } finally {
    zeros.dispose();
  }
}

/** One compiled function per model and batch size; `run` is one training step. */
export class CompiledTrainingStep {
  /** The graph function of one step, and the function `run` calls (itself, or its StatefulPartitionedCall wrapper). */
  readonly compiled: CompiledFunction;
  private readonly called: CompiledFunction;
  private readonly moments: Moments[];
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly dropoutSeeds: number;
  /** beta1^t and beta2^t for the next update t, as AdamOptimizer keeps them. */
  private beta1Power: number;
  private beta2Power: number;

  constructor(
    readonly variables: readonly ModelVariable[],
    definition: StepGraphDefinition,
    adam: AdamSettings,
    options: CompiledStepOptions = {},
  ) {
    if (!(adam.learningRate > 0)) {
      throw new Error(`CompiledTrainingStep: the learning rate must be positive, got ${adam.learningRate}.`);
    }
    this.beta1 = adam.beta1 ?? 0.9;
    this.beta2 = adam.beta2 ?? 0.999;
    this.beta1Power = this.beta1;
    this.beta2Power = this.beta2;
    this.dropoutSeeds = definition.dropoutSeeds;
    const constants = { learningRate: adam.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: adam.epsilon ?? 1e-8 };
    this.compiled = buildStepFunction(variables.length, definition, constants, options);
    this.called = options.call === "partitioned-call" ? viaPartitionedCall(this.compiled) : this.compiled;
    this.moments = variables.map((variable) => ({
      first: zeroVariable(`${variable.name}/adam_m`, variable.shape),
      second: zeroVariable(`${variable.name}/adam_v`, variable.shape),
    }));
  }

  /** Forward, backward and Adam update on one batch; the batch stays the caller's. */
  run(images: tf.Tensor, labels: tf.Tensor, seeds: readonly SeedPair[] = []): CompiledStepResult {
    if (seeds.length !== this.dropoutSeeds) {
      throw new Error(`CompiledTrainingStep.run: the model takes ${this.dropoutSeeds} dropout seed pairs, got ${seeds.length}.`);
    }
    const [loss, ...gradients] = tf.tidy(() =>
      this.called.call([
        images,
        labels,
        ...seeds.map((seed) => tf.tensor1d([...seed], "int32")),
        tf.scalar(this.beta1Power),
        tf.scalar(this.beta2Power),
        ...this.variables.map((variable) => variable.nativeHandle),
        ...this.moments.map(({ first }) => first.nativeHandle),
        ...this.moments.map(({ second }) => second.nativeHandle),
      ]),
    );
    this.beta1Power *= this.beta1;
    this.beta2Power *= this.beta2;
    return { loss: loss as tf.Scalar, gradients };
  }

  dispose(): void {
    if (this.called !== this.compiled) {
      this.called.dispose();
    }
    this.compiled.dispose();
    this.moments.forEach(({ first, second }) => {
      first.dispose();
      second.dispose();
    });
  }
}

function buildStepFunction(
  variableCount: number,
  definition: StepGraphDefinition,
  adam: AdamConstants,
  options: CompiledStepOptions,
): CompiledFunction {
  const graph = new GraphBuilder();
  try {
    const images = graph.placeholder("float32", definition.imagesShape, "images");
    const labels = graph.placeholder("float32", definition.labelsShape, "labels");
    const seeds = Array.from({ length: definition.dropoutSeeds }, (_, i) => graph.placeholder("int32", [2], `seed_${i}`));
    const beta1Power = graph.placeholder("float32", [], "beta1_power");
    const beta2Power = graph.placeholder("float32", [], "beta2_power");
    const handles = (kind: string) =>
      Array.from({ length: variableCount }, (_, i) => graph.placeholder("resource", [], `${kind}_${i}`));
    const variables = handles("variable");
    const firstMoments = handles("adam_m");
    const secondMoments = handles("adam_v");

    const weights = variables.map((handle) => readVariable(graph, handle));
    const logits = definition.forward(graph, images, weights, seeds);
    const loss = meanSoftmaxCrossEntropy(graph, logits, labels);
    const gradients = graph.gradients([loss], weights);
    const updates = adamUpdates(
      graph,
      variables.map((variable, i) => ({ variable, firstMoment: firstMoments[i], secondMoment: secondMoments[i] })),
      gradients,
      {
        beta1Power,
        beta2Power,
        learningRate: graph.constant(adam.learningRate),
        beta1: graph.constant(adam.beta1),
        beta2: graph.constant(adam.beta2),
        epsilon: graph.constant(adam.epsilon),
      },
    );
    return graph.toFunction(
      "training_step",
      {
        inputs: [images, labels, ...seeds, beta1Power, beta2Power, ...variables, ...firstMoments, ...secondMoments],
        outputs: [loss, ...(options.returnGradients === true ? gradients : [])],
        effects: updates,
      },
      { optimize: options.optimize },
    );
  } finally {
    graph.dispose();
  }
}
