/**
 * One airbench training step: the batch's label-smoothed loss and gradients
 * in training mode (batch norm moves its running statistics), then one
 * Nesterov SGD update. The gradients come from src/compiled's
 * AirbenchGradientStep: one graph function per batch size by default, the
 * eager tape as the reference.
 */
import { tf } from "../../backend";
import { AirbenchGradientStep, type AirbenchStepKind } from "../../compiled/airbench-step";
import type { AirbenchModel } from "../../models/airbench";
import type { NesterovSgdOptimizer } from "../sgd";
import type { ConvolutionPrecision } from "./recipe";

/** The batch's mean cost and accuracy, measured by the step's forward pass (before its update). */
export interface StepMeasures {
  cost: number;
  accuracy: number;
}

export interface AirbenchStepSettings {
  labelSmoothing: number;
  convolutionPrecision: ConvolutionPrecision;
  /** Default "compiled"; "eager" is the reference (float32 only). */
  kind?: AirbenchStepKind;
}

export class AirbenchTrainingStep {
  private readonly gradientStep: AirbenchGradientStep;

  constructor(
    model: AirbenchModel,
    private readonly optimizer: NesterovSgdOptimizer,
    { labelSmoothing, convolutionPrecision, kind }: AirbenchStepSettings,
  ) {
    this.gradientStep = new AirbenchGradientStep(model, { labelSmoothing, convolutionPrecision, kind });
  }

  /** Trains on one batch: normalised, augmented images [batch, 32, 32, 3] and one-hot labels [batch, 10]. */
  run(images: tf.Tensor4D, oneHot: tf.Tensor2D): StepMeasures {
    const [cost, accuracy] = tf.tidy(() => {
      const { loss, logits, gradients } = this.gradientStep.run(images, oneHot);
      this.optimizer.applyGradients(gradients);
      const correct = tf.equal(tf.argMax(logits, 1), tf.argMax(oneHot, 1));
      return [loss, tf.mean(tf.cast(correct, "float32"))];
    });
    const measures = { cost: cost.dataSync()[0], accuracy: accuracy.dataSync()[0] };
    tf.dispose([cost, accuracy]);
    return measures;
  }

  dispose(): void {
    this.gradientStep.dispose();
  }
}
