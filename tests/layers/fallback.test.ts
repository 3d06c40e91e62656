import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/native/backend";
import { conv2dPlusBias, maxPool } from "../../src/layers";
import { withKernelFallbacks } from "../../src/native/kernels";

// The layers run oneDNN kernels where TensorFlow has them and tfjs's ops otherwise: both paths must agree.

type Layer = (inputs: tf.Tensor[]) => tf.Tensor;

/** The layer's output and its gradients with respect to every input, for a weighted sum of the output. */
function outputAndGradients(layer: Layer, inputs: tf.Tensor[], weights: tf.Tensor): number[][] {
  return tf.tidy(() => {
    const output = layer(inputs);
    const gradients = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(layer(xs), weights)))(inputs);
    return [output, ...gradients].map((tensor) => Array.from(tensor.dataSync()));
  });
}

function assertAllClose(actual: number[][], expected: number[][], what: string[]): void {
  expected.forEach((values, i) => {
    assert.is(actual[i].length, values.length, `${what[i]}: size`);
    const scale = Math.max(...values.map(Math.abs), 1e-12);
    const difference = Math.max(...values.map((value, j) => Math.abs(actual[i][j] - value))) / scale;
    assert.ok(difference <= 1e-5, `${what[i]}: relative difference ${difference}`);
  });
}

function bothPaths(layer: Layer, inputs: tf.Tensor[], weights: tf.Tensor): { native: number[][]; fallback: number[][] } {
  const native = outputAndGradients(layer, inputs, weights);
  const fallback = withKernelFallbacks("forced by a test", () => outputAndGradients(layer, inputs, weights));
  return { native, fallback };
}

test("conv2d + bias: the tfjs fallback gives the oneDNN kernel's output and gradients", () => {
  const inputs = [
    tf.randomNormal([3, 9, 7, 4], 0, 1, "float32", 1),
    tf.randomNormal([5, 5, 4, 6], 0, 0.1, "float32", 2),
    tf.randomNormal([6], 0, 0.1, "float32", 3),
  ];
  const weights = tf.randomNormal([3, 9, 7, 6], 0, 1, "float32", 4);
  const layer: Layer = ([x, W, b]) => conv2dPlusBias(x as tf.Tensor4D, W as tf.Tensor4D, b as tf.Tensor1D);
  const { native, fallback } = bothPaths(layer, inputs, weights);
  assertAllClose(fallback, native, ["output", "input gradient", "filter gradient", "bias gradient"]);
  tf.dispose([...inputs, weights]);
});

test("max pooling: the tfjs fallback gives the oneDNN kernel's output and gradient, also for odd sizes", () => {
  for (const [shape, size] of [
    [[2, 8, 8, 3], 2],
    [[2, 7, 5, 3], 2],
    [[1, 9, 9, 2], 4],
  ] as [[number, number, number, number], number][]) {
    const x = tf.randomNormal(shape, 0, 1, "float32", 5);
    const outputShape = [shape[0], Math.ceil(shape[1] / size), Math.ceil(shape[2] / size), shape[3]];
    const weights = tf.randomNormal(outputShape, 0, 1, "float32", 6);
    const { native, fallback } = bothPaths(([input]) => maxPool(input as tf.Tensor4D, size), [x], weights);
    assertAllClose(fallback, native, [`output [${shape}] / ${size}`, `gradient [${shape}] / ${size}`]);
    tf.dispose([x, weights]);
  }
});

test.run();
