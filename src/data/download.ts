/**
 * Downloads one file into the cache: streamed to a temporary file next to the
 * destination, checksummed on the way, renamed into place only when complete
 * and verified, deleted on any failure.
 */
import { createHash } from "crypto";
import { createWriteStream, promises as fs } from "fs";
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
  );
}

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
function request(url: URL, redirectsLeft = MAX_REDIRECTS): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const client = url.protocol === "https:" ? https : url.protocol === "http:" ? http : null;
    if (client === null) {
      reject(new Error(`unsupported protocol ${url.protocol} (use http: or https:)`));
      return;
    }
    const req = client.get(url, (response) => {
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400 && response.headers.location !== undefined) {
        response.resume();
        if (redirectsLeft === 0) {
          reject(new Error(`too many redirects`));
          return;
        }
        resolve(request(new URL(response.headers.location, url), redirectsLeft - 1));
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
  const fail = (problem: string) => new DatasetError(`Downloading ${url.href} failed: ${problem}. ${options.remedy}`);
  const temporary = `${destination}.part-${process.pid}`;
  const file = createWriteStream(temporary);
  try {
    await new Promise<void>((resolve, reject) => {
      file.once("open", () => resolve());
      file.once("error", reject);
    });
  } catch (error) {
    throw unwritableCacheError(error, path.dirname(destination));
  }
  let received = 0;
  try {
    let response: http.IncomingMessage;
    try {
      response = await request(url);
    } catch (error) {
      throw fail((error as Error).message);
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
      const cacheError = unwritableCacheError(error, path.dirname(destination));
      if (cacheError instanceof DatasetError) throw cacheError;
      throw fail(`the connection broke off after ${received} bytes (${(error as Error).message})`);
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
      throw unwritableCacheError(error, path.dirname(destination));
    });
  } catch (error) {
    file.destroy();
    await fs.rm(temporary, { force: true });
    throw error;
  }
}
