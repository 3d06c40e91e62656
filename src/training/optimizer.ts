/**
 * What the training loop and step need of an optimizer. Each optimizer's file
 * has its class and the settings that pick it (plain data, so a cached run's
 * key can record them); src/training/optimizers.ts builds one from its
 * settings. A new optimizer is its own file and one entry in optimizers.ts.
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
