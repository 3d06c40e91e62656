/** The dense training curve: mean cost and batch accuracy over every few steps, gathered on the device. */
import { tf } from "../native/backend";

/** train()'s default interval between curve points, in steps. */
export const DEFAULT_CURVE_EVERY = 50;

/** Mean training cost and mean training-batch accuracy (with dropout, as trained) over the steps since the previous point. */
export interface CurvePoint {
  step: number;
  cost: number;
  accuracy: number;
}

/**
 * Running sums of the training steps' own cost and batch accuracy, kept as
 * device tensors: adding a step costs two tiny native ops and no read-back;
 * `takePoint` reads both means back at once.
 */
export class CurveAccumulator {
  private costSum: tf.Scalar = tf.scalar(0);
  private accuracySum: tf.Scalar = tf.scalar(0);
  private stepsSinceLastPoint = 0;

  /** Adds one step's cost and batch accuracy (the scalars stay the caller's). */
  add(cost: tf.Scalar, accuracy: tf.Scalar): void {
    const [costSum, accuracySum] = [tf.add(this.costSum, cost) as tf.Scalar, tf.add(this.accuracySum, accuracy) as tf.Scalar];
    tf.dispose([this.costSum, this.accuracySum]);
    [this.costSum, this.accuracySum] = [costSum, accuracySum];
    this.stepsSinceLastPoint++;
  }

  /** The means over the steps added since the previous point, labelled `step`; starts the next interval. */
  takePoint(step: number): CurvePoint {
    if (this.stepsSinceLastPoint === 0) {
      throw new Error(`CurveAccumulator: no training step was added before the point at step ${step}.`);
    }
    const sums = tf.tidy(() => tf.stack([this.costSum, this.accuracySum]));
    const [costSum, accuracySum] = sums.dataSync();
    sums.dispose();
    const point = { step, cost: costSum / this.stepsSinceLastPoint, accuracy: accuracySum / this.stepsSinceLastPoint };
    tf.dispose([this.costSum, this.accuracySum]);
    [this.costSum, this.accuracySum] = [tf.scalar(0), tf.scalar(0)];
    this.stepsSinceLastPoint = 0;
    return point;
  }

  dispose(): void {
    tf.dispose([this.costSum, this.accuracySum]);
  }
}
