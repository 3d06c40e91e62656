/**
 * The CIFAR-10 binary format: records of 1 label byte and 3072 pixel bytes,
 * the 32x32 red plane, then green, then blue, each row-major. The loader
 * keeps images as HWC (what tf.conv2d expects), so records are transposed.
 */
import { promises as fs } from "fs";
import { DatasetError } from "./errors";

export const CIFAR_SIDE = 32;
export const CIFAR_CHANNELS = 3;
const PLANE_BYTES = CIFAR_SIDE * CIFAR_SIDE;
export const CIFAR_IMAGE_BYTES = PLANE_BYTES * CIFAR_CHANNELS;
export const CIFAR_RECORD_BYTES = 1 + CIFAR_IMAGE_BYTES;
export const CIFAR_NUM_CLASSES = 10;

/** Images and labels of several batch files, concatenated in file order. */
export interface CifarRecords {
  pixels: Uint8Array;
  labels: Uint8Array;
}

function recordCount(file: string, bytes: number): number {
  if (bytes === 0 || bytes % CIFAR_RECORD_BYTES !== 0) {
    throw new DatasetError(
      `${file} has the wrong record size: ${bytes} bytes is not a whole number of ${CIFAR_RECORD_BYTES}-byte ` +
        "records (1 label byte + 3072 pixel bytes); the file is truncated or not a CIFAR-10 binary batch.",
    );
  }
  return bytes / CIFAR_RECORD_BYTES;
}

/** Decodes the records in `bytes` into `pixels` (HWC) and `labels`, starting at image `offset`. */
export function decodeCifarRecords(
  bytes: Uint8Array,
  file: string,
  target: CifarRecords,
  offset: number,
): number {
  const count = recordCount(file, bytes.length);
  for (let record = 0; record < count; record++) {
    const base = record * CIFAR_RECORD_BYTES;
    const label = bytes[base];
    if (label >= CIFAR_NUM_CLASSES) {
      throw new DatasetError(
        `${file}: record ${record} has label ${label}, but CIFAR-10 labels are 0..9; the file is corrupt or not a CIFAR-10 batch.`,
      );
    }
    target.labels[offset + record] = label;
    const out = (offset + record) * CIFAR_IMAGE_BYTES;
    const red = base + 1;
    for (let p = 0; p < PLANE_BYTES; p++) {
      target.pixels[out + 3 * p] = bytes[red + p];
      target.pixels[out + 3 * p + 1] = bytes[red + PLANE_BYTES + p];
      target.pixels[out + 3 * p + 2] = bytes[red + 2 * PLANE_BYTES + p];
    }
  }
  return count;
}

/** The sizes in bytes of the batch files, as a clear error if one cannot be read. */
async function fileSizes(paths: readonly string[]): Promise<number[]> {
  return Promise.all(
    paths.map(async (path) => {
      try {
        return (await fs.stat(path)).size;
      } catch (error) {
        throw new DatasetError(`Cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)}).`, { cause: error });
      }
    }),
  );
}

/** How many records each batch file holds (from its size), with the record-size check. */
export async function cifarRecordCounts(paths: readonly string[]): Promise<number[]> {
  const sizes = await fileSizes(paths);
  return paths.map((path, i) => recordCount(path, sizes[i]));
}

function records(count: number): string {
  return `${count} record${count === 1 ? "" : "s"} (${count * CIFAR_RECORD_BYTES} bytes)`;
}

function checkRecordCount(file: string, count: number, expected: number): void {
  if (count === expected) return;
  throw new DatasetError(
    `${file} holds ${records(count)}, but every batch file of the official CIFAR-10 holds exactly ${records(expected)}: ` +
      `it is ${records(Math.abs(count - expected))} too ${count < expected ? "short, an incomplete copy" : "long, not an intact copy"}.`,
  );
}

export interface ReadCifarOptions {
  /** The number of records every file must hold (the official files' count); any number if unset. */
  recordsPerFile?: number;
}

/** Reads batch files into one pair of arrays, allocated once (peak memory: the result plus one file). */
export async function readCifarFiles(paths: readonly string[], options: ReadCifarOptions = {}): Promise<CifarRecords> {
  const sizes = await fileSizes(paths);
  const counts = paths.map((path, i) => recordCount(path, sizes[i]));
  if (options.recordsPerFile !== undefined) {
    for (let i = 0; i < paths.length; i++) checkRecordCount(paths[i], counts[i], options.recordsPerFile);
  }
  const total = counts.reduce((sum, count) => sum + count, 0);
  const target = { pixels: new Uint8Array(total * CIFAR_IMAGE_BYTES), labels: new Uint8Array(total) };
  let offset = 0;
  for (let i = 0; i < paths.length; i++) {
    const bytes = await fs.readFile(paths[i]);
    if (bytes.length !== sizes[i]) {
      throw new DatasetError(`${paths[i]} changed size while being read (${sizes[i]} -> ${bytes.length} bytes).`);
    }
    offset += decodeCifarRecords(bytes, paths[i], target, offset);
  }
  return target;
}

/** Encodes HWC images and labels as CIFAR-10 binary records (the inverse of decoding). */
export function encodeCifarRecords(pixels: Uint8Array, labels: Uint8Array): Buffer {
  const out = Buffer.alloc(labels.length * CIFAR_RECORD_BYTES);
  for (let record = 0; record < labels.length; record++) {
    const base = record * CIFAR_RECORD_BYTES;
    out[base] = labels[record];
    const from = record * CIFAR_IMAGE_BYTES;
    for (let p = 0; p < PLANE_BYTES; p++) {
      for (let c = 0; c < CIFAR_CHANNELS; c++) out[base + 1 + c * PLANE_BYTES + p] = pixels[from + 3 * p + c];
    }
  }
  return out;
}

/** Parses batches.meta.txt: one class name per line (blank lines ignored). */
export function parseCifarClassNames(text: string, file: string): string[] {
  const names = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  if (names.length !== CIFAR_NUM_CLASSES) {
    throw new DatasetError(`${file} lists ${names.length} class names; CIFAR-10 has ${CIFAR_NUM_CLASSES}.`);
  }
  return names;
}
