/** The chapter's cost (mean softmax cross-entropy on logits) and accuracy. */
import { tf } from "../native/backend";
import { attr, runNativeOp } from "../native/ops";

// TensorFlow's fused op returns the loss and its gradient in one kernel; tfjs's
// softmaxCrossEntropy would build both from about ten small ones.
const softmaxCrossEntropyWithLogits = tf.customGrad((logits, labels, save) => {
  const [loss, lossGradient] = runNativeOp(
    "SoftmaxCrossEntropyWithLogits",
    [attr.dtype("T", "float32")],
    [logits as tf.Tensor, labels as tf.Tensor],
    2,
  );
  (save as tf.GradSaveFunc)([lossGradient, labels as tf.Tensor]);
  return {
    value: loss,
    gradFunc: (dy: tf.Tensor, [savedGradient, savedLabels]: tf.Tensor[]) => [
      tf.mul(tf.expandDims(dy, 1), savedGradient),
      tf.zerosLike(savedLabels),
    ],
  };
});

/**
 * The chapter's cost, tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(...)):
 * for each image, softmax turns its logits into probabilities p and the
 * cross-entropy with its one-hot label is −log(p of the true class); the cost is
 * the mean over the batch.
 */
export function crossEntropyCost(logits: tf.Tensor2D, labels: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mean(softmaxCrossEntropyWithLogits(logits, labels)) as tf.Scalar);
}

/** The chapter's accuracy: the fraction of rows whose largest logit is the labelled class. */
export function accuracy(logits: tf.Tensor2D, labels: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const correctPrediction = tf.equal(tf.argMax(logits, 1), tf.argMax(labels, 1));
    return tf.mean(tf.cast(correctPrediction, "float32")) as tf.Scalar;
  });
}
