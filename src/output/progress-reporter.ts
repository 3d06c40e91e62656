/** A one-line training progress report: updated in place in a notebook, rewritten with \r in a terminal. */
import type { ProgressInfo, ProgressSink } from "./progress-sink";
import { LiveLine, type LiveLineOptions } from "./live-line";
import { localized } from "../language";

export interface ProgressOptions extends LiveLineOptions {
  /** Shown at the start of the line, e.g. the model's name. */
  label?: string;
}

/**
 * Progress of a loop of `total` steps: steps done, steps/s, time left and the last
 * cost. In a notebook one output is updated in place; in a TTY one line is rewritten;
 * elsewhere (logs, pipes) only the final line is printed.
 *
 *     const progress = new ProgressReporter({ label: "mnist" });
 *     progress.start(steps);
 *     for (...) { ...; progress.tick(step + 1, { cost }); }
 *     progress.finish();
 */
export class ProgressReporter implements ProgressSink {
  private readonly label: string;
  private readonly now: () => number;
  private line: LiveLine | undefined;
  private total = 0;
  private startedAt = 0;
  private firstTick: { step: number; at: number } | undefined;
  private step = 0;
  private info: ProgressInfo = {};
  private running = false;

  constructor(private readonly options: ProgressOptions = {}) {
    this.label = options.label ?? localized({ en: "Training", ko: "학습" });
    this.now = options.now ?? Date.now;
  }

  /** Starts a new run of `total` steps (a new output in a notebook). */
  start(total: number): void {
    if (!Number.isInteger(total) || total < 1) {
      throw new Error(`ProgressReporter.start: total must be a positive whole number of steps, got ${total}.`);
    }
    this.total = total;
    this.startedAt = this.now();
    this.firstTick = undefined;
    this.step = 0;
    this.info = {};
    this.running = true;
    this.line = new LiveLine(this.options);
    this.line.update(() => this.progressLine(), true);
  }

  /** Reports that `step` steps are done (redrawn at most once per interval). */
  tick(step: number, info: ProgressInfo = {}): void {
    if (!this.running) {
      throw new Error("ProgressReporter.tick: call start(total) before tick(step).");
    }
    const at = this.now();
    this.firstTick ??= { step, at };
    this.step = step;
    this.info = { ...this.info, ...info };
    this.line?.update(() => this.progressLine());
  }

  /** Erases the live line on a terminal, so that a log line can be printed in its place. */
  clear(): void {
    if (this.running) this.line?.clear();
  }

  /** Writes the final line: steps done, total time, average speed, last cost. */
  finish(): void {
    if (!this.running) return;
    this.running = false;
    this.line?.finish(this.finalLine());
  }

  private progressLine(): string {
    const percent = Math.floor((100 * this.step) / this.total);
    const parts = [localized({ en: `${this.label}: ${this.step}/${this.total} steps (${percent}%)`, ko: `${this.label}: ${this.step}/${this.total} 스텝 (${percent}%)` })];
    // Speed from the first tick on, so start-up time (graph building, first batch) does not skew it.
    const rate = this.firstTick && this.step > this.firstTick.step
      ? (this.step - this.firstTick.step) / ((this.now() - this.firstTick.at) / 1000)
      : undefined;
    if (rate !== undefined && Number.isFinite(rate)) {
      const left = formatDuration((this.total - this.step) / rate);
      parts.push(
        localized({ en: `${formatRate(rate)} steps/s`, ko: `초당 ${formatRate(rate)} 스텝` }),
        localized({ en: `ETA ${left}`, ko: `남은 시간 ${left}` }),
      );
    }
    return [...parts, ...this.infoParts()].join(" · ");
  }

  private finalLine(): string {
    const seconds = (this.now() - this.startedAt) / 1000;
    const took = formatDuration(seconds);
    const parts = [localized({ en: `${this.label}: ${this.step}/${this.total} steps in ${took}`, ko: `${this.label}: ${this.step}/${this.total} 스텝, ${took} 걸림` })];
    if (seconds > 0) parts.push(localized({ en: `${formatRate(this.step / seconds)} steps/s`, ko: `초당 ${formatRate(this.step / seconds)} 스텝` }));
    return [...parts, ...this.infoParts()].join(" · ");
  }

  private infoParts(): string[] {
    const parts: string[] = [];
    if (this.info.cost !== undefined) parts.push(`${localized({ en: "cost", ko: "비용" })} ${this.info.cost.toFixed(4)}`);
    if (this.info.accuracy !== undefined) parts.push(`${localized({ en: "accuracy", ko: "정확도" })} ${this.info.accuracy.toFixed(4)}`);
    return parts;
  }
}

function formatRate(stepsPerSecond: number): string {
  return stepsPerSecond >= 100 ? stepsPerSecond.toFixed(0) : stepsPerSecond.toPrecision(3);
}

/** 75 → "1:15", 3725 → "1:02:05". */
export function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const secs = String(whole % 60).padStart(2, "0");
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, "0")}:${secs}` : `${minutes}:${secs}`;
}
