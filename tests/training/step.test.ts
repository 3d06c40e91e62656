/**
 * The training step and the batch evaluation, checked against plain tfjs on
 * the tiny model (which has dropout), and the engine's policies: which step
 * kind runs on this CPU (runnableStepKind), and when the stepper falls back
 * to the eager step (only where the model cannot be compiled; any other
 * error is the caller's to see).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/native/backend";
import { fullLayer } from "../../src/layers";
import { ChapterModel, type ModelDefinition } from "../../src/models";
import * as cpu from "../../src/native/cpu";
import { liveNativeHandles } from "../../src/native/ops";
import {
  AdamOptimizer,
  eagerTrainingStep,
  evaluateBatch,
  runnableStepKind,
  STEP_KINDS,
  TrainingStepper,
  type Batch,
  type StepKind,
  type StepSettings,
} from "../../src/training";
import { CurveAccumulator } from "../../src/training/curve";
import { bfloat16Test, noBfloat16Test } from "../bfloat16";
import { bindingTensorCount, lineCollector, TinyBatches, tinyModel, valuesOf } from "./fixtures";

const learningRate = 0.01;

/** Plain tfjs: cost and accuracy of the model without dropout, and the cost's gradient for every variable. */
function plainReference(model: ChapterModel, xs: tf.Tensor4D, ys: tf.Tensor2D, labelSmoothing = 0): { cost: number; accuracy: number; gradients: Float32Array[] } {
  return tf.tidy(() => {
    const values = model.readVariables();
    const cost = (...v: tf.Tensor[]) => tf.losses.softmaxCrossEntropy(ys, model.logitsWithValues(v, xs, 1), undefined, labelSmoothing) as tf.Scalar;
    const logits = model.logitsWithValues(values, xs, 1);
    const correct = tf.equal(tf.argMax(logits, 1), tf.argMax(ys, 1));
    return {
      cost: cost(...values).dataSync()[0],
      accuracy: tf.mean(tf.cast(correct, "float32")).dataSync()[0],
      gradients: tf.grads(cost)(values).map((gradient) => gradient.dataSync() as Float32Array),
    };
  });
}

function flatValues(model: ChapterModel): Float32Array[] {
  return tf.tidy(() => model.readVariables().map((value) => value.dataSync() as Float32Array));
}

/** How a test runs one step: eagerTrainingStep itself, or a TrainingStepper of a kind. */
type Runner = "eagerTrainingStep" | StepKind;

/**
 * One step from a fresh tiny model: what the curve recorded of the step's own
 * loss and accuracy, and how much each weight moved.
 */
function oneStep(
  keepProb: number,
  runner: Runner = "eagerTrainingStep",
  labelSmoothing = 0,
): { point: { cost: number; accuracy: number }; moved: Float32Array[]; reference: ReturnType<typeof plainReference> } {
  const model = tinyModel(11);
  const optimizer = new AdamOptimizer(model.variables, { learningRate });
  const curve = new CurveAccumulator();
  const batch = new TinyBatches(16).nextBatch();
  const reference = plainReference(model, batch.xs, batch.ys, labelSmoothing);
  const before = flatValues(model);
  const settings: StepSettings = { keepProb, labelSmoothing };
  const stepper = runner === "eagerTrainingStep" ? null : new TrainingStepper(model, optimizer, runner, settings, () => assert.unreachable("no warning expected"));
  const { loss, accuracy } = stepper === null ? eagerTrainingStep(model, optimizer, batch, settings) : stepper.step(batch);
  curve.add(loss, accuracy);
  tf.dispose([loss, accuracy]);
  const after = flatValues(model);
  const point = curve.takePoint(1);
  stepper?.dispose();
  tf.dispose([batch.xs, batch.ys]);
  curve.dispose();
  optimizer.dispose();
  model.dispose();
  return { point, reference, moved: after.map((values, i) => values.map((value, j) => value - before[i][j])) };
}

