import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/backend";
import { CompiledFunction, GraphBuilder, hasCompiledFunction, graphAttr } from "../../src/compiled/graph";
import { convBiasRelu, dropout, matMulBias, maxPool, reshape } from "../../src/compiled/graph-layers";
import { CompiledTrainingStep, type CompiledStepOptions, type StepGraphDefinition } from "../../src/compiled/training-step";
import { dropout as eagerDropout } from "../../src/layers/layers";
import { ModelVariable } from "../../src/layers/variables";
import { asNodeKernelBackend } from "../../src/native/binding";
import { runNativeOp } from "../../src/native/ops";

// A small model with every kind of layer the chapter uses:
// conv 3×3×2→4 + bias + ReLU, 2×2 max pool, dropout, full 64→3 + bias.
const BATCH = 4;
const KEEP_PROB = 0.5;
const DROPOUT_SEED = 7;
const LEARNING_RATE = 1e-3;
const SHAPES = { W1: [3, 3, 2, 4], b1: [4], W2: [64, 3], b2: [3] } as const;

const smallModel: StepGraphDefinition = {
  imagesShape: [BATCH, 8, 8, 2],
  labelsShape: [BATCH, 3],
  dropoutSeeds: 1,
  forward(graph, images, [W1, b1, W2, b2], [seed]) {
    const pooled = maxPool(graph, convBiasRelu(graph, images, W1, b1), 2);
    const flat = reshape(graph, pooled, [BATCH, 64]);
    return matMulBias(graph, dropout(graph, flat, KEEP_PROB, seed, [BATCH, 64]), W2, b2);
  },
};

/** The same model in plain tfjs ops, with the project's eager dropout. */
function eagerLoss(images: tf.Tensor4D, labels: tf.Tensor2D, [W1, b1, W2, b2]: tf.Tensor[]): tf.Scalar {
  const conv = tf.relu(tf.add(tf.conv2d(images, W1 as tf.Tensor4D, 1, "same"), b1)) as tf.Tensor4D;
  const flat = tf.reshape(tf.maxPool(conv, 2, 2, "same"), [BATCH, 64]);
  const logits = tf.add(tf.matMul(eagerDropout(flat, KEEP_PROB, DROPOUT_SEED), W2 as tf.Tensor2D), b2);
  return tf.mean(tf.neg(tf.sum(tf.mul(labels, tf.logSoftmax(logits)), 1)));
}

function eagerLossAndGradients(images: tf.Tensor4D, labels: tf.Tensor2D, values: tf.Tensor[]): { loss: tf.Scalar; gradients: tf.Tensor[] } {
  const { value, grads } = tf.valueAndGrads((...weights: tf.Tensor[]) => eagerLoss(images, labels, weights))(values);
  return { loss: value as tf.Scalar, gradients: grads };
}

function fixture() {
  const images = tf.randomUniform([BATCH, 8, 8, 2], -1, 1, "float32", 11) as tf.Tensor4D;
  const labels = tf.tidy(() => tf.oneHot(tf.tensor1d([0, 2, 1, 2], "int32"), 3).toFloat() as tf.Tensor2D);
  const variables = Object.entries(SHAPES).map(([name, shape], i) => {
    const initial = tf.randomNormal([...shape], 0, 0.3, "float32", 20 + i);
    try {
      return new ModelVariable(name, initial);
    } finally {
      initial.dispose();
    }
  });
  return { images, labels, variables };
}

function disposeFixture({ images, labels, variables }: ReturnType<typeof fixture>): void {
  tf.dispose([images, labels]);
  variables.forEach((variable) => variable.dispose());
}

function relativeDifference(actual: tf.Tensor, expected: tf.Tensor): number {
  return tf.tidy(() => tf.norm(tf.sub(actual, expected)).dataSync()[0] / tf.norm(expected).dataSync()[0]);
}

/** Handles the binding holds (tensors and variables alike), which tf.memory() does not all see. */
function bindingTensorCount(): number {
  return (asNodeKernelBackend(tf.backend()).binding as unknown as { getNumOfTensors(): number }).getNumOfTensors();
}

test("a hand-built function computes what the same ops compute eagerly, gradients included", () => {
  const graph = new GraphBuilder();
  let square: CompiledFunction;
  try {
    const x = graph.placeholder("float32", [3], "x");
    const y = graph.op("Mul", [x, x], [graphAttr.type("T", "float32")]);
    const total = graph.op("Sum", [y, graph.constant({ dtype: "int32", shape: [1], values: [0] })], [
      graphAttr.type("T", "float32"),
      graphAttr.type("Tidx", "int32"),
    ]);
    assert.equal(total.shape, [], "the graph infers a scalar");
    const [dx] = graph.gradients([total], [x]);
    square = graph.toFunction("sum_of_squares", { inputs: [x], outputs: [total, dx] });
  } finally {
    graph.dispose();
  }
  const x = tf.tensor1d([1, -2, 3]);
  const [total, dx] = square.call([x]);
  assert.equal(total.dataSync()[0], 14);
  assert.equal(Array.from(dx.dataSync()), [2, -4, 6]);
  tf.dispose([x, total, dx]);

  assert.ok(hasCompiledFunction(square.name));
  square.dispose();
  assert.not.ok(hasCompiledFunction(square.name), "dispose removes the function from the eager context");
});

