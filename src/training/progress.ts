/** Live progress of a training run: the interface train() reports to, and a terminal display. */

export interface ProgressInfo {
  /** Average speed since the run started. */
  stepsPerSecond: number;
  etaSeconds: number;
  /** Cost at the latest log point, if there was one yet. */
  cost?: number;
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

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) {
    return "?";
  }
  const whole = Math.round(seconds);
  const minutes = Math.floor(whole / 60);
  return minutes > 0 ? `${minutes}m${String(whole % 60).padStart(2, "0")}s` : `${whole}s`;
}

/** One line, rewritten in place with \r, when `stream` is a terminal; silent otherwise (e.g. in a notebook). */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): ProgressSink {
  if (!stream.isTTY) {
    return silentProgress;
  }
  let totalSteps = 0;
  let shown = false;
  const clear = () => {
    if (shown) {
      stream.write("\r\x1b[K");
      shown = false;
    }
  };
  return {
    start(total) {
      totalSteps = total;
    },
    tick(stepsDone, { stepsPerSecond, etaSeconds, cost }) {
      const costText = cost === undefined ? "" : `, cost ${cost.toFixed(4)}`;
      stream.write(
        `\r\x1b[Kstep ${stepsDone}/${totalSteps}, ${stepsPerSecond.toFixed(1)} steps/s, ETA ${formatDuration(etaSeconds)}${costText}`,
      );
      shown = true;
    },
    finish() {
      if (shown) {
        stream.write("\n");
        shown = false;
      }
    },
    clear,
  };
}