/** Adam's first update (m = (1−β1)g, v = (1−β2)g²) is −lr · g / (|g| + ε/√(1−β2)). */
function adamFirstUpdate(g: number): number {
  const epsilonTerm = 1e-8 / Math.sqrt(1 - 0.999);
  return (-learningRate * g) / (Math.abs(g) + epsilonTerm);
}

for (const runner of ["eagerTrainingStep", "eager", "compiled"] as const) {
  test(`${runner} at keep probability 1: the curve gets plain tfjs's cost and accuracy, each weight moves by Adam's first step`, () => {
    const { point, moved, reference } = oneStep(1, runner);
    assert.ok(Math.abs(point.cost - reference.cost) < 1e-5, `${point.cost} vs ${reference.cost}`);
    assert.ok(Math.abs(point.accuracy - reference.accuracy) < 1e-6);
    moved.forEach((deltas, i) =>
      deltas.forEach((delta, j) => {
        const expected = adamFirstUpdate(reference.gradients[i][j]);
        assert.ok(Math.abs(delta - expected) < 1e-4 * learningRate, `variable ${i}[${j}]: moved ${delta}, expected ${expected}`);
      }),
    );
  });
}

test("eagerTrainingStep at keep probability 0.5 trains the network with dropout: another cost, other weight updates", () => {
  const { point, moved, reference } = oneStep(0.5);
  assert.ok(Math.abs(point.cost - reference.cost) > 1e-3, `cost with dropout ${point.cost} equals the cost without, ${reference.cost}`);
  const deltas = moved.flatMap((values) => Array.from(values));
  const withoutDropout = reference.gradients.flatMap((values) => Array.from(values)).map(adamFirstUpdate);
  const differing = deltas.filter((delta, k) => Math.abs(delta - withoutDropout[k]) > 1e-3).length;
  assert.ok(differing > deltas.length / 10, `only ${differing} of ${deltas.length} updates differ from training without dropout`);
});

for (const runner of ["eagerTrainingStep", "compiled"] as const) {
  test(`${runner} with labelSmoothing 0.2: the loss is plain tfjs's cross-entropy on smoothed labels, and so are the gradients`, () => {
    const { point, moved, reference } = oneStep(1, runner, 0.2);
    const unsmoothed = oneStep(1, runner, 0);
    assert.ok(Math.abs(point.cost - reference.cost) < 1e-5, `${point.cost} vs ${reference.cost}`);
    assert.ok(Math.abs(point.cost - unsmoothed.point.cost) > 1e-3, "smoothing changes the loss");
    moved.forEach((deltas, i) =>
      deltas.forEach((delta, j) => {
        const expected = adamFirstUpdate(reference.gradients[i][j]);
        assert.ok(Math.abs(delta - expected) < 1e-4 * learningRate, `variable ${i}[${j}]: moved ${delta}, expected ${expected}`);
      }),
    );
  });
}

test("evaluateBatch measures without dropout: plain tfjs's cost and accuracy at keep probability 1, the same every call", () => {
  const model = tinyModel(12);
  const batch = new TinyBatches(32).nextBatch();
  const reference = plainReference(model, batch.xs, batch.ys);
  const first = evaluateBatch(model, batch.xs, batch.ys);
  const second = evaluateBatch(model, batch.xs, batch.ys);
  assert.ok(Math.abs(first.cost - reference.cost) < 1e-5, `${first.cost} vs ${reference.cost}`);
  assert.ok(Math.abs(first.accuracy - reference.accuracy) < 1e-6);
  assert.equal(second, first);
  tf.dispose([batch.xs, batch.ys]);
  model.dispose();
});

// ---- Which step kind runs: runnableStepKind ----

test("runnableStepKind: an unknown kind is a clear error; compiled and eager run as asked, without a word", () => {
  const { lines, log } = lineCollector();
  assert.throws(() => runnableStepKind("fast" as StepKind, log), /Unknown training step kind "fast": use one of "compiled", "compiled-bfloat16", "eager"\./);
  assert.is(runnableStepKind("compiled", log), "compiled");
  assert.is(runnableStepKind("eager", log), "eager");
  assert.equal(lines, []);
  assert.equal([...STEP_KINDS], ["compiled", "compiled-bfloat16", "eager"]);
  const model = tinyModel();
  const optimizer = new AdamOptimizer(model.variables, { learningRate });
  assert.throws(() => new TrainingStepper(model, optimizer, "fast" as StepKind, { keepProb: 1, labelSmoothing: 0 }, log), /Unknown training step kind "fast"/);
  [optimizer, model].forEach((owner) => owner.dispose());
});

