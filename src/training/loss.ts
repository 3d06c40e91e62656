/** The chapter's cost (mean softmax cross-entropy on logits) and accuracy. */
import { tf } from "../backend";
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

/** Mean over the batch of softmax cross-entropy between one-hot `labels` and `logits`. */
export function crossEntropyCost(logits: tf.Tensor2D, labels: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mean(softmaxCrossEntropyWithLogits(logits, labels)) as tf.Scalar);
}

/** Fraction of rows whose largest logit is the labelled class. */
export function accuracy(logits: tf.Tensor2D, labels: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), tf.argMax(labels, 1)), "float32")) as tf.Scalar);
}
