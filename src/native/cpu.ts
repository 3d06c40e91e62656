/**
 * What the CPU can do, from the flags Linux lists in /proc/cpuinfo: oneDNN
 * runs bfloat16 convolutions at full speed only with avx512_bf16 (or AMX);
 * without them it emulates bfloat16 more slowly than float32.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import { localized } from "../language";

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

/** The flags that decide how fast TensorFlow trains here, in the order reports list them. */
export const SPEED_FLAGS = ["avx2", "avx512f", "avx512_bf16", "amx_bf16"] as const;

/** The CPU a figure was measured on: its model, its cores, and the flags that decide the speed. */
export interface CpuDescription {
  model: string;
  cores: number;
  /** The CPU class: "AVX2", "AVX-512", "AVX-512 with bfloat16", "AMX", or "no AVX2". */
  cpuClass: string;
  /** Each of SPEED_FLAGS, present or not. */
  flags: Record<(typeof SPEED_FLAGS)[number], boolean>;
}

/** The class that figures name: the widest of AMX, AVX-512 with bfloat16, AVX-512, AVX2. */
export function cpuClass(flags: ReadonlySet<string>): string {
  if (flags.has("amx_bf16")) return "AMX";
  if (flags.has("avx512_bf16")) return "AVX-512 with bfloat16";
  if (flags.has("avx512f")) return "AVX-512";
  return flags.has("avx2") ? "AVX2" : "no AVX2";
}

/** A CPU class as a reader reads it: the class itself in English (it names records in results/), in Korean words where it has English ones. */
export function cpuClassName(className: string): string {
  const korean: Record<string, string> = { "AVX-512 with bfloat16": "bfloat16 지원 AVX-512", "no AVX2": "AVX2 없음" };
  return localized({ en: className, ko: korean[className] ?? className });
}

export function describeCpu(flags: ReadonlySet<string> = cpuFlags()): CpuDescription {
  const cpus = os.cpus();
  return {
    model: cpus[0]?.model.trim() || "unknown CPU",
    cores: cpus.length,
    cpuClass: cpuClass(flags),
    flags: Object.fromEntries(SPEED_FLAGS.map((flag) => [flag, flags.has(flag)])) as CpuDescription["flags"],
  };
}

/** What a CPU has of SPEED_FLAGS and what it lacks, e.g. { has: "avx2", lacks: "avx512f, avx512_bf16, amx_bf16" }. */
export function speedFlagLists({ flags }: CpuDescription): { has: string; lacks: string } {
  const list = (present: boolean) => SPEED_FLAGS.filter((flag) => flags[flag] === present).join(", ") || "-";
  return { has: list(true), lacks: list(false) };
}

/** One line, e.g. "AMD EPYC × 2 cores, AVX2 class (has avx2; lacks avx512f, avx512_bf16, amx_bf16)". */
export function formatCpu(cpu: CpuDescription): string {
  const { has, lacks } = speedFlagLists(cpu);
  return `${cpu.model} × ${cpu.cores} cores, ${cpu.cpuClass} class (has ${has}; lacks ${lacks})`;
}
