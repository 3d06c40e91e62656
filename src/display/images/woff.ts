/**
 * WOFF 1.0 to the OpenType (sfnt) font it wraps. Font packages for the web ship WOFF, and
 * resvg reads only TrueType and OpenType files; WOFF 1.0 is the same tables, each one
 * zlib-compressed when that made it smaller (W3C's WOFF File Format 1.0).
 */
import { inflateSync } from "zlib";

const WOFF_SIGNATURE = 0x774f4646; // "wOFF"
const WOFF_HEADER_BYTES = 44;
const WOFF_ENTRY_BYTES = 20;
const SFNT_HEADER_BYTES = 12;
const SFNT_ENTRY_BYTES = 16;

/** The sfnt font in `woff`: the same tables, uncompressed, each at a 4-byte boundary. */
export function sfntFromWoff(woff: Uint8Array): Buffer {
  const input = Buffer.from(woff.buffer, woff.byteOffset, woff.byteLength);
  if (input.length < WOFF_HEADER_BYTES || input.readUInt32BE(0) !== WOFF_SIGNATURE) {
    throw new Error("sfntFromWoff: not a WOFF 1.0 font (its first four bytes are not 'wOFF').");
  }
  const flavor = input.readUInt32BE(4);
  const tableCount = input.readUInt16BE(12);
  const tables = Array.from({ length: tableCount }, (_, index) => {
    const entry = WOFF_HEADER_BYTES + WOFF_ENTRY_BYTES * index;
    const [tag, offset, compressedLength, length, checksum] = [0, 4, 8, 12, 16].map((field) => input.readUInt32BE(entry + field));
    const stored = input.subarray(offset, offset + compressedLength);
    const data = compressedLength < length ? inflateSync(stored) : stored;
    if (data.length !== length) throw new Error(`sfntFromWoff: a table holds ${data.length} bytes where its entry says ${length}.`);
    return { tag, checksum, data };
  });
  // The sfnt header's binary-search fields: the largest power of two ≤ the table count.
  const exponent = Math.floor(Math.log2(Math.max(1, tableCount)));
  const header = Buffer.alloc(SFNT_HEADER_BYTES + SFNT_ENTRY_BYTES * tableCount);
  header.writeUInt32BE(flavor, 0);
  header.writeUInt16BE(tableCount, 4);
  header.writeUInt16BE(16 * 2 ** exponent, 6);
  header.writeUInt16BE(exponent, 8);
  header.writeUInt16BE(16 * (tableCount - 2 ** exponent), 10);
  const parts: Buffer[] = [header];
  let offset = header.length;
  tables.forEach(({ tag, checksum, data }, index) => {
    const entry = SFNT_HEADER_BYTES + SFNT_ENTRY_BYTES * index;
    header.writeUInt32BE(tag, entry);
    header.writeUInt32BE(checksum, entry + 4);
    header.writeUInt32BE(offset, entry + 8);
    header.writeUInt32BE(data.length, entry + 12);
    const padded = Buffer.alloc(Math.ceil(data.length / 4) * 4);
    data.copy(padded);
    parts.push(padded);
    offset += padded.length;
  });
  return Buffer.concat(parts);
}
