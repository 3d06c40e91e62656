/** The chapter's training loop, with log lines, live progress and Jupyter interrupts. */
import { tf } from "../backend";
import type { ChapterModel, TrainingDefaults } from "../models/model";
import { AdamOptimizer } from "./adam";
import { CurveAccumulator, DEFAULT_CURVE_EVERY, type CurvePoint } from "./curve";
import type { BatchSource } from "./data";
import { ProgressReporter } from "../display/progress-reporter";
import type { ProgressSink } from "./progress-sink";
import { evaluateBatch, TrainingStepper, type StepKind } from "./step";

export type { CurvePoint };

/** Cost and training accuracy on the batch of one log point (keep probability 1.0); `step` is the printed label. */
export interface HistoryEntry {
  step: number;
  cost: number;
  accuracy: number;
}

/** Overrides of the model's chapter defaults, and where output goes. */
export interface TrainOptions {
  steps?: number;
  learningRate?: number;
  keepProb?: number;
  logEvery?: number;
  /** A curve point every this many steps; default 50. */
  curveEvery?: number;
  /** Prints each log line; default console.log. */
  log?: (line: string) => void;
  /** Called at each log point with the new entry and the history so far (e.g. to redraw a chart). */
  onLog?: (entry: HistoryEntry, history: readonly HistoryEntry[]) => void;
  /** Called at each curve point (the start point first) with the new point and the curve so far. */
  onCurve?: (point: CurvePoint, curve: readonly CurvePoint[]) => void;
  /** Default: a ProgressReporter (one line updated in place in a notebook or a terminal). */
  progress?: ProgressSink;
  /** "compiled" (default): each step is one TensorFlow graph function; "compiled-bfloat16": the same with bfloat16 convolutions; "eager": the op-by-op reference step. */
  step?: StepKind;
}

export interface TrainResult {
  history: HistoryEntry[];
  /** The start point (first batch, keep probability 1), then one point every `curveEvery` steps and at the last step. */
  curve: CurvePoint[];
  steps: number;
  seconds: number;
  stepsPerSecond: number;
}

/** Thrown when SIGINT (Ctrl+C, Jupyter's interrupt) stops a run. */
export class TrainingInterruptedError extends Error {
  constructor(readonly step: number, readonly totalSteps: number) {
    super(
      `training interrupted at step ${step} of ${totalSteps}; the model keeps the weights it had then. ` +
        "Call train() again to start a new run.",
    );
    this.name = "TrainingInterruptedError";
  }
}

export type TrainingSettings = Omit<TrainingDefaults, "batchSize"> & { curveEvery: number };

/** The model's chapter defaults with the options' overrides, checked. */
export function resolveTrainingSettings(model: ChapterModel, options: TrainOptions): TrainingSettings {
  const { defaults } = model.definition;
  const settings: TrainingSettings = {
    steps: options.steps ?? defaults.steps,
    learningRate: options.learningRate ?? defaults.learningRate,
    keepProb: options.keepProb ?? defaults.keepProb,
    logEvery: options.logEvery ?? defaults.logEvery,
    curveEvery: options.curveEvery ?? DEFAULT_CURVE_EVERY,
  };
  const problems = [
    Number.isInteger(settings.steps) && settings.steps > 0 ? "" : `steps must be a positive integer (got ${settings.steps})`,
    settings.learningRate > 0 ? "" : `learningRate must be positive (got ${settings.learningRate})`,
    settings.keepProb > 0 && settings.keepProb <= 1 ? "" : `keepProb must be in (0, 1] (got ${settings.keepProb})`,
    Number.isInteger(settings.logEvery) && settings.logEvery > 0 ? "" : `logEvery must be a positive integer (got ${settings.logEvery})`,
    Number.isInteger(settings.curveEvery) && settings.curveEvery > 0 ? "" : `curveEvery must be a positive integer (got ${settings.curveEvery})`,
  ].filter((problem) => problem !== "");
  if (problems.length > 0) {
    throw new Error(`train(${model.key}): ${problems.join("; ")}.`);
  }
  return settings;
}

