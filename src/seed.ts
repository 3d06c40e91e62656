/**
 * Seeds: one range for every seeded thing in the project (initial weights,
 * dropout masks, shuffling), so a seed a reader picks works everywhere.
 */

/** Seeds are whole numbers in [0, SEED_LIMIT): TensorFlow's stateless random ops take int32 seeds. */
export const SEED_LIMIT = 2 ** 31;

/** Throws, naming `what`, unless `seed` is a whole number in [0, 2^31). */
export function checkSeed(seed: number, what = "seed"): number {
  if (!Number.isInteger(seed) || seed < 0 || seed >= SEED_LIMIT) {
    throw new Error(`${what} ${seed} is not valid: use a whole number from 0 to ${SEED_LIMIT - 1} (2^31 - 1).`);
  }
  return seed;
}

/** A fresh seed, for runs that did not ask for reproducibility. */
export function randomSeed(): number {
  return Math.floor(Math.random() * SEED_LIMIT);
}
