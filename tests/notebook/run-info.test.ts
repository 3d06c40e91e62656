import * as os from "os";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { runInfo } from "../../src/notebook/run-info";

test("runInfo: date in UTC to the minute, backend, machine and load, one per line", () => {
  const loadBefore = os.loadavg()[0];
  const lines = runInfo(new Date("2026-03-04T05:06:59.999Z")).split("\n");
  const loadAfter = os.loadavg()[0];
  assert.is(lines.length, 4);
  assert.is(lines[0], "run 2026-03-04 05:06 UTC");
  assert.match(lines[1], /^backend tensorflow \(TensorFlow \d+\.\d+\.\d+, tfjs \d+\.\d+\.\d+, Node \d+\.\d+\.\d+, oneDNN (on|off)\)$/);
  const machine = lines[2].match(/^machine (.+) × (\d+) cores, (\d+) GiB, (\w+) (\w+)$/);
  assert.ok(machine, lines[2]);
  assert.is(Number(machine[2]), os.cpus().length);
  assert.ok(Number(machine[3]) >= 1);
  assert.equal([machine[4], machine[5]], [os.platform(), os.arch()]);
  const load = lines[3].match(/^load average (\d+\.\d\d) over the last minute/);
  assert.ok(load, lines[3]);
  // The machine's actual 1-minute load, to the hundredth. Linux updates it every 5 s, so it
  // equals the value read just before or just after the call.
  const shown = Number(load[1]);
  assert.ok(
    [loadBefore, loadAfter].some((value) => Math.abs(value - shown) <= 0.005 + 1e-9),
    `shown ${shown}; the 1-minute load average was ${loadBefore} before and ${loadAfter} after`,
  );
});

test("runInfo: a date just before midnight stays on its day (no rounding up)", () => {
  assert.ok(runInfo(new Date("2026-12-31T23:59:59.999Z")).startsWith("run 2026-12-31 23:59 UTC\n"));
});

test.run();
