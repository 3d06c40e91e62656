/**
 * SHA-256 digests of dataset files, computed once per version of a file and
 * remembered in a records file (size, modification time, digest), so a later
 * load costs one `stat` per file. The digests make the datasets' ids.
 *
 * For the download cache they are also a verdict: a file is checked once
 * against its published checksum (or, without one, recorded as it is, after
 * the parsers' format checks), and a file whose size or time changed since is
 * hashed again and must still have the recorded digest.
 */
import { createHash, Hash } from "crypto";
import { createReadStream, promises as fs } from "fs";
import * as path from "path";
import type { Checksum } from "./download";
import { writeFileAtomic } from "../cache";
import { DatasetError } from "./errors";

/** What was known about a file when it was last hashed. */
interface FileRecord {
  size: number;
  mtimeMs: number;
  sha256: string;
}

/** Records keyed by the files' absolute paths. */
type Records = Record<string, FileRecord>;

export interface DigestOptions {
  /** The JSON file that remembers the digests; written atomically, skipped if it cannot be written. */
  recordsFile: string;
  /** Set for the download cache, whose files must match what was downloaded. */
  verification?: {
    /** Published checksums by file name, for files not verified before. */
    checksums: Readonly<Record<string, Checksum>>;
    /** Files downloaded just now: what was recorded about their predecessors no longer applies. */
    fetched: readonly string[];
  };
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

function isRecord(value: unknown): value is FileRecord {
  const record = value as FileRecord;
  return (
    typeof record === "object" &&
    record !== null &&
    Number.isSafeInteger(record.size) &&
    Number.isFinite(record.mtimeMs) &&
    typeof record.sha256 === "string" &&
    SHA256_HEX.test(record.sha256)
  );
}

/** The records in `file`; none if it is missing or not a records file (it is only a memo). */
async function readRecords(file: string): Promise<Records> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await fs.readFile(file, "utf8"));
  } catch {
    return {};
  }
  if (typeof parsed !== "object" || parsed === null) return {};
  return Object.fromEntries(Object.entries(parsed).filter(([, record]) => isRecord(record))) as Records;
}

/** Writes `records` (dropping files that no longer exist) atomically; failures are ignored. */
async function saveRecords(file: string, records: Records): Promise<void> {
  const present = await Promise.all(
    Object.keys(records).map((recorded) => fs.access(recorded).then(() => true, () => false)),
  );
  const kept = Object.fromEntries(Object.entries(records).filter((_, i) => present[i]));
  try {
    writeFileAtomic(file, `${JSON.stringify(kept, null, 1)}\n`);
  } catch {
    // A read-only cache still loads; the files are hashed again next time.
  }
}

/** Hex digests of `file` for each algorithm, in one read. */
async function hashFile(file: string, algorithms: readonly string[]): Promise<string[]> {
  const hashes: Hash[] = algorithms.map((algorithm) => createHash(algorithm));
  try {
    for await (const chunk of createReadStream(file)) {
      for (const hash of hashes) hash.update(chunk as Buffer);
    }
  } catch (error) {
    throw new DatasetError(`Cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)}).`, { cause: error });
  }
  return hashes.map((hash) => hash.digest("hex"));
}

async function statOf(file: string): Promise<{ size: number; mtimeMs: number }> {
  try {
    return await fs.stat(file);
  } catch (error) {
    throw new DatasetError(`Cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)}).`, { cause: error });
  }
}

/**
 * The SHA-256 (hex) of each file, in order. With `verification`, throws a
 * DatasetError naming the first file that contradicts its published checksum
 * or its recorded digest (the caller appends what to do); records are then
 * left as they were.
 */
export async function fileDigests(files: readonly string[], options: DigestOptions): Promise<string[]> {
  const records = await readRecords(options.recordsFile);
  const verification = options.verification;
  const fetched = new Set(verification?.fetched ?? []);
  let changed = false;
  const digests: string[] = [];
  for (const file of files) {
    const { size, mtimeMs } = await statOf(file);
    const recorded = fetched.has(path.basename(file)) ? undefined : records[file];
    if (recorded !== undefined && recorded.size === size && recorded.mtimeMs === mtimeMs) {
      digests.push(recorded.sha256);
      continue;
    }
    const published = verification?.checksums[path.basename(file)];
    const checkPublished = verification !== undefined && recorded === undefined && published !== undefined;
    const [sha256, publishedActual] = await hashFile(file, checkPublished ? ["sha256", published.algorithm] : ["sha256"]);
    if (verification !== undefined && recorded !== undefined && sha256 !== recorded.sha256) {
      throw new DatasetError(
        `${file} changed after it was verified: its SHA-256 is now ${sha256}, not ${recorded.sha256}, so the file is corrupt.`,
      );
    }
    if (checkPublished && publishedActual !== published.digest.toLowerCase()) {
      throw new DatasetError(
        `${file} does not match its published checksum (${published.algorithm} ${publishedActual}, ` +
          `expected ${published.digest}): the file is corrupt or not the official one.`,
      );
    }
    records[file] = { size, mtimeMs, sha256 };
    changed = true;
    digests.push(sha256);
  }
  if (changed) await saveRecords(options.recordsFile, records);
  return digests;
}
