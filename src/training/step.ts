/** One training step and the cost/accuracy measurement the log lines show. */
import { tf } from "../backend";
import type { ChapterModel } from "../models/model";
import type { AdamOptimizer } from "./adam";
import type { Batch } from "./data";
import { accuracy, crossEntropyCost } from "./loss";

/**
 * Forward, backward and Adam update on one batch, all native; reads nothing
 * back to JavaScript. The batch stays the caller's to dispose.
 */
export function trainingStep(model: ChapterModel, optimizer: AdamOptimizer, batch: Batch, keepProb: number): void {
  // The variables' read values are freed with this tidy, before the update, so
  // ResourceApplyAdam can work in place instead of copying each variable.
  const gradients = tf.tidy(() => {
    const cost = (...values: tf.Tensor[]) => crossEntropyCost(model.logitsWithValues(values, batch.xs, keepProb), batch.ys);
    return tf.grads(cost)(model.readVariables());
  });
  try {
    optimizer.applyGradients(gradients);
  } finally {
    tf.dispose(gradients);
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
