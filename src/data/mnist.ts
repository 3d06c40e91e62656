import * as path from "path";
import { downloadFile } from "./download";
import { DatasetError, withRemedy } from "./errors";
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, readIdxGz } from "./idx";
import { datasetIdOfFiles } from "./identity";
import { ImageSet, ImageSetData } from "./image-set";
import { MNIST_CLASS_NAMES, MNIST_FILES, MNIST_FOLDER } from "./layout";
import { DatasetSource, DatasetSplits, FetchRequest, LoadOptions, locateDataset } from "./locate";

const MNIST_SIDE = 28;

async function downloadMnistFiles(request: FetchRequest): Promise<void> {
  for (const file of request.missing) {
    await downloadFile(new URL(file, request.baseUrl), path.join(request.cacheFolder, file), request.checksums[file], {
      progress: request.progress,
      remedy: request.remedy,
    });
  }
}

/** MNIST from the mirror TensorFlow uses, with the files' published SHA-256 digests. */
export const MNIST_SOURCE: DatasetSource = {
  title: "MNIST",
  idName: "mnist",
  folder: MNIST_FOLDER,
  files: Object.values(MNIST_FILES),
  baseUrlEnv: "CNN_MNIST_BASE_URL",
  defaultBaseUrl: "https://storage.googleapis.com/cvdf-datasets/mnist/",
  defaultChecksums: {
    [MNIST_FILES.trainImages]: {
      algorithm: "sha256",
      digest: "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    },
    [MNIST_FILES.trainLabels]: {
      algorithm: "sha256",
      digest: "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    },
    [MNIST_FILES.testImages]: {
      algorithm: "sha256",
      digest: "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    },
    [MNIST_FILES.testLabels]: {
      algorithm: "sha256",
      digest: "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    },
  },
  fetch: downloadMnistFiles,
};

/**
 * Reads one IDX image file and its label file as an ImageSet [N, H, W, 1]
 * (any image size, e.g. also Fashion-MNIST).
 */
export async function readIdxImageSet(
  imagesPath: string,
  labelsPath: string,
  classNames: readonly string[],
): Promise<ImageSet> {
  return new ImageSet(await readIdxImageData(imagesPath, labelsPath, classNames));
}

async function readIdxImageData(
  imagesPath: string,
  labelsPath: string,
  classNames: readonly string[],
): Promise<ImageSetData> {
  const [images, labels] = await Promise.all([
    readIdxGz(imagesPath, IDX_IMAGES_MAGIC),
    readIdxGz(labelsPath, IDX_LABELS_MAGIC),
  ]);
  const [count, height, width] = images.dims;
  if (labels.dims[0] !== count) {
    throw new DatasetError(`${imagesPath} holds ${count} images but ${labelsPath} holds ${labels.dims[0]} labels.`);
  }
  const badIndex = labels.data.findIndex((label) => label >= classNames.length);
  if (badIndex >= 0) {
    throw new DatasetError(
      `${labelsPath}: label ${badIndex} is ${labels.data[badIndex]}, outside 0..${classNames.length - 1}; the file is corrupt.`,
    );
  }
  return {
    pixels: images.data,
    labels: labels.data,
    height,
    width,
    channels: 1,
    numClasses: classNames.length,
    classNames,
  };
}

async function readMnistSplit(folder: string, imagesFile: string, labelsFile: string): Promise<ImageSetData> {
  const set = await readIdxImageData(path.join(folder, imagesFile), path.join(folder, labelsFile), MNIST_CLASS_NAMES);
  if (set.height !== MNIST_SIDE || set.width !== MNIST_SIDE) {
    throw new DatasetError(
      `${path.join(folder, imagesFile)} holds ${set.height}x${set.width} images; MNIST's are ${MNIST_SIDE}x${MNIST_SIDE}.`,
    );
  }
  return set;
}

/**
 * MNIST as `tf.keras.datasets.mnist.load_data()` gives it, ready for a CNN:
 * train (60000) and test (10000) images as [N, 28, 28, 1] in [0, 1] on request,
 * labels as class indices and one-hot. See LoadOptions for where files come from.
 */
export async function loadMnist(options: LoadOptions = {}): Promise<DatasetSplits> {
  const { folder, remedy, digests } = await locateDataset(MNIST_SOURCE, options);
  const trainFiles = [MNIST_FILES.trainImages, MNIST_FILES.trainLabels] as const;
  const testFiles = [MNIST_FILES.testImages, MNIST_FILES.testLabels] as const;
  try {
    const [train, test] = await Promise.all([readMnistSplit(folder, ...trainFiles), readMnistSplit(folder, ...testFiles)]);
    const [trainImages, trainLabels, testImages, testLabels] = await digests([...trainFiles, ...testFiles]);
    return {
      train: new ImageSet({ ...train, datasetId: datasetIdOfFiles(`${MNIST_SOURCE.idName}-train`, [trainImages, trainLabels]) }),
      test: new ImageSet({ ...test, datasetId: datasetIdOfFiles(`${MNIST_SOURCE.idName}-test`, [testImages, testLabels]) }),
      folder,
    };
  } catch (error) {
    throw withRemedy(error, remedy);
  }
}
