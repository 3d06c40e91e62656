/**
 * What a training run records as it goes: the log lines' history, the dense
 * curve, one record per epoch, and the training time with the time spent
 * testing after epochs kept apart. train() feeds it step by step.
 */
import { tf } from "../native/backend";
import { CurveAccumulator, type CurvePoint } from "./curve";

/** Cost and training accuracy on the batch of one log point (inference mode: no dropout); `step` is the printed label. */
export interface HistoryEntry {
  step: number;
  cost: number;
  accuracy: number;
}

/** One epoch's figures (batch sources with epochs only). */
export interface EpochRecord {
  /** Epochs done (1, 2, …; fractional after a partial last epoch). */
  epoch: number;
  /** Steps done so far. */
  steps: number;
  /** Training wall time so far (evaluation excluded). */
  seconds: number;
  /** Means over the epoch's steps, on its batches in training mode. */
  trainCost: number;
  trainAccuracy: number;
  /** On the test set after this epoch; null without one. */
  testAccuracy: number | null;
}

/** What train() passes on as the run goes. */
export interface RunListeners {
  /** Called at each log point with the new entry and the history so far (e.g. to redraw a chart). */
  onLog?: (entry: HistoryEntry, history: readonly HistoryEntry[]) => void;
  /** Called at each curve point (the start point first) with the new point and the curve so far. */
  onCurve?: (point: CurvePoint, curve: readonly CurvePoint[]) => void;
  /** Called after each epoch with its record and all so far. */
  onEpoch?: (record: EpochRecord, epochs: readonly EpochRecord[]) => void;
}

export class RunRecord {
  readonly history: HistoryEntry[] = [];
  readonly curve: CurvePoint[] = [];
  readonly epochs: EpochRecord[] = [];
  private readonly curveSums = new CurveAccumulator();
  private readonly epochSums = new CurveAccumulator();
  /** Training time of the epochs ended so far (batch sources with epochs), or of the whole run once ended. */
  private seconds = 0;
  private evaluationSeconds = 0;
  /** When the current stretch of training (since the start or the last epoch's end) started. */
  private started = performance.now();

  /** `hasEpochs`: the batches come in epochs, so each epoch gets a record. */
  constructor(private readonly listeners: RunListeners, private readonly hasEpochs: boolean) {}

  /** A curve point, passed on to onCurve. */
  addCurvePoint(point: CurvePoint): void {
    this.curve.push(point);
    this.listeners.onCurve?.(point, this.curve);
  }

  /** A log entry, passed on to onLog. */
  addLogEntry(entry: HistoryEntry): void {
    this.history.push(entry);
    this.listeners.onLog?.(entry, this.history);
  }

  /** A training step's own loss and batch accuracy (which this disposes), for the curve and the epoch's means. */
  addStep(loss: tf.Scalar, accuracy: tf.Scalar): void {
    this.curveSums.add(loss, accuracy);
    if (this.hasEpochs) this.epochSums.add(loss, accuracy);
    tf.dispose([loss, accuracy]);
  }

  /** The curve's point for the steps since the previous one. */
  takeCurvePoint(stepsDone: number): void {
    this.addCurvePoint(this.curveSums.takePoint(stepsDone));
  }

  /** Ends an epoch after `stepsDone` steps: its record, with the test accuracy `evaluate` gives, timed apart from training. */
  endEpoch(stepsDone: number, stepsPerEpoch: number, evaluate: () => number | null): EpochRecord {
    const evaluationStarted = performance.now();
    this.seconds += (evaluationStarted - this.started) / 1000;
    const means = this.epochSums.takePoint(stepsDone);
    const record: EpochRecord = {
      epoch: stepsDone / stepsPerEpoch,
      steps: stepsDone,
      seconds: this.seconds,
      trainCost: means.cost,
      trainAccuracy: means.accuracy,
      testAccuracy: evaluate(),
    };
    this.epochs.push(record);
    this.listeners.onEpoch?.(record, this.epochs);
    const now = performance.now();
    this.evaluationSeconds += (now - evaluationStarted) / 1000;
    this.started = now;
    return record;
  }

  /** The last curve point's means, for the progress line. */
  latest(): { cost: number; accuracy: number } {
    const { cost, accuracy } = this.curve[this.curve.length - 1];
    return { cost, accuracy };
  }

  /** The run's figures; without epochs its training time is all the time since the start. */
  finish(): { history: HistoryEntry[]; curve: CurvePoint[]; epochs: EpochRecord[]; seconds: number; evaluationSeconds: number } {
    if (!this.hasEpochs) this.seconds = (performance.now() - this.started) / 1000;
    return { history: this.history, curve: this.curve, epochs: this.epochs, seconds: this.seconds, evaluationSeconds: this.evaluationSeconds };
  }

  dispose(): void {
    this.curveSums.dispose();
    this.epochSums.dispose();
  }
}
