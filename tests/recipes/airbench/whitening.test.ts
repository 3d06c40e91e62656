import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../../src/native/backend";
import { whiteningFilters } from "../../../src/recipes/airbench/whitening";

/** Mean outer product of the rows of `features` [n, d], computed in float64 in JavaScript. */
function secondMoments(features: number[][]): number[][] {
  const d = features[0].length;
  const sums = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (const row of features) {
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        sums[i][j] += row[i] * row[j];
      }
    }
  }
  return sums.map((row) => row.map((sum) => sum / features.length));
}

/** The whitening convolution's first half of channels (the unnegated ones) at every position, as rows. */
function whitenedRows(images: tf.Tensor4D, filters: tf.Tensor4D): number[][] {
  return tf.tidy(() => {
    const half = filters.shape[3] / 2;
    const out = tf.conv2d(images, tf.slice(filters, [0, 0, 0, 0], [-1, -1, -1, half]), 1, "valid");
    return tf.reshape(out, [-1, half]).arraySync() as number[][];
  });
}

function assertIdentity(matrix: number[][], tolerance: number): void {
  matrix.forEach((row, i) =>
    row.forEach((value, j) => assert.ok(Math.abs(value - (i === j ? 1 : 0)) <= tolerance, `whitened covariance [${i}][${j}] = ${value}`)),
  );
}

// Independent pixels with channel standard deviations 1, 2 and 3, and a mean of 0.5 in channel 0. The 2×2
// patches' second moments (not centred) are block-diagonal: 9·I and 4·I for channels 2 and 1, and
// I + 0.25·(all ones) for the four channel-0 values, whose eigenvalues are 1 + 4·0.25 = 2 and three 1s.
const images = tf.tidy(() => tf.add(tf.mul(tf.randomNormal([40, 9, 9, 3], 0, 1, "float32", 5), tf.tensor1d([1, 2, 3])), tf.tensor1d([0.5, 0, 0])) as tf.Tensor4D);

test("whitening: on a known covariance, the eigenvalues are its entries, largest first", () => {
  const { filters, eigenvalues } = whiteningFilters(images, { patchSize: 2, epsilon: 1e-6 });
  assert.equal(filters.shape, [2, 2, 3, 24]);
  const values = Array.from(eigenvalues.dataSync());
  assert.equal(values.length, 12);
  values.slice(1).forEach((value, i) => assert.ok(value <= values[i], `eigenvalues not in decreasing order: ${values}`));
  const expected = [9, 9, 9, 9, 4, 4, 4, 4, 2, 1, 1, 1];
  // 40·8·8 = 2560 patches: sampling error of a few percent.
  values.forEach((value, i) => assert.ok(Math.abs(value / expected[i] - 1) < 0.15, `eigenvalue ${i}: ${value}, expected about ${expected[i]}`));
  tf.dispose([filters, eigenvalues]);
});

test("whitening: the filtered patches of the same images have identity covariance; the second half are the negatives", () => {
  const { filters, eigenvalues } = whiteningFilters(images, { patchSize: 2, epsilon: 1e-6 });
  assertIdentity(secondMoments(whitenedRows(images, filters)), 1e-3);
  const [positive, negative] = tf.split(filters, 2, 3);
  assert.equal(negative.arraySync(), tf.neg(positive).arraySync());
  tf.dispose([filters, eigenvalues, positive, negative]);
});

test("whitening: on correlated pixels (a smoothed image) the covariance is identity too, shrunk by λ/(λ + ε)", () => {
  // Neighbouring pixels share most of their value, so the patch covariance is far from diagonal.
  const smooth = tf.tidy(() => tf.avgPool(tf.randomNormal([30, 12, 12, 3], 0, 1, "float32", 6) as tf.Tensor4D, 3, 1, "valid"));
  const epsilon = 5e-4;
  const { filters, eigenvalues } = whiteningFilters(smooth, { patchSize: 2, epsilon });
  const covariance = secondMoments(whitenedRows(smooth, filters));
  const values = eigenvalues.dataSync();
  covariance.forEach((row, i) =>
    row.forEach((value, j) => {
      const expected = i === j ? values[i] / (values[i] + epsilon) : 0;
      assert.ok(Math.abs(value - expected) <= 2e-3, `whitened covariance [${i}][${j}] = ${value}, expected ${expected}`);
    }),
  );
  tf.dispose([smooth, filters, eigenvalues]);
});

test("whitening: images smaller than a patch are refused", () => {
  assert.throws(() => whiteningFilters(tf.zeros([1, 1, 5, 3]) as tf.Tensor4D), /1×5 pixels are smaller than the 2×2 patches/);
});

test.run();
