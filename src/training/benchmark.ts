/**
 * Training-speed measurements on random data: ms per step, images/s and
 * GFLOP/s, against the machine's matMul peak through the same backend.
 */
import { tf } from "../native/backend";
import { GraphBuilder, graphAttr, type CompiledFunction, type FunctionPrecision } from "../compiled/graph";
import type { TrainableModel } from "../models/model";
import { CurveAccumulator, DEFAULT_CURVE_EVERY } from "./curve";
import type { Batch } from "./data";
import type { Optimizer } from "./optimizer";
import type { OptimizerChoice } from "./optimizers";
import { createOptimizer } from "./optimizers";
import { TrainingStepper, type StepKind } from "./step";

export interface StepTimingOptions {
  /** Timed steps per repetition; default 30. */
  steps?: number;
  /** Untimed steps first (graph caches, allocator, oneDNN primitives); default 5. */
  warmupSteps?: number;
  /** Default 3; the median repetition is reported. */
  repetitions?: number;
  /** Default 50, the chapter's batch size. */
  batchSize?: number;
  /** Which training step to time; default "compiled", as train() runs. */
  step?: StepKind;
}

export interface StepTiming {
  model: string;
  parameters: number;
  batchSize: number;
  /** Whether the steps recorded the training curve, as train() does. */
  recordsCurve: boolean;
  step: StepKind;
  repetitions: number;
  /** Mean ms per step of each repetition, summarised. */
  msPerStep: { median: number; min: number; max: number };
  imagesPerSecond: number;
  /** 2 FLOPs per multiply-add of the convolutions and matMuls, a training step counted as 3 forward passes. */
  flopsPerStep: number;
  gflopsPerSecond: number;
}

/** Median, min and max of some measurements. */
export function spread(values: readonly number[]): { median: number; min: number; max: number } {
  if (values.length === 0) {
    throw new Error("spread(): no values.");
  }
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1] };
}

/** The speed figures of a timing: ms per step over the repetitions, and images/s and GFLOP/s at the median. */
export function stepSpeed(
  msPerRepetition: readonly number[],
  batchSize: number,
  flopsPerStep: number,
): Pick<StepTiming, "repetitions" | "msPerStep" | "imagesPerSecond" | "gflopsPerSecond"> {
  const msPerStep = spread(msPerRepetition);
  return {
    repetitions: msPerRepetition.length,
    msPerStep,
    imagesPerSecond: (batchSize * 1000) / msPerStep.median,
    gflopsPerSecond: flopsPerStep / msPerStep.median / 1e6,
  };
}

/** What a timed step trains with, as its recipe trains (chapterStepSettings, airbenchStepSettings). */
export interface TimedStepSettings {
  optimizer: OptimizerChoice;
  keepProb: number;
  labelSmoothing: number;
}

export interface TrainingStepTimerOptions {
  /** Record the training curve as train() does (a point every 50 steps); default true. */
  recordCurve?: boolean;
  /** Which training step to time; default "compiled", as train() runs. */
  step?: StepKind;
  /** Variables of these roles frozen before timing (airbench's whitening bias after its epochs). */
  frozenRoles?: readonly string[];
}

/**
 * Runs timed training steps (forward, backward, the recipe's optimizer) of
 * one model on a fixed random batch, the same step train() runs. Several
 * timers can take turns, so that all models see the same background load.
 * The timer owns the model: dispose() frees it.
 */
export class TrainingStepTimer {
  private readonly optimizer: Optimizer;
  private readonly stepper: TrainingStepper;
  private readonly batch: Batch;
  private readonly msPerStep: number[] = [];
  private readonly curve: CurveAccumulator | undefined;
  private stepsRun = 0;

  constructor(private readonly model: TrainableModel, settings: TimedStepSettings, readonly batchSize = 50, options: TrainingStepTimerOptions = {}) {
    this.optimizer = createOptimizer(model, settings.optimizer);
    const frozenRoles = options.frozenRoles ?? [];
    if (frozenRoles.length > 0) {
      const freeze = this.optimizer.freeze?.bind(this.optimizer);
      if (freeze === undefined) throw new Error(`TrainingStepTimer(${model.key}): optimizer ${settings.optimizer.kind} cannot freeze variables.`);
      model.variables.forEach((variable, i) => {
        if (frozenRoles.includes(model.variableRoles[i])) freeze(variable);
      });
    }
    this.stepper = new TrainingStepper(model, this.optimizer, options.step ?? "compiled", settings);
    const { inputShape, numClasses } = model;
    this.batch = tf.tidy(() => {
      const labels = tf.randomUniform([batchSize], 0, numClasses, "int32", 2) as tf.Tensor1D;
      return {
        xs: tf.randomUniform([batchSize, ...inputShape], 0, 1, "float32", 1) as tf.Tensor4D,
        ys: tf.oneHot(labels, numClasses).toFloat() as tf.Tensor2D,
      };
    });
    this.curve = (options.recordCurve ?? true) ? new CurveAccumulator() : undefined;
  }

