/**
 * airbench's weight averaging ("lookahead"): an exponential moving average of
 * the weights (and batch-norm statistics), taken every few steps, which the
 * network is then reset to. Training moves fast with a high learning rate; the
 * average smooths out the noise of its last steps.
 */
import { tf } from "../../backend";
import type { ModelVariable } from "../../layers/variables";
import type { LookaheadSettings } from "./recipe";

/** The average's decay at `step` of `totalSteps`: finalDecay · (step / totalSteps)^power. */
export function lookaheadDecay(step: number, totalSteps: number, settings: LookaheadSettings): number {
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
