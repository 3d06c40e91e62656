/**
 * Training-speed measurements on random data: ms per step, images/s and
 * GFLOP/s, against the machine's matMul peak through the same backend.
 */
import { tf } from "../backend";
import type { ModelDefinition } from "../models/model";
import { createModel, type ModelKey } from "../models/registry";
import { AdamOptimizer } from "./adam";
import { trainingStep } from "./step";

export interface StepTimingOptions {
  /** Timed steps per repetition; default 30. */
  steps?: number;
  /** Untimed steps first (graph caches, allocator, oneDNN primitives); default 5. */
  warmupSteps?: number;
  /** Default 3; the median repetition is reported. */
  repetitions?: number;
  /** Default 50, the chapter's batch size. */
  batchSize?: number;
}

export interface StepTiming {
  model: string;
  parameters: number;
  batchSize: number;
  stepsPerRepetition: number;
  repetitions: number;
  /** Mean ms per step of each repetition, summarised. */
  msPerStep: { median: number; min: number; max: number };
  imagesPerSecond: number;
  /** 2 FLOPs per multiply-add of the convolutions and matMuls, a training step counted as 3 forward passes. */
  flopsPerStep: number;
  gflopsPerSecond: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Times full training steps (forward, backward, Adam) of one model at the chapter's learning rate. */
export function timeTrainingSteps(model: ModelKey | ModelDefinition, options: StepTimingOptions = {}): StepTiming {
  const { steps = 30, warmupSteps = 5, repetitions = 3, batchSize = 50 } = options;
  const instance = createModel(model, { seed: 0 });
  const optimizer = new AdamOptimizer(instance.variables, { learningRate: instance.definition.defaults.learningRate });
  const { inputShape, numClasses } = instance.definition;
  const batch = tf.tidy(() => {
    const labels = tf.randomUniform([batchSize], 0, numClasses, "int32", 2) as tf.Tensor1D;
    return {
      xs: tf.randomUniform([batchSize, ...inputShape], 0, 1, "float32", 1) as tf.Tensor4D,
      ys: tf.oneHot(labels, numClasses).toFloat() as tf.Tensor2D,
    };
  });
  // Reading back one small value makes sure all queued work has finished.
  const waitForCompletion = () => {
    const value = instance.variables[instance.variables.length - 1].read();
    value.dataSync();
    value.dispose();
  };
  try {
    for (let step = 0; step < warmupSteps; step++) {
      trainingStep(instance, optimizer, batch, instance.definition.defaults.keepProb);
    }
    waitForCompletion();
    const msPerStep: number[] = [];
    for (let repetition = 0; repetition < repetitions; repetition++) {
      const started = performance.now();
      for (let step = 0; step < steps; step++) {
        trainingStep(instance, optimizer, batch, instance.definition.defaults.keepProb);
      }
      waitForCompletion();
      msPerStep.push((performance.now() - started) / steps);
    }
    const typical = median(msPerStep);
    const flopsPerStep = 3 * 2 * instance.multiplyAddsPerImage() * batchSize;
    return {
      model: instance.key,
      parameters: instance.parameterCount,
      batchSize,
      stepsPerRepetition: steps,
      repetitions,
      msPerStep: { median: typical, min: Math.min(...msPerStep), max: Math.max(...msPerStep) },
      imagesPerSecond: (batchSize * 1000) / typical,
      flopsPerStep,
      gflopsPerSecond: flopsPerStep / typical / 1e6,
    };
  } finally {
    tf.dispose([batch.xs, batch.ys]);
    optimizer.dispose();
    instance.dispose();
  }
}

export interface MatMulPeak {
  size: number;
  /** Fastest of the repetitions. */
  ms: number;
  gflopsPerSecond: number;
}

/** The best GFLOP/s of a size×size float32 matMul (2·size³ FLOPs) through the native backend. */
export function measurePeakMatMul(size = 4096, repetitions = 3): MatMulPeak {
  const [a, b] = [tf.randomNormal([size, size], 0, 1, "float32", 1), tf.randomNormal([size, size], 0, 1, "float32", 2)];
  try {
    tf.matMul(a, b).dispose();
    let best = Infinity;
    for (let repetition = 0; repetition < repetitions; repetition++) {
      const started = performance.now();
      tf.tidy(() => {
        tf.matMul(a, b).slice([0, 0], [1, 1]).dataSync();
      });
      best = Math.min(best, performance.now() - started);
    }
    return { size, ms: best, gflopsPerSecond: (2 * size ** 3) / best / 1e6 };
  } finally {
    tf.dispose([a, b]);
  }
}
