/**
 * GELU in its exact form, x·Φ(x) = 0.5·x·(1 + erf(x/√2)), the activation
 * airbench uses. TensorFlow 2.21 has no Gelu op, so it is built from Erf;
 * its gradient, Φ(x) + x·φ(x), is written out so that tfjs does not
 * differentiate each small op.
 */
import { tf } from "../native/backend";

const SQRT_HALF = Math.SQRT1_2;
/** 1/√(2π), the standard normal density's constant. */
const NORMAL_DENSITY_SCALE = 1 / Math.sqrt(2 * Math.PI);

/** Φ(x), the standard normal cumulative distribution. */
function normalCdf(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.add(tf.erf(tf.mul(x, SQRT_HALF)), 1), 0.5);
}

// The forward pass keeps Φ(x), so the gradient needs no second Erf.
const geluWithGradient = tf.customGrad((x, save) => {
  const cdf = normalCdf(x as tf.Tensor);
  (save as tf.GradSaveFunc)([x as tf.Tensor, cdf]);
  return {
    value: tf.mul(x as tf.Tensor, cdf),
    gradFunc: (dy: tf.Tensor, [savedX, savedCdf]: tf.Tensor[]) => {
      const density = tf.mul(tf.exp(tf.mul(tf.square(savedX), -0.5)), NORMAL_DENSITY_SCALE);
      return tf.mul(dy, tf.add(savedCdf, tf.mul(savedX, density)));
    },
  };
});

/** x·Φ(x), elementwise (the exact GELU, not its tanh approximation). */
export function gelu<T extends tf.Tensor>(x: T): T {
  return geluWithGradient(x) as T;
}
