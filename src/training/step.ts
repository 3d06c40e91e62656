/** One training step and the cost/accuracy measurement the log lines show. */
import { tf } from "../backend";
import { CompiledTrainingStep } from "../compiled/training-step";
import type { ChapterModel } from "../models/model";
import { assertBfloat16Compute } from "../native/cpu";
import type { AdamOptimizer } from "./adam";
import type { Batch } from "./data";
import type { CurveAccumulator } from "./curve";
import { accuracy, crossEntropyCost } from "./loss";

/**
 * Forward, backward and Adam update on one batch, all native; reads nothing
 * back to JavaScript. With `curve`, the cost and batch accuracy of this
 * step's own forward pass (with dropout) are added to it on the device. The
 * batch stays the caller's to dispose.
 */
export function trainingStep(
  model: ChapterModel,
  optimizer: AdamOptimizer,
  batch: Batch,
  keepProb: number,
  curve?: CurveAccumulator,
): void {
  const measured: { accuracy?: tf.Scalar } = {};
  // The variables' read values are freed with this tidy, before the update, so
  // ResourceApplyAdam can work in place instead of copying each variable.
  const { value, grads } = tf.tidy(() => {
    const cost = (...values: tf.Tensor[]) => {
      const logits = model.logitsWithValues(values, batch.xs, keepProb);
      if (curve !== undefined) {
        // Kept: the gradient computation frees every other tensor of the forward pass.
        measured.accuracy = tf.keep(accuracy(logits, batch.ys));
      }
      return crossEntropyCost(logits, batch.ys);
    };
    return tf.valueAndGrads(cost)(model.readVariables());
  });
  try {
    optimizer.applyGradients(grads);
    if (measured.accuracy !== undefined) curve?.add(value as tf.Scalar, measured.accuracy);
  } finally {
    // Frees what curve.add did not take over (disposing twice is a no-op).
    tf.dispose([...grads, value, ...(measured.accuracy === undefined ? [] : [measured.accuracy])]);
  }
}

/**
 * How train() runs a step: "compiled" (the default) runs the whole step as
 * one TensorFlow graph function traced from the model's forward code
 * (src/compiled/); "compiled-bfloat16" is the same function with its
 * convolutions computing in bfloat16 (weights, updates and evaluation stay
 * float32; CPUs with avx512_bf16 or amx_bf16 only); "eager" runs
 * trainingStep's ops one by one, the reference.
 */
export const STEP_KINDS = ["compiled", "compiled-bfloat16", "eager"] as const;

export type StepKind = (typeof STEP_KINDS)[number];

/**
 * Training steps of one model with one optimizer. The compiled kind builds a
 * function per batch shape and keep probability on first use (a last,
 * smaller batch gets its own); where one cannot be built, it says why in one
 * line and runs the eager step for that shape instead.
 */
export class TrainingStepper {
  /** Per batch shape and keep probability: the compiled step, or null where the eager step runs. */
  private readonly compiled = new Map<string, CompiledTrainingStep | null>();

  constructor(
    readonly model: ChapterModel,
    readonly optimizer: AdamOptimizer,
    readonly kind: StepKind = "compiled",
    private readonly warn: (line: string) => void = console.warn,
  ) {
    if (kind === "compiled-bfloat16") {
      assertBfloat16Compute(`${model.key}: the "compiled-bfloat16" training step`);
    }
  }

  /** One training step; with `curve`, its cost and batch accuracy are added to it on the device. */
  step(batch: Batch, keepProb: number, curve?: CurveAccumulator): void {
    const compiled = this.kind === "eager" ? null : this.compiledStep(batch, keepProb);
    if (compiled === null) {
      trainingStep(this.model, this.optimizer, batch, keepProb, curve);
      return;
    }
    const { loss, accuracy: batchAccuracy } = compiled.run(this.optimizer, batch);
    if (curve === undefined) {
      tf.dispose([loss, batchAccuracy]);
    } else {
      curve.add(loss, batchAccuracy);
    }
  }

  /** Removes the compiled functions from TensorFlow's context; the model and optimizer stay the caller's. */
  dispose(): void {
    this.compiled.forEach((step) => step?.dispose());
    this.compiled.clear();
  }

  private compiledStep(batch: Batch, keepProb: number): CompiledTrainingStep | null {
    const key = `${batch.xs.shape}|${batch.ys.shape}|${keepProb}`;
    if (!this.compiled.has(key)) {
      try {
        const convolutionPrecision = this.kind === "compiled-bfloat16" ? "bfloat16" : "float32";
        this.compiled.set(key, CompiledTrainingStep.build(this.model, batch, keepProb, { convolutionPrecision }));
      } catch (error) {
        const reason = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, " ").trim();
        this.warn(`${this.model.key}: the compiled training step cannot be built (${reason}); using the eager ${this.kind === "compiled-bfloat16" ? "float32 " : ""}step for batches of [${batch.xs.shape}].`);
        this.compiled.set(key, null);
      }
    }
    return this.compiled.get(key) ?? null;
  }
}

export interface BatchEvaluation {
  cost: number;
  accuracy: number;
}

/** Cost and accuracy on one batch without dropout (keep probability 1.0). */
export function evaluateBatch(model: ChapterModel, xs: tf.Tensor4D, ys: tf.Tensor2D): BatchEvaluation {
  const both = tf.tidy(() => {
    const logits = model.logits(xs, 1);
    return tf.stack([crossEntropyCost(logits, ys), accuracy(logits, ys)]);
  });
  try {
    const [cost, batchAccuracy] = both.dataSync();
    return { cost, accuracy: batchAccuracy };
  } finally {
    both.dispose();
  }
}
