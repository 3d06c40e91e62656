import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/native/backend";
import { conv2d, conv2dPlusBias, maxPool2x2, matMulPlusBias } from "../../src/layers/layers";
import { layerOutputs } from "../../src/layers/layer-outputs";
import { createModel } from "../../src/models";
import { chartToSvg } from "../../src/display/chart-svg";
import { architectureChart, architectureStages } from "../../src/display/charts/architecture";
import { setLanguage } from "../../src/language";
import { svgTexts } from "../output/recorder";

interface Box {
  kind: string;
  shape: number[];
  shapeText: string;
  label: string;
  detail: string;
  y0: number;
  y1: number;
  x0: number;
  x1: number;
}

/** The boxes a chart draws, from its data. */
function boxesOf(spec: unknown): Box[] {
  const layers = (spec as { layer: { data?: { values: unknown[] } }[] }).layer;
  const boxes = layers.find((layer) => (layer.data?.values[0] as Partial<Box> | undefined)?.shapeText !== undefined);
  assert.ok(boxes, "the chart has a layer of boxes");
  return boxes.data!.values as Box[];
}

test("mnist: the shapes drawn are what the chapter's layers give one image, computed here without the figure's code", async () => {
  const model = createModel("mnist", { seed: 3 });
  try {
    const expected = tf.tidy(() => {
      const weight = (name: string) => model.variable(name).read();
      const x = tf.zeros([1, 28, 28, 1]) as tf.Tensor4D;
      const conv1 = conv2d(x, weight("weight1") as tf.Tensor4D);
      const pool1 = maxPool2x2(conv1);
      const conv2 = conv2d(pool1, weight("weight2") as tf.Tensor4D);
      const pool2 = maxPool2x2(conv2);
      const flat = tf.reshape(pool2, [1, -1]) as tf.Tensor2D;
      const full1 = tf.matMul(flat, weight("weight3") as tf.Tensor2D);
      const logits = tf.matMul(full1, weight("weight4") as tf.Tensor2D);
      return [x, conv1, pool1, conv2, pool2, flat, full1, logits].map((tensor) => tensor.shape.slice(1));
    });
    const spec = architectureChart(model);
    const boxes = boxesOf(spec);
    assert.equal(boxes.map((box) => box.shape), expected);
    assert.equal(
      boxes.map((box) => box.kind),
      ["input", "convolution", "max pooling", "convolution", "max pooling", "flatten", "fully connected", "fully connected"],
    );
    const texts = svgTexts(await chartToSvg(spec));
    for (const shape of expected) assert.ok(texts.includes(shape.join("×")), `the figure does not write ${shape.join("×")}`);
    for (const label of ["conv 5×5", "32 filters", "64 filters", "max pool 2×2", "flatten", "1024 units", "10 logits"]) {
      assert.ok(texts.includes(label), `missing label ${label} in ${texts.join(" | ")}`);
    }
  } finally {
    model.dispose();
  }
});

test("box sizes follow the shapes: maps by height and count, vectors by length", () => {
  const model = createModel("mnist", { seed: 3 });
  try {
    const boxes = boxesOf(architectureChart(model));
    const height = (box: Box) => box.y1 - box.y0;
    const width = (box: Box) => box.x1 - box.x0;
    const [input, conv1, pool1, conv2, pool2, flat, full1] = boxes;
    // 28 → 14 → 7 pixels high: each pooling halves the box's height.
    assert.ok(Math.abs(height(conv1) - 2 * height(pool1)) < 1e-9 && Math.abs(height(pool1) - 2 * height(pool2)) < 1e-9);
    assert.is(height(input), height(conv1));
    // 64 maps are drawn wider than 32, and 32 wider than the input's one.
    assert.ok(width(conv2) > width(conv1) && width(conv1) > width(input));
    assert.is(width(pool1), width(conv1));
    // Vectors: 3136 values against 1024.
    assert.ok(Math.abs(height(flat) / height(full1) - 3136 / 1024) < 1e-9);
  } finally {
    model.dispose();
  }
});

