import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/backend";
import { ChapterModel, type ModelDefinition } from "../../src/models";
import { confusionMatrix, testAccuracy, type TestSet } from "../../src/training";
import { lineCollector, tinyModel, tinyTestSet } from "./fixtures";

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
  assert.equal(lines, [`test accuracy: ${result.toFixed(4)}`]);
  assert.is(tf.memory().numTensors, before);
  model.dispose();
});

test("testAccuracy rejects an empty test set and a bad block size", () => {
  const model = tinyModel();
  assert.throws(() => testAccuracy(model, tinyTestSet(0), { log: () => {} }), /test set is empty/);
  assert.throws(() => testAccuracy(model, tinyTestSet(10), { blockSize: 0, log: () => {} }), /blockSize must be a positive integer/);
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
  assert.equal(confusionMatrix(model, testSet, 4), [
    [1, 0, 2],
    [1, 1, 0],
    [0, 1, 3],
  ]);
  assert.is(tf.memory().numTensors, before);
  model.dispose();
});

test.run();
