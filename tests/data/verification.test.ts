import { promises as fs } from "fs";
import * as path from "path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Checksum, DatasetError, loadCifar10, loadMnist, LoadOptions, writeTinyDatasets } from "../../src/data";
import { CAN_MAKE_UNWRITABLE, CLEAN_ENV, listFiles, makeUnwritable, MNIST_FILE_NAMES, mnistChecksums, rejection, tempDir, testIf, UNWRITABLE_REQUIREMENT, withEnv } from "./helpers";

const test = suite("dataset files: verified once, remembered, and named by their content");

const SIZES = { mnistTrain: 30, mnistTest: 10, cifarTrain: 10, cifarTest: 5 };
const DELETE_REMEDY = "Delete it, and the next load downloads it again.";

/** A cache holding the tiny datasets as a download would leave them, and the checksums they were "downloaded" with. */
async function filledCache(seed = 1): Promise<{ cache: string; checksums: Record<string, Checksum> }> {
  const source = tempDir();
  await writeTinyDatasets(source, { ...SIZES, seed });
  const cache = tempDir();
  await fs.cp(source, path.join(cache, "datasets"), { recursive: true });
  return { cache, checksums: await mnistChecksums(path.join(source, "mnist")) };
}

function load<T>(loader: (options: LoadOptions) => Promise<T>, options: LoadOptions): Promise<T> {
  return withEnv(CLEAN_ENV, () => loader({ download: false, ...options }));
}

/** Rewrites `file` with `bytes`, keeping its size, and gives it a later modification time. */
async function rewrite(file: string, bytes: Uint8Array): Promise<void> {
  const { mtime } = await fs.stat(file);
  await fs.writeFile(file, bytes);
  await fs.utimes(file, mtime, new Date(mtime.getTime() + 5000));
}

test("a cached file that fails its published checksum is refused, with what to do, and nothing is recorded", async () => {
  // The generated files against MNIST's official digests.
  const { cache } = await filledCache();
  const error = await rejection(load(loadMnist, { cacheDir: cache }));
  assert.instance(error, DatasetError);
  const trainImages = path.join(cache, "datasets", "mnist", "train-images-idx3-ubyte.gz");
  assert.match(error.message, `${trainImages} does not match its published checksum (sha256 `);
  assert.match(error.message, "expected 440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609): the file is corrupt or not the official one.");
  assert.match(error.message, DELETE_REMEDY);
  assert.equal((await fs.readdir(path.join(cache, "datasets", "mnist"))).sort(), [...MNIST_FILE_NAMES].sort());
});

test("verified once: the record beside the files holds their size, time and SHA-256; an unchanged file is not read again", async () => {
  const { cache, checksums } = await filledCache();
  const folder = path.join(cache, "datasets", "mnist");
  const labels = path.join(folder, "train-labels-idx1-ubyte.gz");
  // A whole second, which fs.utimes can set again exactly.
  const mtime = new Date(Math.floor(Date.now() / 1000) * 1000);
  await fs.utimes(labels, mtime, mtime);
  const first = await load(loadMnist, { cacheDir: cache, checksums });
  const records = JSON.parse(await fs.readFile(path.join(folder, ".verified.json"), "utf8"));
  const trainImages = path.join(folder, "train-images-idx3-ubyte.gz");
  const { size, mtimeMs } = await fs.stat(trainImages);
  assert.equal(records[trainImages], { size, mtimeMs, sha256: checksums["train-images-idx3-ubyte.gz"].digest });
  assert.equal(Object.keys(records).sort(), MNIST_FILE_NAMES.map((file) => path.join(folder, file)).sort());

  // Other valid bytes of the same size and time pass unread: the record vouches for the file.
  const other = await filledCache(2);
  const otherLabels = await fs.readFile(path.join(other.cache, "datasets", "mnist", "train-labels-idx1-ubyte.gz"));
  assert.is(otherLabels.length, (await fs.stat(labels)).size);
  await fs.writeFile(labels, otherLabels);
  await fs.utimes(labels, mtime, mtime);
  const again = await load(loadMnist, { cacheDir: cache });
  assert.is(again.train.datasetId, first.train.datasetId);
});

test("a cached file changed after its verification is refused (CIFAR-10, which has no per-file checksums)", async () => {
  const { cache } = await filledCache();
  const first = await load(loadCifar10, { cacheDir: cache });
  const batch = path.join(cache, "datasets", "cifar-10-batches-bin", "data_batch_2.bin");
  const bytes = await fs.readFile(batch);
  bytes[100] ^= 0xff; // one pixel: the file still parses
  await rewrite(batch, bytes);
  const recordsBefore = await fs.readFile(path.join(cache, "datasets", "cifar-10-batches-bin", ".verified.json"), "utf8");

  const error = await rejection(load(loadCifar10, { cacheDir: cache }));
  assert.instance(error, DatasetError);
  assert.match(error.message, `${batch} changed after it was verified: its SHA-256 is now `);
  assert.match(error.message, `so the file is corrupt. ${DELETE_REMEDY}`);
  assert.is(await fs.readFile(path.join(cache, "datasets", "cifar-10-batches-bin", ".verified.json"), "utf8"), recordsBefore);

  // Restored bytes with a new time are the verified file again.
  bytes[100] ^= 0xff;
  await rewrite(batch, bytes);
  const restored = await load(loadCifar10, { cacheDir: cache });
  assert.is(restored.train.datasetId, first.train.datasetId);
});

