import { test } from "uvu";
import * as assert from "uvu/assert";
import { assertBfloat16Compute, cpuFlags, hasBfloat16Compute } from "../../src/native/cpu";

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

test.run();
