/**
 * Downloads one file into the cache: streamed to a temporary file next to the
 * destination, checksummed on the way, renamed into place only when complete
 * and verified, deleted on any failure, on Ctrl-C (SIGINT) and at exit; the
 * next download removes what a killed process left.
 */
import { createHash } from "crypto";
import { createWriteStream, promises as fs, rmSync } from "fs";
import * as http from "http";
import * as https from "https";
import * as path from "path";
import { Transform } from "stream";
import { pipeline } from "stream/promises";
import { DatasetError } from "./errors";
import { startProgress } from "./download-progress";

/** An expected digest of a file, in hex. */
export interface Checksum {
  algorithm: "sha256" | "md5";
  digest: string;
}

export interface DownloadOptions {
  /** Show progress (default true). */
  progress?: boolean;
  /** What to do if the download fails, appended to every error message. */
  remedy: string;
}

const MAX_REDIRECTS = 5;
/** Give up when no data arrives for this long. */
const IDLE_TIMEOUT_MS = 60_000;

/** Error codes that mean "this folder cannot be written". */
const UNWRITABLE_CODES = new Set(["EACCES", "EPERM", "EROFS", "ENOTDIR", "EEXIST", "ENOSPC"]);

/** Turns a failed write into the cache into one clear error; other errors pass through. */
export function unwritableCacheError(error: unknown, target: string): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === undefined || !UNWRITABLE_CODES.has(code)) return error;
  return new DatasetError(
    `Cannot write to the dataset cache at ${target} (${code}). Set CNN_CACHE_DIR (or the cacheDir option) ` +
      "to a writable folder, or set CNN_DATA_DIR to a folder that already holds the dataset files.",
    { cause: error },
  );
}

/** A download or extraction in progress: its temporary paths, and how to stop it. */
export interface TemporaryWork {
  /** Marks `file` (or folder) as this work's own, to delete if the process is interrupted. */
  add(file: string): void;
  /** Call when the work has ended (its own cleanup done). */
  done(): void;
}

interface WorkEntry {
  paths: Set<string>;
  stop: () => void;
}

const worksInProgress = new Set<WorkEntry>();

function removeAllTemporariesSync(): void {
  for (const work of worksInProgress) {
    for (const file of work.paths) rmSync(file, { recursive: true, force: true });
  }
}

function onInterrupt(): void {
  if (process.listenerCount("SIGINT") > 1) {
    // Someone else handles Ctrl-C and keeps the process alive (tslab turns it
    // into a cell interrupt): stop the work, whose failure path cleans up.
    for (const work of worksInProgress) work.stop();
    return;
  }
  // Without this handler the signal would have ended the process: clean up,
  // then let the same signal end it.
  removeAllTemporariesSync();
  worksInProgress.clear();
  detachHandlers();
  process.kill(process.pid, "SIGINT");
}

function detachHandlers(): void {
  process.removeListener("SIGINT", onInterrupt);
  process.removeListener("exit", removeAllTemporariesSync);
}

/**
 * Registers work whose temporary files must not outlive it: on SIGINT they
 * are deleted and the process ends as it would have, or, if another handler
 * keeps the process alive, `stop` is called; on exit they are deleted.
 */
export function startTemporaryWork(stop: () => void): TemporaryWork {
  const entry: WorkEntry = { paths: new Set(), stop };
  if (worksInProgress.size === 0) {
    process.on("SIGINT", onInterrupt);
    process.on("exit", removeAllTemporariesSync);
  }
  worksInProgress.add(entry);
  return {
    add: (file) => entry.paths.add(file),
    done: () => {
      if (worksInProgress.delete(entry) && worksInProgress.size === 0) detachHandlers();
    },
  };
}