/** The chapter's log line, e.g. `step 500, cost 0.2341, training accuracy 0.9400`. */
export function formatLogLine({ step, cost, accuracy }: HistoryEntry): string {
  return `step ${step}, cost ${cost.toFixed(4)}, training accuracy ${accuracy.toFixed(4)}`;
}

const PROGRESS_INTERVAL_MS = 500;

/**
 * Trains `model` with Adam on softmax cross-entropy, one batch per step, from
 * the model's current weights (a fresh optimizer each call). As the chapter
 * does, after every `logEvery` steps (step i with (i + 1) % logEvery === 0)
 * it logs `step ${i + 1}` with cost and accuracy on that step's batch before
 * training on it. The curve gets the same measures on the first batch, then
 * the means of the training steps' own cost and accuracy every `curveEvery`
 * steps. SIGINT stops the run with a TrainingInterruptedError.
 */
export async function train(model: ChapterModel, batches: BatchSource, options: TrainOptions = {}): Promise<TrainResult> {
  const { steps, learningRate, keepProb, logEvery, curveEvery } = resolveTrainingSettings(model, options);
  const log = options.log ?? console.log;
  const progress = options.progress ?? new ProgressReporter({ label: model.key });
  const history: HistoryEntry[] = [];
  const curve: CurvePoint[] = [];
  const addCurvePoint = (point: CurvePoint) => {
    curve.push(point);
    options.onCurve?.(point, curve);
  };

  let interruptRequested = false;
  const onInterrupt = () => {
    interruptRequested = true;
  };
  // Listen only once the caller's synchronous code has finished: tslab runs a cell's
  // synchronous part with vm's breakOnSigint, which detaches SIGINT listeners and, on
  // return, restores the signal's default action over any listener added meanwhile,
  // so that Jupyter's interrupt would then kill the kernel.
  await new Promise(setImmediate);
  progress.start(steps);
  const started = performance.now();
  let lastProgressAt = started;
  let optimizer: AdamOptimizer | null = null;
  let stepper: TrainingStepper | null = null;
  const accumulator = new CurveAccumulator();
  try {
    process.on("SIGINT", onInterrupt);
    optimizer = new AdamOptimizer(model.variables, { learningRate });
    stepper = new TrainingStepper(model, optimizer, options.step ?? "compiled", log);
    for (let step = 0; step < steps; step++) {
      // Give a pending SIGINT the chance to reach onInterrupt.
      await new Promise(setImmediate);
      if (interruptRequested) {
        throw new TrainingInterruptedError(step, steps);
      }
      const batch = batches.nextBatch();
      try {
        if (step === 0) {
          addCurvePoint({ step: 0, ...evaluateBatch(model, batch.xs, batch.ys) });
        }
        if ((step + 1) % logEvery === 0) {
          const entry = { step: step + 1, ...evaluateBatch(model, batch.xs, batch.ys) };
          history.push(entry);
          progress.clear?.();
          log(formatLogLine(entry));
          options.onLog?.(entry, history);
        }
        stepper.step(batch, keepProb, accumulator);
      } finally {
        tf.dispose([batch.xs, batch.ys]);
      }
      const stepsDone = step + 1;
      if (stepsDone % curveEvery === 0 || stepsDone === steps) {
        addCurvePoint(accumulator.takePoint(stepsDone));
      }
      const now = performance.now();
      if (now - lastProgressAt >= PROGRESS_INTERVAL_MS || stepsDone === steps) {
        lastProgressAt = now;
        progress.tick(stepsDone, { cost: curve[curve.length - 1].cost });
      }
    }
  } finally {
    process.off("SIGINT", onInterrupt);
    stepper?.dispose();
    optimizer?.dispose();
    accumulator.dispose();
    progress.finish();
  }
  const seconds = (performance.now() - started) / 1000;
  return { history, curve, steps, seconds, stepsPerSecond: steps / seconds };
}
