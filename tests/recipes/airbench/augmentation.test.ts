import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../../src/native/backend";
import { AirbenchAugmentation, cropAndFlip, planForBatch, type AugmentationPlan } from "../../../src/recipes/airbench/augmentation";

/** A batch whose pixel values encode their position: image·1000 + row·10 + column (channel 1 adds 0.5). */
function numberedImages(count: number, size: number): tf.Tensor4D {
  const values: number[] = [];
  for (let image = 0; image < count; image++) {
    for (let row = 0; row < size; row++) {
      for (let column = 0; column < size; column++) {
        const value = image * 1000 + row * 10 + column;
        values.push(value, value + 0.5);
      }
    }
  }
  return tf.tensor4d(values, [count, size, size, 2]);
}

function plan(rowOffsets: number[], columnOffsets: number[], flips: number[]): AugmentationPlan {
  return { rowOffsets: Int32Array.from(rowOffsets), columnOffsets: Int32Array.from(columnOffsets), flips: Uint8Array.from(flips) };
}

/** Channel 0 of one image as rows of numbers. */
function channelZero(images: tf.Tensor4D, image: number): number[][] {
  return tf.tidy(() => tf.squeeze(tf.slice(images, [image, 0, 0, 0], [1, -1, -1, 1]), [0, 3]).arraySync() as number[][]);
}

test("cropAndFlip: offset 0 with translate 2 shows the reflected border (rows/columns 2, 1 then 0, 1, ...)", () => {
  tf.tidy(() => {
    const images = numberedImages(1, 4);
    const out = cropAndFlip(images, plan([0], [0], [0]), 2);
    assert.equal(channelZero(out, 0), [
      [22, 21, 20, 21],
      [12, 11, 10, 11],
      [2, 1, 0, 1],
      [12, 11, 10, 11],
    ]);
  });
});

test("cropAndFlip: the centre offset (translate) returns the image itself; each image uses its own offsets and flip", () => {
  tf.tidy(() => {
    const images = numberedImages(3, 4);
    const out = cropAndFlip(images, plan([2, 4, 2], [2, 3, 2], [0, 0, 1]), 2);
    assert.equal(channelZero(out, 0), channelZero(images, 0));
    // Image 1 moved up by 2 rows and left by 1 column, reflecting at the bottom and right edges.
    assert.equal(channelZero(out, 1), [
      [1021, 1022, 1023, 1022],
      [1031, 1032, 1033, 1032],
      [1021, 1022, 1023, 1022],
      [1011, 1012, 1013, 1012],
    ]);
    // Image 2 flipped left-right: column c shows column 3 − c.
    assert.equal(channelZero(out, 2), channelZero(images, 2).map((row) => [...row].reverse()));
    // Channels travel together.
    assert.equal(out.slice([1, 0, 0, 1], [1, 1, 1, 1]).dataSync()[0], 1021.5);
  });
});

test("cropAndFlip: equals tfjs's mirrorPad(reflect) then a slice, then reverse, for every offset", () => {
  tf.tidy(() => {
    const images = numberedImages(1, 5);
    const padded = tf.mirrorPad(images, [[0, 0], [2, 2], [2, 2], [0, 0]], "reflect");
    for (let row = 0; row <= 4; row++) {
      for (let column = 0; column <= 4; column++) {
        for (const flip of [0, 1]) {
          const crop = tf.slice(padded, [0, row, column, 0], [1, 5, 5, 2]);
          const expected = flip === 1 ? tf.reverse(crop, 2) : crop;
          const actual = cropAndFlip(images, plan([row], [column], [flip]), 2);
          assert.equal(actual.arraySync(), expected.arraySync(), `offset (${row}, ${column}), flip ${flip}`);
        }
      }
    }
  });
});

test("AirbenchAugmentation: a random half starts flipped, every image's flip alternates by epoch, offsets span 0..2·translate", () => {
  const augmentation = new AirbenchAugmentation(2000, 7);
  const plans = [0, 1, 2, 3].map((epoch) => augmentation.epochPlan(epoch));
  const flipped = plans[0].flips.reduce((sum, flip) => sum + flip, 0);
  assert.ok(flipped > 900 && flipped < 1100, `${flipped} of 2000 flipped in epoch 0`);
  for (let i = 0; i < 2000; i++) {
    assert.is(plans[1].flips[i], 1 - plans[0].flips[i]);
    assert.is(plans[2].flips[i], plans[0].flips[i]);
    assert.is(plans[3].flips[i], plans[1].flips[i]);
  }
  const counts = new Array(5).fill(0);
  plans[0].rowOffsets.forEach((offset) => counts[offset]++);
  plans[0].columnOffsets.forEach((offset) => counts[offset]++);
  assert.ok(counts.every((count) => count > 700), `offsets 0..4 drawn ${counts} times`);
  assert.not.equal(Array.from(plans[0].rowOffsets), Array.from(plans[1].rowOffsets), "fresh offsets each epoch");
});

test("AirbenchAugmentation: the same seed gives the same plans; another seed, others", () => {
  const a = new AirbenchAugmentation(100, 3).epochPlan(5);
  const b = new AirbenchAugmentation(100, 3).epochPlan(5);
  const c = new AirbenchAugmentation(100, 4).epochPlan(5);
  assert.equal(a, b);
  assert.not.equal(Array.from(a.columnOffsets), Array.from(c.columnOffsets));
});

test("planForBatch: picks each image's entries in batch order", () => {
  const picked = planForBatch(plan([0, 1, 2, 3], [4, 3, 2, 1], [0, 1, 0, 1]), [3, 0]);
  assert.equal(picked, plan([3, 0], [1, 4], [1, 0]));
});

test("cropAndFlip: a plan that does not match the batch is refused, naming the entry", () => {
  tf.tidy(() => {
    assert.throws(() => cropAndFlip(numberedImages(2, 4), plan([0], [0, 0], [0, 0]), 2), /rowOffsets has 1 entries for a batch of 2/);
  });
});

test.run();