bfloat16Test('runnableStepKind on a CPU with bfloat16 compute: "compiled-bfloat16" stays, without a word', () => {
  const { lines, log } = lineCollector();
  assert.ok(cpu.hasBfloat16Compute());
  assert.is(runnableStepKind("compiled-bfloat16", log), "compiled-bfloat16");
  assert.equal(lines, []);
});

noBfloat16Test('runnableStepKind on a CPU without bfloat16 compute: "compiled-bfloat16" becomes "compiled", with one line saying why', () => {
  const { lines, log } = lineCollector();
  assert.is(runnableStepKind("compiled-bfloat16", log), "compiled");
  assert.equal(lines, ['This CPU has neither avx512_bf16 nor amx_bf16: training with the float32 compiled step instead of "compiled-bfloat16".']);
});

/**
 * The branch for a CPU without bfloat16 compute, run on any CPU: the CPU
 * check (native/cpu.ts's export, which step.ts reads at each call) answers
 * "no" for the duration of the test.
 */
test('without bfloat16 compute (the CPU check answering no): "compiled-bfloat16" becomes "compiled" with one line; the stepper trains with the float32 compiled step', () => {
  const original = cpu.hasBfloat16Compute;
  const cpuModule = cpu as { hasBfloat16Compute: typeof cpu.hasBfloat16Compute };
  let asked = 0;
  cpuModule.hasBfloat16Compute = () => {
    asked++;
    return false;
  };
  const models = [tinyModel(3), tinyModel(3)];
  const optimizers = models.map((model) => new AdamOptimizer(model.variables, { learningRate }));
  const settings: StepSettings = { keepProb: 1, labelSmoothing: 0 };
  const { lines, log } = lineCollector();
  try {
    assert.is(runnableStepKind("compiled-bfloat16", log), "compiled");
    assert.ok(asked > 0, "runnableStepKind asked the CPU check (else this test checks nothing)");
    assert.equal(lines, ['This CPU has neither avx512_bf16 nor amx_bf16: training with the float32 compiled step instead of "compiled-bfloat16".']);
    const stepper = new TrainingStepper(models[0], optimizers[0], "compiled-bfloat16", settings, log);
    const float32 = new TrainingStepper(models[1], optimizers[1], "compiled", settings, log);
    assert.is(stepper.kind, "compiled");
    assert.is(lines.length, 2, "the stepper's own line, once");
    const batches = new TinyBatches();
    for (let t = 0; t < 3; t++) {
      const batch = batches.nextBatch();
      const [actual, expected] = [stepper.step(batch), float32.step(batch)];
      assert.ok(Math.abs(actual.loss.dataSync()[0] - expected.loss.dataSync()[0]) < 1e-6, `step ${t + 1}: the float32 compiled step's loss`);
      tf.dispose([actual.loss, actual.accuracy, expected.loss, expected.accuracy, batch.xs, batch.ys]);
    }
    assert.is(lines.length, 2, "no line per step");
    models[0].variables.forEach((variable, i) => assert.equal(valuesOf(variable), valuesOf(models[1].variables[i]), variable.name));
    [stepper, float32].forEach((owner) => owner.dispose());
  } finally {
    cpuModule.hasBfloat16Compute = original;
    [...optimizers, ...models].forEach((owner) => owner.dispose());
  }
});

// ---- When the stepper falls back to the eager step ----

/**
 * Gives tensors written from JavaScript their native handles, which the
 * binding creates on a tensor's first use, so that counting handles before and
 * after measures only what the code under test leaves behind.
 */
function materialize(...tensors: tf.Tensor[]): void {
  tf.dispose(tensors.map((tensor) => tf.add(tensor, 0)));
}

