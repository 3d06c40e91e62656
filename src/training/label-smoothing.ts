/**
 * Label smoothing: the target gives the true class 1 − s plus an equal share
 * s/classes to every class (PyTorch's label_smoothing), so the network is not
 * pushed to ever larger logits for examples it already gets right (airbench:
 * s = 0.2). TensorFlow's SoftmaxCrossEntropyWithLogits takes such soft labels
 * directly, so the chapter's cost applies unchanged.
 */
import { tf } from "../native/backend";
import { crossEntropyCost } from "./loss";

/** (1 − smoothing)·oneHot + smoothing/classes, row by row. */
export function smoothLabels(oneHot: tf.Tensor2D, smoothing: number): tf.Tensor2D {
  if (!(smoothing >= 0 && smoothing <= 1)) {
    throw new Error(`smoothLabels: smoothing must be from 0 to 1, got ${smoothing}.`);
  }
  // A 1-D tensor has no shape[1]: smoothing / undefined would fill the labels with NaN.
  if (oneHot.rank !== 2) {
    throw new Error(`smoothLabels: oneHot must be a 2-D tensor [examples, classes], got shape [${oneHot.shape}].`);
  }
  const classes = oneHot.shape[1];
  return tf.tidy(() => tf.add(tf.mul(oneHot, 1 - smoothing), smoothing / classes) as tf.Tensor2D);
}

/** Mean over the batch of the softmax cross-entropy between the smoothed one-hot `labels` and `logits`. */
export function labelSmoothedCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor2D, smoothing: number): tf.Scalar {
  return tf.tidy(() => crossEntropyCost(logits, smoothLabels(labels, smoothing)));
}
