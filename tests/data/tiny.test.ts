import { promises as fs } from "fs";
import * as path from "path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ImageSet, loadCifar10, loadMnist, writeTinyDatasets } from "../../src/data";
import { CLEAN_ENV, listFiles, tempDir, withEnv } from "./helpers";

const test = suite("tiny generated datasets");

/** Accuracy on `testSet` of classifying each image by the nearest class-mean image of `train`. */
function nearestMeanAccuracy(train: ImageSet, testSet: ImageSet): number {
  const size = train.height * train.width * train.channels;
  const means = Array.from({ length: train.numClasses }, () => new Float64Array(size));
  const counts = train.classCounts();
  for (let n = 0; n < train.count; n++) {
    const mean = means[train.labels[n]];
    for (let i = 0; i < size; i++) mean[i] += train.pixels[n * size + i] / counts[train.labels[n]];
  }
  let correct = 0;
  for (let n = 0; n < testSet.count; n++) {
    let best = -1;
    let bestDistance = Infinity;
    means.forEach((mean, label) => {
      let distance = 0;
      for (let i = 0; i < size; i++) distance += (testSet.pixels[n * size + i] - mean[i]) ** 2;
      if (distance < bestDistance) [best, bestDistance] = [label, distance];
    });
    if (best === testSet.labels[n]) correct++;
  }
  return correct / testSet.count;
}

test("writes the official layouts, which the loaders read with the default sizes", async () => {
  const dir = tempDir();
  await writeTinyDatasets(dir);
  assert.equal(await listFiles(dir), [
    "cifar-10-batches-bin/batches.meta.txt",
    "cifar-10-batches-bin/data_batch_1.bin",
    "cifar-10-batches-bin/data_batch_2.bin",
    "cifar-10-batches-bin/data_batch_3.bin",
    "cifar-10-batches-bin/data_batch_4.bin",
    "cifar-10-batches-bin/data_batch_5.bin",
    "cifar-10-batches-bin/test_batch.bin",
    "mnist/t10k-images-idx3-ubyte.gz",
    "mnist/t10k-labels-idx1-ubyte.gz",
    "mnist/train-images-idx3-ubyte.gz",
    "mnist/train-labels-idx1-ubyte.gz",
  ]);
  const mnist = await withEnv(CLEAN_ENV, () => loadMnist({ dataDir: dir }));
  const cifar = await withEnv(CLEAN_ENV, () => loadCifar10({ dataDir: dir }));
  assert.equal([mnist.train.count, mnist.test.count, cifar.train.count, cifar.test.count], [500, 100, 500, 100]);
  // Balanced classes.
  assert.equal(mnist.train.classCounts(), new Array(10).fill(50));
  assert.equal(cifar.test.classCounts(), new Array(10).fill(10));
});

test("classes are learnable: a nearest-class-mean classifier is far above chance (10%)", async () => {
  const dir = tempDir();
  await writeTinyDatasets(dir);
  const mnist = await withEnv(CLEAN_ENV, () => loadMnist({ dataDir: dir }));
  const cifar = await withEnv(CLEAN_ENV, () => loadCifar10({ dataDir: dir }));
  const mnistAccuracy = nearestMeanAccuracy(mnist.train, mnist.test);
  const cifarAccuracy = nearestMeanAccuracy(cifar.train, cifar.test);
  assert.ok(mnistAccuracy > 0.5, `MNIST stand-in: ${mnistAccuracy}`);
  assert.ok(cifarAccuracy > 0.3, `CIFAR-10 stand-in: ${cifarAccuracy}`);
});

test("the same seed writes the same bytes; another seed different ones", async () => {
  const sizes = { mnistTrain: 20, mnistTest: 10, cifarTrain: 10, cifarTest: 10 };
  const [a, b, c] = [tempDir(), tempDir(), tempDir()];
  await writeTinyDatasets(a, sizes);
  await writeTinyDatasets(b, sizes);
  await writeTinyDatasets(c, { ...sizes, seed: 2 });
  const file = path.join("cifar-10-batches-bin", "test_batch.bin");
  const [bytesA, bytesB, bytesC] = await Promise.all([a, b, c].map((dir) => fs.readFile(path.join(dir, file))));
  assert.ok(bytesA.equals(bytesB));
  assert.not.ok(bytesA.equals(bytesC));
});

test("sizes must be whole numbers, and CIFAR needs one training image per batch file", async () => {
  const dir = tempDir();
  try {
    await writeTinyDatasets(dir, { mnistTest: 0 });
    assert.unreachable("mnistTest: 0 was accepted");
  } catch (error) {
    assert.match((error as Error).message, "mnistTest must be a whole number >= 1, got 0");
  }
  try {
    await writeTinyDatasets(dir, { cifarTrain: 4 });
    assert.unreachable("cifarTrain: 4 was accepted");
  } catch (error) {
    assert.match((error as Error).message, "cifarTrain must be at least 5");
  }
});

test.run();
