/**
 * One airbench training step: logits in training mode (batch norm updates its
 * running statistics), the label-smoothed cross-entropy, its gradients with
 * respect to every trainable variable, and one Nesterov SGD update. Kept
 * behind a small interface so that a faster step (a compiled graph) can stand
 * in for this eager one.
 */
import { tf } from "../../backend";
import type { AirbenchModel } from "../../models/airbench";
import { labelSmoothedCrossEntropy } from "../label-smoothing";
import type { NesterovSgdOptimizer } from "../sgd";

/** The batch's mean cost and accuracy, measured by the step's forward pass (before its update). */
export interface StepMeasures {
  cost: number;
  accuracy: number;
}

export interface AirbenchStep {
  /** Trains on one batch: normalised, augmented images [batch, 32, 32, 3] and one-hot labels [batch, 10]. */
  run(images: tf.Tensor4D, oneHot: tf.Tensor2D): StepMeasures;
  dispose(): void;
}

/** The step with tfjs's eager gradients (tf.valueAndGrads through the model's forward pass). */
export class EagerAirbenchStep implements AirbenchStep {
  constructor(
    private readonly model: AirbenchModel,
    private readonly optimizer: NesterovSgdOptimizer,
    private readonly labelSmoothing: number,
  ) {}

  run(images: tf.Tensor4D, oneHot: tf.Tensor2D): StepMeasures {
    let logits: tf.Tensor2D | null = null;
    const loss = (...values: tf.Tensor[]) => {
      // Kept past the gradient's own scope, for the accuracy; disposed below.
      logits = tf.keep(this.model.logits(images, true, values));
      return labelSmoothedCrossEntropy(logits, oneHot, this.labelSmoothing);
    };
    const [cost, accuracy] = tf.tidy(() => {
      try {
        const { value, grads } = tf.valueAndGrads(loss)(this.model.trainable.map((variable) => variable.read()));
        this.optimizer.applyGradients(grads);
        const correct = tf.equal(tf.argMax(logits as unknown as tf.Tensor2D, 1), tf.argMax(oneHot, 1));
        return [value, tf.mean(tf.cast(correct, "float32"))];
      } finally {
        (logits as tf.Tensor2D | null)?.dispose();
      }
    });
    const measures = { cost: cost.dataSync()[0], accuracy: accuracy.dataSync()[0] };
    tf.dispose([cost, accuracy]);
    return measures;
  }

  dispose(): void {}
}
