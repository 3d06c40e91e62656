/**
 * Registering tests that depend on the CPU's bfloat16 compute (avx512_bf16 or amx_bf16). A test
 * that cannot run here is registered with `skip`, so uvu's summary counts it as skipped rather
 * than passed, and a line names it and says why.
 */
import { test, type Callback, type Test } from "uvu";
import { hasBfloat16Compute } from "../src/native/cpu";

interface Options {
  /** The uvu suite to register on (default: uvu's `test`). */
  suite?: Test;
  /** Whether this CPU has bfloat16 compute (default: read from /proc/cpuinfo). */
  available?: boolean;
}

function register(runsHere: boolean, why: string, name: string, fn: Callback, suite: Test): void {
  if (runsHere) return suite(name, fn);
  console.log(`  skipped (${why}): ${name}`);
  suite.skip(name, fn);
}

/** A test of bfloat16 computation: skipped on a CPU without bfloat16 compute. */
export function bfloat16Test(name: string, fn: Callback, { suite = test, available = hasBfloat16Compute() }: Options = {}): void {
  register(available, "this CPU has no avx512_bf16 or amx_bf16", name, fn, suite);
}

/** A test of what happens without bfloat16 compute (e.g. a refusal): skipped on a CPU that has it. */
export function noBfloat16Test(name: string, fn: Callback, { suite = test, available = hasBfloat16Compute() }: Options = {}): void {
  register(!available, "this CPU has bfloat16 compute", name, fn, suite);
}
