/**
 * The IDX format of the MNIST files: a big-endian header (two zero bytes, a
 * type code, the number of dimensions, then each dimension as uint32)
 * followed by the data, row-major. MNIST's files are gzip-compressed.
 */
import { promises as fs } from "fs";
import { promisify } from "util";
import * as zlib from "zlib";
import { DatasetError } from "./errors";

/** Magic numbers of unsigned-byte IDX files: 0x0801 (labels, 1 dimension), 0x0803 (images, 3 dimensions). */
export const IDX_LABELS_MAGIC = 2049;
export const IDX_IMAGES_MAGIC = 2051;

const UNSIGNED_BYTE_TYPE = 0x08;
const gunzip = promisify(zlib.gunzip);

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** Parses an uncompressed IDX file whose magic number must be `expectedMagic`; `file` names it in errors. */
export function parseIdx(bytes: Uint8Array, expectedMagic: number, file: string): IdxArray {
  if (bytes.length < 4) {
    throw new DatasetError(`${file} is truncated: ${bytes.length} bytes, too short for an IDX header.`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (magic !== expectedMagic) {
    throw new DatasetError(
      `${file} has the wrong magic number ${magic} (expected ${expectedMagic}): ` +
        `it is not an IDX ${expectedMagic === IDX_LABELS_MAGIC ? "label" : "image"} file.`,
    );
  }
  const rank = magic & 0xff;
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw new DatasetError(`${file} is truncated: ${bytes.length} bytes, too short for its ${headerBytes}-byte header.`);
  }
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const expectedBytes = dims.reduce((product, dim) => product * dim, 1);
  const actualBytes = bytes.length - headerBytes;
  if (actualBytes !== expectedBytes) {
    throw new DatasetError(
      `${file} is ${actualBytes < expectedBytes ? "truncated" : "too long"}: its header announces ` +
        `${dims.join("x")} = ${expectedBytes} data bytes, but ${actualBytes} follow.`,
    );
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

/** Reads and parses a gzip-compressed IDX file. */
export async function readIdxGz(path: string, expectedMagic: number): Promise<IdxArray> {
  let compressed: Buffer;
  try {
    compressed = await fs.readFile(path);
  } catch (error) {
    throw new DatasetError(`Cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)}).`);
  }
  let bytes: Buffer;
  try {
    bytes = await gunzip(compressed);
  } catch (error) {
    throw new DatasetError(`${path} is truncated or not valid gzip (${(error as Error).message}).`);
  }
  return parseIdx(bytes, expectedMagic, path);
}

/** Encodes unsigned bytes with dimensions `dims` as an (uncompressed) IDX file. */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE((UNSIGNED_BYTE_TYPE << 8) | dims.length, 0);
  dims.forEach((dim, i) => header.writeUInt32BE(dim, 4 + 4 * i));
  return Buffer.concat([header, data]);
}
