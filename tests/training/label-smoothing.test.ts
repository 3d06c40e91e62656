import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/native/backend";
import { labelSmoothedCrossEntropy, smoothLabels } from "../../src/training/label-smoothing";

const logits = [
  [2, -1, 0.5, 0],
  [0, 0, 3, -2],
  [-2, 4, 1, 1],
];
const classes = [0, 1, 1];
const smoothing = 0.2;

/** The smoothed target, in float64: 1 − s + s/C for the true class, s/C for the others. */
const target = (row: number, k: number) => (k === classes[row] ? 1 - smoothing : 0) + smoothing / 4;

function logSoftmax(row: number[]): number[] {
  const largest = Math.max(...row);
  const logSum = largest + Math.log(row.reduce((sum, value) => sum + Math.exp(value - largest), 0));
  return row.map((value) => value - logSum);
}

function oneHot(): tf.Tensor2D {
  return tf.oneHot(tf.tensor1d(classes, "int32"), 4).toFloat() as tf.Tensor2D;
}

test("label-smoothed cross-entropy equals −Σ target·log softmax, averaged over the batch (float64 reference)", () => {
  const expected = logits.map((row, r) => -logSoftmax(row).reduce((sum, value, k) => sum + target(r, k) * value, 0)).reduce((a, b) => a + b) / logits.length;
  const actual = tf.tidy(() => labelSmoothedCrossEntropy(tf.tensor2d(logits), oneHot(), smoothing).dataSync()[0]);
  assert.ok(Math.abs(actual - expected) < 1e-5, `${actual}, expected ${expected}`);
});

test("label-smoothed cross-entropy: its gradient is (softmax − target)/batch", () => {
  const gradient = tf.tidy(() => tf.grad((l: tf.Tensor) => labelSmoothedCrossEntropy(l as tf.Tensor2D, oneHot(), smoothing))(tf.tensor2d(logits)).arraySync() as number[][]);
  logits.forEach((row, r) =>
    logSoftmax(row).forEach((logProbability, k) => {
      const expected = (Math.exp(logProbability) - target(r, k)) / logits.length;
      assert.ok(Math.abs(gradient[r][k] - expected) < 1e-6, `[${r}][${k}] ${gradient[r][k]}, expected ${expected}`);
    }),
  );
});

test("label smoothing outside 0..1 is refused", () => {
  tf.tidy(() => assert.throws(() => labelSmoothedCrossEntropy(tf.tensor2d(logits), oneHot(), 1.5), /smoothing must be from 0 to 1, got 1.5/));
});

test("label smoothing of NaN is refused", () => {
  tf.tidy(() => assert.throws(() => smoothLabels(oneHot(), NaN), /smoothLabels: smoothing must be from 0 to 1, got NaN/));
});

test("smoothLabels refuses labels that are not 2-D [examples, classes] (they would come back as NaN)", () => {
  tf.tidy(() => assert.throws(() => smoothLabels(tf.tensor1d([0, 1, 0]) as unknown as tf.Tensor2D, 0.2), /smoothLabels: oneHot must be a 2-D tensor \[examples, classes\], got shape \[3\]/));
});

test.run();
