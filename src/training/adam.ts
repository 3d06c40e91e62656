/**
 * Adam as the chapter's tf.train.AdamOptimizer computes it, applied with
 * TensorFlow's ResourceApplyAdam: one native kernel per variable instead of
 * the fourteen elementwise ops tfjs's optimizer runs on each (the 3136×1024
 * MNIST weight alone made that a third of a training step).
 */
import { tf } from "../native/backend";
import { graphAttr, type GraphBuilder, type GraphOperation, type GraphTensor } from "../compiled/graph";
import { attr, runNativeOpForEffect, type NativeHandle } from "../native/ops";
import { ModelVariable } from "../layers/variables";
import type { InGraphUpdate, Optimizer } from "./optimizer";

export interface AdamSettings {
  learningRate: number;
  /** Defaults 0.9, 0.999 and 1e-8, as in TensorFlow. */
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** A variable's handle and its two moments' handles, as ResourceApplyAdam takes them. */
export interface AdamSlots {
  variable: NativeHandle;
  firstMoment: NativeHandle;
  secondMoment: NativeHandle;
}

/** What one update of every variable takes besides the gradients. */
export interface AdamUpdateInputs {
  slots: AdamSlots[];
  /** ResourceApplyAdam's scalar inputs in its order: beta1^t, beta2^t, learning rate, beta1, beta2, epsilon. */
  scalars: tf.Scalar[];
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

// A beta of 1 never forgets and divides the bias correction by 1 − 1 = 0.
function checkBeta(beta: number, what: string): number {
  if (!(beta >= 0 && beta < 1)) {
    throw new Error(`Adam: ${what} must be from 0 up to (not including) 1, got ${beta}.`);
  }
  return beta;
}

const ADAM_SCALARS = ["beta1_power", "beta2_power", "learning_rate", "beta1", "beta2", "epsilon"];
const ADAM_GRAPH_ATTRS = [graphAttr.type("T", "float32"), graphAttr.bool("use_locking", false), graphAttr.bool("use_nesterov", false)];

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

/** Updates a fixed list of variables; gradients are passed in the same order. */
export class AdamOptimizer implements Optimizer {
  private readonly moments: Moments[];
  private constants: { learningRate: tf.Scalar; beta1: tf.Scalar; beta2: tf.Scalar; epsilon: tf.Scalar };
  private readonly beta1: number;
  private readonly beta2: number;
  /** beta1^t and beta2^t for the next update t. */
  private beta1Power: number;
  private beta2Power: number;

  constructor(readonly variables: readonly ModelVariable[], settings: AdamSettings) {
    if (!(settings.learningRate > 0) || !Number.isFinite(settings.learningRate)) {
      throw new Error(`Adam: the learning rate must be positive and finite, got ${settings.learningRate}.`);
    }
    this.beta1 = checkBeta(settings.beta1 ?? 0.9, "beta1");
    this.beta2 = checkBeta(settings.beta2 ?? 0.999, "beta2");
    const epsilon = settings.epsilon ?? 1e-8;
    // ε keeps the step finite where the second moment is 0.
    if (!(epsilon > 0) || !Number.isFinite(epsilon)) {
      throw new Error(`Adam: epsilon must be positive and finite, got ${epsilon}.`);
    }
    this.beta1Power = this.beta1;
    this.beta2Power = this.beta2;
    // Slots made before a failure (e.g. out of memory) are released before rethrowing.
    const slots: ModelVariable[] = [];
    const slot = (name: string, shape: readonly number[]) => {
      slots.push(zeroVariable(name, shape));
      return slots[slots.length - 1];
    };
    try {
      this.moments = variables.map((variable) => ({
        first: slot(`${variable.name}/adam_m`, variable.shape),
        second: slot(`${variable.name}/adam_v`, variable.shape),
      }));
    } catch (error) {
      slots.forEach((variable) => variable.dispose());
      throw error;
    }
    this.constants = {
      learningRate: tf.scalar(settings.learningRate),
      beta1: tf.scalar(this.beta1),
      beta2: tf.scalar(this.beta2),
      epsilon: tf.scalar(epsilon),
    };
  }

  /** Adam updates every variable it was given. */
  trains(variable: ModelVariable): boolean {
    return this.variables.includes(variable);
  }

  /** The learning rate from the next update on (a schedule calls this each step). */
  setLearningRate(learningRate: number): void {
    if (!(learningRate > 0) || !Number.isFinite(learningRate)) {
      throw new Error(`Adam: the learning rate must be positive and finite, got ${learningRate}.`);
    }
    this.constants.learningRate.dispose();
    this.constants.learningRate = tf.scalar(learningRate);
  }

  /** ResourceApplyAdam inside a compiled step: the step's graph updates the variables and moments itself. */
  readonly inGraph: InGraphUpdate = {
    build: (graph: GraphBuilder, variables: readonly GraphTensor[], gradients: readonly GraphTensor[]) => {
      const firstMoments = variables.map((_, i) => graph.placeholder("resource", [], `adam_m_${i}`));
      const secondMoments = variables.map((_, i) => graph.placeholder("resource", [], `adam_v_${i}`));
      const scalars = ADAM_SCALARS.map((name) => graph.placeholder("float32", [], name));
      const effects: GraphOperation[] = variables.map((variable, i) =>
        graph.operation("ResourceApplyAdam", [variable, firstMoments[i], secondMoments[i], ...scalars, gradients[i]], ADAM_GRAPH_ATTRS),
      );
      return { inputs: [...scalars, ...firstMoments, ...secondMoments], effects };
    },
    withInputs: (call) =>
      this.withUpdateInputs(({ scalars, slots }) =>
        call([...scalars, ...slots.map(({ firstMoment }) => firstMoment), ...slots.map(({ secondMoment }) => secondMoment)]),
      ),
  };

  applyGradients(gradients: readonly tf.Tensor[]): void {
    if (gradients.length !== this.variables.length) {
      throw new Error(`Adam: expected ${this.variables.length} gradients, got ${gradients.length}.`);
    }
    const attrs = [attr.dtype("T", "float32"), attr.bool("use_locking", false), attr.bool("use_nesterov", false)];
    this.withUpdateInputs(({ slots, scalars }) => {
      slots.forEach(({ variable, firstMoment, secondMoment }, i) => {
        runNativeOpForEffect("ResourceApplyAdam", attrs, [variable, firstMoment, secondMoment, ...scalars, gradients[i]]);
      });
    });
  }

  /**
   * Runs `update`, which applies one Adam update to every variable from these
   * inputs (as applyGradients does, or a compiled step), inside tf.tidy; then
   * counts the update for the next one's beta powers.
   */
  withUpdateInputs<T extends tf.TensorContainer>(update: (inputs: AdamUpdateInputs) => T): T {
    const result = tf.tidy(() => {
      const { learningRate, beta1, beta2, epsilon } = this.constants;
      const slots = this.variables.map((variable, i) => ({
        variable: variable.nativeHandle,
        firstMoment: this.moments[i].first.nativeHandle,
        secondMoment: this.moments[i].second.nativeHandle,
      }));
      return update({ slots, scalars: [tf.scalar(this.beta1Power), tf.scalar(this.beta2Power), learningRate, beta1, beta2, epsilon] });
    });
    this.beta1Power *= this.beta1;
    this.beta2Power *= this.beta2;
    return result;
  }

  dispose(): void {
    this.moments.forEach(({ first, second }) => {
      first.dispose();
      second.dispose();
    });
    tf.dispose(Object.values(this.constants));
  }
}
