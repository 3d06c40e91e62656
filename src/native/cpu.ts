/**
 * What the CPU can do, from the flags Linux lists in /proc/cpuinfo: oneDNN
 * runs bfloat16 convolutions at full speed only with avx512_bf16 (or AMX);
 * without them it emulates bfloat16 more slowly than float32.
 */
import * as fs from "node:fs";

const CPUINFO = "/proc/cpuinfo";

/** The first processor's feature flags; empty where /proc/cpuinfo does not exist (not Linux). */
export function cpuFlags(cpuinfo: string | null = readCpuinfo()): Set<string> {
  const line = cpuinfo?.split("\n").find((text) => /^flags\s*:/.test(text));
  return new Set(line === undefined ? [] : line.replace(/^flags\s*:/, "").trim().split(/\s+/));
}

function readCpuinfo(): string | null {
  try {
    return fs.readFileSync(CPUINFO, "utf8");
  } catch {
    return null;
  }
}

/** True when the CPU computes in bfloat16 natively (avx512_bf16 or amx_bf16). */
export function hasBfloat16Compute(flags: ReadonlySet<string> = cpuFlags()): boolean {
  return flags.has("avx512_bf16") || flags.has("amx_bf16");
}

/** Throws, naming `what`, unless the CPU computes in bfloat16 natively (avx512_bf16 or amx_bf16). */
export function assertBfloat16Compute(what: string, flags: ReadonlySet<string> = cpuFlags()): void {
  if (!hasBfloat16Compute(flags)) {
    throw new Error(
      `${what}: bfloat16 compute needs a CPU with avx512_bf16 or amx_bf16, and ${CPUINFO} lists neither here ` +
        "(oneDNN would emulate it, slower than float32); use float32.",
    );
  }
}
