import { suite } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../../src/native/backend";
import { ImageSet } from "../../../src/data";
import type { Batch } from "../../../src/data/pipeline";
import { deriveSeed, mulberry32, permutation, SEED_STREAMS, streamSeed } from "../../../src/data/random";
import { SEED_LIMIT } from "../../../src/seed";
import { AirbenchAugmentation, EpochBatches, cropAndFlip, planForBatch } from "../../../src/recipes";

const test = suite("epoch batches");

/**
 * `count` images of `side`×`side` pixels, one channel, each labelled with its own
 * index (one class per image), with pixel values that differ from image to
 * image and from pixel to pixel, so crops and flips can be traced.
 */
function indexedSet(count: number, side = 1): ImageSet {
  const pixels = Uint8Array.from({ length: count * side * side }, (_, i) => (i * 7 + Math.floor(i / (side * side)) * 13) % 251);
  return new ImageSet({
    pixels,
    labels: Uint8Array.from({ length: count }, (_, i) => i),
    height: side,
    width: side,
    channels: 1,
    numClasses: count,
  });
}

/** The image indices of a batch (its labels), disposing it. */
function indicesOf(batch: Batch): number[] {
  const indices = tf.tidy(() => Array.from(tf.argMax(batch.ys, 1).dataSync()));
  tf.dispose([batch.xs, batch.ys]);
  return indices;
}

/** The order EpochBatches should use in `epoch`: a permutation from the seed's "order" stream, one per epoch. */
function expectedOrder(count: number, seed: number, epoch: number): number[] {
  return Array.from(permutation(count, mulberry32(deriveSeed(streamSeed(seed, "order"), epoch))));
}

test("each epoch is a fresh seeded permutation of the set, cut into full batches (the remainder dropped)", () => {
  const set = indexedSet(10);
  const batches = new EpochBatches(set, { batchSize: 4, seed: 42, translate: 0, flip: false });
  assert.is(batches.stepsPerEpoch, 2);
  const epochs = [0, 1, 2].map(() => [indicesOf(batches.nextBatch()), indicesOf(batches.nextBatch())]);
  epochs.forEach((epoch, e) => {
    const order = expectedOrder(10, 42, e);
    assert.equal(epoch, [order.slice(0, 4), order.slice(4, 8)], `epoch ${e}`);
    assert.is(new Set(epoch.flat()).size, 8, `epoch ${e}: no image twice`);
  });
  assert.not.equal(epochs[1], epochs[0]);
  assert.not.equal(epochs[2], epochs[1]);
  // Over the epochs every image is drawn, though each epoch leaves two out.
  assert.is(new Set(epochs.flat(2)).size, 10);
});

test("the same seed gives the same batches; another seed, another order", () => {
  const set = indexedSet(50);
  const draw = (seed: number) => {
    const batches = new EpochBatches(set, { batchSize: 10, seed, translate: 0, flip: false });
    return Array.from({ length: 12 }, () => indicesOf(batches.nextBatch()));
  };
  assert.equal(draw(7), draw(7));
  assert.not.equal(draw(8), draw(7));
  // The order stream is its own: not the seed used directly, nor the augmentation's stream.
  assert.not.equal(streamSeed(7, "order"), streamSeed(7, "augmentation"));
  assert.equal(SEED_STREAMS, { augmentation: 1, order: 2, firstLayer: 3 });
});

