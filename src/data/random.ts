/**
 * Seeded pseudo-random numbers for shuffling. Small and fast, not cryptographic:
 * what matters here is that a seed reproduces the same order on every machine.
 */

/** Uniform floats in [0, 1) from a 32-bit seed (the mulberry32 generator). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), state | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A well-mixed 32-bit seed for sub-stream `stream` of `seed` (e.g. one per epoch),
 * so neighbouring epochs get unrelated orders.
 */
export function deriveSeed(seed: number, stream: number): number {
  let h = (seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
  // murmur3's 32-bit finaliser: every input bit affects every output bit.
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