function isOwnTemporary(file: string): boolean {
  for (const work of worksInProgress) if (work.paths.has(file)) return true;
  return false;
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Deletes the entries of `folder` named `<prefix><pid>` whose process has
 * ended (a killed download's leftovers); a pid equal to this process's is
 * stale too unless this process is using the path now.
 */
export async function removeStaleTemporaries(folder: string, prefix: string): Promise<void> {
  let names: string[];
  try {
    names = await fs.readdir(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw unwritableCacheError(error, folder);
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !/^[1-9][0-9]*$/.test(name.slice(prefix.length))) continue;
    const pid = Number(name.slice(prefix.length));
    const file = path.join(folder, name);
    const stale = pid === process.pid ? !isOwnTemporary(file) : !processIsAlive(pid);
    if (!stale) continue;
    try {
      await fs.rm(file, { recursive: true, force: true });
    } catch (error) {
      throw unwritableCacheError(error, file);
    }
  }
}

/** The suffix of a download's temporary file, before the pid. */
const PART_SUFFIX = ".part-";

/** Creates `folder` (and parents) for the cache, with the clear error if it cannot be written. */
export async function makeCacheFolder(folder: string): Promise<void> {
  try {
    await fs.mkdir(folder, { recursive: true });
  } catch (error) {
    throw unwritableCacheError(error, folder);
  }
}

function describeNetworkError(error: NodeJS.ErrnoException, url: URL): string {
  switch (error.code) {
    case "ECONNREFUSED":
      return `connection refused by ${url.host}`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `cannot resolve the host ${url.hostname} (no internet?)`;
    case "ETIMEDOUT":
    case "ENETUNREACH":
    case "EHOSTUNREACH":
      return `cannot reach ${url.host} (${error.code})`;
    default:
      return error.code ? `${error.message} (${error.code})` : error.message;
  }
}

/** GETs `url`, following redirects, and resolves with a 200 response. */
function request(url: URL, signal: AbortSignal, redirectsLeft = MAX_REDIRECTS): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const client = url.protocol === "https:" ? https : url.protocol === "http:" ? http : null;
    if (client === null) {
      reject(new Error(`unsupported protocol ${url.protocol} (use http: or https:)`));
      return;
    }
    const req = client.get(url, { signal }, (response) => {
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400 && response.headers.location !== undefined) {
        response.resume();
        if (redirectsLeft === 0) {
          reject(new Error(`too many redirects`));
          return;
        }
        resolve(request(new URL(response.headers.location, url), signal, redirectsLeft - 1));
        return;
      }
      if (status !== 200) {
        response.resume();
        reject(new Error(`HTTP ${status} ${response.statusMessage ?? ""}`.trim()));
        return;
      }
      resolve(response);
    });
    req.setTimeout(IDLE_TIMEOUT_MS, () => req.destroy(new Error(`no data for ${IDLE_TIMEOUT_MS / 1000} s`)));
    req.on("error", (error: NodeJS.ErrnoException) => reject(new Error(describeNetworkError(error, url))));
  });
}

/** Downloads `url` to `destination`, verifying `checksum`. */
export async function downloadFile(
  url: URL,
  destination: string,
  checksum: Checksum,
  options: DownloadOptions,
): Promise<void> {
  const fail = (problem: string, cause?: unknown) =>
    new DatasetError(`Downloading ${url.href} failed: ${problem}. ${options.remedy}`, cause === undefined ? undefined : { cause });
  const folder = path.dirname(destination);
  const partPrefix = `${path.basename(destination)}${PART_SUFFIX}`;
  await removeStaleTemporaries(folder, partPrefix);
  const temporary = path.join(folder, `${partPrefix}${process.pid}`);
  const abort = new AbortController();
  const work = startTemporaryWork(() => abort.abort());
  work.add(temporary);
  try {
    const file = createWriteStream(temporary);
    try {
      await new Promise<void>((resolve, reject) => {
        file.once("open", () => resolve());
        file.once("error", reject);
      });
    } catch (error) {
      throw unwritableCacheError(error, folder);
    }
    let received = 0;
    try {
      let response: http.IncomingMessage;
      try {
        response = await request(url, abort.signal);
      } catch (error) {
        throw fail((error as Error).message, error);
      }
      const announced = response.headers["content-length"];
      const expectedBytes = announced === undefined ? undefined : Number(announced);
      const hash = createHash(checksum.algorithm);
      const progress = startProgress(path.basename(destination), expectedBytes, options.progress ?? true);
      const meter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          received += chunk.length;
          hash.update(chunk);
          progress.advance(chunk.length);
          callback(null, chunk);
        },
      });
      try {
        await pipeline(response, meter, file);
      } catch (error) {
        const cacheError = unwritableCacheError(error, folder);
        if (cacheError instanceof DatasetError) throw cacheError;
        throw fail(`the connection broke off after ${received} bytes (${(error as Error).message})`, error);
      } finally {
        progress.stop();
      }
      if (expectedBytes !== undefined && received !== expectedBytes) {
        throw fail(`the connection broke off after ${received} of ${expectedBytes} bytes`);
      }
      const digest = hash.digest("hex");
      if (digest !== checksum.digest.toLowerCase()) {
        throw fail(
          `checksum mismatch: ${checksum.algorithm} ${digest}, expected ${checksum.digest}; ` +
            "the file is corrupt or the server sends different files. Nothing was kept",
        );
      }
      await fs.rename(temporary, destination).catch((error) => {
        throw unwritableCacheError(error, folder);
      });
    } catch (error) {
      file.destroy();
      await fs.rm(temporary, { force: true });
      if (abort.signal.aborted) {
        throw new DatasetError(
          `Downloading ${url.href} was interrupted (SIGINT) after ${received} bytes; the partial file was deleted. ` +
            "Load the dataset again to restart the download.",
          { cause: error },
        );
      }
      throw error;
    }
  } finally {
    work.done();
  }
}