test("a changed MNIST file in the cache is refused even after its first verification", async () => {
  const { cache, checksums } = await filledCache();
  await load(loadMnist, { cacheDir: cache, checksums });
  const testImages = path.join(cache, "datasets", "mnist", "t10k-images-idx3-ubyte.gz");
  const other = await filledCache(3);
  await rewrite(testImages, await fs.readFile(path.join(other.cache, "datasets", "mnist", "t10k-images-idx3-ubyte.gz")));
  const error = await rejection(load(loadMnist, { cacheDir: cache, checksums }));
  assert.match(error.message, `${testImages} changed after it was verified`);
  assert.match(error.message, DELETE_REMEDY);
});

testIf(test, CAN_MAKE_UNWRITABLE, UNWRITABLE_REQUIREMENT)("a read-only cache still loads (verified each time, nothing written)", async () => {
  const { cache, checksums } = await filledCache();
  const folder = path.join(cache, "datasets", "mnist");
  const restore = await makeUnwritable(folder);
  try {
    const { train } = await load(loadMnist, { cacheDir: cache, checksums });
    assert.is(train.count, SIZES.mnistTrain);
  } finally {
    await restore();
  }
  assert.equal((await fs.readdir(folder)).sort(), [...MNIST_FILE_NAMES].sort());
});

test("a record that cannot be saved leaves no temporary file behind, and the load still succeeds", async () => {
  const { cache, checksums } = await filledCache();
  const folder = path.join(cache, "datasets", "mnist");
  // A folder where the records file belongs: the temporary file is written, the rename fails.
  await fs.mkdir(path.join(folder, ".verified.json"));
  const { train } = await load(loadMnist, { cacheDir: cache, checksums });
  assert.is(train.count, SIZES.mnistTrain);
  assert.equal((await fs.readdir(folder)).sort(), [".verified.json", ...MNIST_FILE_NAMES].sort());
});

test("a data folder gets format checks only, is never written to, and its digests are remembered in the cache", async () => {
  const data = tempDir();
  await writeTinyDatasets(data, SIZES);
  const cache = tempDir();
  const filesBefore = await listFiles(data);
  // Read-only where possible, as ../shared/datasets is; the listing below checks the rest.
  const restore = CAN_MAKE_UNWRITABLE ? await makeUnwritable(path.join(data, "mnist")) : null;
  try {
    // Not the official bytes, yet accepted: the folder is the user's choice.
    const { train } = await load(loadMnist, { dataDir: data, cacheDir: cache });
    assert.is(train.count, SIZES.mnistTrain);
  } finally {
    await restore?.();
  }
  await load(loadCifar10, { dataDir: data, cacheDir: cache });
  assert.equal(await listFiles(data), filesBefore);
  const records = JSON.parse(await fs.readFile(path.join(cache, "datasets", "data-folder-digests.json"), "utf8"));
  assert.equal(Object.keys(records).length, 4 + 6);
  assert.ok(path.join(data, "cifar-10-batches-bin", "test_batch.bin") in records);

  // Other data in the same folder is simply other data: a new id, no error.
  const before = await load(loadMnist, { dataDir: data, cacheDir: cache });
  const other = tempDir();
  await writeTinyDatasets(other, { ...SIZES, seed: 2 });
  await rewrite(path.join(data, "mnist", "train-labels-idx1-ubyte.gz"), await fs.readFile(path.join(other, "mnist", "train-labels-idx1-ubyte.gz")));
  const after = await load(loadMnist, { dataDir: data, cacheDir: cache });
  assert.is.not(after.train.datasetId, before.train.datasetId);
  assert.is(after.test.datasetId, before.test.datasetId);
});

test("dataset ids: split name and a hash of the files; the same files give the same id wherever they are", async () => {
  const { cache, checksums } = await filledCache();
  const fromCache = await load(loadMnist, { cacheDir: cache, checksums });
  const fromDataDir = await load(loadMnist, { dataDir: path.join(cache, "datasets"), cacheDir: tempDir() });
  assert.match(fromCache.train.datasetId, /^mnist-train:[0-9a-f]{8}$/);
  assert.match(fromCache.test.datasetId, /^mnist-test:[0-9a-f]{8}$/);
  assert.is(fromDataDir.train.datasetId, fromCache.train.datasetId);
  assert.is(fromDataDir.test.datasetId, fromCache.test.datasetId);
  // Remembered digests give the same id as freshly computed ones.
  const again = await load(loadMnist, { cacheDir: cache, checksums });
  assert.is(again.train.datasetId, fromCache.train.datasetId);

  const cifar = await load(loadCifar10, { cacheDir: cache });
  assert.match(cifar.train.datasetId, /^cifar10-train:[0-9a-f]{8}$/);
  assert.match(cifar.test.datasetId, /^cifar10-test:[0-9a-f]{8}$/);

  // Other generated data (another seed) is another dataset.
  const other = await filledCache(2);
  const otherMnist = await load(loadMnist, { cacheDir: other.cache, checksums: other.checksums });
  assert.is.not(otherMnist.train.datasetId, fromCache.train.datasetId);
  assert.is.not((await load(loadCifar10, { cacheDir: other.cache })).test.datasetId, cifar.test.datasetId);
  // The pipeline that train() draws from carries it.
  assert.equal(fromCache.train.pipeline().repeat().batch(5).iterator().identity, { dataset: fromCache.train.datasetId, batchSize: 5, order: "repeat(Infinity)" });
});

test.run();
