/**
 * Download progress: a cli-progress bar in a terminal, one text line updated
 * in place in a tslab notebook, and a start and an end line elsewhere (logs).
 */
import * as cliProgress from "cli-progress";
import { inNotebook, liveDisplay } from "../output/output";

export interface DownloadProgress {
  /** `bytes` more have arrived. */
  advance(bytes: number): void;
  /** The transfer ended (successfully or not). */
  stop(): void;
}

const MB = 1024 * 1024;
const NOTEBOOK_UPDATE_MS = 250;

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

function notebookReporter(label: string, totalBytes: number | undefined): DownloadProgress {
  const output = liveDisplay();
  let done = 0;
  let lastShown = 0;
  output.update(formatProgress(label, 0, totalBytes));
  return {
    advance(bytes) {
      done += bytes;
      const now = Date.now();
      if (now - lastShown >= NOTEBOOK_UPDATE_MS) {
        lastShown = now;
        output.update(formatProgress(label, done, totalBytes));
      }
    },
    stop() {
      output.update(formatProgress(label, done, totalBytes));
    },
  };
}

function terminalReporter(label: string, totalBytes: number | undefined): DownloadProgress {
  const bar = new cliProgress.SingleBar(
    { format: `${label}  [{bar}] {percentage}%  {value}/{total} MB  ETA {eta_formatted}`, hideCursor: true },
    cliProgress.Presets.legacy,
  );
  let done = 0;
  bar.start(totalBytes === undefined ? 0 : Number((totalBytes / MB).toFixed(1)), 0);
  return {
    advance(bytes) {
      done += bytes;
      bar.update(Number((done / MB).toFixed(1)));
    },
    stop() {
      bar.stop();
    },
  };
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
