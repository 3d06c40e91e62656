import { test } from "uvu";
import * as assert from "uvu/assert";
import { holdOut, ImageSet } from "../../src/data";

/** 60 one-pixel images, 3 classes, 20 each; pixel value = the image's index, so every image can be traced. */
function numberedSet(): ImageSet {
  const labels = Uint8Array.from({ length: 60 }, (_, i) => i % 3);
  const pixels = Uint8Array.from({ length: 60 }, (_, i) => i);
  return new ImageSet({ pixels, labels, height: 1, width: 1, channels: 1, numClasses: 3, datasetId: "numbered:0000" });
}

test("holdOut: as many images of every class, disjoint from the rest, together the whole set, each part in the original order", () => {
  const set = numberedSet();
  const { train, validation } = holdOut(set, { count: 15, seed: 42 });
  assert.equal(validation.classCounts(), [5, 5, 5]);
  assert.equal(train.classCounts(), [15, 15, 15]);
  const heldPixels = Array.from(validation.pixels);
  const trainPixels = Array.from(train.pixels);
  assert.equal([...heldPixels, ...trainPixels].sort((a, b) => a - b), Array.from({ length: 60 }, (_, i) => i), "every image once");
  assert.equal(heldPixels, [...heldPixels].sort((a, b) => a - b), "validation in the set's order");
  assert.equal(trainPixels, [...trainPixels].sort((a, b) => a - b), "training in the set's order");
  heldPixels.forEach((pixel, i) => assert.is(validation.labels[i], pixel % 3, "each image keeps its label"));
  assert.is(validation.datasetId, "numbered:0000[held out 15, seed 42]");
  assert.is(train.datasetId, "numbered:0000[without held out 15, seed 42]");
});

test("holdOut: the same seed holds out the same images, another seed others", () => {
  const set = numberedSet();
  const pixelsOf = (seed: number) => Array.from(holdOut(set, { count: 15, seed }).validation.pixels);
  assert.equal(pixelsOf(42), pixelsOf(42));
  assert.not.equal(pixelsOf(42), pixelsOf(7));
});

test("holdOut: a count that is not a multiple of the classes, or that would leave a class nothing to train on, is refused", () => {
  const set = numberedSet();
  assert.throws(() => holdOut(set, { count: 10, seed: 1 }), /^holdOut: count must be a positive multiple of the 3 classes, got 10\.$/);
  assert.throws(() => holdOut(set, { count: 0, seed: 1 }), /^holdOut: count must be a positive multiple of the 3 classes, got 0\.$/);
  assert.throws(() => holdOut(set, { count: 60, seed: 1 }), /^holdOut: class 0 has 20 images in numbered:0000; holding out 20 of each class would leave it none to train on\.$/);
  assert.throws(() => holdOut(set, { count: 15, seed: -1 }), /seed/);
});

test.run();
