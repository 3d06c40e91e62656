import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/native/backend";
import { ModelVariable } from "../../src/layers";
import { liveNativeHandles } from "../../src/native/ops";
import { NesterovSgdOptimizer, type VariableUpdateSettings } from "../../src/training/sgd";

/**
 * PyTorch's SGD with nesterov=True, in float64: g ← g + wd·x; b ← μ·b + g (b = g at the first step);
 * x ← x − lr·(g + μ·b).
 */
function nesterovReference(start: number[], gradients: number[][], learningRates: number[], momentum: number, weightDecay: number): number[] {
  const x = [...start];
  let buffer: number[] | null = null;
  gradients.forEach((raw, step) => {
    const g = raw.map((value, i) => value + weightDecay * x[i]);
    buffer = buffer === null ? [...g] : buffer.map((b, i) => momentum * b + g[i]);
    for (let i = 0; i < x.length; i++) {
      x[i] -= learningRates[step] * (g[i] + momentum * buffer[i]);
    }
  });
  return x;
}

function variableOf(name: string, values: number[]): ModelVariable {
  const initial = tf.tensor1d(values);
  try {
    return new ModelVariable(name, initial);
  } finally {
    initial.dispose();
  }
}

function assertClose(actual: ArrayLike<number>, expected: number[], what: string): void {
  expected.forEach((value, i) => assert.ok(Math.abs(actual[i] - value) <= 1e-6 * Math.max(1, Math.abs(value)), `${what}[${i}]: ${actual[i]}, expected ${value}`));
}

test("Nesterov SGD: three updates with a changing learning rate, per-variable scales and weight decay equal the float64 reference", () => {
  const starts = [
    [0.5, -1.5, 2],
    [1, -0.25],
  ];
  const gradients = [
    [
      [0.1, -0.2, 0.3],
      [-0.4, 0.05, 0.2],
      [0.3, 0.3, -0.1],
    ],
    [
      [1, 2],
      [-0.5, 0.25],
      [0.75, -1],
    ],
  ];
  const perVariable: VariableUpdateSettings[] = [{ weightDecay: 0.05 }, { learningRateScale: 4 }];
  const baseRates = [0.1, 0.3, 0.2];
  const momentum = 0.85;
  const handlesBefore = liveNativeHandles();
  const variables = starts.map((start, i) => variableOf(`v${i}`, start));
  const optimizer = new NesterovSgdOptimizer(variables, { learningRate: baseRates[0], momentum }, perVariable);
  baseRates.forEach((rate, step) => {
    optimizer.setLearningRate(rate);
    tf.tidy(() => optimizer.applyGradients(gradients.map((perStep) => tf.tensor1d(perStep[step]))));
  });
  variables.forEach((variable, i) => {
    const rates = baseRates.map((rate) => rate * (perVariable[i].learningRateScale ?? 1));
    const expected = nesterovReference(starts[i], gradients[i], rates, momentum, perVariable[i].weightDecay ?? 0);
    assertClose(tf.tidy(() => variable.read().dataSync()), expected, variable.name);
  });
  optimizer.dispose();
  variables.forEach((variable) => variable.dispose());
  assert.is(liveNativeHandles(), handlesBefore, "the momentum slots are released");
});

test("Nesterov SGD: a learning-rate scale of 0 freezes a variable from the next update on; the others keep training", () => {
  const frozen = variableOf("frozen", [1, 2]);
  const trained = variableOf("trained", [1, 2]);
  const optimizer = new NesterovSgdOptimizer([frozen, trained], { learningRate: 0.1, momentum: 0.9 });
  const step = () => tf.tidy(() => optimizer.applyGradients([tf.tensor1d([1, 1]), tf.tensor1d([1, 1])]));
  step();
  const afterFirst = tf.tidy(() => Array.from(frozen.read().dataSync()));
  optimizer.setLearningRateScale(frozen, 0);
  step();
  step();
  assert.equal(tf.tidy(() => Array.from(frozen.read().dataSync())), afterFirst);
  assertClose(tf.tidy(() => trained.read().dataSync()), nesterovReference([1, 2], [[1, 1], [1, 1], [1, 1]], [0.1, 0.1, 0.1], 0.9, 0), "trained");
  const other = variableOf("other", [0]);
  assert.throws(() => optimizer.setLearningRateScale(other, 1), /'other' is not one this optimizer updates/);
  optimizer.dispose();
  [frozen, trained, other].forEach((variable) => variable.dispose());
});

test("Nesterov SGD: wrong counts and negative settings are refused with what to do", () => {
  const variable = variableOf("w", [0, 0]);
  assert.throws(() => new NesterovSgdOptimizer([variable], { learningRate: 0.1, momentum: 0.9 }, [{}, {}]), /2 per-variable settings for 1 variables/);
  assert.throws(() => new NesterovSgdOptimizer([variable], { learningRate: 0.1, momentum: 0.9 }, [{ weightDecay: -1 }]), /weight decay of 'w' must be/);
  const optimizer = new NesterovSgdOptimizer([variable], { learningRate: 0.1, momentum: 0.9 });
  assert.throws(() => optimizer.applyGradients([]), /expected 1 gradients, got 0/);
  optimizer.dispose();
  variable.dispose();
});

test("Nesterov SGD: a momentum outside [0, 1) is refused, naming the momentum and the value", () => {
  const variable = variableOf("w", [0, 0]);
  const handlesBefore = liveNativeHandles();
  for (const momentum of [1, 1.5, -0.1, NaN, Infinity]) {
    assert.throws(
      () => new NesterovSgdOptimizer([variable], { learningRate: 0.1, momentum }),
      (error: Error) => error.message === `Nesterov SGD: the momentum must be from 0 up to (not including) 1, got ${momentum}.`,
      `momentum ${momentum}`,
    );
  }
  assert.is(liveNativeHandles(), handlesBefore, "no momentum slots are left behind");
  new NesterovSgdOptimizer([variable], { learningRate: 0.1, momentum: 0 }).dispose();
  variable.dispose();
});

test("Nesterov SGD: a learning rate, scale or weight decay of NaN or Infinity is refused, naming it", () => {
  const variable = variableOf("w", [0, 0]);
  assert.throws(() => new NesterovSgdOptimizer([variable], { learningRate: NaN, momentum: 0.9 }), /the learning rate must be a finite number ≥ 0, got NaN/);
  assert.throws(() => new NesterovSgdOptimizer([variable], { learningRate: 0.1, momentum: 0.9 }, [{ learningRateScale: Infinity }]), /learning-rate scale of 'w' must be a finite number ≥ 0, got Infinity/);
  assert.throws(() => new NesterovSgdOptimizer([variable], { learningRate: 0.1, momentum: 0.9 }, [{ weightDecay: NaN }]), /weight decay of 'w' must be a finite number ≥ 0, got NaN/);
  const optimizer = new NesterovSgdOptimizer([variable], { learningRate: 0.1, momentum: 0.9 });
  assert.throws(() => optimizer.setLearningRate(Infinity), /the learning rate must be a finite number ≥ 0, got Infinity/);
  assert.throws(() => optimizer.setLearningRateScale(variable, NaN), /learning-rate scale of 'w' must be a finite number ≥ 0, got NaN/);
  optimizer.dispose();
  variable.dispose();
});

test.run();
