/**
 * The training loop every model goes through. It knows no recipe: the
 * chapter's (Adam, steps, log lines) and airbench's (Nesterov SGD on a
 * schedule, epochs, weight averaging, testing after each epoch) come as
 * settings, which the loop turns into hooks (src/training/hooks.ts).
 */
import { tf } from "../native/backend";
import type { TrainableModel } from "../models/model";
import { modelName } from "../models/registry";
import { ProgressReporter } from "../output/progress-reporter";
import type { ProgressSink } from "../output/progress-sink";
import { hooksFor, type TrainingHook } from "./hooks";
import type { LookaheadSettings } from "./lookahead";
import { DEFAULT_CURVE_EVERY, type CurvePoint } from "./curve";
import type { BatchSource, TestSet } from "./data";
import type { Optimizer } from "./optimizer";
import type { OptimizerChoice } from "./optimizers";
import { createOptimizer } from "./optimizers";
import { RunRecord, type EpochRecord, type HistoryEntry, type RunListeners } from "./run-record";
import type { TriangularSchedule } from "./schedule";
import { evaluateBatch, STEP_KINDS, TrainingStepper, type StepKind } from "./step";

export type { CurvePoint, EpochRecord, HistoryEntry };

/** Everything a run's result depends on besides the model, its seed and the data: a cached run's key records all of it. */
export interface TrainingSettings {
  steps: number;
  optimizer: OptimizerChoice;
  /** The learning rate's multiplier over the run; null: constant. */
  schedule: TriangularSchedule | null;
  /** Dropout keep probability while training (evaluation always uses 1). */
  keepProb: number;
  /** 0: plain one-hot targets. */
  labelSmoothing: number;
  /** A log line (cost and accuracy on that step's batch, before training on it) every this many steps; null: none. */
  logEvery: number | null;
  /** A point of the training curve every this many steps. */
  curveEvery: number;
  /** null: no weight averaging (it needs batches that come in epochs). */
  lookahead: LookaheadSettings | null;
  step: StepKind;
}

/** Work on the model before its first step; `what` describes it for the cached run's key. */
export interface Preparation {
  what: Readonly<Record<string, unknown>>;
  run(model: TrainableModel): void;
}

/** The run's settings (a recipe gives them; the engine defaults what they leave out) and where output goes. */
export interface TrainOptions extends Partial<TrainingSettings>, RunListeners {
  /** Shorthand for the optimizer's learning rate. */
  learningRate?: number;
  /** Evaluated after each epoch (batch sources with epochs). */
  testSet?: TestSet;
  /** Runs first, inside the timed run (airbench: the whitening filters from the training images). */
  prepare?: Preparation;
  /** Prints each log line; default console.log. */
  log?: (line: string) => void;
  /** Default: a ProgressReporter (one line updated in place in a notebook or a terminal). */
  progress?: ProgressSink;
}

