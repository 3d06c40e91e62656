import { promises as fs } from "fs";
import * as path from "path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import * as zlib from "zlib";
import { tf } from "../../src/native/backend";
import { CIFAR10_CLASS_NAMES, DatasetError, ImageSet, loadCifar10, loadMnist, writeTinyDatasets } from "../../src/data";
import { encodeIdx } from "../../src/data/idx";
import {
  CLEAN_ENV,
  MNIST_FILE_NAMES,
  mnistChecksums,
  rejection,
  startTsChild,
  tempDir,
  testIf,
  UNPRIVILEGED_IDS,
  UNPRIVILEGED_REQUIREMENT,
  withEnv,
} from "./helpers";

const test = suite("loading from a data folder and the cache");

/** `text` as a regular expression matching exactly it. */
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const SIZES = { mnistTrain: 40, mnistTest: 20, cifarTrain: 25, cifarTest: 10 };

/** A fresh copy of the tiny datasets, free to damage. */
async function tinyDataDir(): Promise<string> {
  const dir = tempDir();
  await writeTinyDatasets(dir, SIZES);
  return dir;
}

function checkValueRange(set: ImageSet): void {
  const images = set.images(0, Math.min(set.count, 10));
  const [min, max] = [images.min().dataSync()[0], images.max().dataSync()[0]];
  assert.ok(min >= 0 && max <= 1 && max > 0.5, `values in [${min}, ${max}]`);
  tf.dispose(images);
}

