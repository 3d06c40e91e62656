/**
 * Batch normalisation without a scale (γ fixed at 1) and with a learnable
 * offset, as airbench uses it. TensorFlow's FusedBatchNormV3 normalises a
 * batch and updates the running statistics in one kernel, and
 * FusedBatchNormGradV3 is its gradient; tfjs would build both from a dozen
 * small ops. Registered as a tfjs kernel with its gradient, so tf.grads
 * differentiates through it.
 */
import { tf } from "../native/backend";
import { attr, runNativeOp, type NativeAttr } from "../native/ops";

const BATCH_NORM_TRAINING = "ChapterBatchNormTraining";

export interface BatchNormSettings {
  /** Weight of the old running statistics in each update (airbench: 0.6). */
  momentum: number;
  /** Added to the variance before its square root (airbench: 1e-12). */
  epsilon: number;
}

/** Running mean and variance per channel, as inference uses them. */
export interface RunningStatistics {
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

function batchNormAttrs(epsilon: number, isTraining: boolean): NativeAttr[] {
  return [
    attr.dtype("T", "float32"),
    attr.dtype("U", "float32"),
    attr.float("epsilon", epsilon),
    attr.string("data_format", "NHWC"),
    attr.bool("is_training", isTraining),
  ];
}

function channelsOf(x: tf.Tensor): number {
  return x.shape[x.shape.length - 1];
}

tf.registerKernel({
  kernelName: BATCH_NORM_TRAINING,
  backendName: "tensorflow",
  kernelFunc: ({ inputs: { x, offset, runningMean, runningVariance }, attrs }) => {
    const { momentum, epsilon } = attrs as unknown as BatchNormSettings;
    const scale = tf.ones([channelsOf(x as tf.Tensor)]);
    try {
      // Outputs: y, the updated running mean and variance (TensorFlow blends
      // them with weight exponential_avg_factor on the batch's; the variance
      // with Bessel's correction), and three reserve spaces the gradient reads.
      return runNativeOp(
        "FusedBatchNormV3",
        [...batchNormAttrs(epsilon, true), attr.float("exponential_avg_factor", 1 - momentum)],
        [x as tf.Tensor, scale, offset as tf.Tensor, runningMean as tf.Tensor, runningVariance as tf.Tensor],
        6,
      );
    } finally {
      scale.dispose();
    }
  },
});
tf.registerGradient({
  kernelName: BATCH_NORM_TRAINING,
  inputsToSave: ["x"],
  outputsToSave: [false, false, false, true, true, true],
  gradFunc: (dys, [x, reserve1, reserve2, reserve3], attrs) => {
    const { epsilon } = attrs as unknown as BatchNormSettings;
    // Only y has a gradient; the running statistics are not differentiated.
    const dy = (dys as Array<tf.Tensor | null>)[0] ?? tf.zerosLike(x);
    // One native op computes both gradients, so it runs here, once, rather
    // than in each input's gradient function.
    const scale = tf.ones([channelsOf(x)]);
    const [dx, , dOffset] = runNativeOp("FusedBatchNormGradV3", batchNormAttrs(epsilon, true), [dy, x, scale, reserve1, reserve2, reserve3], 5);
    const statisticsGradient = () => tf.zeros([channelsOf(x)]);
    return {
      x: () => dx,
      offset: () => dOffset,
      runningMean: statisticsGradient,
      runningVariance: statisticsGradient,
    };
  },
});

function checkChannels(x: tf.Tensor, offset: tf.Tensor, statistics: RunningStatistics): void {
  if (x.rank !== 4) {
    throw new Error(`batchNorm: expected a batch of images [batch, height, width, channels], got shape [${x.shape}].`);
  }
  const channels = channelsOf(x);
  for (const [name, tensor] of [
    ["offset", offset],
    ["running mean", statistics.mean],
    ["running variance", statistics.variance],
  ] as const) {
    if (tensor.rank !== 1 || tensor.shape[0] !== channels) {
      throw new Error(`batchNorm: the ${name} has shape [${tensor.shape}], but the input [${x.shape}] has ${channels} channels; pass one value per channel.`);
    }
  }
}

/**
 * Training mode: normalises `x` [batch, height, width, channels] with the
 * batch's own mean and (biased) variance per channel, adds `offset`, and
 * returns the running statistics blended towards the batch's:
 * new = momentum·old + (1 − momentum)·batch, the variance Bessel-corrected.
 */
export function batchNormTraining(
  x: tf.Tensor4D,
  offset: tf.Tensor1D,
  running: RunningStatistics,
  settings: BatchNormSettings,
): { output: tf.Tensor4D; running: RunningStatistics } {
  checkChannels(x, offset, running);
  const [output, mean, variance] = tf.engine().runKernel(
    BATCH_NORM_TRAINING,
    { x, offset, runningMean: running.mean, runningVariance: running.variance },
    { ...settings } as unknown as tf.NamedAttrMap,
  ) as tf.Tensor[];
  return { output: output as tf.Tensor4D, running: { mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D } };
}

/** Inference mode: normalises `x` with the running statistics, then adds `offset`. */
export function batchNormInference(
  x: tf.Tensor4D,
  offset: tf.Tensor1D,
  running: RunningStatistics,
  epsilon: number,
): tf.Tensor4D {
  checkChannels(x, offset, running);
  return tf.tidy(() => {
    const scale = tf.ones([channelsOf(x)]);
    return runNativeOp("FusedBatchNormV3", batchNormAttrs(epsilon, false), [x, scale, offset, running.mean, running.variance], 6)[0] as tf.Tensor4D;
  });
}
