import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/native/backend";
import { ImageSet } from "../../src/data/image-set";
import { chapterTraining, scaledSteps } from "../../src/recipes/chapter";
import { train } from "../../src/training/train";
import { silentProgress } from "../../src/output";
import { tinyDefinition, tinyModel, tinyTestSet } from "../training/fixtures";

const COUNT = 20;

/** 20 images of 4×4 whose pixels all hold the image's index, so a batch tells which images it drew. */
function numberedSet(): ImageSet {
  const pixels = new Uint8Array(COUNT * 16).map((_, i) => Math.floor(i / 16));
  const labels = Uint8Array.from({ length: COUNT }, (_, i) => i % 2);
  return new ImageSet({ pixels, labels, height: 4, width: 4, channels: 1, numClasses: 2, datasetId: "numbered:0000" });
}

/** The image indices of the next `batchCount` batches. */
function drawn(batches: { nextBatch(): { xs: tf.Tensor4D; ys: tf.Tensor2D } }, batchCount: number): number[][] {
  return Array.from({ length: batchCount }, () => {
    const { xs, ys } = batches.nextBatch();
    const firstPixels = tf.tidy(() => xs.slice([0, 0, 0, 0], [-1, 1, 1, 1]).reshape([-1]).mul(255).round());
    const indices = Array.from(firstPixels.dataSync());
    tf.dispose([xs, ys, firstPixels]);
    return indices;
  });
}

test("chapterTraining: the model's batch size, Adam at its learning rate, its dropout, and the chapter's step counts, scaled", () => {
  const model = tinyModel();
  const set = numberedSet();
  try {
    const { defaults } = tinyDefinition;
    const full = chapterTraining(model, set, { seed: 42 });
    const recipe = { optimizer: { kind: "adam", learningRate: defaults.learningRate }, keepProb: defaults.keepProb, labelSmoothing: 0 };
    assert.equal(full.options, { ...recipe, steps: defaults.steps, logEvery: defaults.logEvery, retrain: false });
    assert.equal(full.batches.identity, { dataset: "numbered:0000", batchSize: defaults.batchSize, order: "shuffle(buffer 20, seed 42), repeat(Infinity)" });
    assert.equal(drawn(full.batches, 1)[0].length, defaults.batchSize);
    const short = chapterTraining(model, set, { seed: 42, stepScale: 0.1, retrain: true });
    assert.equal(short.options, { ...recipe, steps: defaults.steps / 10, logEvery: defaults.logEvery / 10, retrain: true });
  } finally {
    model.dispose();
  }
});

test("chapterTraining: a pass over the set is an epoch, so a testSet is measured after each pass and after the last step", async () => {
  const model = tinyModel();
  // 24 images in batches of 8: 3 steps a pass.
  const pixels = new Uint8Array(24 * 16).map((_, i) => Math.floor(i / 16) * 10);
  const set = new ImageSet({ pixels, labels: Uint8Array.from({ length: 24 }, (_, i) => i % 2), height: 4, width: 4, channels: 1, numClasses: 2, datasetId: "numbered:0024" });
  try {
    const { batches, options } = chapterTraining(model, set, { seed: 42 });
    assert.is(batches.stepsPerEpoch, 3);
    const run = await train(model, batches, { ...options, steps: 8, logEvery: null, testSet: tinyTestSet(16), progress: silentProgress, log: () => {} });
    assert.equal(run.epochs.map((record) => record.steps), [3, 6, 8]);
    assert.equal(run.epochs.map((record) => +record.epoch.toFixed(3)), [1, 2, 2.667]);
    for (const record of run.epochs) assert.ok(record.testAccuracy !== null && record.testAccuracy >= 0 && record.testAccuracy <= 1, `epoch ${record.epoch}: ${record.testAccuracy}`);
    // A batch size that does not divide the set: the nearest whole number of batches.
    assert.is(chapterTraining(model, numberedSet(), { seed: 42 }).batches.stepsPerEpoch, Math.round(COUNT / tinyDefinition.defaults.batchSize));
  } finally {
    model.dispose();
  }
});

test("chapterTraining: each pass is a permutation of the whole set, the same for the same seed", () => {
  const model = tinyModel();
  const set = numberedSet();
  try {
    // 8 per batch: 5 batches are two passes of 20.
    const order = (seed: number) => drawn(chapterTraining(model, set, { seed }).batches, 5).flat();
    const first = order(42);
    assert.equal([...first.slice(0, COUNT)].sort((a, b) => a - b), Array.from({ length: COUNT }, (_, i) => i));
    assert.equal([...first.slice(COUNT, 2 * COUNT)].sort((a, b) => a - b), Array.from({ length: COUNT }, (_, i) => i));
    assert.not.equal(first.slice(COUNT, 2 * COUNT), first.slice(0, COUNT), "a new order each pass");
    assert.equal(order(42), first);
    assert.not.equal(order(7), first);
  } finally {
    model.dispose();
  }
});

test("chapterTraining refuses a seed outside the seed range, naming it", () => {
  const model = tinyModel();
  try {
    assert.throws(() => chapterTraining(model, numberedSet(), { seed: 2 ** 31 }), /chapterTraining: seed 2147483648 is not valid/);
  } finally {
    model.dispose();
  }
});

test("scaled step counts round and never reach zero", () => {
  assert.is(scaledSteps(5000, 1), 5000);
  assert.is(scaledSteps(10000, 0.1), 1000);
  assert.is(scaledSteps(5000, 0.0001), 1);
  assert.throws(() => scaledSteps(5000, 0), /stepScale 0 is not valid/);
});

test.run();
