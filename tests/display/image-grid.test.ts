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

/** The darkest gray level (0..255, first channel) in rows [top, bottom) and columns [left, right) of `pixels`. */
function darkest(pixels: number[][][], top: number, bottom: number, left: number, right: number): number {
  return Math.min(...pixels.slice(top, bottom).flatMap((row) => row.slice(left, right).map((pixel) => pixel[0])));
}

test("captions are drawn into the PNG, each under its tile: one picture, no separate SVG", async () => {
  const messages = recordOutputs();
  const images = constantImages(3, () => 0.5);
  const png = await showImageGrid(images, { cols: 3, scale: 20, captions: ["cat", "", "<ship>"] });
  images.dispose();
  const data = messages[0].content.data;
  assert.equal(Object.keys(data).sort(), ["image/png", "text/plain"]);
  assert.is(data["image/png"], Buffer.from(png).toString("base64"));
  const pixels = decode(png);
  // Tiles of 40 px at x = 1 + 41k, each with a 16 px caption strip under it and a 1 px gap: 58 px tall.
  assert.equal([pixels.length, pixels[0].length, pixels[0][0].length], [58, 124, 1], "grey-scale tiles make a grey-scale picture");
  assert.equal([pixels[20][21][0], pixels[20][62][0], pixels[20][103][0]], [128, 128, 128], "the tiles are unchanged");
  const strip = (tile: number) => darkest(pixels, 41, 57, 1 + 41 * tile, 41 + 41 * tile);
  assert.ok(strip(0) < 100, "text under the first tile");
  assert.is(strip(1), 255, "no text under a tile whose caption is empty");
  assert.ok(strip(2) < 100, "text under the third tile");
  assert.is(darkest(pixels, 0, 41, 0, 124), 128, "no text over the tiles");
});

test("Hangul captions are drawn in their own glyphs, not as boxes of a font without them", async () => {
  recordOutputs();
  const images = constantImages(3, () => 1);
  const pixels = decode(await showImageGrid(images, { cols: 3, scale: 30, captions: ["고양이", "비행기", "고양이"] }));
  images.dispose();
  // Tiles of 60 px at x = 1 + 61k, their captions in rows 61 to 76.
  const strip = (tile: number) => JSON.stringify(pixels.slice(61, 77).map((row) => row.slice(1 + 61 * tile, 61 + 61 * tile)));
  assert.ok(darkest(pixels, 61, 77, 1, 61) < 100, "the caption is drawn");
  assert.is(strip(2), strip(0), "the same caption draws the same");
  // Missing glyphs would draw three equal boxes for both words.
  assert.is.not(strip(1), strip(0), "two words of three syllables each draw differently");
});

test("row labels are drawn left of the grid, one per row, beside it; a wrong count is rejected", async () => {
  recordOutputs();
  const images = constantImages(4, () => 0.5);
  const pixels = decode(await showImageGrid(images, { cols: 2, scale: 10, rowLabels: ["original", ""] }));
  // The grid (43 px square) sits right of the labels' room.
  const left = rowLabelWidth(["original"]);
  assert.equal([pixels.length, pixels[0].length], [43, left + 43]);
  assert.equal([pixels[6][left + 6][0], pixels[0][left][0]], [128, 255], "a tile, and the grid's frame");
  assert.ok(darkest(pixels, 1, 21, 0, left) < 100, "the first row's label beside it");
  assert.is(darkest(pixels, 22, 43, 0, left), 255, "an empty label draws nothing");
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
