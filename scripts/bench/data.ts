/**
 * Data-layer benchmark (not a test): load times of MNIST and CIFAR-10, the cost
 * of a shuffled batch of 50, and peak memory. Reads the real datasets from
 * CNN_DATA_DIR, else /work/shared/datasets.
 *
 *     node_modules/.bin/ts-node scripts/bench/data.ts
 *
 * Targets: MNIST < 2 s, CIFAR-10 < 3 s, peak RSS after loading CIFAR-10 and
 * drawing 1000 batches < 1.5 GB. CIFAR-10 goes first so the peak RSS is its own.
 */
import { tf } from "../../src/native/backend";
import { DatasetSplits, loadCifar10, loadMnist } from "../../src/data";

const dataDir = process.env.CNN_DATA_DIR ?? "/work/shared/datasets";
const BATCHES = 1000;
const BATCH_SIZE = 50;
const MB = 1024 * 1024;

function peakRssMb(): number {
  return (process.resourceUsage().maxRSS * 1024) / MB;
}

async function timeLoad(name: string, load: () => Promise<DatasetSplits>): Promise<DatasetSplits> {
  const start = performance.now();
  const splits = await load();
  console.log(`${name}: loaded ${splits.train.count} + ${splits.test.count} images in ${((performance.now() - start) / 1000).toFixed(2)} s`);
  return splits;
}

/** Draws BATCHES shuffled batches as the chapter does, touching each so the tensors really reach TensorFlow. */
function timeBatches(name: string, splits: DatasetSplits): void {
  const it = splits.train.pipeline().shuffle(100000, { seed: 42 }).repeat().batch(BATCH_SIZE).iterator();
  const tensorsBefore = tf.memory().numTensors;
  const start = performance.now();
  for (let step = 0; step < BATCHES; step++) {
    tf.tidy(() => {
      const { xs, ys } = it.nextBatch();
      return xs.sum().add(ys.sum());
    }).dispose();
  }
  const perBatch = (performance.now() - start) / BATCHES;
  console.log(`${name}: ${perBatch.toFixed(2)} ms per shuffled batch of ${BATCH_SIZE} (${BATCHES} batches, tensors leaked: ${tf.memory().numTensors - tensorsBefore})`);
}

function timeEvaluationBlocks(name: string, splits: DatasetSplits): void {
  const start = performance.now();
  let blocks = 0;
  for (let from = 0; from < splits.test.count; from += 1000, blocks++) {
    tf.tidy(() => splits.test.images(from, Math.min(from + 1000, splits.test.count)).sum()).dispose();
  }
  console.log(`${name}: ${((performance.now() - start) / blocks).toFixed(1)} ms per test block of 1000 images`);
}

async function main(): Promise<void> {
  console.log(`datasets from ${dataDir}`);
  const cifar = await timeLoad("CIFAR-10", () => loadCifar10({ dataDir, download: false }));
  timeBatches("CIFAR-10", cifar);
  timeEvaluationBlocks("CIFAR-10", cifar);
  console.log(`peak RSS after loading CIFAR-10 and drawing ${BATCHES} batches: ${peakRssMb().toFixed(0)} MB`);
  const mnist = await timeLoad("MNIST", () => loadMnist({ dataDir, download: false }));
  timeBatches("MNIST", mnist);
  timeEvaluationBlocks("MNIST", mnist);
  console.log(`peak RSS with both datasets loaded: ${peakRssMb().toFixed(0)} MB`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
