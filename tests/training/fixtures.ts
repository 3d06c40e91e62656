/** Small deterministic models and data for the training tests (fast enough for thousands of steps). */
import { tf } from "../../src/native/backend";
import { convLayer, dropout, fullLayer, maxPool2x2 } from "../../src/layers";
import type { ModelVariable } from "../../src/layers/variables";
import { ChapterModel, type ModelDefinition } from "../../src/models";
import { asNodeKernelBackend } from "../../src/native/binding";
import type { Batch, BatchesIdentity, BatchSource, TestSet } from "../../src/training";

/** 4×4 one-channel images, two classes: a conv layer, pooling, dropout, a full layer. */
export const tinyDefinition: ModelDefinition = {
  key: "tiny",
  title: "test model",
  inputShape: [4, 4, 1],
  numClasses: 2,
  defaults: { learningRate: 0.01, steps: 200, batchSize: 8, keepProb: 0.75, logEvery: 50 },
  forward(x, keepProb) {
    const conv = maxPool2x2(convLayer(x, [3, 3, 1, 4]));
    const flat = dropout(tf.reshape(conv, [-1, 2 * 2 * 4]) as tf.Tensor2D, keepProb);
    return fullLayer(flat, 2);
  },
};

export function tinyModel(seed = 1): ChapterModel {
  return new ChapterModel(tinyDefinition, { seed });
}

/** Image i of a reproducible sequence: class 0 is bright on top, class 1 bright at the bottom, plus noise. */
function image(index: number): { pixels: number[]; label: number } {
  const label = index % 2;
  let state = (index * 2654435761) >>> 0;
  const pixels = Array.from({ length: 16 }, (_, p) => {
    state = (state * 1664525 + 1013904223) >>> 0;
    const bright = (p < 8) === (label === 0);
    return (bright ? 0.6 : 0.1) + (state / 2 ** 32) * 0.3;
  });
  return { pixels, label };
}

function tensors(start: number, end: number): Batch {
  const images = Array.from({ length: end - start }, (_, i) => image(start + i));
  return {
    xs: tf.tensor4d(images.flatMap((im) => im.pixels), [images.length, 4, 4, 1]),
    ys: tf.tensor2d(images.map((im) => (im.label === 0 ? [1, 0] : [0, 1]))),
  };
}

/**
 * Batches of `size` images in a fixed order; counts how many it handed out.
 * With `dataset`, it identifies itself as the data modules' pipelines do.
 */
export class TinyBatches implements BatchSource {
  handedOut = 0;
  readonly identity?: BatchesIdentity;
  constructor(private readonly size = 8, dataset?: string) {
    if (dataset !== undefined) this.identity = { dataset, batchSize: size };
  }
  nextBatch(): Batch {
    const start = this.handedOut * this.size;
    this.handedOut++;
    return tensors(start, start + this.size);
  }
}

/** `count` images, with the labels of the images listed in `flipped` swapped. */
export function tinyTestSet(count: number, flipped: ReadonlySet<number> = new Set()): TestSet {
  return {
    count,
    images: (start, end) => tensors(100_000 + start, 100_000 + end).xs,
    oneHot: (start, end) =>
      tf.tidy(() => {
        const { xs, ys } = tensors(100_000 + start, 100_000 + end);
        xs.dispose();
        const rows = ys.arraySync().map((row, i) => (flipped.has(start + i) ? [row[1], row[0]] : row));
        return tf.tensor2d(rows);
      }),
  };
}

/** Collects log lines instead of printing them. */
export function lineCollector(): { lines: string[]; log: (line: string) => void } {
  const lines: string[] = [];
  return { lines, log: (line) => lines.push(line) };
}

/** A variable's current values, read back. */
export function valuesOf(variable: ModelVariable): number[] {
  const value = variable.read();
  try {
    return Array.from(value.dataSync());
  } finally {
    value.dispose();
  }
}

/** |actual − expected| / |expected| (Frobenius norms). */
export function relativeDifference(actual: tf.Tensor, expected: tf.Tensor): number {
  return tf.tidy(() => tf.norm(tf.sub(actual, expected)).dataSync()[0] / Math.max(tf.norm(expected).dataSync()[0], 1e-30));
}

/** The cosine of the angle between two tensors' directions. */
export function cosine(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.sum(tf.mul(a, b)).dataSync()[0] / (tf.norm(a).dataSync()[0] * tf.norm(b).dataSync()[0]));
}

/** Handles the binding holds (tensors and variables alike), which tf.memory() does not all see. */
export function bindingTensorCount(): number {
  return (asNodeKernelBackend(tf.backend()).binding as unknown as { getNumOfTensors(): number }).getNumOfTensors();
}
