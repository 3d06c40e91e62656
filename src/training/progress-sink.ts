/** What train() reports live progress to; display's ProgressReporter is the usual one. */

export interface ProgressInfo {
  /** Cost at the latest point of the training curve. */
  cost?: number;
  /** Training accuracy at the latest point of the training curve. */
  accuracy?: number;
}

/** Receives progress from train(): `tick` at most twice a second, `finish` always (also after an error). */
export interface ProgressSink {
  start(totalSteps: number): void;
  tick(stepsDone: number, info: ProgressInfo): void;
  finish(): void;
  /** Called before train() prints a log line, so a one-line display can get out of its way. */
  clear?(): void;
}

export const silentProgress: ProgressSink = {
  start() {},
  tick() {},
  finish() {},
};
