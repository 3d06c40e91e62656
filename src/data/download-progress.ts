/**
 * Download progress: one text line updated in place in a tslab notebook or
 * rewritten in a terminal, as training's ProgressReporter draws its line, and a
 * start and an end line elsewhere (logs). Not a ProgressReporter itself: that
 * one counts training steps of a known total (steps/s, time left, cost), a
 * download counts bytes, of a size the server may not send.
 */
import { inNotebook, liveDisplay } from "../output/output";

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

/** One line redrawn in place at most every UPDATE_MS by `draw`, and once more, whole, by `finish`. */
function liveReporter(label: string, totalBytes: number | undefined, draw: (line: string) => void, finish: (line: string) => void): DownloadProgress {
  let done = 0;
  let lastDrawnAt = Date.now();
  draw(formatProgress(label, 0, totalBytes));
  return {
    advance(bytes) {
      done += bytes;
      const now = Date.now();
      if (now - lastDrawnAt >= UPDATE_MS) {
        lastDrawnAt = now;
        draw(formatProgress(label, done, totalBytes));
      }
    },
    stop() {
      finish(formatProgress(label, done, totalBytes));
    },
  };
}

function notebookReporter(label: string, totalBytes: number | undefined): DownloadProgress {
  const output = liveDisplay();
  const update = (line: string) => output.update(line);
  return liveReporter(label, totalBytes, update, update);
}

/** As ProgressReporter does in a terminal: the line rewritten after \r and cleared to its end, a newline when done. */
function terminalReporter(label: string, totalBytes: number | undefined): DownloadProgress {
  return liveReporter(
    label,
    totalBytes,
    (line) => process.stderr.write(`\r${line}\x1b[K`),
    (line) => process.stderr.write(`\r${line}\x1b[K\n`),
  );
}

function logReporter(label: string, totalBytes: number | undefined): DownloadProgress {
  let done = 0;
  const size = totalBytes === undefined ? "" : ` (${(totalBytes / MB).toFixed(1)} MB)`;
  process.stderr.write(`Downloading ${label}${size} ...\n`);
  return {
    advance(bytes) {
      done += bytes;
    },
    stop() {
      process.stderr.write(`${formatProgress(label, done, totalBytes)}\n`);
    },
  };
}

const SILENT: DownloadProgress = { advance() {}, stop() {} };

/** A reporter suited to where this process runs; `enabled: false` reports nothing. */
export function startProgress(label: string, totalBytes: number | undefined, enabled: boolean): DownloadProgress {
  if (!enabled) return SILENT;
  if (inNotebook()) return notebookReporter(label, totalBytes);
  return process.stderr.isTTY ? terminalReporter(label, totalBytes) : logReporter(label, totalBytes);
}
