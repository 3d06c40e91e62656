/**
 * Download progress: a cli-progress bar in a terminal, one text line updated
 * in place in a tslab notebook, and a start and an end line elsewhere (logs).
 */
import * as cliProgress from "cli-progress";

export interface ProgressReporter {
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

/** Whether this process is a tslab kernel (its Jupyter module is loaded). */
function inTslabKernel(): boolean {
  return Object.keys(require.cache).some((path) => /tslab[\\/]dist[\\/]jupyter\.js$/.test(path));
}

function notebookReporter(label: string, totalBytes: number | undefined): ProgressReporter | null {
  try {
    // Loaded only inside a kernel, where it is already in memory (it pulls in a TypeScript compiler).
    const tslab = require("tslab") as typeof import("tslab");
    const display = tslab.newDisplay();
    let done = 0;
    let lastShown = 0;
    display.text(formatProgress(label, 0, totalBytes));
    return {
      advance(bytes) {
        done += bytes;
        const now = Date.now();
        if (now - lastShown >= NOTEBOOK_UPDATE_MS) {
          lastShown = now;
          display.text(formatProgress(label, done, totalBytes));
        }
      },
      stop() {
        display.text(formatProgress(label, done, totalBytes));
      },
    };
  } catch {
    // A kernel from another tslab install: its display is not reachable from here.
    return null;
  }
}

function terminalReporter(label: string, totalBytes: number | undefined): ProgressReporter {
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

function logReporter(label: string, totalBytes: number | undefined): ProgressReporter {
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

const SILENT: ProgressReporter = { advance() {}, stop() {} };

/** A reporter suited to where this process runs; `enabled: false` reports nothing. */
export function startProgress(label: string, totalBytes: number | undefined, enabled: boolean): ProgressReporter {
  if (!enabled) return SILENT;
  if (inTslabKernel()) {
    const reporter = notebookReporter(label, totalBytes);
    if (reporter !== null) return reporter;
  }
  return process.stderr.isTTY ? terminalReporter(label, totalBytes) : logReporter(label, totalBytes);
}
