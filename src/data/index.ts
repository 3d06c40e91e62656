/** The data layer: MNIST and CIFAR-10 loaders, image sets, tf.data-style batching, tiny generated datasets. */
export { DatasetError } from "./errors";
export { ImageSet } from "./image-set";
export type { ImageSetData } from "./image-set";
export { BatchIterator, BatchPipeline, Pipeline } from "./pipeline";
// Batch ({ xs, ys }) is exported by the training module, which has the same shape.
export type { BatchOptions, ShuffleOptions } from "./pipeline";
export type { DatasetSplits, LoadOptions } from "./locate";
export type { Checksum } from "./download";
export { CIFAR10_CLASS_NAMES, MNIST_CLASS_NAMES } from "./layout";
export { loadMnist } from "./mnist";
export { loadCifar10 } from "./cifar10";
export { holdOut, type HeldOut } from "./hold-out";
export { writeTinyDatasets } from "./tiny";
export type { TinyDatasetSizes } from "./tiny";
