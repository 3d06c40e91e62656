import { suite } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/native/backend";
import { BatchPipeline, ImageSet } from "../../src/data";
import type { Batch } from "../../src/data/pipeline";

const test = suite("pipeline");

/** `count` 1x2 grey images whose two bytes spell the image's index, so batches can be traced. */
function indexedSet(count: number): ImageSet {
  const pixels = new Uint8Array(count * 2);
  for (let i = 0; i < count; i++) {
    pixels[2 * i] = i & 255;
    pixels[2 * i + 1] = i >> 8;
  }
  return new ImageSet({
    pixels,
    labels: Uint8Array.from({ length: count }, (_, i) => i % 10),
    height: 1,
    width: 2,
    channels: 1,
    numClasses: 10,
  });
}

/** The image indices in a batch (decoded from its pixels), disposing it. */
function indicesOf(batch: Batch): number[] {
  const values = batch.xs.dataSync();
  const labels = batch.ys.argMax(1);
  const indices: number[] = [];
  for (let i = 0; i < values.length; i += 2) indices.push(Math.round(values[i] * 255) + 256 * Math.round(values[i + 1] * 255));
  // The labels must belong to the same images.
  assert.equal(Array.from(labels.dataSync()), indices.map((i) => i % 10));
  tf.dispose([batch.xs, batch.ys, labels]);
  return indices;
}

/** The first `batches` batches of a pass, as index lists. */
function draw(pipeline: BatchPipeline, batches: number): number[][] {
  const it = pipeline.iterator();
  return Array.from({ length: batches }, () => indicesOf(it.nextBatch()));
}

function isPermutation(values: number[], count: number): boolean {
  return values.length === count && [...values].sort((a, b) => a - b).every((v, i) => v === i);
}

test("batch() keeps the order; the last batch is smaller unless dropRemainder", () => {
  const set = indexedSet(10);
  const batches = set.pipeline().batch(4);
  assert.is(batches.length, 3);
  assert.equal([...batches].map(indicesOf), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
  const dropped = set.pipeline().batch(4, { dropRemainder: true });
  assert.is(dropped.length, 2);
  assert.equal([...dropped].map(indicesOf), [[0, 1, 2, 3], [4, 5, 6, 7]]);
});

test("repeat().batch() runs batches across the end of a pass, as tf.data does", () => {
  const batches = indexedSet(10).pipeline().repeat(2).batch(4);
  assert.is(batches.length, 5);
  assert.equal([...batches].map(indicesOf), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 0, 1], [2, 3, 4, 5], [6, 7, 8, 9]]);
  assert.is(indexedSet(10).pipeline().repeat().batch(4).length, Infinity);
});

test("nextBatch() throws once a finite pipeline is exhausted, saying how to get an endless one", () => {
  const it = indexedSet(5).pipeline().batch(5).iterator();
  indicesOf(it.nextBatch());
  assert.throws(() => it.nextBatch(), /exhausted after 1 batches\. Add \.repeat\(\) before \.batch\(\)/);
});

test("repeat() of an empty set ends instead of looping forever", () => {
  const it = indexedSet(0).pipeline().repeat().batch(2).iterator();
  assert.throws(() => it.nextBatch(), /exhausted after 0 batches/);
});

test("a buffer as large as the data gives a permutation per pass, a new one each pass", () => {
  const batches = indexedSet(50).pipeline().shuffle(100000, { seed: 7 }).repeat().batch(50);
  const [first, second, third] = draw(batches, 3);
  assert.ok(isPermutation(first, 50));
  assert.ok(isPermutation(second, 50));
  assert.ok(isPermutation(third, 50));
  assert.not.equal(first, second);
  assert.not.equal(second, third);
  assert.not.equal(first, [...first].sort((a, b) => a - b));
});

test("the same seed reproduces the same sequence of orders; another seed does not", () => {
  const make = (seed: number) => indexedSet(30).pipeline().shuffle(30, { seed }).repeat().batch(30);
  assert.equal(draw(make(42), 3), draw(make(42), 3));
  assert.not.equal(draw(make(42), 1), draw(make(43), 1));
});

test("each new iterator continues with new orders, like iterating a tf.data dataset again", () => {
  const batches = indexedSet(30).pipeline().shuffle(30, { seed: 1 }).batch(30);
  const [firstPass] = [...batches].map(indicesOf);
  const [secondPass] = [...batches].map(indicesOf);
  assert.ok(isPermutation(secondPass, 30));
  assert.not.equal(firstPass, secondPass);
});

