import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/native/backend";
import {
  biasVariable,
  conv2d,
  convLayer,
  dropout,
  fullLayer,
  maxPool,
  maxPool2x2,
  ModelVariable,
  relu,
  VariableStore,
  weightVariable,
  countMultiplyAdds,
} from "../../src/layers";

function values(tensor: tf.Tensor): number[] {
  return Array.from(tensor.dataSync());
}

test("weightVariable: truncated normal with sd 0.1, every value within two deviations", () => {
  const store = new VariableStore(7);
  const stats = tf.tidy(() => {
    const W = store.run(() => weightVariable([100, 200]));
    return { shape: W.shape, values: values(W) };
  });
  assert.equal(stats.shape, [100, 200]);
  const mean = stats.values.reduce((a, b) => a + b, 0) / stats.values.length;
  const sd = Math.sqrt(stats.values.reduce((a, b) => a + (b - mean) ** 2, 0) / stats.values.length);
  assert.ok(Math.abs(mean) < 0.005, `mean ${mean}`);
  // A normal truncated at ±2σ has standard deviation 0.880σ.
  assert.ok(Math.abs(sd - 0.088) < 0.003, `sd ${sd}`);
  assert.ok(stats.values.every((v) => Math.abs(v) <= 0.2), "a value beyond two deviations");
  store.dispose();
});

test("weightVariable: the same seed gives the same weights, another seed different ones", () => {
  const initial = (seed: number) => {
    const store = new VariableStore(seed);
    const result = tf.tidy(() => values(store.run(() => weightVariable([5, 5, 1, 32]))));
    store.dispose();
    return result;
  };
  assert.equal(initial(3), initial(3));
  assert.not.equal(initial(3), initial(4));
});

test("biasVariable is the constant 0.1", () => {
  const store = new VariableStore(1);
  const b = tf.tidy(() => values(store.run(() => biasVariable([32]))));
  assert.equal(b.length, 32);
  assert.ok(b.every((v) => Math.abs(v - 0.1) < 1e-7));
  store.dispose();
});

