/**
 * What the training loop and step need of an optimizer, and the settings that
 * pick one (Adam, Nesterov SGD). Settings are plain data, so a cached run's key
 * can record them; src/training/optimizers.ts builds an optimizer from them.
 * A new optimizer is its own file (the class and its settings) and one entry
 * in optimizers.ts.
 */
import type { tf } from "../native/backend";
import type { GraphBuilder, GraphOperation, GraphTensor } from "../compiled/graph";
import type { ModelVariable } from "../layers/variables";
import type { NativeHandle } from "../native/ops";

/** An optimizer's update as ops of a compiled step's graph. */
export interface InGraphUpdate {
  /**
   * Adds the update of every variable to `graph`, given the variables' handle
   * placeholders and their gradients; returns the further placeholders it
   * needs (their values come from `withInputs`, in this order) and the update ops.
   */
  build(graph: GraphBuilder, variables: readonly GraphTensor[], gradients: readonly GraphTensor[]): { inputs: GraphTensor[]; effects: GraphOperation[] };
  /** Runs `call` (the compiled step) with those placeholders' values, then counts the update. */
  withInputs<T extends tf.TensorContainer>(call: (inputs: Array<tf.Tensor | NativeHandle>) => T): T;
}

export interface Optimizer {
  readonly variables: readonly ModelVariable[];
  /** One update of every variable from its gradient (same order as `variables`). */
  applyGradients(gradients: readonly tf.Tensor[]): void;
  /** The base learning rate from the next update on. */
  setLearningRate(learningRate: number): void;
  /**
   * False for a variable the optimizer no longer updates (frozen: its
   * gradient is ignored), so a compiled step need not compute that gradient.
   */
  trains(variable: ModelVariable): boolean;
  /** Stops updating `variable` from the next update on; absent where the optimizer cannot (settings that freeze are then refused). */
  freeze?(variable: ModelVariable): void;
  /** Present when a compiled step can do the update inside its graph (gradients then never leave it). */
  readonly inGraph?: InGraphUpdate;
  dispose(): void;
}

/** The chapter's tf.train.AdamOptimizer. */
export interface AdamChoice {
  kind: "adam";
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Adam cannot freeze variables (its compiled update covers them all): always empty. */
  freezeFromEpoch?: Record<string, never>;
}

/** airbench's SGD with Nesterov momentum, with weight decay and per-role learning-rate scales. */
export interface NesterovSgdChoice {
  kind: "nesterov-sgd";
  learningRate: number;
  momentum: number;
  /** For every variable whose role has no entry in `roles`. */
  weightDecay: number;
  /** By variable role (e.g. "norm-offset"): its learning-rate scale and weight decay. */
  roles: Record<string, { learningRateScale: number; weightDecay: number }>;
  /** Variables of these roles stop training (learning-rate scale 0) from the given epoch (from 0) on. */
  freezeFromEpoch: Record<string, number>;
}

export type OptimizerChoice = AdamChoice | NesterovSgdChoice;
