import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/native/backend";
import { createModel, modelDefinitions, modelKeys, type ModelKey } from "../../src/models";
import { liveNativeHandles } from "../../src/native/ops";

// The chapter's figures (layer shapes in the task description).
const expectedParameters: Record<ModelKey, number> = {
  mnist: 3_274_634,
  // 5·5·3·32+32 + 5·5·32·64+64 + 8·8·64·1024+1024 + 1024·10+10
  "cifar-simple": 4_259_274,
  // 5·5·3·32+32 + 5·5·32·64+64 + 5·5·64·128+128 + 4·4·128·512+512 + 512·10+10
  "cifar-3conv": 1_312_842,
  "cifar-reduced": 272_700,
};

for (const key of modelKeys) {
  test(`${key}: parameter count, logits shape, no leaked tensors`, () => {
    const before = tf.memory().numTensors;
    const model = createModel(key, { seed: 1 });
    assert.is(model.parameterCount, expectedParameters[key]);
    const x = tf.zeros([3, ...modelDefinitions[key].inputShape]) as tf.Tensor4D;
    const logits = model.logits(x, 0.5);
    assert.equal(logits.shape, [3, 10]);
    tf.dispose([x, logits]);
    model.dispose();
    assert.is(tf.memory().numTensors, before);
  });
}

test("chapter defaults: Adam 1e-4 / 5000 steps / log every 500 for MNIST, 1e-3 / 10000 / 1000 for CIFAR-10", () => {
  assert.equal(modelDefinitions.mnist.defaults, { learningRate: 1e-4, steps: 5000, batchSize: 50, keepProb: 0.5, logEvery: 500 });
  for (const key of ["cifar-simple", "cifar-3conv", "cifar-reduced"] as const) {
    assert.equal(modelDefinitions[key].defaults, { learningRate: 1e-3, steps: 10000, batchSize: 50, keepProb: 0.5, logEvery: 1000 });
  }
});

test("the reduced model has three blocks of three 3×3 convs with 30, 50, 80 maps, then 500 and 10 units", () => {
  const model = createModel("cifar-reduced", { seed: 1 });
  assert.equal(
    model.variables.filter((v) => v.name.startsWith("weight")).map((v) => v.shape),
    [
      [3, 3, 3, 30], [3, 3, 30, 30], [3, 3, 30, 30],
      [3, 3, 30, 50], [3, 3, 50, 50], [3, 3, 50, 50],
      [3, 3, 50, 80], [3, 3, 80, 80], [3, 3, 80, 80],
      [80, 500], [500, 10],
    ],
  );
  model.dispose();
});

test("the MNIST forward pass costs the multiply-adds of its two convolutions and two matMuls", () => {
  const model = createModel("mnist", { seed: 1 });
  const conv1 = 28 * 28 * 5 * 5 * 1 * 32;
  const conv2 = 14 * 14 * 5 * 5 * 32 * 64;
  assert.is(model.multiplyAddsPerImage(), conv1 + conv2 + 7 * 7 * 64 * 1024 + 1024 * 10);
  model.dispose();
});

test("a seed makes the initial weights reproducible", () => {
  const weights = (seed?: number) => {
    const model = createModel("cifar-3conv", { seed });
    const values = model.readVariables();
    const result = values.map((v) => Array.from(v.dataSync().slice(0, 20)));
    tf.dispose(values);
    model.dispose();
    return result;
  };
  assert.equal(weights(5), weights(5));
  assert.not.equal(weights(5), weights(6));
  assert.not.equal(weights(), weights());
});

test("evaluation (keep probability 1) is deterministic; training-mode dropout is not", () => {
  const model = createModel("mnist", { seed: 2 });
  const x = tf.randomUniform([4, 28, 28, 1], 0, 1, "float32", 3) as tf.Tensor4D;
  const run = (keepProb: number) => {
    const logits = model.logits(x, keepProb);
    const result = Array.from(logits.dataSync());
    logits.dispose();
    return result;
  };
  assert.equal(run(1), run(1));
  assert.not.equal(run(0.5), run(0.5));
  x.dispose();
  model.dispose();
});

test("creating and disposing every model leaves no native handle alive", () => {
  const before = liveNativeHandles();
  for (const key of modelKeys) {
    const model = createModel(key, { seed: 1 });
    assert.is(liveNativeHandles(), before + model.variables.length, `${key}: one handle per variable`);
    model.dispose();
    assert.is(liveNativeHandles(), before, `${key}: handles left after dispose`);
  }
});

test("variable(name) finds a variable by its chapter name; an unknown name lists the model's names", () => {
  const model = createModel("mnist", { seed: 1 });
  // MNIST: conv 5×5×1×32, conv 5×5×32×64, full 3136→1024, full 1024→10.
  assert.equal(model.variable("weight1").shape, [5, 5, 1, 32]);
  assert.equal(model.variable("weight3").shape, [7 * 7 * 64, 1024]);
  assert.equal(model.variable("bias4").shape, [10]);
  assert.is(model.variable("bias2"), model.variables[3]);
  assert.throws(
    () => model.variable("weights1"),
    /Model 'mnist' has no variable 'weights1'; its variables are weight1, bias1, weight2, bias2, weight3, bias3, weight4, bias4\./,
  );
  model.dispose();
});

test("clear errors: unknown model key, wrong image shape, use after dispose", () => {
  assert.throws(() => createModel("lenet" as ModelKey), /Unknown model 'lenet'. Available: mnist, cifar-simple, cifar-3conv, cifar-reduced/);
  const model = createModel("mnist", { seed: 1 });
  const cifarBatch = tf.zeros([2, 32, 32, 3]) as tf.Tensor4D;
  assert.throws(() => model.logits(cifarBatch), /'mnist' takes images of shape \[batch, 28,28,1\], got \[2,32,32,3\]/);
  model.dispose();
  const mnistBatch = tf.zeros([2, 28, 28, 1]) as tf.Tensor4D;
  assert.throws(() => model.logits(mnistBatch), /disposed/);
  tf.dispose([cifarBatch, mnistBatch]);
});

test.run();
