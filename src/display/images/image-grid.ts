/** Arranging a batch of images into one grid picture (PNG), with tfjs-node's native encoder. */
import { inspect } from "util";
import { tf } from "../../native/backend";

export interface ImageGridOptions {
  /** Tiles per row; default: a square-ish grid (ceil of the square root of the image count). */
  cols?: number;
  /** Gap between tiles and around the grid, in output pixels (default 1). */
  padding?: number;
  /** Integer nearest-neighbour upscaling; default: enough to make tiles at least 56 px (28 → ×2, 5 → ×12). */
  scale?: number;
  /** Gray level of the gaps, in [0, 1] (default 1: white). */
  background?: number;
}

/** Where the tiles land in the grid picture (all sizes in output pixels). */
export interface GridLayout {
  rows: number;
  cols: number;
  tileWidth: number;
  tileHeight: number;
  padding: number;
  /** Extra blank space under each tile row, for captions. */
  captionHeight: number;
  width: number;
  height: number;
  background: number;
}

const MIN_TILE_PIXELS = 56;

/** Checks that `images` is a [N, H, W, C] batch with C = 1 or 3 and lays out its grid. */
export function gridLayout(images: tf.Tensor, options: ImageGridOptions = {}, captionHeight = 0): GridLayout {
  const [count, height, width, channels] = images.shape;
  if (images.rank !== 4 || count < 1 || (channels !== 1 && channels !== 3) || images.dtype !== "float32") {
    throw new Error(
      `Image grid: expected float32 images of shape [N, height, width, 1 or 3] with N ≥ 1 and values in [0, 1], ` +
        `got ${images.dtype} [${images.shape.join(", ")}]. ` +
        "Add a channel axis with .expandDims(-1) to [N, H, W] batches; divide 0..255 pixels by 255.",
    );
  }
  const scale = options.scale ?? Math.max(1, Math.ceil(MIN_TILE_PIXELS / Math.max(height, width)));
  const padding = options.padding ?? 1;
  const cols = Math.min(count, options.cols ?? Math.ceil(Math.sqrt(count)));
  if (!Number.isInteger(scale) || scale < 1 || !Number.isInteger(padding) || padding < 0 || !Number.isInteger(cols) || cols < 1) {
    throw new Error(
      `Image grid: scale (${scale}) and cols (${cols}) must be positive integers and padding (${padding}) a non-negative integer.`,
    );
  }
  const rows = Math.ceil(count / cols);
  const tileWidth = width * scale;
  const tileHeight = height * scale;
  return {
    rows,
    cols,
    tileWidth,
    tileHeight,
    padding,
    captionHeight,
    width: padding + cols * (tileWidth + padding),
    height: padding + rows * (tileHeight + captionHeight + padding),
    background: options.background ?? 1,
  };
}

/** Top-left corner of tile `index` (row-major) in the grid picture. */
export function tileOrigin(layout: GridLayout, index: number): { x: number; y: number } {
  const row = Math.floor(index / layout.cols);
  const col = index % layout.cols;
  return {
    x: layout.padding + col * (layout.tileWidth + layout.padding),
    y: layout.padding + row * (layout.tileHeight + layout.captionHeight + layout.padding),
  };
}

/** The grid as an int32 [height, width, C] image with values 0..255. */
export function gridPixels(images: tf.Tensor4D, layout: GridLayout): tf.Tensor3D {
  return tf.tidy(() => {
    const [count, , , channels] = images.shape;
    const { rows, cols, tileWidth, tileHeight, padding, captionHeight, background } = layout;
    let tiles = tf.clipByValue(images, 0, 1);
    if (tileHeight !== images.shape[1] || tileWidth !== images.shape[2]) {
      tiles = tf.image.resizeNearestNeighbor(tiles, [tileHeight, tileWidth]);
    }
    const blanks = rows * cols - count;
    if (blanks > 0) tiles = tf.concat([tiles, tf.fill([blanks, tileHeight, tileWidth, channels], background) as tf.Tensor4D]);
    // Gap below and right of every tile; the top and left edges are added once for the whole grid.
    const cellHeight = tileHeight + captionHeight + padding;
    const cellWidth = tileWidth + padding;
    const cells = tf.pad(tiles, [[0, 0], [0, captionHeight + padding], [0, padding], [0, 0]], background);
    const grid = cells
      .reshape([rows, cols, cellHeight, cellWidth, channels])
      .transpose([0, 2, 1, 3, 4])
      .reshape([rows * cellHeight, cols * cellWidth, channels]);
    const framed = tf.pad(grid, [[padding, 0], [padding, 0], [0, 0]], background);
    return framed.mul(255).round().toInt() as tf.Tensor3D;
  });
}

/**
 * PNG file bytes. Prints as a one-line summary, so a notebook cell ending in
 * `await showImageGrid(...)` does not dump thousands of numbers.
 */
export class PngBytes extends Uint8Array {
  [inspect.custom](): string {
    return `<PNG image, ${this.length} bytes>`;
  }
}

/**
 * PNG bytes of `images` (float32 [N, H, W, C] in [0, 1], C = 1 or 3) arranged in a
 * grid, row by row; values outside [0, 1] are clipped.
 */
export async function imageGrid(images: tf.Tensor4D, options: ImageGridOptions = {}): Promise<Uint8Array> {
  return encodeGrid(images, gridLayout(images, options));
}

export async function encodeGrid(images: tf.Tensor4D, layout: GridLayout): Promise<Uint8Array> {
  const pixels = gridPixels(images, layout);
  try {
    const bytes = await tf.node.encodePng(pixels);
    return new PngBytes(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength);
  } finally {
    pixels.dispose();
  }
}
