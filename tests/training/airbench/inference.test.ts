import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../../src/backend";
import { AirbenchModel } from "../../../src/models/airbench";
import { airbenchPredictions, augmentedLogits, CIFAR10_MEAN, CIFAR10_STD, normalizeCifar, type LogitsFunction } from "../../../src/training";
import { tinyCifar } from "./fixtures";

/** A hand-made "network": logit 0 is the top-left pixel, logit 1 is 0.3 whatever the image. */
const topLeftPixel: LogitsFunction = (images) =>
  tf.tidy(() => {
    const pixel = tf.reshape(tf.slice(images, [0, 0, 0, 0], [-1, 1, 1, 1]), [-1, 1]);
    return tf.concat([pixel, tf.fill(pixel.shape as [number, number], 0.3)], 1) as tf.Tensor2D;
  });

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
  const logits = (tta: "none" | "mirror" | "mirror-translate") =>
    tf.tidy(() => augmentedLogits(topLeftPixel, batch, tta).arraySync().map((row) => row.map((value) => Math.round(value * 1000) / 1000)));
  assert.equal(logits("none"), [[1, 0.3], [0.5, 0.3], [0, 0.3]]);
  // The mirror image's top-left pixel is the image's top-right one (0 for all three).
  assert.equal(logits("mirror"), [[0.5, 0.3], [0.25, 0.3], [0, 0.3]]);
  // Shifted one pixel either way, with reflection, the top-left pixel is the image's (1, 1) and its mirror's the image's (1, 30):
  // 1/2 · mirror + 1/2 · (v(1,1) + v(1,30)) / 2.
  assert.equal(logits("mirror-translate"), [[0.25, 0.3], [0.125, 0.3], [0.4, 0.3]]);
  batch.dispose();
});

test("normalizeCifar subtracts the CIFAR-10 mean and divides by the standard deviation, per channel", () => {
  const normalized = tf.tidy(() => normalizeCifar(tf.fill([1, 32, 32, 3], 0.5) as tf.Tensor4D).arraySync()[0][7][9]);
  normalized.forEach((value, channel) => assert.ok(Math.abs(value - (0.5 - CIFAR10_MEAN[channel]) / CIFAR10_STD[channel]) < 1e-5));
});

test("airbenchPredictions with mirror TTA: the argmax of the mean of a model's logits for each image and its mirror", async () => {
  const { test: testSet } = await tinyCifar();
  const model = new AirbenchModel({ widths: { whitening: 24, blocks: [8, 8, 8] }, seed: 4 });
  tf.tidy(() => model.initializeWhitening(normalizeCifar(testSet.images(0, 50))));
  const expected = tf.tidy(() => {
    const x = normalizeCifar(testSet.images());
    const mean = tf.add(model.logits(x, false), model.logits(tf.reverse(x, 2) as tf.Tensor4D, false));
    return Array.from(tf.argMax(mean, 1).dataSync());
  });
  const withoutTta = Array.from(airbenchPredictions(model, testSet, "none"));
  assert.equal(Array.from(airbenchPredictions(model, testSet, "mirror")), expected);
  assert.not.equal(withoutTta, expected, "a random model's mirror predictions differ somewhere");
  model.dispose();
});

test.run();
