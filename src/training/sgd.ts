/**
 * Stochastic gradient descent with Nesterov momentum, as airbench trains:
 * TensorFlow's ResourceApplyMomentum with use_nesterov updates each variable
 * in place in one native op (the same update as PyTorch's SGD with
 * nesterov=True). Each variable can have its own learning-rate scale (airbench
 * trains the batch-norm offsets 64× faster) and weight decay.
 */
import { tf } from "../native/backend";
import { attr, runNativeOpForEffect } from "../native/ops";
import { ModelVariable } from "../layers/variables";
import type { Optimizer } from "./optimizer";

export interface SgdSettings {
  /** The base learning rate; a schedule changes it with setLearningRate. */
  learningRate: number;
  /** airbench: 0.85. */
  momentum: number;
}

/** How one variable's update differs from the base. */
export interface VariableUpdateSettings {
  /** Its learning rate is the base one times this (default 1). */
  learningRateScale?: number;
  /** Added to its gradient times its value, before momentum, as PyTorch's SGD does (default 0). */
  weightDecay?: number;
}

function checkNonNegative(value: number, what: string): number {
  if (!(value >= 0) || !Number.isFinite(value)) {
    throw new Error(`Nesterov SGD: ${what} must be a finite number ≥ 0, got ${value}.`);
  }
  return value;
}

// At 1 or above the velocity never decays and the updates grow without bound.
function checkMomentum(momentum: number): number {
  if (!(momentum >= 0 && momentum < 1)) {
    throw new Error(`Nesterov SGD: the momentum must be from 0 up to (not including) 1, got ${momentum}.`);
  }
  return momentum;
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

/**
 * Updates a fixed list of variables; gradients are passed in the same order.
 * With momentum μ, learning rate η and gradient g (weight decay added):
 * v ← μ·v + g, then x ← x − η·(g + μ·v).
 */
export class NesterovSgdOptimizer implements Optimizer {
  private readonly velocities: ModelVariable[] = [];
  private readonly perVariable: Array<Required<VariableUpdateSettings>>;
  private readonly momentum: tf.Scalar;
  private learningRate: number;

  constructor(readonly variables: readonly ModelVariable[], settings: SgdSettings, perVariable: readonly VariableUpdateSettings[] = []) {
    if (perVariable.length !== 0 && perVariable.length !== variables.length) {
      throw new Error(`Nesterov SGD: ${perVariable.length} per-variable settings for ${variables.length} variables; give one per variable, or none.`);
    }
    this.learningRate = checkNonNegative(settings.learningRate, "the learning rate");
    checkMomentum(settings.momentum);
    this.perVariable = variables.map((variable, i) => ({
      learningRateScale: checkNonNegative(perVariable[i]?.learningRateScale ?? 1, `the learning-rate scale of '${variable.name}'`),
      weightDecay: checkNonNegative(perVariable[i]?.weightDecay ?? 0, `the weight decay of '${variable.name}'`),
    }));
    try {
      for (const variable of variables) {
        const zeros = tf.zeros([...variable.shape]);
        try {
          this.velocities.push(new ModelVariable(`${variable.name}/momentum`, zeros));
        } finally {
          zeros.dispose();
        }
      }
    } catch (error) {
      this.velocities.forEach((velocity) => velocity.dispose());
      throw error;
    }
    this.momentum = tf.scalar(settings.momentum);
  }

  /** The base learning rate from the next update on (a schedule calls this each step). */
  setLearningRate(learningRate: number): void {
    this.learningRate = checkNonNegative(learningRate, "the learning rate");
  }

  /**
   * Changes one variable's learning-rate scale from the next update on; 0
   * freezes it (airbench stops training the whitening bias after 3 epochs).
   */
  setLearningRateScale(variable: ModelVariable, scale: number): void {
    const index = this.variables.indexOf(variable);
    if (index < 0) {
      throw new Error(`Nesterov SGD: variable '${variable.name}' is not one this optimizer updates.`);
    }
    this.perVariable[index].learningRateScale = checkNonNegative(scale, `the learning-rate scale of '${variable.name}'`);
  }

  /** Learning-rate scale 0 from the next update on. */
  freeze(variable: ModelVariable): void {
    this.setLearningRateScale(variable, 0);
  }

  /** False once the variable's learning-rate scale is 0 (frozen). */
  trains(variable: ModelVariable): boolean {
    const index = this.variables.indexOf(variable);
    return index >= 0 && this.perVariable[index].learningRateScale > 0;
  }

  applyGradients(gradients: readonly tf.Tensor[]): void {
    if (gradients.length !== this.variables.length) {
      throw new Error(`Nesterov SGD: expected ${this.variables.length} gradients, got ${gradients.length}.`);
    }
    const attrs = [attr.dtype("T", "float32"), attr.bool("use_locking", false), attr.bool("use_nesterov", true)];
    tf.tidy(() => {
      this.variables.forEach((variable, i) => {
        const { learningRateScale, weightDecay } = this.perVariable[i];
        // A frozen variable keeps its value whatever its gradient (a compiled step may send zeros).
        if (learningRateScale === 0) return;
        const gradient = weightDecay === 0 ? gradients[i] : tf.add(gradients[i], tf.mul(variable.read(), weightDecay));
        const learningRate = tf.scalar(this.learningRate * learningRateScale);
        runNativeOpForEffect("ResourceApplyMomentum", attrs, [variable.nativeHandle, this.velocities[i].nativeHandle, learningRate, gradient, this.momentum]);
      });
    });
  }

  dispose(): void {
    this.velocities.forEach((velocity) => velocity.dispose());
    this.momentum.dispose();
  }
}
