import { test } from "uvu";
import * as assert from "uvu/assert";
import { inspect } from "util";
import { tf } from "../../src/native/backend";
import { imageGrid } from "../../src/display/images/image-grid";
import { rowLabelWidth, showImageGrid } from "../../src/display/images/show-images";
import { setLanguage } from "../../src/language";
import { capturedConsole, recordOutputs, simulateTerminal, stopRecording } from "../output/recorder";

test.after.each(stopRecording);

/** Decoded PNG as [height, width, channels] nested arrays of 0..255. */
function decode(png: Uint8Array): number[][][] {
  const image = tf.node.decodePng(png);
  try {
    return image.arraySync() as number[][][];
  } finally {
    image.dispose();
  }
}

/** `count` gray 2×2 images, image i filled with `value(i)`. */
function constantImages(count: number, value: (i: number) => number): tf.Tensor4D {
  return tf.tidy(() => tf.stack(Array.from({ length: count }, (_, i) => tf.fill([2, 2, 1], value(i)))) as tf.Tensor4D);
}

test("tiles land row by row with padding between them; empty slots and gaps get the background", async () => {
  const images = constantImages(3, (i) => (i + 1) / 5); // 0.2, 0.4, 0.6
  const pixels = decode(await imageGrid(images, { cols: 2, padding: 1, scale: 1 }));
  images.dispose();
  // 2 columns × (2 px + 1 px gap) + 1 px frame = 7 px square
  assert.is(pixels.length, 7);
  assert.is(pixels[0].length, 7);
  assert.is(pixels[0][0].length, 1);
  const at = (y: number, x: number) => pixels[y][x][0];
  assert.equal([at(1, 1), at(2, 2)], [51, 51]); // image 0 at (1, 1)
  assert.equal([at(1, 4), at(2, 5)], [102, 102]); // image 1 at (4, 1)
  assert.equal([at(4, 1), at(5, 2)], [153, 153]); // image 2 at (1, 4), second row
  assert.is(at(4, 4), 255); // no fourth image
  assert.equal([at(0, 0), at(3, 3), at(6, 6), at(1, 3)], [255, 255, 255, 255]);
});

test("nearest-neighbour upscaling repeats each pixel; RGB stays RGB; values are clipped to [0, 1]", async () => {
  // One 1×2 RGB image: a red pixel and an over-bright white one.
  const image = tf.tensor4d([1, 0, 0, 2, 2, 2], [1, 1, 2, 3]);
  const pixels = decode(await imageGrid(image, { scale: 3, padding: 0, background: 0 }));
  image.dispose();
  assert.is(pixels.length, 3);
  assert.is(pixels[0].length, 6);
  for (const row of pixels) {
    assert.equal(row.slice(0, 3), [[255, 0, 0], [255, 0, 0], [255, 0, 0]]);
    assert.equal(row.slice(3), [[255, 255, 255], [255, 255, 255], [255, 255, 255]]);
  }
});

test("small tiles are upscaled by default so they are visible (28 px → ×2)", async () => {
  const digits = tf.zeros([4, 28, 28, 1]) as tf.Tensor4D;
  const pixels = decode(await imageGrid(digits));
  digits.dispose();
  assert.is(pixels.length, 1 + 2 * (56 + 1));
  assert.is(pixels[0].length, 1 + 2 * (56 + 1));
});

test("wrong shapes and dtypes are refused with a message saying what to pass", async () => {
  const flat = tf.zeros([2, 28, 28]);
  const bytes = tf.zeros([2, 28, 28, 1], "int32");
  try {
    for (const wrong of [flat, bytes]) {
      try {
        await imageGrid(wrong as tf.Tensor4D);
        assert.unreachable("should have thrown");
      } catch (error) {
        assert.match((error as Error).message, /expected float32 images of shape \[N, height, width, 1 or 3\]/);
      }
    }
  } finally {
    tf.dispose([flat, bytes]);
  }
});

test("imageGrid and showImageGrid leave no tensors behind", async () => {
  recordOutputs();
  const images = tf.randomUniform([6, 8, 8, 3]) as tf.Tensor4D;
  const before = tf.memory().numTensors;
  await imageGrid(images, { cols: 3 });
  await showImageGrid(images, { captions: ["a", "b", "c", "d", "e", "f"] });
  assert.is(tf.memory().numTensors, before);
  images.dispose();
});

test("showImageGrid displays the PNG it returns, with a text summary", async () => {
  const messages = recordOutputs();
  const images = constantImages(4, (i) => i / 3);
  const png = await showImageGrid(images, { scale: 1 });
  images.dispose();
  assert.is(messages.length, 1);
  const data = messages[0].content.data;
  assert.equal(Object.keys(data).sort(), ["image/png", "text/plain"]);
  assert.is(data["image/png"], Buffer.from(png).toString("base64"));
  assert.is(data["text/plain"], "[image grid] 4 2×2 gray images, 2 rows × 2 columns");
  // A cell ending with the call prints this instead of every byte.
  assert.is(inspect(png), `<PNG image, ${png.length} bytes>`);
});

