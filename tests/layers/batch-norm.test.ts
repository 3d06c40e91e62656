import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/native/backend";
import { batchNormInference, batchNormTraining, type RunningStatistics } from "../../src/layers/batch-norm";

/** Largest |a − b| relative to the largest |b|. */
function relativeDifference(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / Math.max(tf.max(tf.abs(b)).dataSync()[0], 1e-12));
}

function assertClose(actual: tf.Tensor, expected: tf.Tensor, what: string, tolerance = 1e-4): void {
  assert.equal(actual.shape, expected.shape, `${what}: shape`);
  const difference = relativeDifference(actual, expected);
  assert.ok(difference <= tolerance, `${what}: relative difference ${difference}`);
}

const settings = { momentum: 0.6, epsilon: 1e-5 };
const shape: [number, number, number, number] = [6, 5, 4, 3];

function inputs() {
  // Channels with different means and scales, so a per-channel mistake shows.
  const x = tf.add(tf.mul(tf.randomNormal(shape, 0, 1, "float32", 1), tf.tensor1d([1, 3, 0.5])), tf.tensor1d([2, -1, 0])) as tf.Tensor4D;
  const offset = tf.tensor1d([0.1, -0.2, 0.3]);
  const running: RunningStatistics = { mean: tf.tensor1d([0.5, 0.5, 0.5]), variance: tf.tensor1d([2, 2, 2]) };
  return { x, offset, running };
}

/** Batch norm from tfjs's plain ops: the batch's mean and biased variance per channel. */
function plainBatchNorm(x: tf.Tensor4D, offset: tf.Tensor1D, epsilon: number): tf.Tensor4D {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  return tf.add(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, epsilon))), offset);
}

test("batch norm, training mode: output equals (x − batch mean)/√(batch variance + ε) + offset", () => {
  tf.tidy(() => {
    const { x, offset, running } = inputs();
    assertClose(batchNormTraining(x, offset, running, settings).output, plainBatchNorm(x, offset, settings.epsilon), "output");
  });
});

test("batch norm, training mode: gradients w.r.t. input and offset equal those of tfjs's plain ops", () => {
  tf.tidy(() => {
    const { x, offset, running } = inputs();
    // A weighted sum, so that each output has its own gradient (a plain sum's input gradient is zero).
    const weights = tf.randomNormal(shape, 0, 1, "float32", 2);
    const [dxFused, dOffsetFused] = tf.grads((xs: tf.Tensor, bs: tf.Tensor) =>
      tf.sum(tf.mul(batchNormTraining(xs as tf.Tensor4D, bs as tf.Tensor1D, running, settings).output, weights)),
    )([x, offset]);
    const [dxPlain, dOffsetPlain] = tf.grads((xs: tf.Tensor, bs: tf.Tensor) =>
      tf.sum(tf.mul(plainBatchNorm(xs as tf.Tensor4D, bs as tf.Tensor1D, settings.epsilon), weights)),
    )([x, offset]);
    assertClose(dxFused, dxPlain, "input gradient");
    assertClose(dOffsetFused, dOffsetPlain, "offset gradient");
  });
});

test("batch norm, training mode: running statistics move to momentum·old + (1 − momentum)·batch, variance unbiased", () => {
  tf.tidy(() => {
    const { x, offset, running } = inputs();
    const updated = batchNormTraining(x, offset, running, settings).running;
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    const count = shape[0] * shape[1] * shape[2];
    const unbiased = tf.mul(variance, count / (count - 1));
    assertClose(updated.mean, tf.add(tf.mul(running.mean, 0.6), tf.mul(mean, 0.4)), "running mean");
    assertClose(updated.variance, tf.add(tf.mul(running.variance, 0.6), tf.mul(unbiased, 0.4)), "running variance");
  });
});

test("batch norm, inference mode: normalises with the running statistics, not the batch's", () => {
  tf.tidy(() => {
    const { x, offset } = inputs();
    const running: RunningStatistics = { mean: tf.tensor1d([1, -2, 0.5]), variance: tf.tensor1d([4, 0.25, 1]) };
    const expected = tf.add(tf.div(tf.sub(x, running.mean), tf.sqrt(tf.add(running.variance, settings.epsilon))), offset);
    assertClose(batchNormInference(x, offset, running, settings.epsilon), expected, "output");
  });
});

test("batch norm: a per-channel tensor of the wrong length is refused with its name", () => {
  tf.tidy(() => {
    const { x, running } = inputs();
    assert.throws(() => batchNormTraining(x, tf.zeros([4]) as tf.Tensor1D, running, settings), /offset has shape \[4\].*3 channels/);
  });
});

test.run();
