import { tf } from "../native/backend";
import { currentLanguage } from "../language";
import { datasetIdOfContent, subsetId } from "./identity";
import { CIFAR10_KOREAN_CLASS_NAMES } from "./layout";
import { Batch, Pipeline } from "./pipeline";

/** What an ImageSet is made of; `pixels` is NHWC uint8, `labels` class indices. */
export interface ImageSetData {
  pixels: Uint8Array;
  labels: Uint8Array;
  height: number;
  width: number;
  channels: number;
  numClasses: number;
  classNames?: readonly string[];
  /** See ImageSet.datasetId; by default "images:" and a hash of the shape, pixels and labels. */
  datasetId?: string;
}

// v / 255 for every byte value, so conversion is one table look-up per pixel.
const UNIT_FLOAT_OF_BYTE = Float32Array.from({ length: 256 }, (_, value) => value / 255);

/**
 * One split of an image-classification dataset. The pixels stay resident once,
 * as uint8 (MNIST train: 47 MB, CIFAR-10 train: 154 MB); tensors are made on
 * request, as float32 in [0, 1], for just the images asked for. Every tensor
 * returned is the caller's: dispose it or create it inside `tf.tidy`.
 */
export class ImageSet {
  /** Number of images. */
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly numClasses: number;
  /** All pixels, NHWC uint8 (0..255), read-only by convention. */
  readonly pixels: Uint8Array;
  /** Class index of every image. */
  readonly labels: Uint8Array;
  /** The dataset's own name of each class index (CIFAR-10's "airplane", …), when it has them. */
  readonly datasetClassNames?: readonly string[];
  private readonly imageSize: number;
  /** Gives the id when it is first asked for: hashing a large set in memory takes a noticeable fraction of a second. */
  private identify: () => string;

  constructor(data: ImageSetData) {
    this.height = data.height;
    this.width = data.width;
    this.channels = data.channels;
    this.numClasses = data.numClasses;
    this.imageSize = data.height * data.width * data.channels;
    this.count = data.labels.length;
    if (data.pixels.length !== this.count * this.imageSize) {
      throw new RangeError(
        `ImageSet: ${data.pixels.length} pixel bytes do not make ${this.count} images of ` +
          `${data.height}x${data.width}x${data.channels}.`,
      );
    }
    if (data.classNames !== undefined && data.classNames.length !== data.numClasses) {
      throw new RangeError(`ImageSet: ${data.classNames.length} class names given for ${data.numClasses} classes.`);
    }
    this.pixels = data.pixels;
    this.labels = data.labels;
    this.datasetClassNames = data.classNames;
    const { datasetId } = data;
    this.identify =
      datasetId !== undefined
        ? () => datasetId
        : () => datasetIdOfContent("images", [this.count, this.height, this.width, this.channels, this.numClasses], this.pixels, this.labels);
  }

  /**
   * What data this is, e.g. "mnist-train:1a2b3c4d" (the split's name and a short
   * hash of its files), or "mnist-train:1a2b3c4d[0:5000]" for a slice; pipelines
   * over the set report it, and cached weights record it.
   */
  get datasetId(): string {
    const id = this.identify();
    this.identify = () => id;
    return id;
  }

  /** Images `start` (inclusive) to `end` (exclusive) as float32 [end-start, H, W, C] in [0, 1]. */
  images(start = 0, end = this.count): tf.Tensor4D {
    this.checkRange("images", start, end);
    const values = new Float32Array((end - start) * this.imageSize);
    const bytes = this.pixels.subarray(start * this.imageSize, end * this.imageSize);
    for (let i = 0; i < bytes.length; i++) values[i] = UNIT_FLOAT_OF_BYTE[bytes[i]];
    return tf.tensor4d(values, [end - start, this.height, this.width, this.channels]);
  }

  /** One-hot labels of images `start` to `end` (exclusive): float32 [end-start, numClasses]. */
  oneHot(start = 0, end = this.count): tf.Tensor2D {
    this.checkRange("oneHot", start, end);
    const values = new Float32Array((end - start) * this.numClasses);
    for (let i = start; i < end; i++) values[(i - start) * this.numClasses + this.labels[i]] = 1;
    return tf.tensor2d(values, [end - start, this.numClasses]);
  }

  /** Image `index` as float32 [H, W, C] in [0, 1], e.g. for plotting. */
  image(index: number): tf.Tensor3D {
    this.checkIndex("image", index);
    return tf.tidy(() => this.images(index, index + 1).squeeze<tf.Tensor3D>([0]));
  }

  /** The images and one-hot labels at `indices`, in that order, as one batch. */
  gather(indices: ArrayLike<number>): Batch {
    const n = indices.length;
    const xs = new Float32Array(n * this.imageSize);
    const ys = new Float32Array(n * this.numClasses);
    for (let row = 0; row < n; row++) {
      const index = indices[row];
      this.checkIndex("gather", index);
      const from = index * this.imageSize;
      const to = row * this.imageSize;
      for (let i = 0; i < this.imageSize; i++) xs[to + i] = UNIT_FLOAT_OF_BYTE[this.pixels[from + i]];
      ys[row * this.numClasses + this.labels[index]] = 1;
    }
    return {
      xs: tf.tensor4d(xs, [n, this.height, this.width, this.channels]),
      ys: tf.tensor2d(ys, [n, this.numClasses]),
    };
  }

  /** Images `start` to `end` (exclusive) as their own ImageSet, sharing this one's memory. */
  slice(start: number, end: number): ImageSet {
    this.checkRange("slice", start, end);
    const subset = new ImageSet({
      pixels: this.pixels.subarray(start * this.imageSize, end * this.imageSize),
      labels: this.labels.subarray(start, end),
      height: this.height,
      width: this.width,
      channels: this.channels,
      numClasses: this.numClasses,
      classNames: this.datasetClassNames,
    });
    subset.identify = () => subsetId(this.datasetId, start, end);
    return subset;
  }

  /** The name of each class index for a reader, in the current language (CIFAR-10's in Korean for "ko"). */
  get classNames(): readonly string[] | undefined {
    if (currentLanguage() !== "ko") return this.datasetClassNames;
    return this.datasetClassNames?.map((name) => CIFAR10_KOREAN_CLASS_NAMES[name] ?? name);
  }

  /** Number of images of each class, indexed by class. */
  classCounts(): number[] {
    const counts = new Array<number>(this.numClasses).fill(0);
    for (const label of this.labels) counts[label]++;
    return counts;
  }

  /**
   * The start of an input pipeline over this set, in image order, e.g.
   * `set.pipeline().shuffle(100000, { seed: 42 }).repeat().batch(50)`.
   */
  pipeline(): Pipeline {
    return Pipeline.over(this);
  }

  private checkRange(method: string, start: number, end: number): void {
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > this.count || start > end) {
      throw new RangeError(
        `ImageSet.${method}(${start}, ${end}): need whole numbers with 0 <= start <= end <= ${this.count}.`,
      );
    }
  }

  private checkIndex(method: string, index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.count) {
      throw new RangeError(`ImageSet.${method}: index ${index} is not a whole number in 0..${this.count - 1}.`);
    }
  }
}
