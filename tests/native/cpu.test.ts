import * as os from "os";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { assertBfloat16Compute, cpuClass, cpuFlags, describeCpu, formatCpu, hasBfloat16Compute } from "../../src/native/cpu";

const cpuinfo = (flags: string) => `processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: ${flags}\nbugs\t\t: spectre_v1\n\nprocessor\t: 1\n`;

test("cpuFlags: the flags line of /proc/cpuinfo, as a set; none where there is no such file", () => {
  assert.equal([...cpuFlags(cpuinfo("fpu sse2 avx512f avx512_bf16"))], ["fpu", "sse2", "avx512f", "avx512_bf16"]);
  assert.is(cpuFlags(null).size, 0);
});

test("hasBfloat16Compute, assertBfloat16Compute: yes, and passes, with avx512_bf16 or amx_bf16, refuses without, naming the caller and the fix", () => {
  assert.ok(hasBfloat16Compute(cpuFlags(cpuinfo("avx512f avx512_bf16"))));
  assert.not.ok(hasBfloat16Compute(cpuFlags(cpuinfo("avx2 avx512f"))));
  assertBfloat16Compute("test", cpuFlags(cpuinfo("avx512f avx512_bf16")));
  assertBfloat16Compute("test", cpuFlags(cpuinfo("amx_tile amx_bf16")));
  assert.throws(() => assertBfloat16Compute("airbench step", cpuFlags(cpuinfo("avx2 avx512f"))), /airbench step: bfloat16 compute needs a CPU with avx512_bf16.*use float32/);
  assert.throws(() => assertBfloat16Compute("airbench step", cpuFlags(null)), /neither here/);
});

test("cpuClass: the widest of AMX, AVX-512 with bfloat16, AVX-512 and AVX2 that the flags show", () => {
  const zen3 = new Set(["sse4_2", "avx", "avx2", "fma"]);
  assert.is(cpuClass(zen3), "AVX2");
  assert.is(cpuClass(new Set([...zen3, "avx512f", "avx512_vnni"])), "AVX-512");
  assert.is(cpuClass(new Set([...zen3, "avx512f", "avx512_bf16"])), "AVX-512 with bfloat16");
  assert.is(cpuClass(new Set([...zen3, "avx512f", "avx512_bf16", "amx_tile", "amx_bf16"])), "AMX");
  assert.is(cpuClass(new Set(["sse4_2", "avx"])), "no AVX2");
});

test("describeCpu, formatCpu: the model, the cores, the class and each speed flag present or not", () => {
  const cpu = describeCpu(new Set(["avx2", "fma"]));
  assert.is(cpu.cores, os.cpus().length);
  assert.equal(cpu.flags, { avx2: true, avx512f: false, avx512_bf16: false, amx_bf16: false });
  assert.is(formatCpu(cpu), `${cpu.model} × ${cpu.cores} cores, AVX2 class (has avx2; lacks avx512f, avx512_bf16, amx_bf16)`);
  const here = describeCpu();
  assert.is(here.flags.avx2, cpuFlags().has("avx2"));
});

test.run();
