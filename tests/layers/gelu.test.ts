import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/native/backend";
import { gelu } from "../../src/layers/gelu";

/** erf in float64 by its Taylor series, accurate to ~1e-15 for |x| ≤ 6 (terms shrink after k ≈ x²). */
function erf64(x: number): number {
  let term = x;
  let sum = x;
  for (let k = 1; k < 200; k++) {
    term *= (-x * x) / k;
    sum += term / (2 * k + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

const geluReference = (x: number) => 0.5 * x * (1 + erf64(x / Math.SQRT2));
/** Derivative of x·Φ(x) by a central difference in float64. */
const geluSlopeReference = (x: number) => (geluReference(x + 1e-6) - geluReference(x - 1e-6)) / 2e-6;

const points = [-5, -3, -2, -1.5, -1, -0.5, -0.1, 0, 0.1, 0.5, 1, 1.5, 2, 3, 5];

test("gelu: values equal 0.5·x·(1 + erf(x/√2)) computed in float64", () => {
  const values = tf.tidy(() => gelu(tf.tensor1d(points)).arraySync() as number[]);
  points.forEach((x, i) => assert.ok(Math.abs(values[i] - geluReference(x)) <= 1e-6 * Math.max(1, Math.abs(x)), `gelu(${x}) = ${values[i]}, expected ${geluReference(x)}`));
});

test("gelu: gradient equals the float64 derivative, times the incoming gradient", () => {
  const incoming = points.map((_, i) => 1 + i / 10);
  const slopes = tf.tidy(() => {
    const weights = tf.tensor1d(incoming);
    return tf.grad((x: tf.Tensor) => tf.sum(tf.mul(gelu(x), weights)))(tf.tensor1d(points)).arraySync() as number[];
  });
  points.forEach((x, i) => {
    const expected = incoming[i] * geluSlopeReference(x);
    assert.ok(Math.abs(slopes[i] - expected) <= 1e-5 * Math.max(1, Math.abs(expected)), `gelu'(${x})·${incoming[i]} = ${slopes[i]}, expected ${expected}`);
  });
});

test.run();
