/** A grid of randomly chosen images from a data set, reproducible with a seed. */
import { tf } from "../../native/backend";
import type { ImageGridOptions } from "./image-grid";
import { showImageGrid } from "./show-images";
import { mulberry32, permutation } from "../../data/random";
import { localized } from "../../language";

/**
 * The least a data set must offer to be sampled: its size and a way to get chosen
 * images as float32 [N, H, W, C] in [0, 1]. Every tensor in the returned object is
 * disposed after use.
 */
export interface ImageSource {
  count: number;
  gather(indices: number[]): { xs: tf.Tensor4D };
}

export interface RandomImagesOptions extends ImageGridOptions {
  /** Same seed, same images; default: a different choice each call. */
  seed?: number;
  /** Caption of the image at a data-set index, e.g. `(i) => classNames[labels[i]]`. */
  caption?: (index: number) => string;
}

/**
 * Shows a `size × size` grid of distinct images chosen at random from `images`
 * (a [N, H, W, C] tensor or an {@link ImageSource}), like the chapter's
 * `display_cifar`; works for any image set. The same seed shows the same images:
 * `sampleWithoutReplacement(count, size * size, seed)`, row by row.
 */
export async function displayCifar(
  images: tf.Tensor4D | ImageSource,
  size: number,
  options: RandomImagesOptions = {},
): Promise<void> {
  const count = images instanceof tf.Tensor ? images.shape[0] : images.count;
  if (!Number.isInteger(size) || size < 1 || size * size > count) {
    throw new Error(
      `displayCifar: size must be a positive integer with size × size ≤ ${count} (the number of images); got ${size}.`,
    );
  }
  const { seed, caption, ...gridOptions } = options;
  const indices = sampleWithoutReplacement(count, size * size, seed ?? Math.floor(Math.random() * 2 ** 32));
  const seedNote = seed === undefined ? "" : localized({ en: ` (seed ${seed})`, ko: ` (시드 ${seed})` });
  const batch = images instanceof tf.Tensor ? { xs: tf.gather(images, indices) } : images.gather(indices);
  try {
    await showImageGrid(batch.xs, {
      cols: size,
      ...gridOptions,
      captions: caption ? indices.map((index) => caption(index)) : undefined,
      description: localized({ en: `${size * size} of the ${count} images, chosen at random${seedNote}`, ko: `이미지 ${count}장 가운데 무작위로 고른 ${size * size}장${seedNote}` }),
    });
  } finally {
    tf.dispose(batch as unknown as tf.TensorContainer);
  }
}

/** `k` distinct integers from [0, n), in random order, determined by `seed`: the first `k` of a seeded permutation. */
export function sampleWithoutReplacement(n: number, k: number, seed: number): number[] {
  return Array.from(permutation(n, mulberry32(seed)).subarray(0, k));
}
