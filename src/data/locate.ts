/**
 * Where dataset files come from, in this order:
 *  1. a data folder (option `dataDir`, else env CNN_DATA_DIR) holding the official
 *     layout: `mnist/` with the four IDX .gz files, `cifar-10-batches-bin/` with the .bin files;
 *  2. the cache (option `cacheDir`, else cacheRoot(): CNN_CACHE_DIR, XDG_CACHE_HOME or
 *     ~/.cache), whose `datasets/` subfolder has that same layout;
 *  3. a download from the official source into the cache.
 * Files are hashed once per version (see file-digests.ts): cached files are
 * verified; a data folder's files, which may be any variant of the dataset
 * (e.g. re-encoded), get only the parsers' format checks.
 */
import { promises as fs } from "fs";
import * as path from "path";
import { cacheRoot } from "../cache";
import { Checksum, makeCacheFolder, unwritableCacheError } from "./download";
import { DatasetError } from "./errors";
import { fileDigests } from "./file-digests";
import type { ImageSet } from "./image-set";

export interface LoadOptions {
  /** Folder that contains `mnist/` and/or `cifar-10-batches-bin/`. Default: env CNN_DATA_DIR. */
  dataDir?: string;
  /** Cache folder (datasets go in its `datasets/` subfolder). Default: cacheRoot() (CNN_CACHE_DIR, else XDG_CACHE_HOME/cnn-chapter4, else ~/.cache/cnn-chapter4). */
  cacheDir?: string;
  /** Download into the cache when neither folder has the dataset (default true). */
  download?: boolean;
  /** Where to download from (a folder URL). Default: env CNN_MNIST_BASE_URL / CNN_CIFAR10_BASE_URL, else the official source. */
  baseUrl?: string;
  /**
   * Expected checksums by file name, for a mirror that serves other bytes than the
   * official files; downloads and cached files not verified before must match them.
   */
  checksums?: Readonly<Record<string, Checksum>>;
  /** Show download progress (default true). */
  progress?: boolean;
}

/** The train and test splits of a dataset, and the folder they were read from. */
export interface DatasetSplits {
  train: ImageSet;
  test: ImageSet;
  folder: string;
}

/** What a loader needs to know to fetch missing files into the cache. */
export interface FetchRequest {
  cacheFolder: string;
  missing: readonly string[];
  baseUrl: URL;
  checksums: Readonly<Record<string, Checksum>>;
  progress: boolean;
  /** What to do if the download fails. */
  remedy: string;
}

/** How to find and fetch one dataset. */
export interface DatasetSource {
  /** Name for messages, e.g. "MNIST". */
  title: string;
  /** Start of its splits' dataset ids, e.g. "mnist" for "mnist-train:…". */
  idName: string;
  /** Its folder in the official layout, e.g. "mnist". */
  folder: string;
  /** Files the loader needs in that folder. */
  files: readonly string[];
  /** Environment variable overriding the download base URL. */
  baseUrlEnv: string;
  defaultBaseUrl: string;
  defaultChecksums: Readonly<Record<string, Checksum>>;
  /** Downloads the missing files into the cache folder. */
  fetch(request: FetchRequest): Promise<void>;
}

export interface LocatedDataset {
  folder: string;
  /** What to do about a corrupt file found there, appended to parse errors. */
  remedy: string;
  /**
   * The SHA-256 of each named file of the folder, in order; for the cache, a
   * DatasetError if a file fails verification (call it after parsing, so a
   * malformed file is reported as such).
   */
  digests(files: readonly string[]): Promise<string[]>;
}

/** Where digests of files in data folders are remembered, inside the cache's `datasets/` (data folders may be read-only). */
const DATA_FOLDER_DIGESTS = "data-folder-digests.json";
/** Where digests of a cached dataset's files are remembered, in its folder. */
const CACHE_RECORDS = ".verified.json";

function fromEnv(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value.trim() === "" ? undefined : value;
}

/** What a failed look-up means, for messages. */
function lookupProblem(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "ENOTDIR":
      return "part of the path is a file, not a folder";
    case "ELOOP":
      return "the path has a loop of symbolic links";
    default:
      return error.message;
  }
}

/** Makes the error for a path that cannot be checked: what it is, where, and what to do. */
type LookupError = (file: string, error: NodeJS.ErrnoException) => Error;

/**
 * Whether `file` exists. Only "no such file" means no: any other failure
 * (no permission, a file where a folder should be) would otherwise pass for a
 * missing dataset, so it becomes the error `fail` makes.
 */
async function exists(file: string, fail: LookupError): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw fail(file, error as NodeJS.ErrnoException);
  }
}

async function missingFiles(folder: string, files: readonly string[], fail: LookupError): Promise<string[]> {
  const present = await Promise.all(files.map((file) => exists(path.join(folder, file), fail)));
  return files.filter((_, i) => !present[i]);
}

/** For paths in the data folder named by `setting`. */
function dataDirLookupError(setting: string): LookupError {
  return (file, error) => {
    const permissions = error.code === "EACCES" || error.code === "EPERM";
    return new DatasetError(
      `Cannot check ${file} (${error.code ?? "error"}: ${lookupProblem(error)}), so the data folder that ` +
        `${setting} names cannot be searched. ` +
        (permissions ? "Check the permissions of the folders on that path (this user needs read and search permission), or point " : "Point ") +
        `${setting} at another folder.`,
      { cause: error },
    );
  };
}

