/**
 * Reproducible random numbers drawn natively by TensorFlow's stateless random
 * ops: the same seed pair always gives the same tensor, and nothing is
 * generated in JavaScript (tfjs's own random ops are, which made dropout the
 * slowest part of a training step).
 */
import { tf } from "../native/backend";
import { attr, runNativeOp } from "../native/ops";
import { checkSeed } from "../seed";

/** The two 32-bit integers TensorFlow's stateless random ops take as their seed. */
export type SeedPair = readonly [number, number];

/** Hands out seed pairs (seed, 0), (seed, 1), ... so that a run is reproducible from one seed. */
export class SeedStream {
  private drawn = 0;

  constructor(readonly seed: number) {
    checkSeed(seed);
  }

  next(): SeedPair {
    return [this.seed, this.drawn++];
  }

  /** Runs `body`, then puts the stream back where it was: the pairs drawn inside are drawn again afterwards. */
  withoutAdvancing<T>(body: () => T): T {
    const drawn = this.drawn;
    try {
      return body();
    } finally {
      this.drawn = drawn;
    }
  }
}

function statelessRandom(opName: string, shape: readonly number[], seed: SeedPair): tf.Tensor {
  return tf.tidy(() => {
    const shapeTensor = tf.tensor1d([...shape], "int32");
    const seedTensor = tf.tensor1d([...seed], "int32");
    const attrs = [attr.dtype("dtype", "float32"), attr.dtype("T", "int32"), attr.dtype("Tseed", "int32")];
    return runNativeOp(opName, attrs, [shapeTensor, seedTensor])[0];
  });
}

/** Uniform float32 values in [0, 1). */
export function statelessUniform(shape: readonly number[], seed: SeedPair): tf.Tensor {
  return statelessRandom("StatelessRandomUniform", shape, seed);
}

/** Standard normal float32 values, redrawn when more than 2 standard deviations from 0. */
export function statelessTruncatedNormal(shape: readonly number[], seed: SeedPair): tf.Tensor {
  return statelessRandom("StatelessTruncatedNormal", shape, seed);
}
