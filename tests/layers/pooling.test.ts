import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/native/backend";
import { nativeMaxPool } from "../../src/layers/pooling";
import { withKernelFallbacks } from "../../src/native/kernels";

const values = (tensor: tf.Tensor) => Array.from(tensor.dataSync());

// airbench's VALID pools (31 → 15, 15 → 7, 7 → 3, 3 → 1) and sizes that leave more than one row and column out.
const validCases: Array<[[number, number, number, number], number]> = [
  [[3, 31, 31, 4], 2],
  [[2, 7, 7, 5], 2],
  [[2, 3, 3, 6], 3],
  [[1, 11, 9, 2], 4],
];

function pooledWithGradient(pool: (x: tf.Tensor4D) => tf.Tensor4D, x: tf.Tensor4D, dy: tf.Tensor): { output: number[]; gradient: number[] } {
  return tf.tidy(() => ({
    output: values(pool(x)),
    gradient: values(tf.grad((input: tf.Tensor) => pool(input as tf.Tensor4D))(x, dy)),
  }));
}

test("nativeMaxPool, VALID: output and gradient equal tf.maxPool's, the rows and columns that fill no window dropped", () => {
  for (const [shape, size] of validCases) {
    tf.tidy(() => {
      const x = tf.randomNormal(shape, 0, 1, "float32", 7) as tf.Tensor4D;
      const reference = tf.maxPool(x, size, size, "valid");
      assert.equal(nativeMaxPool(x, size, "valid").shape, reference.shape, `shape of [${shape}] / ${size}`);
      assert.equal(reference.shape.slice(1, 3), [Math.floor(shape[1] / size), Math.floor(shape[2] / size)]);
      const dy = tf.randomNormal(reference.shape, 0, 1, "float32", 8);
      const ours = pooledWithGradient((input) => nativeMaxPool(input, size, "valid"), x, dy);
      const expected = pooledWithGradient((input) => tf.maxPool(input, size, size, "valid"), x, dy);
      assert.equal(ours.output, expected.output, `output of [${shape}] / ${size}`);
      assert.equal(ours.gradient, expected.gradient, `gradient of [${shape}] / ${size}`);
    });
  }
});

test("nativeMaxPool, VALID: the tfjs fallback pools the same way", () => {
  tf.tidy(() => {
    const x = tf.randomNormal([2, 15, 15, 3], 0, 1, "float32", 9) as tf.Tensor4D;
    const native = nativeMaxPool(x, 2, "valid");
    const fallback = withKernelFallbacks("forced by a test", () => nativeMaxPool(x, 2, "valid"));
    assert.equal(fallback.shape, [2, 7, 7, 3]);
    assert.equal(values(fallback), values(native));
  });
});

test("nativeMaxPool: SAME stays the default (15 → 8)", () => {
  tf.tidy(() => assert.equal(nativeMaxPool(tf.zeros([1, 15, 15, 2]) as tf.Tensor4D, 2).shape, [1, 8, 8, 2]));
});

test.run();
