/** Test-time augmentation in src/recipes/airbench/test-time-augmentation.ts: augmentedLogits, and predictions/testAccuracy/confusionMatrix with it. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../../src/native/backend";
import { AirbenchModel } from "../../../src/recipes/airbench/model";
import { confusionMatrix, confusionOf, predictions, testAccuracy } from "../../../src/training";
import { tinyCifar } from "./fixtures";
import { augmentedLogits, testTimeAugmented, testTimeAugmentationName, TEST_TIME_AUGMENTATIONS, type TestTimeAugmentation } from "../../../src/recipes";
import { setLanguage } from "../../../src/language";

/** A hand-made "network": logit 0 is the top-left pixel, logit 1 is 0.3 whatever the image. */
const topLeftPixel = {
  logits: (images: tf.Tensor4D) =>
    tf.tidy(() => {
      const pixel = tf.reshape(tf.slice(images, [0, 0, 0, 0], [-1, 1, 1, 1]), [-1, 1]);
      return tf.concat([pixel, tf.fill(pixel.shape as [number, number], 0.3)], 1) as tf.Tensor2D;
    }),
};

/** One-channel 32×32 images, zero except the listed [row, column, value] pixels. */
function images(pixelsPerImage: Array<Array<[number, number, number]>>): tf.Tensor4D {
  const values = new Float32Array(pixelsPerImage.length * 32 * 32);
  pixelsPerImage.forEach((pixels, image) => pixels.forEach(([row, column, value]) => (values[image * 1024 + row * 32 + column] = value)));
  return tf.tensor4d(values, [pixelsPerImage.length, 32, 32, 1]);
}

test("test-time augmentation averages the logits of the mirror image and of 1-pixel shifts (hand-made case)", () => {
  const batch = images([
    [[0, 0, 1]],
    [[0, 0, 0.5]],
    [[1, 1, 0.8], [1, 30, 0.8]],
  ]);
  const logits = (tta: TestTimeAugmentation) =>
    tf.tidy(() => augmentedLogits(topLeftPixel, batch, tta).arraySync().map((row) => row.map((value) => Math.round(value * 1000) / 1000)));
  assert.equal(logits("none"), [[1, 0.3], [0.5, 0.3], [0, 0.3]]);
  // The mirror image's top-left pixel is the image's top-right one (0 for all three).
  assert.equal(logits("mirror"), [[0.5, 0.3], [0.25, 0.3], [0, 0.3]]);
  // Shifted one pixel either way, with reflection, the top-left pixel is the image's (1, 1) and its mirror's the image's (1, 30):
  // 1/2 · mirror + 1/2 · (v(1,1) + v(1,30)) / 2.
  assert.equal(logits("mirror-translate"), [[0.25, 0.3], [0.125, 0.3], [0.4, 0.3]]);
  batch.dispose();
});

test("predictions with mirror TTA: the argmax of the mean of a model's logits for each image and its mirror; accuracy and confusion agree", async () => {
  const { test: testSet } = await tinyCifar();
  const model = new AirbenchModel({ widths: { whitening: 24, blocks: [8, 8, 8] }, seed: 4 });
  // Images in [0, 1]: the model normalises them itself.
  tf.tidy(() => model.initializeWhitening(testSet.images(0, 50)));
  const expected = tf.tidy(() => {
    const x = testSet.images();
    const mean = tf.add(model.logits(x), model.logits(tf.reverse(x, 2) as tf.Tensor4D));
    return Array.from(tf.argMax(mean, 1).dataSync());
  });
  const mirror = predictions(model, testSet, { logits: testTimeAugmented(model, "mirror"), blockSize: 64 });
  assert.equal(Array.from(mirror.predicted), expected);
  assert.equal(Array.from(mirror.truth), Array.from(testSet.labels));
  const withoutTta = Array.from(predictions(model, testSet, { logits: testTimeAugmented(model, "none") }).predicted);
  assert.not.equal(withoutTta, expected, "a random model's mirror predictions differ somewhere");

  const correct = expected.filter((predicted, i) => predicted === testSet.labels[i]).length;
  const lines: string[] = [];
  assert.is(testAccuracy(model, testSet, { logits: testTimeAugmented(model, "mirror"), log: (line) => lines.push(line) }), correct / testSet.count);
  assert.equal(lines, [`test accuracy: ${((100 * correct) / testSet.count).toFixed(2)}%`]);
  const counts = confusionMatrix(model, testSet, { logits: testTimeAugmented(model, "mirror") });
  assert.equal(counts, confusionOf(mirror, 10));
  assert.is(counts.reduce((sum, row, t) => sum + row[t], 0), correct);
  model.dispose();
});

test("an unknown test-time augmentation is refused, naming the choices", async () => {
  const { test: testSet } = await tinyCifar();
  const model = new AirbenchModel({ widths: { whitening: 24, blocks: [8, 8, 8] }, seed: 4 });
  assert.throws(
    () => testTimeAugmented(model, "flips" as never),
    /^airbench: testTimeAugmentation must be "none", "mirror" or "mirror-translate", got "flips"\.$/,
  );
  model.dispose();
});

test("each test-time augmentation has a name in each edition: its key in English, words in Korean", () => {
  try {
    setLanguage("en");
    assert.equal(TEST_TIME_AUGMENTATIONS.map(testTimeAugmentationName), ["none", "mirror", "mirror-translate"]);
    setLanguage("ko");
    const korean = TEST_TIME_AUGMENTATIONS.map(testTimeAugmentationName);
    assert.equal(korean, ["없음", "좌우 뒤집기", "좌우 뒤집기와 1픽셀 이동"]);
  } finally {
    setLanguage(undefined);
  }
});

test.run();
