/**
 * One line of progress shown where this process runs: updated in place in a
 * notebook, rewritten after \r in a terminal, and in logs and pipes printed
 * once, whole, at the end. Training (ProgressReporter) and downloads both draw
 * through it.
 */
import { inNotebook, liveDisplay, type LiveDisplay } from "./output";

/** Where terminal output goes; `isTTY` decides between a live line and the final line only. */
export interface TerminalStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

export interface LiveLineOptions {
  /** Least time between two redraws in ms (default 500): a fast loop would otherwise redraw thousands of times. */
  minIntervalMs?: number;
  /** Clock in ms; tests pass a fake one. */
  now?: () => number;
  /** The terminal outside a notebook; default stderr if it is a TTY, else stdout. */
  terminal?: TerminalStream;
}

export class LiveLine {
  private readonly minIntervalMs: number;
  private readonly now: () => number;
  private readonly terminal: TerminalStream;
  /** The notebook output the line lives in; undefined outside a notebook. */
  private readonly output: LiveDisplay | undefined;
  private lastDrawnAt = -Infinity;
  private finished = false;

  constructor(options: LiveLineOptions = {}) {
    this.minIntervalMs = options.minIntervalMs ?? 500;
    this.now = options.now ?? Date.now;
    this.terminal = options.terminal ?? (process.stderr.isTTY ? process.stderr : process.stdout);
    this.output = inNotebook() ? liveDisplay() : undefined;
  }

  /** True where the line is redrawn as it changes (a notebook or a terminal), false where only the final line shows. */
  get live(): boolean {
    return this.output !== undefined || this.terminal.isTTY === true;
  }

  /** Shows the line `render` makes in place of the previous one: at once if `now`, else at most once per interval (render runs only then). */
  update(render: () => string, now = false): void {
    const at = this.now();
    if (this.finished || (!now && at - this.lastDrawnAt < this.minIntervalMs)) return;
    this.lastDrawnAt = at;
    const line = render();
    if (this.output) this.output.update(line);
    else if (this.terminal.isTTY) this.terminal.write(`\r${line}\x1b[K`);
  }

  /** Erases the line on a terminal, so that a log line can be printed in its place (the next update draws it again). */
  clear(): void {
    if (!this.finished && !this.output && this.terminal.isTTY) this.terminal.write("\r\x1b[K");
  }

  /** The last line, whole: kept in a notebook, ended with a newline in a terminal, printed alone in logs. Later calls do nothing. */
  finish(line: string): void {
    if (this.finished) return;
    this.finished = true;
    if (this.output) this.output.update(line);
    else this.terminal.write(this.terminal.isTTY ? `\r${line}\x1b[K\n` : `${line}\n`);
  }
}