const callVariants: CompiledStepOptions[] = [{ call: "by-name" }, { call: "by-name", optimize: false }, { call: "partitioned-call" }];
for (const variant of callVariants) {
  test(`the compiled step's loss and gradients equal the eager computation's (1e-5 relative): ${JSON.stringify(variant)}`, () => {
    const data = fixture();
    const step = new CompiledTrainingStep(data.variables, smallModel, { learningRate: LEARNING_RATE }, { ...variant, returnGradients: true });
    try {
      const values = data.variables.map((variable) => variable.read());
      const eager = eagerLossAndGradients(data.images, data.labels, values);
      const compiled = step.run(data.images, data.labels, [[DROPOUT_SEED, 0]]);

      assert.ok(relativeDifference(compiled.loss, eager.loss) < 1e-5, "loss");
      compiled.gradients.forEach((gradient, i) => {
        const difference = relativeDifference(gradient, eager.gradients[i]);
        assert.ok(difference < 1e-5, `${data.variables[i].name}'s gradient differs by ${difference} (relative)`);
      });
      const updated = data.variables[0].read();
      assert.ok(relativeDifference(updated, values[0]) > 0, "the step updated the variables");
      tf.dispose([updated, ...values, eager.loss, ...eager.gradients, compiled.loss, ...compiled.gradients]);
    } finally {
      step.dispose();
      disposeFixture(data);
    }
  });
}

/**
 * TensorFlow's ResourceApplyAdam, in plain tfjs ops:
 *   m ← β1·m + (1−β1)·g,  v ← β2·v + (1−β2)·g²,  w ← w − lr·√(1−β2^t)/(1−β1^t) · m / (√v + ε).
 */
type AdamState = {
  w: tf.Tensor;
  m: tf.Tensor;
  v: tf.Tensor;
};