  /** Untimed steps: first calls set up kernels, caches and memory pools. */
  warmUp(steps: number): void {
    this.runSteps(steps);
  }

  /** Times `steps` steps as one repetition; returns its mean ms per step. */
  timeRepetition(steps: number): number {
    const started = performance.now();
    this.runSteps(steps);
    const msPerStep = (performance.now() - started) / steps;
    this.msPerStep.push(msPerStep);
    return msPerStep;
  }

  /** Figures over the repetitions timed so far. */
  summary(): StepTiming {
    if (this.msPerStep.length === 0) {
      throw new Error("TrainingStepTimer.summary(): time at least one repetition first.");
    }
    const flopsPerStep = 3 * 2 * this.model.multiplyAddsPerImage() * this.batchSize;
    return {
      model: this.model.key,
      parameters: this.model.parameterCount,
      batchSize: this.batchSize,
      recordsCurve: this.curve !== undefined,
      step: this.stepper.kind,
      flopsPerStep,
      ...stepSpeed(this.msPerStep, this.batchSize, flopsPerStep),
    };
  }

  dispose(): void {
    tf.dispose([this.batch.xs, this.batch.ys]);
    this.curve?.dispose();
    this.stepper.dispose();
    this.optimizer.dispose();
    this.model.dispose();
  }

  private runSteps(steps: number): void {
    for (let step = 0; step < steps; step++) {
      const { loss, accuracy } = this.stepper.step(this.batch);
      this.curve?.add(loss, accuracy);
      tf.dispose([loss, accuracy]);
      this.stepsRun++;
      if (this.curve !== undefined && this.stepsRun % DEFAULT_CURVE_EVERY === 0) {
        this.curve.takePoint(this.stepsRun);
      }
    }
    // Reading back one small value makes sure all the work has finished.
    const last = this.model.variables[this.model.variables.length - 1].read();
    last.dataSync();
    last.dispose();
  }
}

/** Times one model (which it then frees): warm-up, then `repetitions` runs of `steps` steps. */
export function timeTrainingSteps(model: TrainableModel, settings: TimedStepSettings, options: StepTimingOptions = {}): StepTiming {
  const { steps = 30, warmupSteps = 5, repetitions = 3, batchSize = 50, step } = options;
  const timer = new TrainingStepTimer(model, settings, batchSize, { step });
  try {
    timer.warmUp(warmupSteps);
    for (let repetition = 0; repetition < repetitions; repetition++) {
      timer.timeRepetition(steps);
    }
    return timer.summary();
  } finally {
    timer.dispose();
  }
}

export interface MatMulPeak {
  size: number;
  /** Fastest of the repetitions. */
  ms: number;
  gflopsPerSecond: number;
}

/**
 * The best GFLOP/s of a size×size matMul (2·size³ FLOPs) through the native
 * backend: float32 as tfjs runs it, or "bfloat16" as a compiled function in
 * mixed precision computes it (its operands rounded to bfloat16 each call, as
 * a training step's convolutions do): the hardware's ceiling for each step kind.
 */
export function measurePeakMatMul(size = 4096, repetitions = 5, precision: FunctionPrecision = "float32"): MatMulPeak {
  const [a, b] = [tf.randomNormal([size, size], 0, 1, "float32", 1), tf.randomNormal([size, size], 0, 1, "float32", 2)];
  const product = precision === "float32" ? null : compiledMatMul(size, precision);
  const multiply = (): tf.Tensor => (product === null ? tf.matMul(a, b) : product.call([a, b])[0]);
  try {
    multiply().dispose();
    let best = Infinity;
    for (let repetition = 0; repetition < repetitions; repetition++) {
      const started = performance.now();
      tf.tidy(() => {
        multiply().slice([0, 0], [1, 1]).dataSync();
      });
      best = Math.min(best, performance.now() - started);
    }
    return { size, ms: best, gflopsPerSecond: (2 * size ** 3) / best / 1e6 };
  } finally {
    product?.dispose();
    tf.dispose([a, b]);
  }
}

function compiledMatMul(size: number, precision: FunctionPrecision): CompiledFunction {
  const graph = new GraphBuilder();
  try {
    const [a, b] = ["a", "b"].map((name) => graph.placeholder("float32", [size, size], name));
    const product = graph.op("MatMul", [a, b], [graphAttr.type("T", "float32")]);
    return graph.toFunction("peak_matmul", { inputs: [a, b], outputs: [product] }, { precision });
  } finally {
    graph.dispose();
  }
}
