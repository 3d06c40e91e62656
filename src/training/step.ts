/** One training step and the cost/accuracy measurement the log lines show. */
import { tf } from "../backend";
import type { ChapterModel } from "../models/model";
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
