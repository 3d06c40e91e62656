/**
 * The native training path (resource variables, oneDNN pooling, ReluGrad, fused
 * softmax cross-entropy) must give the gradients that plain tfjs ops give for the
 * same network, end to end, for the chapter's CIFAR models.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/native/backend";
import { createModel, type ModelKey } from "../../src/models";
import { crossEntropyCost } from "../../src/training/loss";

type Values = tf.Tensor[];

/** The chapter's layers in plain tfjs: conv + bias + ReLU, 2x2 or 8x8 max pool (SAME), dense. */
function plainConv(x: tf.Tensor4D, values: Values, index: number): tf.Tensor4D {
  return tf.relu(tf.add(tf.conv2d(x, values[index] as tf.Tensor4D, 1, "same"), values[index + 1])) as tf.Tensor4D;
}
function plainDense(x: tf.Tensor2D, values: Values, index: number): tf.Tensor2D {
  return tf.add(tf.matMul(x, values[index] as tf.Tensor2D), values[index + 1]) as tf.Tensor2D;
}
const pool = (x: tf.Tensor4D, size: number) => tf.maxPool(x, size, size, "same");

/** Plain-tfjs forward passes (keep probability 1) with the models' variables in creation order. */
const plainForward: Partial<Record<ModelKey, (x: tf.Tensor4D, v: Values) => tf.Tensor2D>> = {
  "cifar-3conv": (x, v) => {
    let h = pool(plainConv(x, v, 0), 2);
    h = pool(plainConv(h, v, 2), 2);
    h = pool(plainConv(h, v, 4), 2);
    const full = tf.relu(plainDense(tf.reshape(h, [-1, 4 * 4 * 128]), v, 6));
    return plainDense(full, v, 8);
  },
  "cifar-reduced": (x, v) => {
    let h = x;
    for (const [block, size] of [[0, 2], [1, 2], [2, 8]]) {
      for (let conv = 0; conv < 3; conv++) h = plainConv(h, v, 2 * (3 * block + conv));
      h = pool(h, size);
    }
    const full = tf.relu(plainDense(tf.reshape(h, [-1, 80]), v, 18));
    return plainDense(full, v, 20);
  },
};

for (const key of Object.keys(plainForward) as ModelKey[]) {
  test(`${key}: gradients of the native path equal plain tfjs's for every variable`, () => {
    const model = createModel(key, { seed: 3 });
    try {
      tf.tidy(() => {
        const xs = tf.randomUniform([4, 32, 32, 3], 0, 1, "float32", 5) as tf.Tensor4D;
        const ys = tf.oneHot(tf.tensor1d([0, 3, 7, 9], "int32"), 10).toFloat() as tf.Tensor2D;
        const values = model.readVariables();
        const native = tf.grads((...v: tf.Tensor[]) => crossEntropyCost(model.logitsWithValues(v, xs, 1), ys))(values);
        const plain = tf.grads((...v: tf.Tensor[]) => tf.losses.softmaxCrossEntropy(ys, plainForward[key]!(xs, v)))(values);
        model.variables.forEach((variable, i) => {
          const scale = tf.max(tf.abs(plain[i])).dataSync()[0];
          const difference = tf.max(tf.abs(tf.sub(native[i], plain[i]))).dataSync()[0];
          assert.ok(scale > 0, `${variable.name}: the plain gradient is all zeros`);
          assert.ok(difference <= 1e-3 * scale, `${variable.name}: max difference ${difference} vs gradient scale ${scale}`);
        });
      });
    } finally {
      model.dispose();
    }
  });
}

test.run();