/** For paths in the cache, which must be a usable folder anyway. */
function cacheLookupError(file: string, error: NodeJS.ErrnoException): Error {
  const cacheError = unwritableCacheError(error, file);
  if (cacheError instanceof DatasetError) return cacheError;
  return new DatasetError(
    `Cannot check ${file} in the dataset cache (${error.code ?? "error"}: ${lookupProblem(error)}). ` +
      "Set CNN_CACHE_DIR (or the cacheDir option) to a writable folder.",
    { cause: error },
  );
}

function layout(source: DatasetSource): string {
  return `${source.folder}/ with ${source.files.join(", ")}`;
}

/** The dataset's folder inside the configured data folder, or null if that has none. */
async function findInDataDir(source: DatasetSource, dataDir: string, setting: string): Promise<string | null> {
  const fail = dataDirLookupError(setting);
  if (!(await exists(dataDir, fail))) {
    throw new DatasetError(
      `${setting} is ${dataDir}, which does not exist. Point it at the folder that contains ` +
        `${source.folder}/ (the official layout), or unset it to use the download cache.`,
    );
  }
  const folder = path.join(dataDir, source.folder);
  if (!(await exists(folder, fail))) {
    if (await exists(path.join(dataDir, source.files[0]), fail)) {
      throw new DatasetError(
        `${setting} is ${dataDir}, which holds the ${source.title} files themselves; ` +
          `set it to the parent folder, the one that contains ${source.folder}/.`,
      );
    }
    return null;
  }
  const missing = await missingFiles(folder, source.files, fail);
  if (missing.length > 0) {
    throw new DatasetError(
      `${folder} lacks ${missing.join(", ")}. Put the official files there (${layout(source)}), ` +
        `or point ${setting} at a folder whose ${source.folder}/ is complete.`,
    );
  }
  return folder;
}

function baseUrlOf(source: DatasetSource, options: LoadOptions): URL {
  const setting = options.baseUrl !== undefined ? "the baseUrl option" : source.baseUrlEnv;
  const text = options.baseUrl ?? fromEnv(source.baseUrlEnv) ?? source.defaultBaseUrl;
  try {
    return new URL(text.endsWith("/") ? text : `${text}/`);
  } catch (error) {
    throw new DatasetError(`${setting} is "${text}", which is not a URL; give a folder URL such as ${source.defaultBaseUrl}.`, {
      cause: error,
    });
  }
}

/** Finds the dataset's folder, downloading it into the cache if need be. */
export async function locateDataset(source: DatasetSource, options: LoadOptions): Promise<LocatedDataset> {
  const dataDir = options.dataDir ?? fromEnv("CNN_DATA_DIR");
  const setting = options.dataDir !== undefined ? "the dataDir option" : "CNN_DATA_DIR";
  const cacheDatasets = path.join(path.resolve(options.cacheDir ?? cacheRoot()), "datasets");
  if (dataDir !== undefined) {
    const folder = await findInDataDir(source, path.resolve(dataDir), setting);
    if (folder !== null) {
      return {
        folder,
        remedy: `Replace it with an intact copy of the official file, or change ${setting}.`,
        digests: (files) => fileDigests(files.map((file) => path.join(folder, file)), {
          recordsFile: path.join(cacheDatasets, DATA_FOLDER_DIGESTS),
        }),
      };
    }
  }
  const cacheFolder = path.join(cacheDatasets, source.folder);
  const missing = await missingFiles(cacheFolder, source.files, cacheLookupError);
  const lookedIn =
    (dataDir === undefined ? "CNN_DATA_DIR is not set" : `${path.resolve(dataDir)} has no ${source.folder}/`) +
    `, and the cache ${cacheFolder} lacks ${missing.length === source.files.length ? "all its files" : missing.join(", ")}`;
  const fromOfficialLayout = `set CNN_DATA_DIR to a folder that contains ${layout(source)}`;
  const checksums = { ...source.defaultChecksums, ...options.checksums };
  if (missing.length > 0) {
    if (options.download === false) {
      throw new DatasetError(`${source.title} not found: ${lookedIn}; downloading is off. To fix, ${fromOfficialLayout}, or allow the download.`);
    }
    await makeCacheFolder(cacheFolder);
    await source.fetch({
      cacheFolder,
      missing,
      baseUrl: baseUrlOf(source, options),
      checksums,
      progress: options.progress ?? true,
      remedy:
        `(${source.title} was needed because ${lookedIn}.) Check the internet connection and retry, ` +
        `${fromOfficialLayout}, or set ${source.baseUrlEnv} to a mirror.`,
    });
  }
  return {
    folder: cacheFolder,
    remedy: `Delete it, and the next load downloads it again.`,
    digests: (files) => fileDigests(files.map((file) => path.join(cacheFolder, file)), {
      recordsFile: path.join(cacheFolder, CACHE_RECORDS),
      verification: { checksums, fetched: missing },
    }),
  };
}
