/**
 * airbench's weight averaging ("lookahead"): an exponential moving average of
 * the weights (and batch-norm statistics), taken every few steps, which the
 * network is then reset to. Training moves fast with a high learning rate; the
 * average smooths out the noise of its last steps.
 */
import { tf } from "../native/backend";
import type { ModelVariable } from "../layers/variables";

/** airbench's weight averaging: every few steps the weights move to an average of their recent values. */
export interface LookaheadSettings {
  /** Steps between averaging steps (airbench: 5). */
  every: number;
  /** The first epoch (from 0) that averages (airbench: 3, once the whitening bias is frozen). */
  startEpoch: number;
  /** The average's decay at the last step (airbench: 0.95⁵); it grows as (step / steps)^power, so early training is barely averaged. */
  finalDecay: number;
  power: number;
}

/** The average's decay at `step` of `totalSteps`: finalDecay · (step / totalSteps)^power. */
export function lookaheadDecay(step: number, totalSteps: number, settings: LookaheadSettings): number {
  // step / 0 would make the decay NaN, which update() would spread through every weight.
  if (!Number.isInteger(totalSteps) || totalSteps < 1) {
    throw new Error(`lookaheadDecay: totalSteps must be a whole number ≥ 1, got ${totalSteps}.`);
  }
  if (!(step >= 0 && step <= totalSteps)) {
    throw new Error(`lookaheadDecay: step must be from 0 to totalSteps (${totalSteps}), got ${step}.`);
  }
  if (!(settings.finalDecay >= 0 && settings.finalDecay < 1)) {
    throw new Error(`lookaheadDecay: finalDecay must be from 0 up to (not including) 1, got ${settings.finalDecay}.`);
  }
  if (!(settings.power >= 0) || !Number.isFinite(settings.power)) {
    throw new Error(`lookaheadDecay: power must be a finite number ≥ 0, got ${settings.power}.`);
  }
  return settings.finalDecay * (step / totalSteps) ** settings.power;
}

export class Lookahead {
  private readonly averages: tf.Tensor[];

  /** Starts the average at the variables' current values. */
  constructor(private readonly variables: readonly ModelVariable[]) {
    this.averages = variables.map((variable) => variable.read());
  }

  /**
   * average ← decay · average + (1 − decay) · current, then current ← average.
   * decay 1 resets the variables to the average without taking in their
   * current values.
   */
  update(decay: number): void {
    // Outside 0 to 1 the blend extrapolates away from both values; NaN would wipe every weight.
    if (!(decay >= 0 && decay <= 1)) {
      throw new Error(`Lookahead.update: decay must be from 0 to 1, got ${decay}.`);
    }
    this.variables.forEach((variable, i) => {
      // As a step towards the current value, so that a value that has not changed (a frozen one) stays exactly the same.
      const average = tf.tidy(() => tf.add(this.averages[i], tf.mul(tf.sub(variable.read(), this.averages[i]), 1 - decay)));
      this.averages[i].dispose();
      this.averages[i] = average;
      variable.assign(average);
    });
  }

  dispose(): void {
    tf.dispose(this.averages);
  }
}