test("each epoch's images are cropped and flipped by that epoch's augmentation plan, image by image", () => {
  const count = 12;
  const side = 6;
  const set = indexedSet(count, side);
  const seed = 5;
  const translate = 2;
  const batches = new EpochBatches(set, { batchSize: 4, seed, translate, flip: true });
  const augmentation = new AirbenchAugmentation(count, streamSeed(seed, "augmentation") % SEED_LIMIT, translate);
  for (let epoch = 0; epoch < 3; epoch++) {
    const plan = augmentation.epochPlan(epoch);
    const order = expectedOrder(count, seed, epoch);
    for (let b = 0; b < batches.stepsPerEpoch; b++) {
      const indices = Int32Array.from(order.slice(4 * b, 4 * b + 4));
      const batch = batches.nextBatch();
      const [actual, expected] = tf.tidy(() => {
        const { xs, ys } = set.gather(indices);
        ys.dispose();
        return [batch.xs.arraySync(), cropAndFlip(xs, planForBatch(plan, indices), translate).arraySync()];
      });
      assert.equal(indicesOf(batch), Array.from(indices), `epoch ${epoch}, batch ${b}`);
      assert.equal(actual, expected, `epoch ${epoch}, batch ${b}`);
    }
  }
  // Every image is flipped in exactly one of two consecutive epochs.
  const [even, odd] = [augmentation.epochPlan(0), augmentation.epochPlan(1)];
  assert.ok(even.flips.every((flip, i) => flip !== odd.flips[i]));
});

test("without flips the crops are the plan's, unflipped; without augmentation the images are the set's", () => {
  const set = indexedSet(8, 5);
  const seed = 9;
  const cropped = new EpochBatches(set, { batchSize: 8, seed, translate: 1, flip: false });
  const plan = new AirbenchAugmentation(8, streamSeed(seed, "augmentation") % SEED_LIMIT, 1).epochPlan(0);
  plan.flips.fill(0);
  const order = Int32Array.from(expectedOrder(8, seed, 0));
  const batch = cropped.nextBatch();
  const expected = tf.tidy(() => {
    const { xs, ys } = set.gather(order);
    ys.dispose();
    return cropAndFlip(xs, planForBatch(plan, order), 1).arraySync();
  });
  assert.equal(batch.xs.arraySync(), expected);
  tf.dispose([batch.xs, batch.ys]);

  const plain = new EpochBatches(set, { batchSize: 8, seed, translate: 0, flip: false }).nextBatch();
  const images = tf.tidy(() => {
    const { xs, ys } = set.gather(order);
    ys.dispose();
    return xs.arraySync();
  });
  assert.equal(plain.xs.arraySync(), images);
  tf.dispose([plain.xs, plain.ys]);
});

test("the identity names the data set, the batch size and the order (seed, full batches, augmentation)", () => {
  const set = indexedSet(20);
  const identity = (seed: number, translate: number, flip: boolean, batchSize = 5) => new EpochBatches(set, { batchSize, seed, translate, flip }).identity;
  const base = identity(1, 0, true);
  assert.is(base.dataset, set.datasetId);
  assert.is(base.batchSize, 5);
  assert.is(base.order, "epochs of a permutation (seed 1), full batches only; translate 0, alternating flips");
  const others = [identity(2, 0, true), identity(1, 0, false), identity(1, 0, true, 4)];
  others.forEach((other) => assert.not.equal(other, base));
  assert.not.equal(identity(2, 0, true).order, base.order, "another seed, another order");
  assert.equal(identity(1, 0, true), base);
  assert.is.not(new EpochBatches(set.slice(0, 10), { batchSize: 5, seed: 1, translate: 0, flip: true }).identity.dataset, base.dataset);
});

test("a batch larger than the set, a bad batch size, translation or seed is a clear error", () => {
  const set = indexedSet(20);
  const make = (options: Partial<{ batchSize: number; seed: number; translate: number; flip: boolean }>) => () =>
    new EpochBatches(set, { batchSize: 5, seed: 1, translate: 0, flip: false, ...options });
  assert.throws(make({ batchSize: 21 }), /^EpochBatches: a batch size of 21 is larger than the 20 training images; pass a smaller batch size \(e\.g\. 2\)\.$/);
  assert.throws(make({ batchSize: 0 }), /^EpochBatches: batchSize must be a whole number ≥ 1, got 0\.$/);
  assert.throws(make({ batchSize: 2.5 }), /batchSize must be a whole number ≥ 1, got 2\.5/);
  assert.throws(make({ translate: -1 }), /^EpochBatches: translate must be a whole number ≥ 0, got -1\.$/);
  assert.throws(make({ seed: -1 }), /^EpochBatches: seed -1 is not valid/);
  assert.is(make({ batchSize: 20 })().stepsPerEpoch, 1);
});

test.run();
