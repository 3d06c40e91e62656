import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/native/backend";
import { ChapterModel, type ModelDefinition } from "../../src/models";
import { accuracyOf, AdamOptimizer, classAccuracies, confusedPairs, confusionMatrix, confusionOf, eagerTrainingStep, predictions, testAccuracy, type PredictionOptions, type TestSet } from "../../src/training";
import { lineCollector, relativeDifference, TinyBatches, tinyModel, tinyTestSet } from "./fixtures";
import { augmentedLogits, testTimeAugmented } from "../../src/recipes";

test("test accuracy is computed in blocks of 1000 and weighted by block size", () => {
  const model = tinyModel(5);
  const flipped = new Set(Array.from({ length: 2500 }, (_, i) => i).filter((i) => i % 7 === 0));
  const base = tinyTestSet(2500, flipped);
  const requested: string[] = [];
  const testSet: TestSet = {
    count: base.count,
    images: (start, end) => {
      requested.push(`${start}-${end}`);
      return base.images(start, end);
    },
    oneHot: (start, end) => base.oneHot(start, end),
  };
  // Expected: the fraction of all 2500 images classified as labelled, in one pass.
  const expected = tf.tidy(() => {
    const predicted = tf.argMax(model.logits(base.images(0, 2500)), 1);
    const labelled = tf.argMax(base.oneHot(0, 2500), 1);
    return tf.mean(tf.cast(tf.equal(predicted, labelled), "float32")).dataSync()[0];
  });
  const before = tf.memory().numTensors;
  const { lines, log } = lineCollector();
  const result = testAccuracy(model, testSet, { log });
  assert.equal(requested, ["0-1000", "1000-2000", "2000-2500"]);
  assert.ok(Math.abs(result - expected) < 1e-6, `${result} vs ${expected}`);
  assert.equal(lines, [`test accuracy: ${(100 * result).toFixed(2)}%`]);
  assert.is(tf.memory().numTensors, before);
  model.dispose();
});

test("testAccuracy rejects an empty test set and a bad block size", () => {
  const model = tinyModel();
  assert.throws(() => testAccuracy(model, tinyTestSet(0), { log: () => {} }), /test set is empty/);
  assert.throws(() => testAccuracy(model, tinyTestSet(10), { blockSize: 0, log: () => {} }), /blockSize must be a positive whole number, got 0/);
  model.dispose();
});

/**
 * A test set that fails loudly once asked for more blocks than it could have
 * (a block size of 0 would otherwise ask for the first block forever).
 */
function boundedTestSet(count: number): TestSet {
  const base = tinyTestSet(count);
  let blocks = 0;
  const guard = () => {
    if (++blocks > count) throw new Error(`the test set was asked for a block ${blocks} times; it has ${count} images`);
  };
  return {
    count,
    images: (start, end) => (guard(), base.images(start, end)),
    oneHot: (start, end) => base.oneHot(start, end),
  };
}

for (const blockSize of [0, -4, 2.5, NaN]) {
  test(`blockSize ${blockSize}: predictions, testAccuracy and confusionMatrix throw a clear error before reading a block (no endless loop)`, () => {
    const model = tinyModel();
    const expected = new RegExp(`^tiny: blockSize must be a positive whole number, got ${blockSize}\\.$`);
    const before = tf.memory().numTensors;
    assert.throws(() => confusionMatrix(model, boundedTestSet(10), { blockSize }), expected);
    assert.throws(() => predictions(model, boundedTestSet(10), { blockSize }), expected);
    assert.throws(() => testAccuracy(model, boundedTestSet(10), { blockSize, log: () => {} }), expected);
    assert.is(tf.memory().numTensors, before);
    model.dispose();
  });
}

/** A tiny model after a few training steps: it tells the two classes apart (an untrained one predicts one class for all). */
function trainedTinyModel(seed: number): ReturnType<typeof tinyModel> {
  const model = tinyModel(seed);
  const optimizer = new AdamOptimizer(model.variables, { learningRate: 0.05 });
  const batches = new TinyBatches(16);
  for (let step = 0; step < 20; step++) {
    const batch = batches.nextBatch();
    tf.dispose([...Object.values(eagerTrainingStep(model, optimizer, batch, { keepProb: 1, labelSmoothing: 0 })), batch.xs, batch.ys]);
  }
  optimizer.dispose();
  return model;
}

