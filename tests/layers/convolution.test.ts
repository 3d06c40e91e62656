import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/native/backend";
import { nativeConv2dWithBias } from "../../src/layers/convolution";
import { conv2dPlusBias, relu } from "../../src/layers";

/** Largest |a − b| relative to the largest |b|, so the check holds whatever the values' scale. */
function relativeDifference(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / Math.max(tf.max(tf.abs(b)).dataSync()[0], 1e-12));
}

function assertClose(actual: tf.Tensor, expected: tf.Tensor, what: string): void {
  assert.equal(actual.shape, expected.shape, `${what}: shape`);
  const difference = relativeDifference(actual, expected);
  assert.ok(difference <= 1e-4, `${what}: relative difference ${difference}`);
}

const shapes: Array<{ input: [number, number, number, number]; filter: [number, number, number, number] }> = [
  { input: [4, 8, 8, 3], filter: [5, 5, 3, 6] },
  { input: [3, 7, 5, 4], filter: [3, 3, 4, 5] },
];

for (const { input, filter } of shapes) {
  test(`conv2d + bias as one op, then relu: output and gradients equal tfjs's conv2d, add and relu (input ${input}, W ${filter})`, () => {
    tf.tidy(() => {
      const x = tf.randomNormal(input, 0, 1, "float32", 1) as tf.Tensor4D;
      const W = tf.randomNormal(filter, 0, 0.1, "float32", 2) as tf.Tensor4D;
      const b = tf.randomNormal([filter[3]], 0, 0.1, "float32", 3) as tf.Tensor1D;
      // A weighted sum, so that each output position has its own gradient.
      const weights = tf.randomNormal([...input.slice(0, 3), filter[3]], 0, 1, "float32", 4);
      type Layer = (xs: tf.Tensor4D, Ws: tf.Tensor4D, bs: tf.Tensor1D) => tf.Tensor;
      const fused: Layer = (xs, Ws, bs) => relu(nativeConv2dWithBias(xs, Ws, bs));
      const plain: Layer = (xs, Ws, bs) => tf.relu(tf.add(tf.conv2d(xs, Ws, 1, "same"), bs));
      assertClose(fused(x, W, b), plain(x, W, b), "output");
      const gradientsOf = (layer: Layer) =>
        tf.grads((xs: tf.Tensor, Ws: tf.Tensor, bs: tf.Tensor) =>
          tf.sum(tf.mul(layer(xs as tf.Tensor4D, Ws as tf.Tensor4D, bs as tf.Tensor1D), weights)),
        )([x, W, b]);
      const [dxFused, dWFused, dbFused] = gradientsOf(fused);
      const [dxPlain, dWPlain, dbPlain] = gradientsOf(plain);
      assertClose(dxFused, dxPlain, "input gradient");
      assertClose(dWFused, dWPlain, "filter gradient");
      assertClose(dbFused, dbPlain, "bias gradient");
    });
  });
}

test("conv2dPlusBias keeps height and width, like conv2d", () => {
  const shape = tf.tidy(() => conv2dPlusBias(tf.ones([2, 5, 7, 3]), tf.ones([3, 3, 3, 4]), tf.zeros([4])).shape);
  assert.equal(shape, [2, 5, 7, 4]);
});

test("gradients only for the weights leave no tensors behind", () => {
  const x = tf.randomNormal([2, 6, 6, 3]) as tf.Tensor4D;
  const W = tf.randomNormal([3, 3, 3, 4]) as tf.Tensor4D;
  const b = tf.zeros([4]) as tf.Tensor1D;
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    tf.grads((Ws: tf.Tensor, bs: tf.Tensor) => tf.sum(nativeConv2dWithBias(x, Ws as tf.Tensor4D, bs as tf.Tensor1D)))([W, b]);
  });
  assert.is(tf.memory().numTensors, before);
  tf.dispose([x, W, b]);
});

test.run();