test("variable helpers outside a model's forward pass explain where to call them", () => {
  assert.throws(() => weightVariable([2, 2]), /inside a model's forward function/);
  assert.throws(() => biasVariable([2]), /inside a model's forward function/);
});

test("a store creates variables on the first run and hands the same ones back afterwards", () => {
  const store = new VariableStore(1);
  const forward = (x: tf.Tensor2D) => fullLayer(fullLayer(x, 3), 2);
  const x = tf.ones([4, 5]) as tf.Tensor2D;
  const first = tf.tidy(() => values(store.run(() => forward(x))));
  assert.equal(
    store.variables.map((v) => `${v.name}[${v.shape}]`),
    ["weight1[5,3]", "bias1[3]", "weight2[3,2]", "bias2[2]"],
  );
  const second = tf.tidy(() => values(store.run(() => forward(x))));
  assert.equal(second, first);
  assert.is(store.variables.length, 4);
  assert.throws(() => tf.tidy(() => store.run(() => fullLayer(x, 7))), /same variables in the same order/);
  tf.dispose(x);
  store.dispose();
});

test("a store run with values uses them in place of the variables", () => {
  const store = new VariableStore(1);
  const x = tf.ones([1, 2]) as tf.Tensor2D;
  tf.tidy(() => store.run(() => fullLayer(x, 1)));
  const output = tf.tidy(() => {
    const replacements = [tf.tensor2d([[2], [3]]), tf.tensor1d([10])];
    return values(store.run(() => fullLayer(x, 1), replacements));
  });
  assert.equal(output, [15]);
  tf.dispose(x);
  store.dispose();
});

test("ModelVariable: read, assign with shape check, dispose", () => {
  const initial = tf.tensor2d([[1, 2]]);
  const variable = new ModelVariable("w", initial);
  initial.dispose();
  const replacement = tf.tensor2d([[3, 4]]);
  variable.assign(replacement);
  const read = variable.read();
  assert.equal(values(read), [3, 4]);
  const wrongShape = tf.tensor1d([1, 2]);
  assert.throws(() => variable.assign(wrongShape), /shape \[2\].*variable 'w'.*\[1,2\]/);
  variable.dispose();
  assert.ok(variable.isDisposed);
  assert.throws(() => variable.read(), /disposed/);
  tf.dispose([replacement, read, wrongShape]);
});

test("conv2d keeps height and width (stride 1, SAME); pooling halves them, rounding up", () => {
  tf.tidy(() => {
    const x = tf.ones([2, 7, 7, 3]) as tf.Tensor4D;
    const W = tf.ones([5, 5, 3, 4]) as tf.Tensor4D;
    const y = conv2d(x, W);
    assert.equal(y.shape, [2, 7, 7, 4]);
    // The centre sees the whole 5×5×3 window; the corner only 3×3×3 of it.
    assert.is(y.arraySync()[0][3][3][0], 75);
    assert.is(y.arraySync()[0][0][0][0], 27);
    assert.equal(maxPool2x2(y).shape, [2, 4, 4, 4]);
    assert.equal(maxPool(tf.zeros([1, 8, 8, 2]) as tf.Tensor4D, 8).shape, [1, 1, 1, 2]);
    const pooled = maxPool2x2(tf.tensor4d([1, 5, 3, 2], [1, 2, 2, 1]));
    assert.equal(values(pooled), [5]);
  });
});

test("maxPool matches tf.maxPool, values and gradient, also with SAME padding of odd sizes", () => {
  tf.tidy(() => {
    for (const [shape, size] of [
      [[3, 28, 28, 8], 2],
      [[2, 7, 7, 5], 2],
      [[2, 8, 8, 6], 8],
    ] as [[number, number, number, number], number][]) {
      const x = tf.randomNormal(shape, 0, 1, "float32", 5) as tf.Tensor4D;
      const ours = maxPool(x, size);
      const reference = tf.maxPool(x, size, size, "same");
      assert.equal(ours.shape, reference.shape);
      assert.equal(values(ours), values(reference));
      const dy = tf.randomNormal(reference.shape, 0, 1, "float32", 6);
      const ourGradient = tf.grad((input: tf.Tensor) => maxPool(input as tf.Tensor4D, size))(x, dy);
      const referenceGradient = tf.grad((input: tf.Tensor) => tf.maxPool(input as tf.Tensor4D, size, size, "same"))(x, dy);
      assert.equal(values(ourGradient), values(referenceGradient));
    }
  });
});

test("convLayer and fullLayer create their W and b and apply them", () => {
  const store = new VariableStore(1);
  tf.tidy(() => {
    const x = tf.ones([1, 4, 4, 1]) as tf.Tensor4D;
    const y = store.run(() => convLayer(x, [3, 3, 1, 2]));
    assert.equal(y.shape, [1, 4, 4, 2]);
    assert.ok(values(y).every((v) => v >= 0), "ReLU output is non-negative");
    assert.equal(
      store.variables.map((v) => v.shape),
      [
        [3, 3, 1, 2],
        [2],
      ],
    );
  });
  store.dispose();
});

test("convLayer's convolution and fullLayer's product count their multiply-adds", () => {
  const store = new VariableStore(1);
  tf.tidy(() => {
    const x = tf.ones([2, 4, 4, 1]) as tf.Tensor4D;
    // 2 images × 4·4 positions × 3·3·1 inputs × 2 filters; then 2 rows × 32 inputs × 3 outputs.
    const counted = countMultiplyAdds(() => void store.run(() => fullLayer(tf.reshape(convLayer(x, [3, 3, 1, 2]), [2, 32]) as tf.Tensor2D, 3)));
    assert.is(counted, 2 * 16 * 9 * 2 + 2 * 32 * 3);
  });
  store.dispose();
});

test("relu's gradient equals tfjs's own", () => {
  tf.tidy(() => {
    const x = tf.tensor1d([-2, -0.5, 0.5, 3]);
    const dy = tf.tensor1d([1, 2, 3, 4]);
    const ours = tf.grad((input: tf.Tensor) => relu(input))(x, dy);
    const reference = tf.grad((input: tf.Tensor) => tf.relu(input))(x, dy);
    assert.equal(values(ours), values(reference));
    assert.equal(values(relu(x)), [0, 0, 0.5, 3]);
  });
});

test("dropout: keep probability 1 is the identity", () => {
  const x = tf.ones([3, 3]);
  assert.is(dropout(x, 1), x);
  x.dispose();
});

test("dropout keeps about keepProb of the values and scales them by 1/keepProb", () => {
  tf.tidy(() => {
    const kept = values(dropout(tf.ones([200, 100]), 0.25));
    const nonZero = kept.filter((v) => v !== 0);
    assert.ok(Math.abs(nonZero.length / kept.length - 0.25) < 0.02, `kept ${nonZero.length / kept.length}`);
    assert.ok(nonZero.every((v) => Math.abs(v - 4) < 1e-6));
  });
});

test("dropout masks repeat with the model's seed and differ between calls", () => {
  const masks = (seed: number) => {
    const store = new VariableStore(seed);
    const result = tf.tidy(() =>
      store.run(() => {
        const x = tf.ones([10, 10]);
        return [values(dropout(x, 0.5)), values(dropout(x, 0.5))];
      }),
    );
    store.dispose();
    return result;
  };
  const [first, second] = masks(11);
  assert.equal(masks(11), [first, second]);
  assert.not.equal(first, second);
  assert.not.equal(masks(12)[0], first);
});

test("dropout with a seed draws the same mask every time, inside a model or not; another seed a different one", () => {
  const mask = (seed: number) => tf.tidy(() => values(dropout(tf.ones([20, 20]), 0.5, seed)));
  assert.equal(mask(42), mask(42));
  assert.not.equal(mask(43), mask(42));
  const store = new VariableStore(7);
  const insideModel = tf.tidy(() => store.run(() => values(dropout(tf.ones([20, 20]), 0.5, 42))));
  store.dispose();
  assert.equal(insideModel, mask(42));
  const x = tf.ones([2]);
  assert.throws(() => dropout(x, 0.5, -1), /dropout: seed -1 is not valid/);
  x.dispose();
});

test("dropout's gradient passes only through the kept values", () => {
  tf.tidy(() => {
    const x = tf.ones([50, 20]);
    const forward = (input: tf.Tensor) => dropout(input, 0.5);
    const gradient = values(tf.grad(forward)(x));
    assert.ok(gradient.every((g) => g === 0 || Math.abs(g - 2) < 1e-6));
    assert.ok(gradient.some((g) => g === 0) && gradient.some((g) => g !== 0));
  });
});

test("dropout rejects keep probabilities outside (0, 1]", () => {
  const x = tf.ones([2]);
  assert.throws(() => dropout(x, 0), /keep probability must be in \(0, 1\], got 0/);
  assert.throws(() => dropout(x, 1.5), /got 1.5/);
  x.dispose();
});

test("the layers leave no tensors behind inside tf.tidy", () => {
  const before = tf.memory().numTensors;
  const store = new VariableStore(1);
  tf.tidy(() => {
    store.run(() => fullLayer(relu(dropout(tf.ones([2, 3]) as tf.Tensor2D, 0.5)), 2));
  });
  store.dispose();
  assert.is(tf.memory().numTensors, before);
});

test.run();
