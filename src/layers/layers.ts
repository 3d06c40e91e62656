/**
 * The chapter's building blocks, with the chapter's names: variables,
 * convolution, pooling, fully connected layers, ReLU and dropout.
 */
import { tf } from "../native/backend";
import { recordConvolution, recordMatMul } from "./multiply-adds";
import { recordLayerOutput } from "./layer-outputs";
import { nativeConv2dWithBias } from "./convolution";
import { attr, runNativeOp } from "../native/ops";
import { nativeMaxPool } from "./pooling";
import { checkSeed, randomSeed } from "../seed";
import { statelessTruncatedNormal, statelessUniform, type SeedPair } from "./random";
import { activeSeedStream, activeVariableStore } from "./variables";

/**
 * A weight tensor initialised from a normal distribution with standard
 * deviation 0.1, redrawn beyond two deviations (the chapter's tf.truncated_normal).
 */
export function weightVariable(shape: [number, number, number, number]): tf.Tensor4D;
export function weightVariable(shape: [number, number]): tf.Tensor2D;
export function weightVariable(shape: number[]): tf.Tensor;
export function weightVariable(shape: number[]): tf.Tensor {
  const store = activeVariableStore("weightVariable");
  return store.variable("weight", shape, () => tf.mul(statelessTruncatedNormal(shape, store.seeds.next()), 0.1));
}

/** A bias vector initialised to the constant 0.1, so ReLUs start active. */
export function biasVariable(shape: [number]): tf.Tensor1D {
  return activeVariableStore("biasVariable").variable("bias", shape, () => tf.fill(shape, 0.1)) as tf.Tensor1D;
}

/**
 * 2-D convolution of images `x` [batch, height, width, channels] with filters `W`
 * [height, width, in channels, out channels]. Strides [1, 1]: the filter moves one
 * pixel at a time down and across (the chapter's strides=[1, 1, 1, 1] also names
 * the batch and channel dimensions, always 1). SAME padding: zeros around the
 * border, so the output has the input's height and width.
 */
export function conv2d(x: tf.Tensor4D, W: tf.Tensor4D): tf.Tensor4D {
  return tf.conv2d(x, W, [1, 1], "same");
}

/**
 * conv2d(x, W) + b in one op, as TensorFlow's graph optimizer fuses them; records
 * its multiply-adds for GFLOP/s figures (multiply-adds.ts) and its output for
 * architecture figures (layer-outputs.ts).
 */
export function conv2dPlusBias(x: tf.Tensor4D, W: tf.Tensor4D, b: tf.Tensor1D): tf.Tensor4D {
  recordConvolution(x.shape, W.shape);
  return recordLayerOutput("convolution", x, W.shape, nativeConv2dWithBias(x, W, b));
}

/**
 * x · W + b, recording its multiply-adds for GFLOP/s figures (multiply-adds.ts)
 * and its output for architecture figures (layer-outputs.ts). It stays on
 * tfjs's matMul and add: TensorFlow's fused MatMul + BiasAdd corrupted the heap
 * now and then (environment.md).
 */
export function matMulPlusBias(x: tf.Tensor2D, W: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  recordMatMul(x.shape, W.shape);
  return recordLayerOutput("fully connected", x, W.shape, tf.add(tf.matMul(x, W), b));
}

/**
 * Max pooling: the largest value of each size×size window, windows moving `size`
 * pixels (not overlapping), SAME padding; the chapter's tf.nn.max_pool with
 * ksize=[1, size, size, 1] and strides=[1, size, size, 1] (batch, height, width,
 * channels: one image and one channel at a time).
 */
export function maxPool(x: tf.Tensor4D, size: number): tf.Tensor4D {
  return nativeMaxPool(x, size);
}

/** Max pooling over 2×2 windows, stride 2, SAME padding: halves height and width (rounding up). */
export function maxPool2x2(x: tf.Tensor4D): tf.Tensor4D {
  return maxPool(x, 2);
}

// tfjs differentiates ReLU with six small kernels; TensorFlow's ReluGrad is one.
const reluWithNativeGradient = tf.customGrad((x, save) => {
  const activation = tf.relu(x as tf.Tensor);
  (save as tf.GradSaveFunc)([activation]);
  return {
    value: activation,
    gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => runNativeOp("ReluGrad", [attr.dtype("T", "float32")], [dy, saved])[0],
  };
});

/** max(x, 0), elementwise. */
export function relu<T extends tf.Tensor>(x: T): T {
  return reluWithNativeGradient(x) as T;
}

/** Convolution with a new W of `shape` [height, width, in, out], plus a new bias, then ReLU. */
export function convLayer(input: tf.Tensor4D, shape: [number, number, number, number]): tf.Tensor4D {
  const W = weightVariable(shape);
  const b = biasVariable([shape[3]]);
  return relu(conv2dPlusBias(input, W, b));
}

/** input · W + b with a new W of shape [input size, size] and a new bias (no activation). */
export function fullLayer(input: tf.Tensor2D, size: number): tf.Tensor2D {
  const W = weightVariable([input.shape[1], size]);
  const b = biasVariable([size]);
  return matMulPlusBias(input, W, b);
}

function dropoutSeed(seed: number | undefined): SeedPair {
  if (seed !== undefined) {
    return [checkSeed(seed, "dropout: seed"), 0];
  }
  return activeSeedStream()?.next() ?? [randomSeed(), randomSeed()];
}

/**
 * Keeps each value with probability `keepProb` and scales kept values by
 * 1/keepProb (the chapter's tf.nn.dropout with keep_prob); keepProb 1 returns
 * `x` unchanged, as at evaluation. The mask comes from `seed` when given (the
 * same seed, the same mask), else inside a model from the model's seed, so
 * seeded runs repeat exactly; otherwise it is random.
 */
export function dropout<T extends tf.Tensor>(x: T, keepProb: number, seed?: number): T {
  if (!(keepProb > 0 && keepProb <= 1)) {
    throw new Error(`dropout: the keep probability must be in (0, 1], got ${keepProb}.`);
  }
  if (keepProb === 1) {
    return x;
  }
  return tf.tidy(() => {
    const keepMask = tf.floor(tf.add(statelessUniform(x.shape, dropoutSeed(seed)), keepProb));
    return tf.mul(x, tf.div(keepMask, keepProb));
  });
}
