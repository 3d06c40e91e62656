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

/** A uniform permutation of 0 … count − 1 drawn from `random` (Fisher–Yates, from the last position down). */
export function permutation(count: number, random: () => number): Int32Array {
  const order = Int32Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/**
 * The independent random streams one training seed feeds. Each stream's seed
 * is deriveSeed(seed, number): the numbers are fixed, so a seed keeps giving
 * the same run.
 */
export const SEED_STREAMS = { augmentation: 1, order: 2, firstLayer: 3 } as const;

export type SeedStreamName = keyof typeof SEED_STREAMS;

/** The 32-bit seed of stream `name` of `seed`. */
export function streamSeed(seed: number, name: SeedStreamName): number {
  return deriveSeed(seed, SEED_STREAMS[name]);
}
