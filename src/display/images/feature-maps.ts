/** Showing what a conv layer learned: its filters and the feature maps it produces. */
import { tf } from "../../backend";
import type { ImageGridOptions } from "./image-grid";
import { showImageGrid } from "./show-images";

/**
 * Scales every tile of a [N, H, W, C] batch to [0, 1] on its own: its minimum becomes 0,
 * its maximum 1 (a constant tile becomes 0). Weights and activations have no fixed range.
 */
export function normalizeEachTile(tiles: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const low = tiles.min([1, 2, 3], true);
    const range = tiles.max([1, 2, 3], true).sub(low);
    return tiles.sub(low).div(range.maximum(1e-12));
  });
}

/**
 * Feature maps of one image, [H, W, K] or [1, H, W, K] (a conv layer's output), as K
 * normalized grayscale tiles [K, H, W, 1].
 */
export function featureMapTiles(maps: tf.Tensor3D | tf.Tensor4D): tf.Tensor4D {
  if (!(maps.rank === 3 || (maps.rank === 4 && maps.shape[0] === 1))) {
    throw new Error(
      `featureMapTiles: expected the feature maps of one image, shape [H, W, K] or [1, H, W, K], ` +
        `got [${maps.shape.join(", ")}]. Slice one image out of the batch first.`,
    );
  }
  return tf.tidy(() => {
    const [height, width, count] = maps.shape.slice(-3);
    const tiles = maps.reshape([height, width, count]).transpose([2, 0, 1]).expandDims(-1) as tf.Tensor4D;
    return normalizeEachTile(tiles);
  });
}

/**
 * A conv kernel [kh, kw, inChannels, outChannels] as normalized tiles: one RGB or gray
 * tile per filter when inChannels is 3 or 1, else one gray tile per (filter, input
 * channel), filter by filter.
 */
export function filterTiles(kernel: tf.Tensor4D): tf.Tensor4D {
  if (kernel.rank !== 4) {
    throw new Error(
      `filterTiles: expected a conv kernel [kh, kw, inChannels, outChannels], got shape [${kernel.shape.join(", ")}]. ` +
        'Pass a conv layer\'s weight, e.g. model.variable("weight1").read().',
    );
  }
  return tf.tidy(() => {
    const [kh, kw, inChannels, outChannels] = kernel.shape;
    const perFilter = kernel.transpose([3, 0, 1, 2]);
    const tiles =
      inChannels === 1 || inChannels === 3
        ? perFilter
        : perFilter.transpose([0, 3, 1, 2]).reshape([outChannels * inChannels, kh, kw, 1]);
    return normalizeEachTile(tiles as tf.Tensor4D);
  });
}

/** Displays the feature maps of one image as a grid (see {@link featureMapTiles}). */
export async function showFeatureMaps(maps: tf.Tensor3D | tf.Tensor4D, options: ImageGridOptions = {}): Promise<void> {
  const tiles = featureMapTiles(maps);
  try {
    await showImageGrid(tiles, options);
  } finally {
    tiles.dispose();
  }
}

/** Displays a conv kernel's filters as a grid (see {@link filterTiles}). */
export async function showFilters(kernel: tf.Tensor4D, options: ImageGridOptions = {}): Promise<void> {
  const tiles = filterTiles(kernel);
  const inChannels = kernel.shape[2];
  // One row per filter when each input channel gets its own tile.
  const cols = inChannels === 1 || inChannels === 3 ? undefined : inChannels;
  try {
    await showImageGrid(tiles, { cols, ...options });
  } finally {
    tiles.dispose();
  }
}
