/**
 * Dataset ids, e.g. "mnist-train:1a2b3c4d": a name and a short hash of the
 * content. Cached weights record the id of the data they were trained on.
 */
import { createHash } from "crypto";

/** Hex digits of SHA-256 kept in an id: 32 bits tell apart the few data sets one cache holds. */
const ID_HASH_DIGITS = 8;

/** The id of a set read from files, from the SHA-256 digests (hex) of those files, in reading order. */
export function datasetIdOfFiles(name: string, fileDigests: readonly string[]): string {
  return `${name}:${createHash("sha256").update(fileDigests.join("\n")).digest("hex").slice(0, ID_HASH_DIGITS)}`;
}

/** The id of a set built in memory: its shape and every pixel and label byte. */
export function datasetIdOfContent(name: string, shape: readonly number[], pixels: Uint8Array, labels: Uint8Array): string {
  const hash = createHash("sha256").update(shape.join("x")).update("\n").update(pixels).update(labels);
  return `${name}:${hash.digest("hex").slice(0, ID_HASH_DIGITS)}`;
}

/** The id of images `start` to `end` (exclusive) of the set `parentId`. */
export function subsetId(parentId: string, start: number, end: number): string {
  return `${parentId}[${start}:${end}]`;
}
