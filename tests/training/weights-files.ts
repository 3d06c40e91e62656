/** Reading and rewriting the JSON header of a weights file (magic "CNN4WTS1", header length, header, values), for the cache tests. */
import * as fs from "node:fs";

const MAGIC_LENGTH = 8;

function headerEnd(bytes: Buffer): number {
  return MAGIC_LENGTH + 4 + bytes.readUInt32LE(MAGIC_LENGTH);
}

/** A weights file's header as stored. */
export function readHeader(filePath: string): Record<string, unknown> {
  const bytes = fs.readFileSync(filePath);
  return JSON.parse(bytes.subarray(MAGIC_LENGTH + 4, headerEnd(bytes)).toString("utf8")) as Record<string, unknown>;
}

/**
 * `bytes` (a weights file) with its header replaced by `edit`'s result (or
 * the header `edit` changed in place). The values and their checksum stay as
 * they were, so the file is still intact.
 */
export function withHeader(bytes: Buffer, edit: (header: Record<string, unknown>) => unknown): Buffer {
  const end = headerEnd(bytes);
  const header = JSON.parse(bytes.subarray(MAGIC_LENGTH + 4, end).toString("utf8")) as Record<string, unknown>;
  const headerBytes = Buffer.from(JSON.stringify(edit(header) ?? header), "utf8");
  const length = Buffer.alloc(4);
  length.writeUInt32LE(headerBytes.length);
  return Buffer.concat([bytes.subarray(0, MAGIC_LENGTH), length, headerBytes, bytes.subarray(end)]);
}

/** Rewrites the header of the weights file at `filePath` in place. */
export function rewriteHeader(filePath: string, edit: (header: Record<string, unknown>) => unknown): void {
  fs.writeFileSync(filePath, withHeader(fs.readFileSync(filePath), edit));
}

/** A deep copy of a JSON value. */
export function copyOf<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