test("MNIST from dataDir: counts, NHWC shape with one channel, values in [0, 1], digit class names", async () => {
  const dir = await tinyDataDir();
  const { train, test: testSet, folder } = await withEnv(CLEAN_ENV, () => loadMnist({ dataDir: dir }));
  assert.is(folder, path.join(dir, "mnist"));
  assert.is(train.count, 40);
  assert.is(testSet.count, 20);
  assert.equal([train.height, train.width, train.channels, train.numClasses], [28, 28, 1, 10]);
  assert.equal(train.classNames, ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
  assert.equal(train.classCounts(), new Array(10).fill(4));
  checkValueRange(train);
  const oneHot = testSet.oneHot();
  assert.equal(Array.from(oneHot.argMax(1).dataSync()), Array.from(testSet.labels));
  tf.dispose(oneHot);
});

test("CIFAR-10 from dataDir: five train files concatenated, HWC RGB, class names from batches.meta.txt", async () => {
  const dir = await tinyDataDir();
  const { train, test: testSet } = await withEnv(CLEAN_ENV, () => loadCifar10({ dataDir: dir }));
  assert.is(train.count, 25);
  assert.is(testSet.count, 10);
  assert.equal([train.height, train.width, train.channels], [32, 32, 3]);
  assert.equal(train.classNames, CIFAR10_CLASS_NAMES);
  checkValueRange(testSet);

  // Without batches.meta.txt the built-in names are used.
  await fs.rm(path.join(dir, "cifar-10-batches-bin", "batches.meta.txt"));
  const again = await withEnv(CLEAN_ENV, () => loadCifar10({ dataDir: dir }));
  assert.equal(again.train.classNames, CIFAR10_CLASS_NAMES);
  assert.equal(Array.from(again.train.pixels.subarray(0, 100)), Array.from(train.pixels.subarray(0, 100)));
});

test("CNN_DATA_DIR is used when no dataDir is given (a relative path counts from the working folder)", async () => {
  const dir = await tinyDataDir();
  const relative = path.relative(process.cwd(), dir);
  const { folder } = await withEnv({ ...CLEAN_ENV, CNN_DATA_DIR: relative }, () => loadMnist({ download: false }));
  assert.is(folder, path.join(dir, "mnist"));
  // The option wins over the environment.
  const other = await tinyDataDir();
  const chosen = await withEnv({ ...CLEAN_ENV, CNN_DATA_DIR: dir }, () => loadCifar10({ dataDir: other, download: false }));
  assert.is(chosen.folder, path.join(other, "cifar-10-batches-bin"));
});

test("a data folder without the dataset falls back to the cache (option, then CNN_CACHE_DIR)", async () => {
  const source = await tinyDataDir();
  const cache = tempDir();
  await fs.cp(path.join(source, "mnist"), path.join(cache, "datasets", "mnist"), { recursive: true });
  const onlyCifar = await tinyDataDir();
  await fs.rm(path.join(onlyCifar, "mnist"), { recursive: true });
  // Cached files are verified: these generated ones against their own checksums.
  const checksums = await mnistChecksums(path.join(source, "mnist"));

  const viaOption = await withEnv(CLEAN_ENV, () => loadMnist({ dataDir: onlyCifar, cacheDir: cache, download: false, checksums }));
  assert.is(viaOption.folder, path.join(cache, "datasets", "mnist"));
  const viaEnv = await withEnv({ ...CLEAN_ENV, CNN_CACHE_DIR: cache }, () => loadMnist({ download: false, checksums }));
  assert.is(viaEnv.train.count, 40);
});

test("not found anywhere with downloads off: one error saying where it looked and what to set", async () => {
  const empty = tempDir();
  const error = await rejection(withEnv(CLEAN_ENV, () => loadMnist({ cacheDir: empty, download: false })));
  assert.instance(error, DatasetError);
  assert.match(error.message, "MNIST not found: CNN_DATA_DIR is not set");
  assert.match(error.message, `the cache ${path.join(empty, "datasets", "mnist")} lacks all its files`);
  assert.match(error.message, "set CNN_DATA_DIR to a folder that contains mnist/ with train-images-idx3-ubyte.gz");
});

test("a data folder that does not exist, or that is the mnist folder itself, is a configuration error", async () => {
  const dir = await tinyDataDir();
  const nowhere = path.join(dir, "no-such-folder");
  const missing = await rejection(withEnv({ ...CLEAN_ENV, CNN_DATA_DIR: nowhere }, () => loadMnist()));
  assert.match(missing.message, `CNN_DATA_DIR is ${nowhere}, which does not exist`);
  const tooDeep = await rejection(withEnv(CLEAN_ENV, () => loadMnist({ dataDir: path.join(dir, "mnist") })));
  assert.match(tooDeep.message, "holds the MNIST files themselves; set it to the parent folder, the one that contains mnist/");
});

test("a data folder missing one MNIST file names that file", async () => {
  const dir = await tinyDataDir();
  await fs.rm(path.join(dir, "mnist", "t10k-labels-idx1-ubyte.gz"));
  const error = await rejection(withEnv(CLEAN_ENV, () => loadMnist({ dataDir: dir })));
  assert.instance(error, DatasetError);
  assert.match(error.message, `${path.join(dir, "mnist")} lacks t10k-labels-idx1-ubyte.gz. Put the official files there`);
});

test("a data folder missing a CIFAR-10 batch names that file", async () => {
  const dir = await tinyDataDir();
  await fs.rm(path.join(dir, "cifar-10-batches-bin", "data_batch_3.bin"));
  const error = await rejection(withEnv(CLEAN_ENV, () => loadCifar10({ dataDir: dir })));
  assert.match(error.message, "cifar-10-batches-bin lacks data_batch_3.bin");
});

test("corrupt files in the data folder: truncated gzip, wrong magic, count mismatch, wrong record size", async () => {
  const dir = await tinyDataDir();
  const mnist = path.join(dir, "mnist");
  const trainImages = path.join(mnist, "train-images-idx3-ubyte.gz");
  const original = await fs.readFile(trainImages);
  const load = () => withEnv(CLEAN_ENV, () => loadMnist({ dataDir: dir }));

  await fs.writeFile(trainImages, original.subarray(0, original.length / 2));
  let error = await rejection(load());
  assert.instance(error, DatasetError);
  assert.match(error.message, `${trainImages} is truncated or not valid gzip`);
  assert.match(error.message, "Replace it with an intact copy of the official file, or change the dataDir option.");

  await fs.copyFile(path.join(mnist, "train-labels-idx1-ubyte.gz"), trainImages);
  error = await rejection(load());
  assert.match(error.message, `${trainImages} has the wrong magic number 2049 (expected 2051)`);

  await fs.writeFile(trainImages, zlib.gzipSync(encodeIdx([39, 28, 28], new Uint8Array(39 * 784))));
  error = await rejection(load());
  assert.match(error.message, "holds 39 images but");
  assert.match(error.message, "holds 40 labels");

  await fs.writeFile(trainImages, zlib.gzipSync(encodeIdx([40, 27, 28], new Uint8Array(40 * 27 * 28))));
  error = await rejection(load());
  assert.match(error.message, "holds 27x28 images; MNIST's are 28x28");

  const batch = path.join(dir, "cifar-10-batches-bin", "test_batch.bin");
  await fs.appendFile(batch, Buffer.of(1, 2, 3));
  error = await rejection(withEnv(CLEAN_ENV, () => loadCifar10({ dataDir: dir })));
  assert.match(error.message, `${batch} has the wrong record size`);
});

test("a corrupt file in the cache says to delete it so that it is downloaded again", async () => {
  const source = await tinyDataDir();
  const cache = tempDir();
  const cached = path.join(cache, "datasets", "mnist");
  await fs.cp(path.join(source, "mnist"), cached, { recursive: true });
  const labels = path.join(cached, "train-labels-idx1-ubyte.gz");
  await fs.writeFile(labels, Buffer.from("not gzip at all"));
  const error = await rejection(withEnv(CLEAN_ENV, () => loadMnist({ cacheDir: cache, download: false })));
  assert.match(error.message, `${labels} is truncated or not valid gzip`);
  assert.match(error.message, "Delete it, and the next load downloads it again.");
  assert.equal((await fs.readdir(cached)).sort(), [...MNIST_FILE_NAMES].sort());
});

test("a data folder path that runs through a regular file (ENOTDIR) is an error naming the path, not a missing dataset", async () => {
  const parent = tempDir();
  const notAFolder = path.join(parent, "datasets.tar");
  await fs.writeFile(notAFolder, "");
  // Looking for notAFolder/mnist gives ENOTDIR, which used to count as "no mnist/ here".
  const error = await rejection(withEnv({ ...CLEAN_ENV, CNN_DATA_DIR: notAFolder }, () => loadMnist({ cacheDir: tempDir(), download: false })));
  assert.instance(error, DatasetError);
  assert.match(
    error.message,
    `Cannot check ${path.join(notAFolder, "mnist")} (ENOTDIR: part of the path is a file, not a folder), ` +
      "so the data folder that CNN_DATA_DIR names cannot be searched. Point CNN_DATA_DIR at another folder.",
  );
});

testIf(test, UNPRIVILEGED_IDS !== null, UNPRIVILEGED_REQUIREMENT)(
  "a dataset folder this user may not search (mode 000, EACCES) is one error naming the path and what to do",
  async () => {
    // As root the load runs in a child process as nobody, for whom mode 000 holds.
    const root = tempDir();
    await fs.chmod(root, 0o755);
    const data = path.join(root, "data");
    await writeTinyDatasets(data, SIZES);
    const locked = path.join(data, "mnist");
    await fs.chmod(locked, 0o000);
    try {
      const child = startTsChild(
        `require("./src/data").loadMnist({ dataDir: process.env.DATA, cacheDir: process.env.CACHE, download: false, progress: false })` +
          `.then(() => console.log("loaded"), (error) => console.log(error.message));`,
        { ...UNPRIVILEGED_IDS, env: { ...CLEAN_ENV, DATA: data, CACHE: path.join(root, "cache") } },
      );
      const { code, signal, stdout, stderr } = await child.exited;
      assert.is(code, 0, `the loading child ended with ${code ?? signal}${signal === "SIGKILL" ? " (killed at its deadline)" : ""}:\n${stdout}\n${stderr}`);
      // It used to say that mnist/ lacks all four files. The loader checks the four files at
      // once and reports the first check to fail; all four fail alike, and which one fails first
      // depends on the thread pool's scheduling (on a busy machine, now and then not the first
      // file): the message names one file of the locked folder, any of them.
      const named = new RegExp(
        `^Cannot check ${escapeRegExp(locked + path.sep)}(${MNIST_FILE_NAMES.map(escapeRegExp).join("|")}) \\(EACCES: permission denied\\), ` +
          escapeRegExp(
            "so the data folder that the dataDir option names cannot be searched. Check the permissions of the folders on that path " +
              "(this user needs read and search permission), or point the dataDir option at another folder.",
          ) +
          "$",
      );
      assert.match(stdout.trim(), named);
    } finally {
      await fs.chmod(locked, 0o755);
    }
  },
);

test("batches.meta.txt is optional, but one that cannot be read or parsed is an error naming it", async () => {
  const dir = await tinyDataDir();
  const meta = path.join(dir, "cifar-10-batches-bin", "batches.meta.txt");
  // A folder in its place: reading it gives EISDIR, which used to fall back to the built-in names.
  await fs.rm(meta);
  await fs.mkdir(meta);
  const load = () => withEnv(CLEAN_ENV, () => loadCifar10({ dataDir: dir }));
  let error = await rejection(load());
  assert.instance(error, DatasetError);
  assert.match(error.message, `Cannot read ${meta} (EISDIR). It is optional: make it a readable text file with one class name per line, or delete it`);
  assert.match(error.message, "Replace it with an intact copy of the official file, or change the dataDir option.");

  await fs.rmdir(meta);
  await fs.writeFile(meta, "cat\ndog\n");
  error = await rejection(load());
  assert.match(error.message, `${meta} lists 2 class names; CIFAR-10 has 10.`);
});

/** Makes CIFAR-10 batch files of `records[i]` all-zero records (valid ones: label 0, black), sparse so they take no disk space. */
async function zeroCifarFolder(folder: string, records: Record<string, number>): Promise<void> {
  await fs.mkdir(folder, { recursive: true });
  for (const [file, count] of Object.entries(records)) {
    await fs.writeFile(path.join(folder, file), "");
    await fs.truncate(path.join(folder, file), count * 3073);
  }
}

const FULL_SIZE = Object.fromEntries([1, 2, 3, 4, 5].map((i) => [`data_batch_${i}.bin`, 10000]).concat([["test_batch.bin", 10000]]));

test("an official-size CIFAR-10 set with a batch file cut or grown by whole records is refused, saying by how much", async () => {
  const dir = tempDir();
  const folder = path.join(dir, "cifar-10-batches-bin");
  const batch3 = path.join(folder, "data_batch_3.bin");
  await zeroCifarFolder(folder, { ...FULL_SIZE, "data_batch_3.bin": 9000 });
  const load = () => withEnv(CLEAN_ENV, () => loadCifar10({ dataDir: dir, download: false }));
  let error = await rejection(load());
  assert.instance(error, DatasetError);
  assert.match(
    error.message,
    `${batch3} holds 9000 records (27657000 bytes), but every batch file of the official CIFAR-10 holds exactly 10000 records ` +
      "(30730000 bytes): it is 1000 records (3073000 bytes) too short, an incomplete copy. " +
      "Replace it with an intact copy of the official file, or change the dataDir option.",
  );

  await fs.truncate(batch3, 10002 * 3073);
  error = await rejection(load());
  assert.match(error.message, `${batch3} holds 10002 records (30736146 bytes)`);
  assert.match(error.message, "it is 2 records (6146 bytes) too long, not an intact copy.");

  // The test file counts too, and in the cache the remedy is to delete the file.
  const cache = tempDir();
  const cached = path.join(cache, "datasets", "cifar-10-batches-bin");
  await zeroCifarFolder(cached, { ...FULL_SIZE, "test_batch.bin": 9999 });
  error = await rejection(withEnv(CLEAN_ENV, () => loadCifar10({ cacheDir: cache, download: false })));
  assert.match(error.message, `${path.join(cached, "test_batch.bin")} holds 9999 records`);
  assert.match(error.message, "it is 1 record (3073 bytes) too short, an incomplete copy. Delete it, and the next load downloads it again.");
});

test("the project's tiny stand-ins, whose batch files hold other counts than 10000, still load", async () => {
  const dir = tempDir();
  await writeTinyDatasets(dir, { ...SIZES, cifarTrain: 7, cifarTest: 3 });
  const { train, test: testSet } = await withEnv(CLEAN_ENV, () => loadCifar10({ dataDir: dir }));
  assert.is(train.count, 7);
  assert.is(testSet.count, 3);
});

test.run();
