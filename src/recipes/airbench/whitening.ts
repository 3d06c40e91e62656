/**
 * airbench's whitening initialisation: the first convolution's filters are
 * the eigenvectors of the covariance of small image patches, each scaled by
 * 1/√(eigenvalue + ε), together with their negatives. Its output channels are
 * then uncorrelated with unit variance on the training images (the negatives
 * keep both signs of each component through the following ReLU-like
 * activation). TensorFlow's SelfAdjointEigV2 does the eigen-decomposition.
 */
import { tf } from "../../native/backend";
import { attr, runNativeOp } from "../../native/ops";

export interface WhiteningSettings {
  /** Height and width of the patches and filters (airbench: 2). */
  patchSize: number;
  /** Added to each eigenvalue before the square root, so near-constant directions are not blown up (airbench: 5e-4). */
  epsilon: number;
}

export const AIRBENCH_WHITENING: WhiteningSettings = { patchSize: 2, epsilon: 5e-4 };

export interface Whitening {
  /** [patchSize, patchSize, channels, 2·patchSize²·channels]: the scaled eigenvectors, largest eigenvalue first, then their negatives. */
  filters: tf.Tensor4D;
  /** The patch covariance's eigenvalues, largest first. */
  eigenvalues: tf.Tensor1D;
}

/** Every patchSize×patchSize patch of `images` (stride 1, no padding) as a row, flattened in height, width, channel order. */
function patchRows(images: tf.Tensor4D, patchSize: number): tf.Tensor2D {
  const size = patchSize * patchSize * images.shape[3];
  // A convolution whose k-th filter picks the patch's k-th value.
  const pickers = tf.reshape(tf.eye(size), [patchSize, patchSize, images.shape[3], size]) as tf.Tensor4D;
  return tf.reshape(tf.conv2d(images, pickers, 1, "valid"), [-1, size]);
}

/** Mean of the outer products of the patches with themselves (not centred, as airbench computes it). */
export function patchCovariance(images: tf.Tensor4D, patchSize: number): tf.Tensor2D {
  return tf.tidy(() => {
    const patches = patchRows(images, patchSize);
    return tf.div(tf.matMul(patches, patches, true, false), patches.shape[0]) as tf.Tensor2D;
  });
}

/** The whitening filters for `images` [count, height, width, channels] (airbench uses 5000 training images). */
export function whiteningFilters(images: tf.Tensor4D, settings: WhiteningSettings = AIRBENCH_WHITENING): Whitening {
  const { patchSize, epsilon } = settings;
  if (images.shape[1] < patchSize || images.shape[2] < patchSize) {
    throw new Error(`whiteningFilters: images of ${images.shape[1]}×${images.shape[2]} pixels are smaller than the ${patchSize}×${patchSize} patches.`);
  }
  return tf.tidy(() => {
    const covariance = patchCovariance(images, patchSize);
    const [ascendingValues, ascendingVectors] = runNativeOp(
      "SelfAdjointEigV2",
      [attr.dtype("T", "float32"), attr.bool("compute_v", true)],
      [covariance],
      2,
    );
    const eigenvalues = tf.reverse(ascendingValues, 0) as tf.Tensor1D;
    // Columns are eigenvectors.
    const eigenvectors = tf.reverse(ascendingVectors, 1);
    const scaled = tf.div(eigenvectors, tf.sqrt(tf.add(eigenvalues, epsilon)));
    const size = covariance.shape[0];
    const filters = tf.reshape(tf.concat([scaled, tf.neg(scaled)], 1), [patchSize, patchSize, images.shape[3], 2 * size]) as tf.Tensor4D;
    return { filters, eigenvalues };
  });
}
