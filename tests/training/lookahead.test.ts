import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/native/backend";
import { ModelVariable } from "../../src/layers/variables";
import { Lookahead, lookaheadDecay } from "../../src/training";

function variable(name: string, values: number[]): ModelVariable {
  const value = tf.tensor1d(values);
  try {
    return new ModelVariable(name, value);
  } finally {
    value.dispose();
  }
}

const valuesOf = (v: ModelVariable) => tf.tidy(() => Array.from(v.read().dataSync()));
const assertClose = (actual: number[], expected: number[]) =>
  assert.ok(actual.every((value, i) => Math.abs(value - expected[i]) < 1e-6), `${actual} instead of ${expected}`);

test("an averaging step blends the average with the current weights by the decay and resets the weights to the blend", () => {
  const weights = variable("w", [4, 8]);
  const bias = variable("b", [-2]);
  const lookahead = new Lookahead([weights, bias]);
  tf.tidy(() => {
    weights.assign(tf.tensor1d([8, 0]));
    bias.assign(tf.tensor1d([2]));
  });
  lookahead.update(0.25);
  // 0.25 · [4, 8] + 0.75 · [8, 0] = [7, 2]; 0.25 · −2 + 0.75 · 2 = 1
  assertClose(valuesOf(weights), [7, 2]);
  assertClose(valuesOf(bias), [1]);

  tf.tidy(() => weights.assign(tf.tensor1d([-1, 10])));
  lookahead.update(0.5);
  // The average is now [7, 2]: 0.5 · [7, 2] + 0.5 · [−1, 10] = [3, 6]
  assertClose(valuesOf(weights), [3, 6]);

  tf.tidy(() => weights.assign(tf.tensor1d([100, 100])));
  lookahead.update(1);
  assertClose(valuesOf(weights), [3, 6]);
  lookahead.dispose();
  weights.dispose();
  bias.dispose();
});

test("a value that does not change (a frozen one) stays exactly the same through averaging", () => {
  const frozen = variable("frozen", [0.1, 1 / 3, -2.7e-3, 123.456]);
  const before = valuesOf(frozen);
  const lookahead = new Lookahead([frozen]);
  for (const decay of [0.3, 0.7, 0.77, 0.123]) lookahead.update(decay);
  assert.equal(valuesOf(frozen), before);
  lookahead.dispose();
  frozen.dispose();
});

test("the decay grows as the cube of the progress to 0.95⁵ at the last step", () => {
  const settings = { every: 5, startEpoch: 3, finalDecay: 0.95 ** 5, power: 3 };
  assert.ok(Math.abs(lookaheadDecay(100, 100, settings) - 0.7737809375) < 1e-9);
  assert.ok(Math.abs(lookaheadDecay(50, 100, settings) - 0.7737809375 / 8) < 1e-9);
  assert.is(lookaheadDecay(0, 100, settings), 0);
});

test("lookaheadDecay refuses a run of no steps (step / 0 would be NaN) and other totals that are not whole numbers ≥ 1", () => {
  const settings = { every: 5, startEpoch: 3, finalDecay: 0.95 ** 5, power: 3 };
  for (const totalSteps of [0, -3, 2.5, NaN, Infinity]) {
    assert.throws(() => lookaheadDecay(0, totalSteps, settings), (error: Error) => error.message === `lookaheadDecay: totalSteps must be a whole number ≥ 1, got ${totalSteps}.`, `totalSteps ${totalSteps}`);
  }
});

test("lookaheadDecay refuses a step outside 0 to totalSteps", () => {
  const settings = { every: 5, startEpoch: 3, finalDecay: 0.95 ** 5, power: 3 };
  for (const step of [-1, 101, NaN]) {
    assert.throws(() => lookaheadDecay(step, 100, settings), (error: Error) => error.message === `lookaheadDecay: step must be from 0 to totalSteps (100), got ${step}.`, `step ${step}`);
  }
});

test("lookaheadDecay refuses a finalDecay outside [0, 1) and a power that is not a finite number ≥ 0", () => {
  const settings = { every: 5, startEpoch: 3, finalDecay: 0.95 ** 5, power: 3 };
  for (const finalDecay of [1, -0.1, NaN]) {
    assert.throws(() => lookaheadDecay(50, 100, { ...settings, finalDecay }), (error: Error) => error.message === `lookaheadDecay: finalDecay must be from 0 up to (not including) 1, got ${finalDecay}.`, `finalDecay ${finalDecay}`);
  }
  for (const power of [-1, NaN, Infinity]) {
    assert.throws(() => lookaheadDecay(50, 100, { ...settings, power }), (error: Error) => error.message === `lookaheadDecay: power must be a finite number ≥ 0, got ${power}.`, `power ${power}`);
  }
  assert.is(lookaheadDecay(50, 100, { ...settings, power: 0 }), settings.finalDecay);
});

test("Lookahead.update refuses a decay outside 0 to 1 and leaves the weights as they were", () => {
  const weights = variable("w", [1, 2]);
  const lookahead = new Lookahead([weights]);
  tf.tidy(() => weights.assign(tf.tensor1d([3, 4])));
  for (const decay of [-0.5, 1.5, NaN]) {
    assert.throws(() => lookahead.update(decay), (error: Error) => error.message === `Lookahead.update: decay must be from 0 to 1, got ${decay}.`, `decay ${decay}`);
  }
  assert.equal(valuesOf(weights), [3, 4]);
  lookahead.dispose();
  weights.dispose();
});

test("Lookahead holds no tensors after dispose", () => {
  const weights = variable("w", [1, 2, 3]);
  const before = tf.memory().numTensors;
  const lookahead = new Lookahead([weights]);
  lookahead.update(0.5);
  lookahead.update(0.5);
  lookahead.dispose();
  assert.is(tf.memory().numTensors, before);
  weights.dispose();
});

test.run();
