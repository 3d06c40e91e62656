/**
 * Adam as the chapter's tf.train.AdamOptimizer computes it, applied with
 * TensorFlow's ResourceApplyAdam: one native kernel per variable instead of
 * the fourteen elementwise ops tfjs's optimizer runs on each (the 3136×1024
 * MNIST weight alone made that a third of a training step).
 */
import { tf } from "../backend";
import { attr, runNativeOpForEffect, type NativeHandle } from "../native/ops";
import { ModelVariable } from "../layers/variables";

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

/** Updates a fixed list of variables; gradients are passed in the same order. */
export class AdamOptimizer {
  private readonly moments: Moments[];
  private readonly constants: { learningRate: tf.Scalar; beta1: tf.Scalar; beta2: tf.Scalar; epsilon: tf.Scalar };
  private readonly beta1: number;
  private readonly beta2: number;
  /** beta1^t and beta2^t for the next update t. */
  private beta1Power: number;
  private beta2Power: number;

  constructor(readonly variables: readonly ModelVariable[], settings: AdamSettings) {
    if (!(settings.learningRate > 0)) {
      throw new Error(`Adam: the learning rate must be positive, got ${settings.learningRate}.`);
    }
    this.beta1 = settings.beta1 ?? 0.9;
    this.beta2 = settings.beta2 ?? 0.999;
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
      epsilon: tf.scalar(settings.epsilon ?? 1e-8),
    };
  }

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