test("cifar-reduced: every stage follows from the one before and the model's own weights (9 convolutions, an 8×8 pooling)", () => {
  const model = createModel("cifar-reduced", { seed: 3 });
  try {
    const stages = architectureStages(model);
    const filters = model.variables.filter((variable) => variable.shape.length === 4).map((variable) => variable.shape);
    const weights = model.variables.filter((variable) => variable.shape.length === 2).map((variable) => variable.shape);
    const convolutions = stages.filter((stage) => stage.kind === "convolution");
    const fullyConnected = stages.filter((stage) => stage.kind === "fully connected");
    assert.equal(convolutions.map((stage) => stage.weightsShape), filters);
    assert.equal(fullyConnected.map((stage) => stage.weightsShape), weights);
    assert.equal(stages[0].shape, [32, 32, 3]);
    stages.slice(1).forEach((stage, i) => {
      const before = stages[i].shape;
      if (stage.kind === "convolution") assert.equal(stage.shape, [before[0], before[1], stage.weightsShape[3]], `stage ${i + 1}`);
      if (stage.kind === "max pooling") assert.equal(stage.shape, [Math.ceil(before[0] / stage.weightsShape[0]), Math.ceil(before[1] / stage.weightsShape[1]), before[2]]);
      if (stage.kind === "flatten") assert.equal(stage.shape, [before.reduce((product, dim) => product * dim, 1)]);
      if (stage.kind === "fully connected") assert.equal(stage.shape, [stage.weightsShape[1]]);
    });
    const pooled = stages.filter((stage) => stage.kind === "max pooling").map((stage) => stage.shape);
    assert.equal(pooled, [[16, 16, 30], [8, 8, 50], [1, 1, 80]]);
    assert.equal(stages[stages.length - 1].shape, [10]);
  } finally {
    model.dispose();
  }
});

test("labels follow the language", async () => {
  const model = createModel("mnist", { seed: 3 });
  setLanguage("ko");
  try {
    const texts = svgTexts(await chartToSvg(architectureChart(model)));
    for (const label of ["입력", "합성곱 5×5", "필터 32개", "맥스 풀링 2×2", "평탄화", "완전연결", "유닛 1024개", "로짓 10개"]) {
      assert.ok(texts.includes(label), `missing label ${label} in ${texts.join(" | ")}`);
    }
  } finally {
    setLanguage(undefined);
    model.dispose();
  }
});

const fakeModel = (logits: (x: tf.Tensor4D) => tf.Tensor2D) => ({ key: "fake", title: "fake", inputShape: [4, 4, 1] as const, logits });

test("refuses a forward pass it cannot draw: none of the chapter's layers, or a shape changed between two of them", () => {
  assert.throws(() => architectureStages(fakeModel((x) => tf.reshape(x, [1, 16]) as tf.Tensor2D)), /runs none of the chapter's layers/);
  const cropped = fakeModel((x) => {
    const maps = conv2dPlusBias(x, tf.ones([3, 3, 1, 2]) as tf.Tensor4D, tf.zeros([2]) as tf.Tensor1D);
    const corner = tf.reshape(tf.slice(maps, [0, 0, 0, 0], [1, 2, 2, 2]), [1, 8]) as tf.Tensor2D;
    return matMulPlusBias(corner, tf.ones([8, 3]) as tf.Tensor2D, tf.zeros([3]) as tf.Tensor1D);
  });
  assert.throws(() => architectureStages(cropped), /layer 2 of model 'fake' \(fully connected\) takes \[8\], but the stage before it gives \[4,4,2\]/);
});

test("layerOutputs records only inside its call, and cannot be nested", () => {
  const pool = () => tf.tidy(() => void maxPool2x2(tf.zeros([1, 4, 4, 1]) as tf.Tensor4D));
  assert.equal(layerOutputs(pool), [{ kind: "max pooling", inputShape: [1, 4, 4, 1], outputShape: [1, 2, 2, 1], weightsShape: [2, 2] }]);
  pool();
  assert.equal(layerOutputs(() => {}), []);
  assert.throws(() => layerOutputs(() => layerOutputs(pool)), /cannot be nested/);
});

test.run();
