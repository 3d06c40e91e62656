import { promises as fs } from "fs";
import * as path from "path";
import * as tar from "tar";
import { CIFAR_CHANNELS, CIFAR_NUM_CLASSES, CIFAR_SIDE, cifarRecordCounts, parseCifarClassNames, readCifarFiles } from "./cifar-format";
import { downloadFile, makeCacheFolder, removeStaleTemporaries, startTemporaryWork, unwritableCacheError } from "./download";
import { DatasetError, withRemedy } from "./errors";
import { datasetIdOfFiles } from "./identity";
import { ImageSet, ImageSetData } from "./image-set";
import {
  CIFAR10_ARCHIVE,
  CIFAR10_BATCH_RECORDS,
  CIFAR10_CLASS_NAMES,
  CIFAR10_FOLDER,
  CIFAR10_META_FILE,
  CIFAR10_TEST_FILE,
  CIFAR10_TRAIN_FILES,
} from "./layout";
import { DatasetSource, DatasetSplits, FetchRequest, LoadOptions, locateDataset } from "./locate";

/** The temporary folder's name before the pid: the archive is downloaded and extracted there. */
const STAGING_PREFIX = `.${CIFAR10_FOLDER}.extracting-`;

/**
 * Downloads the archive into a temporary folder next to the dataset folder,
 * extracts it there and renames the result into place: the cache never holds
 * a half-extracted dataset, and one folder holds all that an interrupt or a
 * failure must remove.
 */
async function downloadCifarArchive(request: FetchRequest): Promise<void> {
  const datasets = path.dirname(request.cacheFolder);
  await removeStaleTemporaries(datasets, STAGING_PREFIX);
  const staging = path.join(datasets, `${STAGING_PREFIX}${process.pid}`);
  const archive = path.join(staging, CIFAR10_ARCHIVE);
  let interrupted = false;
  const work = startTemporaryWork(() => {
    interrupted = true;
  });
  work.add(staging);
  const stopIfInterrupted = () => {
    if (interrupted) {
      throw new DatasetError(
        `Installing CIFAR-10 into ${request.cacheFolder} was interrupted (SIGINT); nothing was kept. Load it again to restart.`,
      );
    }
  };
  try {
    await makeCacheFolder(staging);
    await downloadFile(new URL(CIFAR10_ARCHIVE, request.baseUrl), archive, request.checksums[CIFAR10_ARCHIVE], {
      progress: request.progress,
      remedy: request.remedy,
    });
    stopIfInterrupted();
    const wanted = new Set([...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE, CIFAR10_META_FILE]);
    try {
      await tar.x({
        file: archive,
        cwd: staging,
        strict: true,
        filter: (entry) => {
          const normal = path.posix.normalize(entry);
          return path.posix.dirname(normal) === CIFAR10_FOLDER && wanted.has(path.posix.basename(normal));
        },
      });
    } catch (error) {
      const cacheError = unwritableCacheError(error, staging);
      if (cacheError instanceof DatasetError) throw cacheError;
      throw new DatasetError(`Extracting ${request.baseUrl.href}${CIFAR10_ARCHIVE} failed (${(error as Error).message}). ${request.remedy}`, {
        cause: error,
      });
    }
    stopIfInterrupted();
    const extracted = path.join(staging, CIFAR10_FOLDER);
    for (const file of [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE]) {
      try {
        await fs.access(path.join(extracted, file));
      } catch (error) {
        throw new DatasetError(`The archive ${request.baseUrl.href}${CIFAR10_ARCHIVE} lacks ${CIFAR10_FOLDER}/${file}. ${request.remedy}`, {
          cause: error,
        });
      }
    }
    // An incomplete folder left by hand would block the rename.
    await fs.rm(request.cacheFolder, { recursive: true, force: true });
    await fs.rename(extracted, request.cacheFolder);
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
    work.done();
  }
}