test("reshuffleEachIteration: false repeats the first order every pass", () => {
  const batches = indexedSet(20).pipeline().shuffle(20, { seed: 3, reshuffleEachIteration: false }).repeat(3).batch(20);
  const [a, b, c] = [...batches].map(indicesOf);
  assert.equal(a, b);
  assert.equal(b, c);
  assert.not.equal(a, [...a].sort((x, y) => x - y));
});

test("a small buffer only mixes nearby elements: output k comes from the first k + bufferSize", () => {
  const count = 200;
  const bufferSize = 10;
  const [order] = draw(indexedSet(count).pipeline().shuffle(bufferSize, { seed: 5 }).batch(count), 1);
  assert.ok(isPermutation(order, count));
  order.forEach((index, k) => assert.ok(index < k + bufferSize, `output ${k} is element ${index}`));
  // Still shuffled: most elements leave their position.
  assert.ok(order.filter((index, k) => index !== k).length > count / 2);
});

test("draws from the buffer are uniform (first element over 2000 seeds)", () => {
  const set = indexedSet(20);
  const firstCounts = new Array<number>(4).fill(0);
  for (let seed = 0; seed < 2000; seed++) {
    const it = set.pipeline().shuffle(4, { seed }).batch(1).iterator();
    firstCounts[indicesOf(it.nextBatch())[0]]++;
  }
  // Each of the 4 buffered elements should come first about 500 times (sd ~19).
  firstCounts.forEach((n, index) => assert.ok(n > 400 && n < 600, `element ${index} came first ${n} times`));
});

test("shuffle after repeat mixes across passes: every element still appears once per pass", () => {
  const [order] = draw(indexedSet(8).pipeline().repeat(3).shuffle(24, { seed: 9 }).batch(24), 1);
  const counts = new Array<number>(8).fill(0);
  order.forEach((i) => counts[i]++);
  assert.equal(counts, new Array<number>(8).fill(3));
});

test("invalid sizes and seeds are refused with the rule", () => {
  const pipeline = indexedSet(4).pipeline();
  assert.throws(() => pipeline.shuffle(0), /shuffle: bufferSize must be a whole number >= 1, got 0/);
  assert.throws(() => pipeline.shuffle(10, { seed: 1.5 }), /shuffle: seed must be a whole number >= 0/);
  assert.throws(() => pipeline.batch(0), /batch: size must be a whole number >= 1/);
  assert.throws(() => pipeline.repeat(-1), /repeat: count must be a whole number >= 0/);
});

test("the batches report their dataset, batch size and order, for the weights cache", () => {
  const set = indexedSet(30);
  const batches = set.pipeline().shuffle(30, { seed: 1 }).repeat().batch(7);
  const order = "shuffle(buffer 30, seed 1), repeat(Infinity)";
  assert.equal(batches.identity, { dataset: set.datasetId, batchSize: 7, order });
  assert.equal(batches.iterator().identity, { dataset: set.datasetId, batchSize: 7, order });
  const part = set.slice(10, 20);
  assert.equal(part.pipeline().batch(4).iterator().identity, { dataset: `${set.datasetId}[10:20]`, batchSize: 4, order: "in order" });
  // Another seed, buffer or pass structure is another order: cached runs tell them apart.
  const orders = [
    set.pipeline().shuffle(30, { seed: 2 }).repeat().batch(7),
    set.pipeline().shuffle(10, { seed: 1 }).repeat().batch(7),
    set.pipeline().shuffle(30, { seed: 1, reshuffleEachIteration: false }).repeat().batch(7),
    set.pipeline().shuffle(30, { seed: 1 }).repeat().batch(7, { dropRemainder: true }),
  ].map((pipeline) => pipeline.identity.order);
  assert.is(new Set([order, ...orders]).size, 5, `orders: ${[order, ...orders].join(" | ")}`);
});

test("thousands of batches leak no tensors (disposed, or made inside tf.tidy)", () => {
  const set = indexedSet(500);
  const it = set.pipeline().shuffle(100000, { seed: 42 }).repeat().batch(50).iterator();
  const before = tf.memory().numTensors;
  for (let step = 0; step < 2000; step++) {
    const { xs, ys } = it.nextBatch();
    tf.dispose([xs, ys]);
  }
  for (let step = 0; step < 1000; step++) {
    tf.tidy(() => {
      const { xs, ys } = it.nextBatch();
      return xs.sum().add(ys.sum());
    }).dispose();
  }
  assert.is(tf.memory().numTensors, before);
});

test.run();
