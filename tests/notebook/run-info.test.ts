import * as os from "os";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { setLanguage } from "../../src/language";
import { cpuFlags } from "../../src/native/cpu";
import { runInfo } from "../../src/notebook/run-info";

test("runInfo: date in UTC to the minute, backend and machine, one per line", () => {
  const lines = runInfo(new Date("2026-03-04T05:06:59.999Z")).split("\n");
  assert.is(lines.length, 3);
  assert.is(lines[0], "run 2026-03-04 05:06 UTC");
  assert.match(lines[1], /^backend tensorflow \(TensorFlow \d+\.\d+\.\d+, tfjs \d+\.\d+\.\d+, Node \d+\.\d+\.\d+, oneDNN (on|off) \(.+\)\)$/);
  const machine = lines[2].match(/^machine (.+) × (\d+) cores, (AVX2|AVX-512|AVX-512 with bfloat16|AMX|no AVX2) class \(has (.+); lacks (.+)\), (\d+) GiB, (\w+) (\w+)$/);
  assert.ok(machine, lines[2]);
  assert.is(Number(machine[2]), os.cpus().length);
  assert.is(machine[4].includes("avx2"), cpuFlags().has("avx2"), "the flags listed as present are the CPU's");
  assert.ok(Number(machine[6]) >= 1);
  assert.equal([machine[7], machine[8]], [os.platform(), os.arch()]);
});

test("runInfo in Korean: the same facts under Korean labels", () => {
  setLanguage("ko");
  try {
    const lines = runInfo(new Date("2026-03-04T05:06:59.999Z")).split("\n");
    assert.is(lines[0], "실행 2026-03-04 05:06 UTC");
    assert.match(lines[1], /^백엔드 tensorflow \(TensorFlow /);
    assert.match(lines[2], new RegExp(`^컴퓨터 .+ × ${os.cpus().length}코어, .+ 계열 \\(있음: .+; 없음: .+\\), \\d+ GiB, `));
  } finally {
    setLanguage(undefined);
  }
});

test("runInfo: a date just before midnight stays on its day (no rounding up)", () => {
  assert.ok(runInfo(new Date("2026-12-31T23:59:59.999Z")).startsWith("run 2026-12-31 23:59 UTC\n"));
});

test.run();