test("with captions the notebook gets an SVG: the grid picture plus one text per tile", async () => {
  const messages = recordOutputs();
  const images = constantImages(3, () => 0.5);
  const png = await showImageGrid(images, { cols: 3, scale: 10, captions: ["cat", "dog", "<ship>"] });
  images.dispose();
  const svg = String(messages[0].content.data["image/svg+xml"]);
  assert.ok(svg.startsWith("<svg"));
  assert.ok(svg.includes(`data:image/png;base64,${Buffer.from(png).toString("base64")}`));
  assert.equal(
    [...svg.matchAll(/<text x="([\d.]+)"[^>]*>([^<]*)<\/text>/g)].map((match) => [Number(match[1]), match[2]]),
    [[11, "cat"], [32, "dog"], [53, "&#60;ship&#62;"]], // tile centres: 1 + 10 + k × 21
  );
  // The PNG has a blank strip under the row for the captions.
  const pixels = decode(png);
  assert.ok(pixels.length > 1 + 20 + 1);
  assert.is(pixels[1 + 20 + 2][11][0], 255);
});

test("row labels go left of the grid in the SVG, one per row, centred on it; a wrong count is rejected", async () => {
  const messages = recordOutputs();
  const images = constantImages(4, () => 0.5);
  const png = await showImageGrid(images, { cols: 2, scale: 10, rowLabels: ["original", "shifted"] });
  const svg = String(messages[0].content.data["image/svg+xml"]);
  const labels = [...svg.matchAll(/<text x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]*)<\/text>/g)].map((match) => [Number(match[2]), match[3]]);
  assert.equal(labels, [[11, "original"], [32, "shifted"]]); // row centres: 1 + 10 + k × 21
  // The grid picture sits right of the labels, unchanged.
  assert.match(svg, /<image x="[1-9]\d*" width="43" height="43"/);
  assert.ok(svg.includes(Buffer.from(png).toString("base64")));
  try {
    await showImageGrid(images, { cols: 2, rowLabels: ["only one"] });
    assert.unreachable("should have thrown");
  } catch (error) {
    assert.match((error as Error).message, /1 row labels for 2 rows/);
  } finally {
    images.dispose();
  }
});

test("showImageGrid describes the grid in its alt text: what the images are, their layout, row labels and captions", async () => {
  const messages = recordOutputs();
  const images = constantImages(4, () => 0.5);
  await showImageGrid(images, { cols: 2 });
  await showImageGrid(images, { cols: 2, rowLabels: ["original", "shifted"], captions: ["a", "b", "c", "d"], description: "Two digits, shifted" });
  setLanguage("ko");
  try {
    await showImageGrid(images, { cols: 2, rowLabels: ["원본", "이동"] });
  } finally {
    setLanguage(undefined);
    images.dispose();
  }
  const alts = messages.map((message) => (message.content.metadata["image/png"] as { alt: string }).alt);
  assert.equal(alts, [
    "4 grey-scale images of 2×2 pixels, in 2 rows of 2",
    "Two digits, shifted, in 2 rows of 2; rows: original, shifted; captions: a, b, c, d",
    "2×2 픽셀 흑백 이미지 4장, 2행 2열 격자; 행: 원본, 이동",
  ]);
  // The labelled grid's SVG gets the same description as its PNG.
  assert.equal(messages[1].content.metadata["image/svg+xml"], messages[1].content.metadata["image/png"]);
});

test("showImageGrid rejects a caption count that does not match the images", async () => {
  recordOutputs();
  const images = constantImages(2, () => 0);
  try {
    await showImageGrid(images, { captions: ["one"] });
    assert.unreachable("should have thrown");
  } catch (error) {
    assert.match((error as Error).message, /1 captions for 2 images/);
  } finally {
    images.dispose();
  }
});

test("in a terminal showImageGrid prints a summary and still returns the PNG", async () => {
  simulateTerminal();
  const images = constantImages(2, () => 1);
  let png: Uint8Array | undefined;
  const printed = await capturedConsole(async () => {
    png = await showImageGrid(images, { scale: 1 });
  });
  images.dispose();
  assert.equal(printed, ["[image grid] 2 2×2 gray images, 1 row × 2 columns"]);
  assert.is(decode(png!).length, 4);
});

test("row labels get room for their width: a Hangul label needs more than a Latin one of as many characters", () => {
  assert.is(rowLabelWidth([]), 0);
  assert.ok(rowLabelWidth(["에포크 1"]) > rowLabelWidth(["epoch"]), "five characters, three of them Hangul");
  // "에포크 1": three Hangul of a full em, a space and a digit of 0.6 em each, at 13 px, plus 10 px.
  assert.is(rowLabelWidth(["에포크 1"]), Math.ceil(4.2 * 13) + 10);
  assert.is(rowLabelWidth(["epoch 1   "]), rowLabelWidth(["epoch 1"]), "trailing spaces are not drawn");
});

test.run();
