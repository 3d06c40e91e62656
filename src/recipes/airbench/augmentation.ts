/**
 * airbench's data augmentation: each image padded by reflection and cropped
 * back to its size at a random offset (a random translation of up to
 * `translate` pixels), and a left-right flip that alternates: a random half of
 * the images starts flipped, and every odd epoch flips the whole set, so each
 * image is seen in both orientations on alternate epochs (less repetition than
 * a fresh coin each epoch).
 *
 * The crop and flip are two gathers of rows and columns with per-image
 * indices; the reflection is folded into those indices, so no padded copy of
 * the data is made.
 */
import { tf } from "../../native/backend";
import { checkSeed } from "../../seed";
import { deriveSeed, mulberry32 } from "../../data/random";

/** Per image: the crop's offset in the padded image, and whether it is flipped left-right. */
export interface AugmentationPlan {
  rowOffsets: Int32Array;
  columnOffsets: Int32Array;
  flips: Uint8Array;
}

/** Index `position` of a row (or column) of the image reflect-padded by `padding`, as an index into the unpadded one. */
function reflectedIndex(position: number, padding: number, size: number): number {
  const index = position - padding;
  if (index < 0) {
    return -index;
  }
  return index > size - 1 ? 2 * (size - 1) - index : index;
}

/**
 * Crops each image of `images` [batch, height, width, channels], reflect-padded
 * by `translate`, to its original size at that image's offsets (each from 0 to
 * 2·translate), then flips it left-right where `flips` is 1. Entry i of the
 * plan's arrays is for row i of the batch.
 */
export function cropAndFlip(images: tf.Tensor4D, plan: AugmentationPlan, translate: number): tf.Tensor4D {
  const [batch, height, width] = images.shape;
  if (translate < 0 || translate >= Math.min(height, width)) {
    throw new Error(`cropAndFlip: translate ${translate} must be from 0 to ${Math.min(height, width) - 1} for ${height}×${width} images.`);
  }
  for (const [name, values] of Object.entries(plan) as Array<[string, ArrayLike<number>]>) {
    if (values.length !== batch) {
      throw new Error(`cropAndFlip: the plan's ${name} has ${values.length} entries for a batch of ${batch} images; give one per image.`);
    }
  }
  const rows = new Int32Array(batch * height);
  const columns = new Int32Array(batch * width);
  for (let image = 0; image < batch; image++) {
    for (let row = 0; row < height; row++) {
      rows[image * height + row] = reflectedIndex(plan.rowOffsets[image] + row, translate, height);
    }
    for (let column = 0; column < width; column++) {
      const source = plan.flips[image] === 1 ? width - 1 - column : column;
      columns[image * width + column] = reflectedIndex(plan.columnOffsets[image] + source, translate, width);
    }
  }
  return tf.tidy(() => {
    const croppedRows = tf.gather(images, tf.tensor2d(rows, [batch, height], "int32"), 1, 1);
    return tf.gather(croppedRows, tf.tensor2d(columns, [batch, width], "int32"), 2, 1) as tf.Tensor4D;
  });
}

/**
 * Seeded plans for every epoch of a training set of `imageCount` images,
 * indexed by image (not by position in a shuffled batch).
 */
export class AirbenchAugmentation {
  private readonly initialFlips: Uint8Array;

  constructor(readonly imageCount: number, readonly seed: number, readonly translate = 2) {
    checkSeed(seed, "augmentation seed");
    const random = mulberry32(deriveSeed(seed, 0));
    this.initialFlips = Uint8Array.from({ length: imageCount }, () => (random() < 0.5 ? 1 : 0));
  }

  /** Each image's crop offsets (fresh each epoch) and flip (its initial flip, inverted on odd epochs). */
  epochPlan(epoch: number): AugmentationPlan {
    if (!Number.isInteger(epoch) || epoch < 0) {
      throw new Error(`AirbenchAugmentation: epoch ${epoch} must be a whole number from 0.`);
    }
    const random = mulberry32(deriveSeed(this.seed, epoch + 1));
    const offset = () => Math.floor(random() * (2 * this.translate + 1));
    const rowOffsets = Int32Array.from({ length: this.imageCount }, offset);
    const columnOffsets = Int32Array.from({ length: this.imageCount }, offset);
    const flips = this.initialFlips.map((flip) => flip ^ (epoch % 2));
    return { rowOffsets, columnOffsets, flips };
  }
}

/** The plan's entries for `indices` (the images of one batch, in batch order). */
export function planForBatch(plan: AugmentationPlan, indices: ArrayLike<number>): AugmentationPlan {
  return {
    rowOffsets: Int32Array.from(indices, (i) => plan.rowOffsets[i]),
    columnOffsets: Int32Array.from(indices, (i) => plan.columnOffsets[i]),
    flips: Uint8Array.from(indices, (i) => plan.flips[i]),
  };
}
