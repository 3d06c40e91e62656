import { test } from "uvu";
import * as assert from "uvu/assert";
import { triangularMultiplier } from "../../src/training/schedule";

const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 1e-12, `${what}: ${actual}, expected ${expected}`);

test("triangular schedule: 0.2 at the start, 1 at 23% of the steps, 0.07 at the end, linear between", () => {
  const total = 1000;
  close(triangularMultiplier(0, total), 0.2, "step 0");
  close(triangularMultiplier(230, total), 1, "peak");
  close(triangularMultiplier(1000, total), 0.07, "last step");
  close(triangularMultiplier(115, total), 0.6, "half-way up");
  close(triangularMultiplier(615, total), (1 + 0.07) / 2, "half-way down");
});

test("triangular schedule: the peak is at the whole step floor(0.23·total)", () => {
  const total = 50; // 11.5 → step 11
  close(triangularMultiplier(11, total), 1, "step 11");
  assert.ok(triangularMultiplier(10, total) < 1 && triangularMultiplier(12, total) < 1);
});

test("triangular schedule: steps outside the run are refused", () => {
  assert.throws(() => triangularMultiplier(11, 10), /step 11 is outside the run's 0 to 10 steps/);
  assert.throws(() => triangularMultiplier(0, 0), /totalSteps must be a whole number ≥ 1/);
});

test.run();