/** CIFAR-10's binary version from its authors' site, with the archive's published MD5. */
export const CIFAR10_SOURCE: DatasetSource = {
  title: "CIFAR-10",
  idName: "cifar10",
  folder: CIFAR10_FOLDER,
  files: [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE],
  baseUrlEnv: "CNN_CIFAR10_BASE_URL",
  defaultBaseUrl: "https://www.cs.toronto.edu/~kriz/",
  defaultChecksums: { [CIFAR10_ARCHIVE]: { algorithm: "md5", digest: "c32a1d4ab5d03f1284b67883e8d87530" } },
  fetch: downloadCifarArchive,
};

/** The class names from batches.meta.txt, or the built-in ones if the folder has none (the file is optional). */
async function readClassNames(folder: string): Promise<readonly string[]> {
  const file = path.join(folder, CIFAR10_META_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return CIFAR10_CLASS_NAMES;
    throw new DatasetError(
      `Cannot read ${file} (${code ?? String(error)}). It is optional: make it a readable text file with one class name ` +
        "per line, or delete it to use the built-in names.",
      { cause: error },
    );
  }
  return parseCifarClassNames(text, file);
}

/**
 * The record count every batch file must hold, if the folder holds the
 * official set: one file with the official 10000 records marks it (the
 * project's tiny stand-ins hold far fewer), so a file cut or grown by whole
 * records is refused. Any other set is a stand-in and may hold any counts.
 */
async function expectedRecordsPerFile(files: readonly string[]): Promise<number | undefined> {
  const counts = await cifarRecordCounts(files);
  return counts.includes(CIFAR10_BATCH_RECORDS) ? CIFAR10_BATCH_RECORDS : undefined;
}

async function readCifarSplit(
  files: readonly string[],
  classNames: readonly string[],
  recordsPerFile: number | undefined,
): Promise<ImageSetData> {
  const { pixels, labels } = await readCifarFiles(files, { recordsPerFile });
  return {
    pixels,
    labels,
    height: CIFAR_SIDE,
    width: CIFAR_SIDE,
    channels: CIFAR_CHANNELS,
    numClasses: CIFAR_NUM_CLASSES,
    classNames,
  };
}

/**
 * CIFAR-10 as `tf.keras.datasets.cifar10.load_data()` gives it, ready for a
 * CNN: train (50000, the five data batches in order) and test (10000) images
 * as [N, 32, 32, 3] (HWC) in [0, 1] on request, labels as class indices and
 * one-hot, and the class names. See LoadOptions for where files come from.
 */
export async function loadCifar10(options: LoadOptions = {}): Promise<DatasetSplits> {
  const { folder, remedy, digests } = await locateDataset(CIFAR10_SOURCE, options);
  try {
    const classNames = await readClassNames(folder);
    const trainFiles = CIFAR10_TRAIN_FILES.map((file) => path.join(folder, file));
    const testFile = path.join(folder, CIFAR10_TEST_FILE);
    const recordsPerFile = await expectedRecordsPerFile([...trainFiles, testFile]);
    // One split after the other: the peak holds one split plus one file, not both reads at once.
    const train = await readCifarSplit(trainFiles, classNames, recordsPerFile);
    const test = await readCifarSplit([testFile], classNames, recordsPerFile);
    const batchDigests = await digests([...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE]);
    const trainDigests = batchDigests.slice(0, CIFAR10_TRAIN_FILES.length);
    const testDigests = batchDigests.slice(CIFAR10_TRAIN_FILES.length);
    return {
      train: new ImageSet({ ...train, datasetId: datasetIdOfFiles(`${CIFAR10_SOURCE.idName}-train`, trainDigests) }),
      test: new ImageSet({ ...test, datasetId: datasetIdOfFiles(`${CIFAR10_SOURCE.idName}-test`, testDigests) }),
      folder,
    };
  } catch (error) {
    throw withRemedy(error, remedy);
  }
}
