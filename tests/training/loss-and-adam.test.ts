import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/backend";
import { ModelVariable } from "../../src/layers";
import { accuracy, AdamOptimizer, crossEntropyCost } from "../../src/training";

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-5): void {
  assert.is(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance * Math.max(1, Math.abs(expected[i])), `[${i}] ${actual[i]} vs ${expected[i]}`);
  }
}

test("crossEntropyCost and its gradient equal tfjs's softmax cross-entropy (mean over the batch)", () => {
  tf.tidy(() => {
    const logits = tf.tensor2d([
      [2, -1, 0.5],
      [0, 0, 3],
      [-2, 4, 1],
    ]) as tf.Tensor2D;
    const labels = tf.tensor2d([
      [1, 0, 0],
      [0, 1, 0],
      [0, 1, 0],
    ]) as tf.Tensor2D;
    const reference = (l: tf.Tensor) => tf.losses.softmaxCrossEntropy(labels, l) as tf.Scalar;
    close(crossEntropyCost(logits, labels).dataSync(), reference(logits).dataSync());
    const ours = tf.grad((l: tf.Tensor) => crossEntropyCost(l as tf.Tensor2D, labels))(logits);
    close(ours.dataSync(), tf.grad(reference)(logits).dataSync());
  });
});

test("accuracy is the fraction of rows whose largest logit is the labelled class", () => {
  tf.tidy(() => {
    const logits = tf.tensor2d([
      [2, 1],
      [0, 3],
      [5, 4],
      [1, 2],
    ]) as tf.Tensor2D;
    const labels = tf.tensor2d([
      [1, 0],
      [0, 1],
      [0, 1],
      [0, 1],
    ]) as tf.Tensor2D;
    close(accuracy(logits, labels).dataSync(), [0.75]);
  });
});

test("AdamOptimizer follows TensorFlow's Adam update for three steps", () => {
  const [learningRate, beta1, beta2, epsilon] = [0.1, 0.9, 0.999, 1e-8];
  const start = [1, -2, 0.5];
  const gradients = [
    [0.3, -0.1, 2],
    [-0.5, 0.2, 1],
    [0.1, 0.1, -3],
  ];
  const initial = tf.tensor1d(start);
  const variable = new ModelVariable("w", initial);
  initial.dispose();
  const optimizer = new AdamOptimizer([variable], { learningRate });

  const expected = [...start];
  const m = [0, 0, 0];
  const v = [0, 0, 0];
  gradients.forEach((g, step) => {
    const t = step + 1;
    const stepSize = (learningRate * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
    for (let i = 0; i < 3; i++) {
      m[i] = beta1 * m[i] + (1 - beta1) * g[i];
      v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
      expected[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) + epsilon);
    }
    const gradient = tf.tensor1d(g);
    optimizer.applyGradients([gradient]);
    gradient.dispose();
  });
  const value = variable.read();
  close(value.dataSync(), expected);
  value.dispose();

  const wrongCount = tf.tensor1d([1, 2, 3]);
  assert.throws(() => optimizer.applyGradients([wrongCount, wrongCount]), /expected 1 gradients, got 2/);
  wrongCount.dispose();
  optimizer.dispose();
  variable.dispose();
});

test("AdamOptimizer rejects a non-positive learning rate", () => {
  assert.throws(() => new AdamOptimizer([], { learningRate: 0 }), /learning rate must be positive, got 0/);
});

test.run();