function eagerAdamStep({ w, m, v }: AdamState, g: tf.Tensor, t: number): AdamState {
  const [beta1, beta2, epsilon] = [0.9, 0.999, 1e-8];
  const stepSize = (LEARNING_RATE * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
  const mNext = tf.add(tf.mul(beta1, m), tf.mul(1 - beta1, g));
  const vNext = tf.add(tf.mul(beta2, v), tf.mul(1 - beta2, tf.square(g)));
  return { w: tf.sub(w, tf.mul(stepSize, tf.div(mNext, tf.add(tf.sqrt(vNext), epsilon)))), m: mNext, v: vNext };
}

test("after three steps the variables agree with eager Adam on the same gradients", () => {
  // Adam moves a weight by lr·m/√v, about lr per step whatever the gradient's
  // size, so a relative difference δ in the gradients changes an update by
  // about δ·lr (1e-6 · 1e-3 here) and does not grow through the steps: what
  // remains is float32 rounding of the weights themselves, an ulp (~6e-8 at
  // |w| < 1) per step, hence 1e-6. The exception is a gradient within rounding
  // noise of zero, whose sign may differ between the two computations: that
  // weight moves the other way, up to 2·lr per step, so those weights may
  // differ by 2·lr·3. (Measured: 6e-8 at most, no sign flips.)
  const STEPS = 3;
  const data = fixture();
  const step = new CompiledTrainingStep(data.variables, smallModel, { learningRate: LEARNING_RATE });
  try {
    let states: AdamState[] = tf.tidy(() =>
      data.variables.map((variable) => {
        const w = variable.read();
        return { w, m: tf.zerosLike(w), v: tf.zerosLike(w) };
      }),
    );
    let nearZeroGradient = states.map(({ w }) => tf.zerosLike(w).cast("bool"));
    for (let t = 1; t <= STEPS; t++) {
      const next = tf.tidy(() => {
        const { gradients } = eagerLossAndGradients(data.images, data.labels, states.map(({ w }) => w));
        return {
          states: states.map((state, i) => eagerAdamStep(state, gradients[i], t)),
          // Within 1e-5 of the largest gradient: float32 rounding of the sums in
          // the convolution and matrix products can reach that.
          nearZero: gradients.map((g, i) => tf.logicalOr(nearZeroGradient[i], tf.less(tf.abs(g), tf.mul(tf.max(tf.abs(g)), 1e-5)))),
        };
      });
      states.forEach(({ w, m, v }) => tf.dispose([w, m, v]));
      tf.dispose(nearZeroGradient);
      states = next.states;
      nearZeroGradient = next.nearZero;
      tf.dispose(step.run(data.images, data.labels, [[DROPOUT_SEED, 0]]).loss);
    }
    data.variables.forEach((variable, i) => {
      const compiled = variable.read();
      const [close, flaggedFar] = tf.tidy(() => {
        const difference = tf.abs(tf.sub(compiled, states[i].w));
        const tight = tf.lessEqual(difference, 1e-6);
        const loose = tf.logicalAnd(nearZeroGradient[i], tf.lessEqual(difference, 2 * LEARNING_RATE * STEPS));
        return [tf.all(tf.logicalOr(tight, loose)).dataSync()[0], tf.max(difference).dataSync()[0]];
      });
      assert.ok(close === 1, `${variable.name} differs from eager Adam by up to ${flaggedFar}`);
      compiled.dispose();
    });
    states.forEach(({ w, m, v }) => tf.dispose([w, m, v]));
    tf.dispose(nearZeroGradient);
  } finally {
    step.dispose();
    disposeFixture(data);
  }
});

test("200 compiled steps leak no tfjs tensor and no binding handle", () => {
  const data = fixture();
  const step = new CompiledTrainingStep(data.variables, smallModel, { learningRate: LEARNING_RATE }, { returnGradients: true });
  try {
    const runOnce = () => {
      const { loss, gradients } = step.run(data.images, data.labels, [[DROPOUT_SEED, 0]]);
      tf.dispose([loss, ...gradients]);
    };
    runOnce();
    const tensorsBefore = tf.memory().numTensors;
    const handlesBefore = bindingTensorCount();
    for (let i = 0; i < 200; i++) {
      runOnce();
    }
    assert.is(tf.memory().numTensors, tensorsBefore, "tfjs tensors");
    assert.is(bindingTensorCount(), handlesBefore, "binding handles");
  } finally {
    step.dispose();
    disposeFixture(data);
  }
  const handlesAfterDispose = bindingTensorCount();
  const again = fixture();
  const rebuilt = new CompiledTrainingStep(again.variables, smallModel, { learningRate: LEARNING_RATE });
  rebuilt.dispose();
  disposeFixture(again);
  assert.is(bindingTensorCount(), handlesAfterDispose, "a step's moments are freed with it");
});

test("a bad graph or a bad call is one clear error, and the process carries on", () => {
  const graph = new GraphBuilder();
  try {
    assert.throws(() => graph.op("NoSuchOp", []), /NoSuchOp.*not registered/s);
    const x = graph.placeholder("float32", [2, 2], "x");
    assert.throws(() => graph.op("MatMul", [x], [graphAttr.type("T", "float32")]), /MatMul.*1 inputs? specified/s);
    assert.throws(() => graph.op("Relu", [{ ...x, operation: "missing" }]), /no operation named 'missing'/);
    assert.throws(() => graph.placeholder("float32", [2], "x"), /already has an operation of that name/);
    assert.throws(
      () => graph.op("Relu", [x], [{ name: "T", type: "type", value: "float99" as "float32" }]),
      /Relu operation 'Relu_\d+': attribute 'T': unsupported dtype 'float99'/,
    );
    const doubled = graph.op("AddV2", [x, x], [graphAttr.type("T", "float32")]);
    const orphan = graph.placeholder("float32", [2], "orphan");
    graph.op("Neg", [orphan], [graphAttr.type("T", "float32")]);
    assert.throws(() => graph.toFunction("orphaned", { inputs: [x], outputs: [doubled] }), /placeholders orphan are not among its inputs/);
    assert.throws(() => graph.toFunction("bad name", { inputs: [x], outputs: [doubled] }), /not a valid function name/);
  } finally {
    graph.dispose();
  }
  assert.throws(() => graph.op("Relu", []), /disposed/);

  const readGraph = new GraphBuilder();
  const handle = readGraph.placeholder("resource", [], "handle");
  const value = readGraph.op("ReadVariableOp", [handle], [graphAttr.type("dtype", "float32")]);
  const read = readGraph.toFunction("read", { inputs: [handle], outputs: [value] });
  readGraph.dispose();
  const notAHandle = tf.zeros([2]);
  assert.throws(() => read.call([notAHandle]), /input 'handle' takes a resource handle \(NativeHandle\), got a float32 tensor/);
  notAHandle.dispose();
  read.dispose();
  assert.throws(() => read.call([]), /was disposed/);

  const data = fixture();
  const step = new CompiledTrainingStep(data.variables, smallModel, { learningRate: LEARNING_RATE });
  try {
    assert.throws(() => step.run(data.images, data.labels, []), /takes 1 dropout seed pairs, got 0/);
    const { compiled } = step;
    assert.throws(() => compiled.call([data.images]), /takes \d+ inputs \(images, labels, seed_0,.*\), got 1/);
    // The same mistake past the TypeScript check, straight into the binding.
    assert.throws(() => runNativeOp(compiled.name, [], [data.images], 1), /input/i);
    const wrongBatch = tf.zeros([BATCH + 1, 8, 8, 2]);
    assert.throws(() => step.run(wrongBatch, data.labels, [[DROPOUT_SEED, 0]]), /Compiled function 'training_step_\d+' failed/);
    wrongBatch.dispose();
    tf.dispose(step.run(data.images, data.labels, [[DROPOUT_SEED, 0]]).loss);
  } finally {
    step.dispose();
    disposeFixture(data);
  }
});

test.run();
