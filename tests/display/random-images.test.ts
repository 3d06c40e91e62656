import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/native/backend";
import { displayCifar, sampleWithoutReplacement, type ImageSource } from "../../src/display/images/random-images";
import { recordOutputs, stopRecording } from "../output/recorder";

test.after.each(stopRecording);

const COUNT = 100;
/** Gray 2×2 images; image i is filled with i / 255 so its index can be read back from the PNG. */
const indexImages = () =>
  tf.tidy(() => tf.range(0, COUNT).div(255).reshape([COUNT, 1, 1, 1]).tile([1, 2, 2, 1]) as tf.Tensor4D);

/** Index shown in each tile of a grid with 2×2 tiles, no upscaling, 1 px padding. */
function indicesInPng(png: Uint8Array, size: number): number[] {
  const image = tf.node.decodePng(png);
  const pixels = image.arraySync() as number[][][];
  image.dispose();
  const shown: number[] = [];
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) shown.push(pixels[1 + row * 3][1 + col * 3][0]);
  }
  return shown;
}

test("sampleWithoutReplacement: k distinct indices in range, the same for the same seed", () => {
  const sample = sampleWithoutReplacement(50000, 64, 7);
  assert.is(sample.length, 64);
  assert.is(new Set(sample).size, 64);
  assert.ok(sample.every((index) => Number.isInteger(index) && index >= 0 && index < 50000));
  assert.equal(sampleWithoutReplacement(50000, 64, 7), sample);
  assert.not.equal(sampleWithoutReplacement(50000, 64, 8), sample);
  assert.equal([...sampleWithoutReplacement(5, 5, 3)].sort(), [0, 1, 2, 3, 4]);
});

/** The PNG of the image grid in a recorded output (captioned grids: inside the SVG). */
function shownPng(data: Record<string, unknown>): Uint8Array {
  return Buffer.from(String(data["image/png"]), "base64");
}

test("displayCifar shows size × size of the chosen images, reproducibly with a seed", async () => {
  const messages = recordOutputs();
  const images = indexImages();
  // Nothing returned: a cell ending with the call shows the grid only.
  assert.is(await displayCifar(images, 3, { seed: 42, scale: 1 }), undefined);
  await displayCifar(images, 3, { seed: 42, scale: 1 });
  await displayCifar(images, 3, { seed: 43, scale: 1 });
  images.dispose();
  assert.is(messages.length, 3);
  const [first, again, other] = messages.map((message) => indicesInPng(shownPng(message.content.data), 3));
  assert.is(new Set(first).size, 9);
  assert.equal(first, sampleWithoutReplacement(COUNT, 9, 42));
  assert.equal(again, first);
  assert.equal(Buffer.from(shownPng(messages[1].content.data)), Buffer.from(shownPng(messages[0].content.data)));
  assert.not.equal(other, first);
});

test("displayCifar takes a data source, disposes every tensor it returns, and captions tiles", async () => {
  const messages = recordOutputs();
  const images = indexImages();
  const requested: number[][] = [];
  const source: ImageSource = {
    count: COUNT,
    gather(indices) {
      requested.push([...indices]);
      return { xs: tf.gather(images, indices), ys: tf.oneHot(indices, COUNT) } as { xs: tf.Tensor4D };
    },
  };
  const before = tf.memory().numTensors;
  await displayCifar(source, 2, { seed: 1, scale: 1, caption: (index) => `#${index}` });
  assert.is(tf.memory().numTensors, before);
  images.dispose();
  const chosen = sampleWithoutReplacement(COUNT, 4, 1);
  assert.equal(requested, [chosen]);
  const { alt } = messages[0].content.metadata["image/png"] as { alt: string };
  assert.is(alt, `4 of the ${COUNT} images, chosen at random (seed 1), in 2 rows of 2; captions: ${chosen.map((index) => `#${index}`).join(", ")}`);
  // The PNG under the captions: tiles of 2 px, 1 px gaps, a 16 px caption strip under each row.
  const image = tf.node.decodePng(shownPng(messages[0].content.data));
  const pixels = image.arraySync() as number[][][];
  image.dispose();
  assert.equal([0, 1, 2, 3].map((tile) => pixels[1 + Math.floor(tile / 2) * 19][1 + (tile % 2) * 3][0]), chosen);
});

test("displayCifar refuses a grid larger than the data set", async () => {
  recordOutputs();
  const images = indexImages();
  try {
    await displayCifar(images, 11);
    assert.unreachable("should have thrown");
  } catch (error) {
    assert.match((error as Error).message, /size × size ≤ 100.*got 11/);
  } finally {
    images.dispose();
  }
});

test.run();