export interface TrainResult {
  history: HistoryEntry[];
  /** The start point (first batch, inference mode), then one point every `curveEvery` steps and at the last step. */
  curve: CurvePoint[];
  epochs: EpochRecord[];
  steps: number;
  /** Training wall time (evaluation after epochs excluded). */
  seconds: number;
  /** Wall time of the test-set evaluations after epochs (and their onEpoch callbacks), which `seconds` leaves out. */
  evaluationSeconds: number;
  stepsPerSecond: number;
  settings: TrainingSettings;
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

/** `options` with the engine's defaults for what they leave out, checked; the recipe (chapterTraining, airbenchTraining) supplies the rest. */
export function resolveTrainingSettings(model: TrainableModel, options: TrainOptions): TrainingSettings {
  const settings = {
    steps: options.steps,
    optimizer: options.optimizer === undefined || options.learningRate === undefined ? options.optimizer : { ...options.optimizer, learningRate: options.learningRate },
    schedule: options.schedule ?? null,
    keepProb: options.keepProb ?? 1,
    labelSmoothing: options.labelSmoothing ?? 0,
    logEvery: options.logEvery ?? null,
    curveEvery: options.curveEvery ?? DEFAULT_CURVE_EVERY,
    lookahead: options.lookahead ?? null,
    step: options.step ?? "compiled",
  };
  const whole = (value: number | null | undefined) => Number.isInteger(value) && (value as number) > 0;
  const problems = [
    whole(settings.steps) ? "" : `steps must be a positive integer (got ${settings.steps})`,
    settings.optimizer === undefined ? "optimizer is needed (a recipe such as chapterTraining or airbenchTraining gives one)" : "",
    settings.optimizer !== undefined && !(settings.optimizer.learningRate > 0 && Number.isFinite(settings.optimizer.learningRate))
      ? `learningRate must be a positive number (got ${settings.optimizer.learningRate})`
      : "",
    settings.keepProb > 0 && settings.keepProb <= 1 ? "" : `keepProb must be in (0, 1] (got ${settings.keepProb})`,
    settings.labelSmoothing >= 0 && settings.labelSmoothing <= 1 ? "" : `labelSmoothing must be from 0 to 1 (got ${settings.labelSmoothing})`,
    settings.logEvery === null || whole(settings.logEvery) ? "" : `logEvery must be a positive integer or null (got ${settings.logEvery})`,
    whole(settings.curveEvery) ? "" : `curveEvery must be a positive integer (got ${settings.curveEvery})`,
    STEP_KINDS.includes(settings.step) ? "" : `step must be one of ${STEP_KINDS.join(", ")} (got ${JSON.stringify(settings.step)})`,
  ].filter((problem) => problem !== "");
  if (problems.length > 0) {
    throw new Error(`train(${model.key}): ${problems.join("; ")}.`);
  }
  return settings as TrainingSettings;
}

/** The chapter's log line, e.g. `step 500, cost 0.2341, training accuracy 0.9400`. */
export function formatLogLine({ step, cost, accuracy }: HistoryEntry): string {
  return `step ${step}, cost ${cost.toFixed(4)}, training accuracy ${accuracy.toFixed(4)}`;
}

/**
 * Trains `model` from its current weights (a fresh optimizer each call), one
 * batch of `batches` per step. After every `logEvery` steps (step i with
 * (i + 1) % logEvery === 0) it logs `step ${i + 1}` with the cost and accuracy
 * on that step's batch before training on it, as the chapter does. The curve
 * gets the same measures on the first batch, then the means of the training
 * steps' own cost and accuracy every `curveEvery` steps. Batch sources with
 * epochs (`stepsPerEpoch`) also get an EpochRecord after each epoch. SIGINT
 * stops the run with a TrainingInterruptedError.
 */
export async function train(model: TrainableModel, batches: BatchSource, options: TrainOptions = {}): Promise<TrainResult> {
  return trainWithSettings(model, batches, resolveTrainingSettings(model, options), options);
}

/** train() with its settings resolved already (trainOrLoad resolves them once, for the cache key too). */
export async function trainWithSettings(model: TrainableModel, batches: BatchSource, settings: TrainingSettings, options: TrainOptions): Promise<TrainResult> {
  const { steps, logEvery, curveEvery } = settings;
  const stepsPerEpoch = batches.stepsPerEpoch ?? null;
  const log = options.log ?? console.log;
  const progress = options.progress ?? new ProgressReporter({ label: modelName(model.key) });
  const interrupts = await watchInterrupts();
  const record = new RunRecord(options, stepsPerEpoch !== null);
  let optimizer: Optimizer | null = null;
  let stepper: TrainingStepper | null = null;
  let hooks: TrainingHook[] = [];
  try {
    progress.start(steps);
    options.prepare?.run(model);
    optimizer = createOptimizer(model, settings.optimizer);
    hooks = hooksFor(model, optimizer, { ...settings, testSet: options.testSet }, stepsPerEpoch !== null);
    stepper = new TrainingStepper(model, optimizer, settings.step, settings, log);
    for (let step = 0; step < steps; step++) {
      await interrupts.check(step, steps);
      const epoch = stepsPerEpoch === null ? 0 : Math.floor(step / stepsPerEpoch);
      if (stepsPerEpoch !== null && step % stepsPerEpoch === 0) hooks.forEach((hook) => hook.epochStart?.(epoch));
      hooks.forEach((hook) => hook.beforeStep?.(step));
      const batch = batches.nextBatch();
      try {
        if (step === 0) record.addCurvePoint({ step: 0, ...evaluateBatch(model, batch.xs, batch.ys) });
        if (logEvery !== null && (step + 1) % logEvery === 0) {
          const entry = { step: step + 1, ...evaluateBatch(model, batch.xs, batch.ys) };
          progress.clear?.();
          log(formatLogLine(entry));
          record.addLogEntry(entry);
        }
        const { loss, accuracy } = stepper.step(batch);
        record.addStep(loss, accuracy);
      } finally {
        tf.dispose([batch.xs, batch.ys]);
      }
      const stepsDone = step + 1;
      hooks.forEach((hook) => hook.afterStep?.(stepsDone, epoch));
      if (stepsDone % curveEvery === 0 || stepsDone === steps) record.takeCurvePoint(stepsDone);
      if (stepsPerEpoch !== null && (stepsDone % stepsPerEpoch === 0 || stepsDone === steps)) {
        hooks.forEach((hook) => hook.epochEnd?.());
        const tested = hooks.find((hook) => hook.evaluateEpoch !== undefined);
        progress.clear?.();
        record.endEpoch(stepsDone, stepsPerEpoch, () => tested?.evaluateEpoch?.() ?? null);
      }
      progress.tick(stepsDone, record.latest());
    }
    const { history, curve, epochs, seconds, evaluationSeconds } = record.finish();
    return { history, curve, epochs, steps, seconds, evaluationSeconds, stepsPerSecond: steps / seconds, settings };
  } finally {
    interrupts.stop();
    hooks.forEach((hook) => hook.dispose?.());
    stepper?.dispose();
    optimizer?.dispose();
    record.dispose();
    progress.finish();
  }
}

/** Notes SIGINT (Ctrl+C, Jupyter's interrupt) while training; check() between steps stops the run. */
async function watchInterrupts(): Promise<{ check(step: number, totalSteps: number): Promise<void>; stop(): void }> {
  let requested = false;
  const onInterrupt = () => {
    requested = true;
  };
  // Listen only once the caller's synchronous code has finished: tslab runs a cell's
  // synchronous part with vm's breakOnSigint, which detaches SIGINT listeners and, on
  // return, restores the signal's default action over any listener added meanwhile,
  // so that Jupyter's interrupt would then kill the kernel.
  await new Promise(setImmediate);
  process.on("SIGINT", onInterrupt);
  return {
    async check(step, totalSteps) {
      // Give a pending SIGINT the chance to reach onInterrupt.
      await new Promise(setImmediate);
      if (requested) throw new TrainingInterruptedError(step, totalSteps);
    },
    stop: () => process.off("SIGINT", onInterrupt),
  };
}