for (const [description, options] of [["blocks of 300", { blockSize: 300 }], ["the mirror test-time augmentation's logits", { blockSize: 1000, mirror: true }]] as const) {
  test(`predictions, testAccuracy and confusionMatrix agree with each other and with the model's logits (${description})`, () => {
    const model = trainedTinyModel(8);
    const count = 1234;
    const flipped = new Set(Array.from({ length: count }, (_, i) => i).filter((i) => i % 5 === 0));
    const testSet = tinyTestSet(count, flipped);
    const tta = "mirror" in options ? "mirror" : "none";
    const predictionOptions: PredictionOptions = { blockSize: options.blockSize, logits: testTimeAugmented(model, tta) };
    const [expectedPredicted, expectedTruth] = tf.tidy(() => [
      Array.from(tf.argMax(augmentedLogits(model, testSet.images(0, count), tta), 1).dataSync()),
      Array.from(tf.argMax(testSet.oneHot(0, count), 1).dataSync()),
    ]);
    const before = tf.memory().numTensors;
    const result = predictions(model, testSet, predictionOptions);
    assert.equal(Array.from(result.predicted), expectedPredicted, "each block's argmax of the logits");
    assert.equal(Array.from(result.truth), expectedTruth, "the labels' classes");
    assert.ok(new Set(expectedPredicted).size === 2 && new Set(expectedTruth).size === 2, "both classes occur, predicted and true");
    const correct = expectedPredicted.filter((p, i) => p === expectedTruth[i]).length;
    assert.ok(correct > 0 && correct < count, "some right, some wrong (labels were flipped)");
    const { lines, log } = lineCollector();
    const accuracy = testAccuracy(model, testSet, { ...predictionOptions, log });
    assert.is(accuracy, correct / count);
    assert.is(accuracyOf(result), accuracy, "accuracyOf the predictions made already");
    assert.equal(lines, [`test accuracy: ${(100 * accuracy).toFixed(2)}%`]);
    const counts = confusionMatrix(model, testSet, predictionOptions);
    assert.equal(counts, confusionOf(result, model.numClasses));
    assert.is(counts[0][0] + counts[1][1], correct, "the diagonal counts the right predictions");
    [0, 1].forEach((c) => {
      assert.is(counts[c][0] + counts[c][1], expectedTruth.filter((t) => t === c).length, `row ${c}: the images of class ${c}`);
      assert.is(counts[0][c] + counts[1][c], expectedPredicted.filter((p) => p === c).length, `column ${c}: the images predicted as ${c}`);
    });
    assert.is(tf.memory().numTensors, before);
    model.dispose();
  });
}

test('test-time augmentation "mirror" on a chapter model: the mean of the logits of each image and of its mirror image', () => {
  const model = tinyModel(9);
  const images = tinyTestSet(16).images(0, 16);
  tf.tidy(() => {
    const mirrored = tf.reverse(images, 2);
    const [plain, ofMirror] = [model.logits(images), model.logits(mirrored)];
    assert.ok(relativeDifference(ofMirror, plain) > 1e-3, "the model tells an image from its mirror (else the test shows nothing)");
    const expected = tf.div(tf.add(plain, ofMirror), 2);
    assert.ok(relativeDifference(augmentedLogits(model, images, "mirror"), expected) < 1e-6, "mirror TTA logits");
    assert.ok(relativeDifference(augmentedLogits(model, images, "none"), plain) < 1e-7, "no TTA: the logits");
  });
  images.dispose();
  model.dispose();
});

/** A model without variables whose logits are its 1×1×3 input: each test image states the class it is predicted as. */
const echoDefinition: ModelDefinition = {
  key: "echo",
  title: "logits = input",
  inputShape: [1, 1, 3],
  numClasses: 3,
  defaults: { learningRate: 0.01, steps: 1, batchSize: 1, keepProb: 1, logEvery: 1 },
  forward: (x) => tf.reshape(x, [-1, 3]) as tf.Tensor2D,
};

