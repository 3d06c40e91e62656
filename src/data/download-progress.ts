/**
 * Download progress: bytes (of a size the server may not send) on the same
 * live line as training's progress (LiveLine: in place in a notebook or a
 * terminal), and in logs a start line and the final one.
 */
import { LiveLine } from "../output/live-line";

export interface DownloadProgress {
  /** `bytes` more have arrived. */
  advance(bytes: number): void;
  /** The transfer ended (successfully or not). */
  stop(): void;
}

const MB = 1024 * 1024;
/** Least time between two redraws: the chunks of a fast download arrive far more often. */
const UPDATE_MS = 250;

/** One line of progress text, e.g. `cifar-10-binary.tar.gz  [#####.....] 50%  81.3 / 162.6 MB`. */
export function formatProgress(label: string, doneBytes: number, totalBytes: number | undefined): string {
  const done = `${(doneBytes / MB).toFixed(1)}`;
  if (totalBytes === undefined || totalBytes <= 0) return `${label}  ${done} MB`;
  const fraction = Math.min(1, doneBytes / totalBytes);
  const width = 30;
  const filled = Math.round(fraction * width);
  const bar = "#".repeat(filled) + ".".repeat(width - filled);
  return `${label}  [${bar}] ${Math.floor(fraction * 100)}%  ${done} / ${(totalBytes / MB).toFixed(1)} MB`;
}

/** The line of LiveLine (in place in a notebook or a terminal; in logs a start line, then the final one). */
function lineReporter(label: string, totalBytes: number | undefined): DownloadProgress {
  const line = new LiveLine({ minIntervalMs: UPDATE_MS, terminal: process.stderr });
  if (!line.live) {
    const size = totalBytes === undefined ? "" : ` (${(totalBytes / MB).toFixed(1)} MB)`;
    process.stderr.write(`Downloading ${label}${size} ...\n`);
  }
  let done = 0;
  line.update(() => formatProgress(label, 0, totalBytes), true);
  return {
    advance(bytes) {
      done += bytes;
      line.update(() => formatProgress(label, done, totalBytes));
    },
    stop() {
      line.finish(formatProgress(label, done, totalBytes));
    },
  };
}

const SILENT: DownloadProgress = { advance() {}, stop() {} };

/** A reporter suited to where this process runs; `enabled: false` reports nothing. */
export function startProgress(label: string, totalBytes: number | undefined, enabled: boolean): DownloadProgress {
  return enabled ? lineReporter(label, totalBytes) : SILENT;
}
