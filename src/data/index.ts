/** The data layer: MNIST and CIFAR-10 loaders, image sets, tf.data-style batching, tiny generated datasets. */
export { DatasetError } from "./errors";
export { ImageSet, ImageSetData } from "./image-set";
export { Batch, BatchIterator, BatchOptions, BatchPipeline, Pipeline, ShuffleOptions } from "./pipeline";
export { DatasetSplits, LoadOptions, defaultCacheDir } from "./locate";
export { Checksum } from "./download";
export { MNIST_CLASS_NAMES, loadMnist } from "./mnist";
export { CIFAR10_CLASS_NAMES, loadCifar10 } from "./cifar10";
export { TinyDatasetSizes, writeTinyDatasets } from "./tiny";
