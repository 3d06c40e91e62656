import * as os from "os";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { setLanguage } from "../../src/language";
import { runInfo } from "../../src/notebook/run-info";

test("runInfo: date in UTC to the minute, backend and machine, one per line", () => {
  const lines = runInfo(new Date("2026-03-04T05:06:59.999Z")).split("\n");
  assert.is(lines.length, 3);
  assert.is(lines[0], "run 2026-03-04 05:06 UTC");
  assert.match(lines[1], /^backend tensorflow \(TensorFlow \d+\.\d+\.\d+, tfjs \d+\.\d+\.\d+, Node \d+\.\d+\.\d+, oneDNN (on|off)\)$/);
  const machine = lines[2].match(/^machine (.+) × (\d+) cores, (\d+) GiB, (\w+) (\w+)$/);
  assert.ok(machine, lines[2]);
  assert.is(Number(machine[2]), os.cpus().length);
  assert.ok(Number(machine[3]) >= 1);
  assert.equal([machine[4], machine[5]], [os.platform(), os.arch()]);
});

test("runInfo in Korean: the same facts under Korean labels", () => {
  setLanguage("ko");
  try {
    const lines = runInfo(new Date("2026-03-04T05:06:59.999Z")).split("\n");
    assert.is(lines[0], "실행 2026-03-04 05:06 UTC");
    assert.match(lines[1], /^백엔드 tensorflow \(TensorFlow /);
    assert.match(lines[2], new RegExp(`^컴퓨터 .+ × ${os.cpus().length}코어, \\d+ GiB, `));
  } finally {
    setLanguage(undefined);
  }
});

test("runInfo: a date just before midnight stays on its day (no rounding up)", () => {
  assert.ok(runInfo(new Date("2026-12-31T23:59:59.999Z")).startsWith("run 2026-12-31 23:59 UTC\n"));
});

test.run();