/** One eager step on a throwaway batch: the optimizer's constants get their native handles on first use. */
function warmUp(model: ChapterModel, optimizer: AdamOptimizer): void {
  const batch = new TinyBatches(2).nextBatch();
  tf.dispose(Object.values(eagerTrainingStep(model, optimizer, batch, { keepProb: 1, labelSmoothing: 0 })));
  tf.dispose([batch.xs, batch.ys]);
}

const TINY_DEFAULTS = { learningRate: 0.01, steps: 10, batchSize: 8, keepProb: 1, logEvery: 5 };

/** A model whose forward pass uses a tensor the tracer cannot make a graph constant of (a bool mask written from JavaScript). */
const untraceableDefinition: ModelDefinition = {
  key: "untraceable",
  title: "test model with a bool constant",
  inputShape: [4, 4, 1],
  numClasses: 2,
  defaults: TINY_DEFAULTS,
  forward(x) {
    const flat = tf.reshape(x, [-1, 16]) as tf.Tensor2D;
    const mask = tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 2 === 0), "bool");
    return fullLayer(tf.mul(flat, tf.cast(mask, "float32")) as tf.Tensor2D, 2);
  },
};

/**
 * A model whose loss reaches its weights through OnesLike, for which
 * TensorFlow's C++ gradient registry (the compiled step's) has no gradient,
 * while tfjs's tape (the eager step's) has one.
 */
const noGraphGradientDefinition: ModelDefinition = {
  key: "no-graph-gradient",
  title: "test model with atan2(h, onesLike(h))",
  inputShape: [4, 4, 1],
  numClasses: 2,
  defaults: TINY_DEFAULTS,
  forward(x) {
    const h = fullLayer(tf.reshape(x, [-1, 16]) as tf.Tensor2D, 2);
    return tf.atan2(h, tf.onesLike(h)) as tf.Tensor2D;
  },
};

const uncompilable = [
  {
    definition: untraceableDefinition,
    line: /^untraceable: the compiled training step cannot be built \(cannot trace: a bool tensor from outside the traced code cannot become a graph constant\); using the eager float32 step for batches of \[8,4,4,1\]\.$/,
  },
  {
    definition: noGraphGradientDefinition,
    line: /^no-graph-gradient: the compiled training step cannot be built \(.*No gradient defined for op: OnesLike.*\); using the eager float32 step for batches of \[8,4,4,1\]\.$/,
  },
];

for (const { definition, line } of uncompilable) {
  test(`${definition.key}: a model that cannot be compiled trains with the eager step, after one line per batch shape saying why`, () => {
    const model = new ChapterModel(definition, { seed: 1 });
    const twin = new ChapterModel(definition, { seed: 1 });
    const optimizer = new AdamOptimizer(model.variables, { learningRate });
    const twinOptimizer = new AdamOptimizer(twin.variables, { learningRate });
    const settings: StepSettings = { keepProb: 1, labelSmoothing: 0 };
    const { lines, log } = lineCollector();
    const stepper = new TrainingStepper(model, optimizer, "compiled", settings, log);
    const eager = new TrainingStepper(twin, twinOptimizer, "eager", settings, log);
    const batches = new TinyBatches();
    warmUp(model, optimizer);
    warmUp(twin, twinOptimizer);
    const before = valuesOf(model.variables[0]);
    const handlesBefore = bindingTensorCount();
    const tensorsBefore = tf.memory().numTensors;
    const losses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const batch = batches.nextBatch();
      const { loss, accuracy } = stepper.step(batch);
      const reference = eager.step(batch);
      losses.push(loss.dataSync()[0]);
      assert.is(loss.dataSync()[0], reference.loss.dataSync()[0], `step ${i + 1}: the eager step's loss`);
      tf.dispose([loss, accuracy, reference.loss, reference.accuracy, batch.xs, batch.ys]);
    }
    assert.is(bindingTensorCount(), handlesBefore, "the failed build left no binding handle behind");
    assert.is(tf.memory().numTensors, tensorsBefore, "nor a tfjs tensor");
    assert.is(stepper.kind, "compiled", "the kind asked for stays; only this batch shape runs eagerly");
    assert.is(lines.length, 1, lines.join("\n"));
    assert.match(lines[0], line);
    assert.not.equal(valuesOf(model.variables[0]), before, "the eager step trained the model");
    assert.ok(losses.every(Number.isFinite));
    model.variables.forEach((variable, i) => assert.equal(valuesOf(variable), valuesOf(twin.variables[i]), `${variable.name}: as the eager stepper trained it`));
    // Another batch shape gets its own attempt, and its own line.
    const smaller = new TinyBatches(3).nextBatch();
    tf.dispose(Object.values(stepper.step(smaller)));
    tf.dispose([smaller.xs, smaller.ys]);
    assert.is(lines.length, 2);
    assert.match(lines[1], /for batches of \[3,4,4,1\]\.$/);
    [stepper, eager, optimizer, twinOptimizer, model, twin].forEach((owner) => owner.dispose());
  });
}

