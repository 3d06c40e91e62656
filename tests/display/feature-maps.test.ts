import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/native/backend";
import { featureMapTiles, filterTiles, normalizeEachTile, sharedSymmetricScale, showFeatureMaps, showFilters } from "../../src/display/images/feature-maps";
import { recordOutputs, stopRecording } from "../output/recorder";

test.after.each(stopRecording);

function close(actual: number[], expected: number[]): void {
  assert.is(actual.length, expected.length);
  actual.forEach((value, i) => assert.ok(Math.abs(value - expected[i]) < 1e-6, `${value} ≠ ${expected[i]} at ${i}`));
}

test("normalizeEachTile maps each tile's own minimum to 0 and maximum to 1; a flat tile to 0", () => {
  const tiles = tf.tensor4d([-2, 0, 2, 6, 10, 20, 30, 50, 7, 7, 7, 7], [3, 2, 2, 1]);
  const normalized = normalizeEachTile(tiles);
  close(Array.from(normalized.dataSync()), [0, 0.25, 0.5, 1, 0, 0.25, 0.5, 1, 0, 0, 0, 0]);
  tf.dispose([tiles, normalized]);
});

test("featureMapTiles turns [1, H, W, K] maps into K gray tiles, map k in tile k", () => {
  // Map k at pixel (y, x) = k * 100 + y * 2 + x, so each map spans its own range.
  const values = [];
  for (let y = 0; y < 2; y++) for (let x = 0; x < 2; x++) for (let k = 0; k < 3; k++) values.push(k * 100 + y * 2 + x);
  const maps = tf.tensor4d(values, [1, 2, 2, 3]);
  const tiles = featureMapTiles(maps);
  assert.equal(tiles.shape, [3, 2, 2, 1]);
  close(Array.from(tiles.dataSync()), [0, 1 / 3, 2 / 3, 1, 0, 1 / 3, 2 / 3, 1, 0, 1 / 3, 2 / 3, 1]);
  tf.dispose([maps, tiles]);
  const batch = tf.zeros([2, 4, 4, 3]) as tf.Tensor4D;
  assert.throws(() => featureMapTiles(batch), /feature maps of one image/);
  batch.dispose();
});

test("filterTiles: one tile per filter for 1 or 3 input channels, else one per (filter, channel)", () => {
  const gray = tf.randomNormal([5, 5, 1, 8]) as tf.Tensor4D;
  const rgb = tf.randomNormal([3, 3, 3, 4]) as tf.Tensor4D;
  const deep = tf.tensor4d(Array.from({ length: 2 * 2 * 2 * 3 }, (_, i) => i), [2, 2, 2, 3]);
  const [grayTiles, rgbTiles, deepTiles] = [filterTiles(gray), filterTiles(rgb), filterTiles(deep, { colourScale: "each" })];
  assert.equal(grayTiles.shape, [8, 5, 5, 1]);
  assert.equal(rgbTiles.shape, [4, 3, 3, 3]);
  assert.equal(deepTiles.shape, [6, 2, 2, 1]);
  // Tile 3 is filter 1, input channel 1: kernel[:, :, 1, 1] = 4, 10, 16, 22, normalized on its own.
  close(Array.from(deepTiles.slice([3, 0, 0, 0], [1, 2, 2, 1]).dataSync()), [0, 1 / 3, 2 / 3, 1]);
  const rgbValues = rgbTiles.dataSync();
  assert.ok(Math.min(...rgbValues) >= 0 && Math.max(...rgbValues) <= 1);
  tf.dispose([gray, rgb, deep, grayTiles, rgbTiles, deepTiles]);
});

test("by default all filters share one scale: 0 is mid-gray, the largest magnitude 0 or 1", () => {
  // Filter 0: constant 0.1 (a plain average); filter 1: from −1 to 1.
  const kernel = tf.tensor4d([0.1, -1, 0.1, -0.5, 0.1, 0.5, 0.1, 1], [2, 2, 1, 2]);
  const tiles = filterTiles(kernel);
  close(Array.from(tiles.dataSync()), [0.55, 0.55, 0.55, 0.55, 0, 0.25, 0.75, 1]);
  const direct = sharedSymmetricScale(tf.tensor4d([0, 0, 0, 0], [1, 2, 2, 1]));
  close(Array.from(direct.dataSync()), [0.5, 0.5, 0.5, 0.5]);
  tf.dispose([kernel, tiles, direct]);
});

test("showFeatureMaps and showFilters display a grid and leave no tensors behind", async () => {
  const messages = recordOutputs();
  const maps = tf.randomUniform([1, 12, 12, 6]) as tf.Tensor4D;
  const kernel = tf.randomNormal([5, 5, 4, 2]) as tf.Tensor4D;
  const before = tf.memory().numTensors;
  // Nothing returned: a cell ending with the call shows the grid only.
  assert.is(await showFeatureMaps(maps, { cols: 3 }), undefined);
  assert.is(await showFilters(kernel, { scale: 4 }), undefined);
  assert.is(tf.memory().numTensors, before);
  tf.dispose([maps, kernel]);
  assert.is(messages.length, 2);
  const [mapsPng, filtersPng] = messages.map((message) => String(message.content.data["image/png"]));
  const size = (pngBase64: string) => {
    const image = tf.node.decodePng(Buffer.from(pngBase64, "base64"));
    const shape = image.shape;
    image.dispose();
    return shape;
  };
  // 12 px maps upscaled ×5 (to ≥ 56 px): 2 rows × 3 columns
  assert.equal(size(mapsPng), [1 + 2 * 61, 1 + 3 * 61, 1]);
  // one row per filter, one column per input channel, 5 px × 4, gaps of 2 px (a tenth of a tile, at least 2)
  assert.equal(size(filtersPng), [2 + 2 * 22, 2 + 4 * 22, 1]);
});

test.run();
