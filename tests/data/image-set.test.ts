import { suite } from "uvu";
import * as assert from "uvu/assert";
import { setLanguage } from "../../src/language";
import { tf } from "../../src/native/backend";
import { ImageSet } from "../../src/data";

const test = suite("ImageSet");

/** 5 RGB images of 2x3 whose bytes are (image * 18 + offset), labels 4, 0, 9, 4, 1. */
function smallSet(): ImageSet {
  const pixels = Uint8Array.from({ length: 5 * 2 * 3 * 3 }, (_, i) => i % 256);
  return new ImageSet({
    pixels,
    labels: Uint8Array.of(4, 0, 9, 4, 1),
    height: 2,
    width: 3,
    channels: 3,
    numClasses: 10,
  });
}

function close(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  assert.is(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (Math.abs(actual[i] - expected[i]) > 1e-6) assert.unreachable(`element ${i}: ${actual[i]} != ${expected[i]}`);
  }
}

test("images(start, end) are float32 NHWC, the bytes divided by 255", () => {
  const set = smallSet();
  const images = set.images(1, 3);
  assert.equal(images.shape, [2, 2, 3, 3]);
  assert.is(images.dtype, "float32");
  close(images.dataSync(), Array.from(set.pixels.subarray(18, 54), (v) => v / 255));
  images.dispose();
  const all = set.images();
  assert.equal(all.shape, [5, 2, 3, 3]);
  all.dispose();
});

test("oneHot(start, end) has a single 1 at each label", () => {
  const oneHot = smallSet().oneHot(2, 5);
  assert.equal(oneHot.shape, [3, 10]);
  assert.equal(Array.from(oneHot.argMax(1).dataSync()), [9, 4, 1]);
  assert.is(oneHot.sum().dataSync()[0], 3);
  oneHot.dispose();
});

test("image(i) is one HWC image and leaves no intermediate tensors", () => {
  const set = smallSet();
  const before = tf.memory().numTensors;
  const image = set.image(4);
  assert.equal(image.shape, [2, 3, 3]);
  close(image.dataSync(), Array.from(set.pixels.subarray(72, 90), (v) => v / 255));
  assert.is(tf.memory().numTensors, before + 1);
  image.dispose();
});

test("gather(indices) returns those images and labels in that order, duplicates included", () => {
  const set = smallSet();
  const { xs, ys } = set.gather([3, 0, 3]);
  assert.equal(xs.shape, [3, 2, 3, 3]);
  const expected = [3, 0, 3].flatMap((i) => Array.from(set.pixels.subarray(i * 18, (i + 1) * 18), (v) => v / 255));
  close(xs.dataSync(), expected);
  assert.equal(Array.from(ys.argMax(1).dataSync()), [4, 4, 4]);
  assert.equal(ys.shape, [3, 10]);
  tf.dispose([xs, ys]);
});

test("slice(start, end) is a view: same bytes, no copy", () => {
  const set = smallSet();
  const part = set.slice(1, 4);
  assert.is(part.count, 3);
  assert.equal(Array.from(part.labels), [0, 9, 4]);
  assert.is(part.pixels.buffer, set.pixels.buffer);
  assert.is(part.pixels[0], set.pixels[18]);
});

test("datasetId: the same content gives the same id; one pixel or one label more or less gives another", () => {
  const id = smallSet().datasetId;
  assert.match(id, /^images:[0-9a-f]{8}$/);
  assert.is(smallSet().datasetId, id);
  const otherPixel = smallSet();
  otherPixel.pixels[89] ^= 1;
  assert.is.not(otherPixel.datasetId, id);
  const otherLabel = smallSet();
  otherLabel.labels[0] = 5;
  assert.is.not(otherLabel.datasetId, id);
  // The same bytes read as another shape are other data.
  const set = smallSet();
  const reshaped = new ImageSet({ pixels: set.pixels, labels: set.labels, height: 3, width: 2, channels: 3, numClasses: 10 });
  assert.is.not(reshaped.datasetId, id);
});

test("datasetId: a given id is kept; a slice's id is its parent's with the range", () => {
  const set = smallSet();
  const named = new ImageSet({ pixels: set.pixels, labels: set.labels, height: 2, width: 3, channels: 3, numClasses: 10, datasetId: "mnist-train:0123abcd" });
  assert.is(named.datasetId, "mnist-train:0123abcd");
  assert.is(named.slice(1, 4).datasetId, "mnist-train:0123abcd[1:4]");
  assert.is(named.slice(1, 4).slice(0, 2).datasetId, "mnist-train:0123abcd[1:4][0:2]");
  assert.is(set.slice(0, 5).datasetId, `${set.datasetId}[0:5]`);
});

test("classCounts() counts every label", () => {
  assert.equal(smallSet().classCounts(), [1, 1, 0, 0, 2, 0, 0, 0, 0, 1]);
});

test("out-of-range requests and inconsistent data are refused with the valid range", () => {
  const set = smallSet();
  assert.throws(() => set.images(0, 6), /ImageSet.images\(0, 6\): need whole numbers with 0 <= start <= end <= 5/);
  assert.throws(() => set.oneHot(3, 2), /0 <= start <= end <= 5/);
  assert.throws(() => set.image(5), /index 5 is not a whole number in 0..4/);
  assert.throws(() => set.gather([0, 1.5]), /index 1.5/);
  assert.throws(
    () => new ImageSet({ pixels: new Uint8Array(10), labels: Uint8Array.of(1), height: 2, width: 2, channels: 1, numClasses: 10 }),
    /10 pixel bytes do not make 1 images of 2x2x1/,
  );
  assert.throws(
    () => new ImageSet({ pixels: new Uint8Array(4), labels: Uint8Array.of(1), height: 2, width: 2, channels: 1, numClasses: 2, classNames: ["a"] }),
    /1 class names given for 2 classes/,
  );
});

test("classNames follow the reader's language: CIFAR-10's in Korean for \"ko\", other names as they are; slices keep the dataset's names", () => {
  const set = new ImageSet({ pixels: new Uint8Array(3 * 4), labels: Uint8Array.of(0, 1, 2), height: 2, width: 2, channels: 1, numClasses: 3, classNames: ["cat", "truck", "7"] });
  assert.equal(set.classNames, ["cat", "truck", "7"]);
  setLanguage("ko");
  try {
    assert.equal(set.classNames, ["고양이", "트럭", "7"]);
    assert.equal(set.slice(0, 2).classNames, ["고양이", "트럭", "7"]);
    assert.equal(set.slice(0, 2).datasetClassNames, ["cat", "truck", "7"]);
  } finally {
    setLanguage(undefined);
  }
  assert.equal(set.classNames, ["cat", "truck", "7"]);
});

test.run();