test("confusionMatrix counts[true][predicted], over blocks: an asymmetric confusion keeps its orientation", () => {
  const truth = [0, 0, 0, 1, 1, 2, 2, 2, 2];
  const predicted = [0, 2, 2, 1, 0, 2, 2, 2, 1];
  const oneHot = (classes: number[]) => classes.map((c) => [0, 1, 2].map((k) => (k === c ? 1 : 0)));
  const testSet: TestSet = {
    count: truth.length,
    images: (start, end) => tf.tensor4d(oneHot(predicted.slice(start, end)).flat(), [end - start, 1, 1, 3]),
    oneHot: (start, end) => tf.tensor2d(oneHot(truth.slice(start, end))),
  };
  const model = new ChapterModel(echoDefinition, { seed: 1 });
  const before = tf.memory().numTensors;
  // Two images of class 0 predicted as class 2, none of class 2 as class 0: transposed counts would differ.
  assert.equal(confusionMatrix(model, testSet, { blockSize: 4 }), [
    [1, 0, 2],
    [1, 1, 0],
    [0, 1, 3],
  ]);
  assert.is(tf.memory().numTensors, before);
  model.dispose();
});

/** 1×3×1 images whose pixels are the three classes' logits (`echoDefinition` on a row of three). */
const rowEchoDefinition: ModelDefinition = { ...echoDefinition, key: "row-echo", inputShape: [1, 3, 1] };

test('"mirror" on a model whose logits are its pixels: logits [a, b, c] become [(a + c)/2, b, (a + c)/2], and the predictions follow', () => {
  const rows = [
    [0.9, 0.5, 0.0],
    [0.2, 0.6, 0.1],
    [0.0, 0.4, 0.7],
  ];
  const model = new ChapterModel(rowEchoDefinition, { seed: 1 });
  const testSet: TestSet = {
    count: rows.length,
    images: (start, end) => tf.tensor4d(rows.slice(start, end).flat(), [end - start, 1, 3, 1]),
    oneHot: (start, end) => tf.oneHot(tf.tensor1d([0, 1, 2].slice(start, end), "int32"), 3).toFloat() as tf.Tensor2D,
  };
  const logits = tf.tidy(() => augmentedLogits(model, testSet.images(0, rows.length), "mirror").arraySync());
  logits.forEach((row, i) => {
    const [a, b, c] = rows[i];
    [(a + c) / 2, b, (a + c) / 2].forEach((expected, k) => assert.ok(Math.abs(row[k] - expected) < 1e-6, `image ${i}, class ${k}: ${row[k]} vs ${expected}`));
  });
  assert.equal(Array.from(predictions(model, testSet, { blockSize: 2 }).predicted), [0, 1, 2]);
  const mirror = predictions(model, testSet, { blockSize: 2, logits: testTimeAugmented(model, "mirror") });
  assert.equal(Array.from(mirror.predicted), [1, 1, 1]);
  assert.equal(confusionMatrix(model, testSet, { logits: testTimeAugmented(model, "mirror") }), [
    [0, 1, 0],
    [0, 1, 0],
    [0, 1, 0],
  ]);
  assert.is(testAccuracy(model, testSet, { logits: testTimeAugmented(model, "mirror"), log: () => {} }), 1 / 3);
  model.dispose();
});


test("classAccuracies and confusedPairs: a confusion matrix worked out by hand", () => {
  // Rows: true class; columns: predicted. Class 2 has no test images.
  const counts = [
    [8, 2, 0],
    [3, 7, 0],
    [0, 0, 0],
  ];
  assert.equal(classAccuracies(counts), [0.8, 0.7, 0]);
  assert.equal(confusedPairs(counts), [{ classes: [0, 1], count: 5, asEachOther: [2, 3] }]);
  assert.equal(confusedPairs([[1, 0], [0, 1]]), [], "no pair when nothing is mixed up");
  const ordered = confusedPairs([
    [0, 1, 4],
    [1, 0, 1],
    [0, 2, 0],
  ]);
  assert.equal(ordered.map((pair) => [pair.classes, pair.count]), [[[0, 2], 4], [[1, 2], 3], [[0, 1], 2]]);
});

test.run();
