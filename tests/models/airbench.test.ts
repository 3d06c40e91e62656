import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/backend";
import { AirbenchModel } from "../../src/models/airbench";
import { liveNativeHandles } from "../../src/native/ops";
import { NesterovSgdOptimizer } from "../../src/training/sgd";
import { labelSmoothedCrossEntropy } from "../../src/training/label-smoothing";

const images = (count: number, seed: number) => tf.randomNormal([count, 32, 32, 3], 0, 1, "float32", seed) as tf.Tensor4D;

// airbench93's layers as [height, width, in, out] and the output size each convolution runs at (VALID pooling: 31 → 15 → 7 → 3).
const convolutions: Array<{ filter: [number, number, number, number]; outputSide: number }> = [
  { filter: [2, 2, 3, 24], outputSide: 31 },
  { filter: [3, 3, 24, 64], outputSide: 31 },
  { filter: [3, 3, 64, 64], outputSide: 15 },
  { filter: [3, 3, 64, 128], outputSide: 15 },
  { filter: [3, 3, 128, 128], outputSide: 7 },
  { filter: [3, 3, 128, 128], outputSide: 7 },
  { filter: [3, 3, 128, 128], outputSide: 3 },
];
const product = (values: number[]) => values.reduce((a, b) => a * b, 1);

test("airbench93: parameters are its filters, the whitening bias, one offset per normalised channel and the 128×10 linear layer", () => {
  const model = new AirbenchModel({ seed: 1 });
  const filters = convolutions.reduce((sum, { filter }) => sum + product(filter), 0);
  const offsets = 24 + 2 * (64 + 128 + 128);
  assert.is(model.parameterCount, filters + offsets + 128 * 10);
  model.dispose();
});

test("airbench93: multiply-adds per image are the convolutions' at their output sizes plus the linear layer's (about 54 M)", () => {
  const model = new AirbenchModel({ seed: 1 });
  const expected = convolutions.reduce((sum, { filter, outputSide }) => sum + outputSide * outputSide * product(filter), 0) + 128 * 10;
  assert.is(model.multiplyAddsPerImage(), expected);
  assert.ok(expected > 54e6 && expected < 55e6);
  model.dispose();
});

test("airbench: each block's first filters start as identities (dirac), so the block passes its input channels through", () => {
  const model = new AirbenchModel({ seed: 1 });
  tf.tidy(() => {
    const filter = model.trainable[model.roles.indexOf("convolution")].read() as tf.Tensor4D;
    const input = tf.randomNormal([1, 5, 5, 24], 0, 1, "float32", 3) as tf.Tensor4D;
    const out = tf.conv2d(input, filter, 1, "same");
    const passed = tf.slice(out, [0, 0, 0, 0], [-1, -1, -1, 24]);
    assert.ok(tf.max(tf.abs(tf.sub(passed, input))).dataSync()[0] < 1e-6);
  });
  model.dispose();
});

test("airbench: training mode updates the running statistics, inference mode reads them without change", () => {
  const model = new AirbenchModel({ seed: 2 });
  const runningMeans = () => tf.tidy(() => Array.from(model.runningStatistics[0].read().dataSync()));
  assert.is(model.runningStatistics[0].name, "block1/conv1/running-mean");
  tf.tidy(() => model.initializeWhitening(images(4, 4)));
  const before = runningMeans();
  tf.tidy(() => void model.logits(images(4, 5), false));
  assert.equal(runningMeans(), before, "inference leaves them");
  tf.tidy(() => void model.logits(images(4, 5), true));
  assert.not.equal(runningMeans(), before, "training moves them");
  model.dispose();
});

test("airbench: a few Nesterov SGD steps on one small batch lower its label-smoothed loss; dispose frees every variable", () => {
  const handlesBefore = liveNativeHandles();
  const model = new AirbenchModel({ seed: 3 });
  const x = images(8, 6);
  const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], "int32"), 10).toFloat() as tf.Tensor2D;
  tf.tidy(() => model.initializeWhitening(x));
  const optimizer = new NesterovSgdOptimizer(model.trainable, { learningRate: 0.05, momentum: 0.85 }, model.roles.map((role) => ({ learningRateScale: role === "norm-offset" ? 64 : 1 })));
  const lossAndStep = () =>
    tf.tidy(() => {
      const values = model.trainable.map((variable) => variable.read());
      const { value, grads } = tf.valueAndGrads((...current: tf.Tensor[]) => labelSmoothedCrossEntropy(model.logits(x, true, current), labels))(values);
      optimizer.applyGradients(grads);
      return value.dataSync()[0];
    });
  const first = lossAndStep();
  let last = first;
  for (let step = 0; step < 4; step++) {
    last = lossAndStep();
  }
  assert.ok(last < first, `loss ${first} → ${last}`);
  optimizer.dispose();
  model.dispose();
  tf.dispose([x, labels]);
  assert.is(liveNativeHandles(), handlesBefore);
});

test.run();
