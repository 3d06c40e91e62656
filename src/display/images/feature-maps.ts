/** Showing what a conv layer learned: its filters and the feature maps it produces. */
import { tf } from "../../native/backend";
import { gridLayout, type ImageGridOptions } from "./image-grid";
import { showImageGrid } from "./show-images";
import { localized } from "../../language";

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
 * Weights on one shared scale, [N, H, W, C] to [0, 1]: 0 becomes mid-gray (0.5) and the
 * largest magnitude among all tiles 0 or 1, so tiles can be compared with one another (a
 * filter of small weights looks faint, not stretched to full contrast).
 */
export function sharedSymmetricScale(tiles: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const largest = tiles.abs().max().maximum(1e-12);
    return tiles.div(largest.mul(2)).add(0.5);
  });
}

export interface FilterTilesOptions {
  /** "shared" (default): one scale for all filters, 0 as mid-gray; "each": every tile stretched to its own minimum and maximum. */
  colourScale?: "shared" | "each";
}

/**
 * A conv kernel [kh, kw, inChannels, outChannels] as tiles in [0, 1]: one RGB or gray
 * tile per filter when inChannels is 3 or 1, else one gray tile per (filter, input
 * channel), filter by filter. By default all tiles share one colour scale (see
 * {@link sharedSymmetricScale}).
 */
export function filterTiles(kernel: tf.Tensor4D, options: FilterTilesOptions = {}): tf.Tensor4D {
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
    return options.colourScale === "each" ? normalizeEachTile(tiles as tf.Tensor4D) : sharedSymmetricScale(tiles as tf.Tensor4D);
  });
}

/** Displays the feature maps of one image as a grid (see {@link featureMapTiles}). */
export async function showFeatureMaps(maps: tf.Tensor3D | tf.Tensor4D, options: ImageGridOptions = {}): Promise<void> {
  const tiles = featureMapTiles(maps);
  const [height, width, count] = maps.shape.slice(-3);
  const description = localized({
    en: `The ${count} feature maps (${height}×${width}) of one image, each scaled from its own minimum (black) to maximum (white)`,
    ko: `이미지 하나의 특징 맵 ${count}개(${height}×${width}), 각각 자기 최솟값(검정)에서 최댓값(흰색)까지`,
  });
  try {
    await showImageGrid(tiles, { description, ...options });
  } finally {
    tiles.dispose();
  }
}

export interface ShowFiltersOptions extends ImageGridOptions, FilterTilesOptions {}

/**
 * Displays a conv kernel's filters as a grid (see {@link filterTiles}), on one shared
 * colour scale unless `colourScale: "each"`, with gaps of a tenth of a tile (at least
 * 2 px) between the tiles so neighbouring filters do not run into each other.
 */
export async function showFilters(kernel: tf.Tensor4D, options: ShowFiltersOptions = {}): Promise<void> {
  const tiles = filterTiles(kernel, options);
  const inChannels = kernel.shape[2];
  // One row per filter when each input channel gets its own tile.
  const cols = inChannels === 1 || inChannels === 3 ? undefined : inChannels;
  const tilePixels = gridLayout(tiles, options).tileWidth;
  const padding = Math.max(2, Math.round(tilePixels / 10));
  const [kh, kw, , outChannels] = kernel.shape;
  const description =
    cols === undefined
      ? localized({ en: `The ${outChannels} ${kh}×${kw} filters of a conv layer, one per tile`, ko: `합성곱 계층의 ${kh}×${kw} 필터 ${outChannels}개, 타일마다 하나` })
      : localized({
          en: `The ${outChannels} ${kh}×${kw} filters of a conv layer, one row per filter, one tile per input channel`,
          ko: `합성곱 계층의 ${kh}×${kw} 필터 ${outChannels}개, 필터마다 한 행, 입력 채널마다 타일 하나`,
        });
  try {
    await showImageGrid(tiles, { cols, padding, description, ...options });
  } finally {
    tiles.dispose();
  }
}
