/** The official file layout of the datasets (what their archives unpack to) and their class names. */

/** MNIST's folder and its four gzip-compressed IDX files. */
export const MNIST_FOLDER = "mnist";
export const MNIST_FILES = {
  trainImages: "train-images-idx3-ubyte.gz",
  trainLabels: "train-labels-idx1-ubyte.gz",
  testImages: "t10k-images-idx3-ubyte.gz",
  testLabels: "t10k-labels-idx1-ubyte.gz",
} as const;
export const MNIST_CLASS_NAMES: readonly string[] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

/** CIFAR-10's binary version: five training batches, one test batch, the class names. */
export const CIFAR10_FOLDER = "cifar-10-batches-bin";
export const CIFAR10_TRAIN_FILES: readonly string[] = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
export const CIFAR10_TEST_FILE = "test_batch.bin";
/** Records in each official batch file, training and test alike. */
export const CIFAR10_BATCH_RECORDS = 10000;
/** Optional: the class names, one per line (the built-in list is used without it). */
export const CIFAR10_META_FILE = "batches.meta.txt";
export const CIFAR10_ARCHIVE = "cifar-10-binary.tar.gz";
/** CIFAR-10's class names in Korean, shown in the Korean edition (see ImageSet.classNames). */
export const CIFAR10_KOREAN_CLASS_NAMES: Readonly<Record<string, string>> = {
  airplane: "비행기",
  automobile: "자동차",
  bird: "새",
  cat: "고양이",
  deer: "사슴",
  dog: "개",
  frog: "개구리",
  horse: "말",
  ship: "배",
  truck: "트럭",
};
export const CIFAR10_CLASS_NAMES: readonly string[] = [
  "airplane",
  "automobile",
  "bird",
  "cat",
  "deer",
  "dog",
  "frog",
  "horse",
  "ship",
  "truck",
];
