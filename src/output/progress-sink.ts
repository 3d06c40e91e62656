/** What a loop reports live progress to; ProgressReporter is the usual one. */

export interface ProgressInfo {
  /** Cost at the latest point of the training curve. */
  cost?: number;
  /** Training accuracy at the latest point of the training curve. */
  accuracy?: number;
}

/** Receives a loop's progress: `tick` at most twice a second, `finish` always (also after an error). */
export interface ProgressSink {
  start(totalSteps: number): void;
  tick(stepsDone: number, info: ProgressInfo): void;
  finish(): void;
  /** Called before the loop prints a log line, so a one-line display can get out of its way. */
  clear?(): void;
}

export const silentProgress: ProgressSink = {
  start() {},
  tick() {},
  finish() {},
};
