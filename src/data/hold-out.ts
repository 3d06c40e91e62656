/**
 * A validation set held out of a training set: the same number of images of
 * every class, chosen by a seed, so that choices about a recipe are made
 * without looking at the test set, which is kept for the final figure.
 */
import { checkSeed } from "../seed";
import { ImageSet } from "./image-set";
import { mulberry32, permutation } from "./random";

export interface HeldOut {
  /** The training set without the held-out images, in their original order. */
  train: ImageSet;
  /** The held-out images, `count / numClasses` of each class, in their original order. */
  validation: ImageSet;
}

/** The images of `set` at `indices` (in that order) as a new set (a copy), named `id`. */
function imagesAt(set: ImageSet, indices: readonly number[], id: string): ImageSet {
  const imageSize = set.height * set.width * set.channels;
  const pixels = new Uint8Array(indices.length * imageSize);
  const labels = new Uint8Array(indices.length);
  indices.forEach((index, i) => {
    pixels.set(set.pixels.subarray(index * imageSize, (index + 1) * imageSize), i * imageSize);
    labels[i] = set.labels[index];
  });
  return new ImageSet({ pixels, labels, height: set.height, width: set.width, channels: set.channels, numClasses: set.numClasses, classNames: set.datasetClassNames, datasetId: id });
}

/**
 * Holds `count` images of `set` out as a validation set, `count / numClasses` of each
 * class picked at random by `seed`: e.g. 5,000 of CIFAR-10's 50,000 training images.
 */
export function holdOut(set: ImageSet, options: { count: number; seed: number }): HeldOut {
  const { count } = options;
  const seed = checkSeed(options.seed, "holdOut: seed");
  const perClass = count / set.numClasses;
  const classCounts = set.classCounts();
  if (!Number.isInteger(perClass) || perClass < 1) {
    throw new Error(`holdOut: count must be a positive multiple of the ${set.numClasses} classes, got ${count}.`);
  }
  const short = classCounts.findIndex((classCount) => classCount <= perClass);
  if (short >= 0) {
    throw new Error(`holdOut: class ${short} has ${classCounts[short]} images in ${set.datasetId}; holding out ${perClass} of each class would leave it none to train on.`);
  }
  const random = mulberry32(seed);
  const held = new Uint8Array(set.count);
  for (let label = 0; label < set.numClasses; label++) {
    const ofClass = Array.from(set.labels.keys()).filter((index) => set.labels[index] === label);
    const order = permutation(ofClass.length, random);
    for (let k = 0; k < perClass; k++) held[ofClass[order[k]]] = 1;
  }
  const indices = Array.from(set.labels.keys());
  const what = `held out ${count}, seed ${seed}`;
  return {
    train: imagesAt(set, indices.filter((index) => !held[index]), `${set.datasetId}[without ${what}]`),
    validation: imagesAt(set, indices.filter((index) => held[index] === 1), `${set.datasetId}[${what}]`),
  };
}