/**
 * A model with a bug: it reshapes to one image, which its construction (one
 * zero image) does not catch; TensorFlow rejects the reshape (INVALID_ARGUMENT),
 * a native error that is not about what can be compiled.
 */
const wrongShapeDefinition: ModelDefinition = {
  key: "wrong-shape",
  title: "test model reshaping to a batch of one",
  inputShape: [4, 4, 1],
  numClasses: 2,
  defaults: TINY_DEFAULTS,
  forward: (x) => fullLayer(tf.reshape(x, [1, 16]) as tf.Tensor2D, 2),
};

/** A model whose training pass (dropout on) throws a plain error of its own. */
const failingTrainingDefinition: ModelDefinition = {
  key: "failing-training",
  title: "test model that fails in training mode",
  inputShape: [4, 4, 1],
  numClasses: 2,
  defaults: TINY_DEFAULTS,
  forward(x, keepProb) {
    if (keepProb < 1) throw new Error("failing-training: this model's dropout is not written yet");
    return fullLayer(tf.reshape(x, [-1, 16]) as tf.Tensor2D, 2);
  },
};

const userErrors = [
  { definition: wrongShapeDefinition, keepProb: 1, error: /Input to reshape is a tensor with 128 values, but the requested shape has 16/ },
  { definition: failingTrainingDefinition, keepProb: 0.5, error: /^failing-training: this model's dropout is not written yet$/ },
];

for (const { definition, keepProb, error } of userErrors) {
  test(`${definition.key}: a plain error in the model's forward pass surfaces from the compiled stepper as from the eager one, with no fallback line`, () => {
    const model = new ChapterModel(definition, { seed: 1 });
    const optimizer = new AdamOptimizer(model.variables, { learningRate });
    const settings: StepSettings = { keepProb, labelSmoothing: 0 };
    const { lines, log } = lineCollector();
    const compiled = new TrainingStepper(model, optimizer, "compiled", settings, log);
    const eager = new TrainingStepper(model, optimizer, "eager", settings, log);
    const batch: Batch = new TinyBatches().nextBatch();
    materialize(batch.xs, batch.ys);
    const before = valuesOf(model.variables[0]);
    const handlesBefore = bindingTensorCount();
    const tensorsBefore = tf.memory().numTensors;
    const variablesBefore = liveNativeHandles();
    try {
      assert.throws(() => compiled.step(batch), error);
      assert.throws(() => compiled.step(batch), error, "the next step tries again: no eager fallback was recorded");
      assert.throws(() => eager.step(batch), error);
      assert.equal(lines, [], "no fallback line");
      assert.equal(valuesOf(model.variables[0]), before, "no step trained the model");
      assert.is(tf.memory().numTensors, tensorsBefore, "the failed steps left no tfjs tensor");
      assert.is(bindingTensorCount(), handlesBefore, "nor binding handle");
      assert.is(liveNativeHandles(), variablesBefore, "nor variable");
    } finally {
      tf.dispose([batch.xs, batch.ys]);
      [compiled, eager, optimizer, model].forEach((owner) => owner.dispose());
    }
  });
}

test.run();
