/**
 * Checks against the real datasets. They run only when CNN_DATA_DIR points at
 * a folder holding them (CI: ../shared/datasets); otherwise uvu counts them as
 * skipped and a line says what would enable them.
 */
import { existsSync, readdirSync } from "fs";
import * as path from "path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/native/backend";
import { CIFAR10_CLASS_NAMES, ImageSet, loadCifar10, loadMnist } from "../../src/data";
import { readIdxImageSet } from "../../src/data/mnist";
import { tempDir, testIf } from "./helpers";

const test = suite("real datasets (CNN_DATA_DIR)");
const dataDir = process.env.CNN_DATA_DIR;
const FASHION_DIR = "/usr/share/datasets/fashion-mnist";
const realDataTest = testIf(
  test,
  dataDir !== undefined && dataDir.trim() !== "",
  "CNN_DATA_DIR set to the folder holding mnist/ and cifar-10-batches-bin/ (e.g. ../shared/datasets)",
);
const fashionTest = testIf(test, existsSync(FASHION_DIR), `${FASHION_DIR} (Debian package dataset-fashion-mnist)`);

function pixelMean(set: ImageSet): number {
  let sum = 0;
  for (const value of set.pixels) sum += value;
  return sum / set.pixels.length / 255;
}

function checkBlock(set: ImageSet, shape: number[]): void {
  const images = set.images(set.count - 1000, set.count);
  const labels = set.oneHot(set.count - 1000, set.count);
  assert.equal(images.shape, [1000, ...shape]);
  assert.equal(labels.shape, [1000, 10]);
  assert.is(images.min().dataSync()[0], 0);
  assert.is(images.max().dataSync()[0], 1);
  tf.dispose([images, labels]);
}

realDataTest("MNIST: 60000/10000 images of 28x28x1, the known first labels, pixel mean 0.1307", async () => {
  const { train, test: testSet } = await loadMnist({ download: false, cacheDir: tempDir() });
  assert.is(train.count, 60000);
  assert.is(testSet.count, 10000);
  checkBlock(testSet, [28, 28, 1]);
  assert.equal(Array.from(train.labels.subarray(0, 10)), [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
  assert.equal(Array.from(testSet.labels.subarray(0, 10)), [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
  assert.ok(Math.abs(pixelMean(train) - 0.1307) < 0.0005, `mean ${pixelMean(train)}`);
  assert.match(train.datasetId, /^mnist-train:[0-9a-f]{8}$/);
});

realDataTest("CIFAR-10: 50000/10000 images of 32x32x3, 5000 training images per class, the class names", async () => {
  const { train, test: testSet } = await loadCifar10({ download: false, cacheDir: tempDir() });
  assert.is(train.count, 50000);
  assert.is(testSet.count, 10000);
  checkBlock(testSet, [32, 32, 3]);
  assert.equal(train.classCounts(), new Array(10).fill(5000));
  assert.equal(testSet.classCounts(), new Array(10).fill(1000));
  assert.equal(train.classNames, CIFAR10_CLASS_NAMES);
  assert.match(train.datasetId, /^cifar10-train:[0-9a-f]{8}$/);
  // Channel order is R, G, B: the red mean is the largest, blue the smallest (0.491 / 0.482 / 0.447).
  const channelSums = [0, 0, 0];
  for (let i = 0; i < train.pixels.length; i++) channelSums[i % 3] += train.pixels[i];
  const [red, green, blue] = channelSums.map((sum) => sum / (train.pixels.length / 3) / 255);
  assert.ok(Math.abs(red - 0.4914) < 0.003 && Math.abs(green - 0.4822) < 0.003 && Math.abs(blue - 0.4465) < 0.003, `${red} ${green} ${blue}`);
});

/** Finds `name` under `dir` (any depth), or null. */
function findFile(dir: string, name: string): string | null {
  for (const entry of readdirSync(dir, { recursive: true, encoding: "utf8" })) {
    if (path.basename(entry) === name) return path.join(dir, entry);
  }
  return null;
}

fashionTest("Fashion-MNIST (a second, independent IDX set): 60000/10000 images, 6000 per class", async () => {
  const find = (name: string) => {
    const file = findFile(FASHION_DIR, name);
    if (file === null) assert.unreachable(`${name} not found under ${FASHION_DIR}`);
    return file as string;
  };
  const classes = Array.from({ length: 10 }, (_, i) => String(i));
  const train = await readIdxImageSet(find("train-images-idx3-ubyte.gz"), find("train-labels-idx1-ubyte.gz"), classes);
  const testSet = await readIdxImageSet(find("t10k-images-idx3-ubyte.gz"), find("t10k-labels-idx1-ubyte.gz"), classes);
  assert.equal([train.count, train.height, train.width, testSet.count], [60000, 28, 28, 10000]);
  assert.equal(train.classCounts(), new Array(10).fill(6000));
});

test.run();
