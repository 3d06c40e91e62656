import { test } from "uvu";
import * as assert from "uvu/assert";
import { AIRBENCH_SCHEDULE } from "../../src/recipes";
import { triangularMultiplier } from "../../src/training/schedule";

const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 1e-12, `${what}: ${actual}, expected ${expected}`);

test("airbench's triangular schedule: 0.2 at the start, 1 at 23% of the steps, 0.07 at the end, linear between", () => {
  const total = 1000;
  close(triangularMultiplier(0, total, AIRBENCH_SCHEDULE), 0.2, "step 0");
  close(triangularMultiplier(230, total, AIRBENCH_SCHEDULE), 1, "peak");
  close(triangularMultiplier(1000, total, AIRBENCH_SCHEDULE), 0.07, "last step");
  close(triangularMultiplier(115, total, AIRBENCH_SCHEDULE), 0.6, "half-way up");
  close(triangularMultiplier(615, total, AIRBENCH_SCHEDULE), (1 + 0.07) / 2, "half-way down");
});

test("triangular schedule: the peak is at the whole step floor(0.23·total)", () => {
  const total = 50; // 11.5 → step 11
  close(triangularMultiplier(11, total, AIRBENCH_SCHEDULE), 1, "step 11");
  assert.ok(triangularMultiplier(10, total, AIRBENCH_SCHEDULE) < 1 && triangularMultiplier(12, total, AIRBENCH_SCHEDULE) < 1);
});

test("triangular schedule: steps outside the run are refused", () => {
  assert.throws(() => triangularMultiplier(11, 10, AIRBENCH_SCHEDULE), /step 11 is outside the run's 0 to 10 steps/);
  assert.throws(() => triangularMultiplier(0, 0, AIRBENCH_SCHEDULE), /totalSteps must be a whole number ≥ 1/);
});

test("triangular schedule: a start, peak or end that is negative, NaN or Infinity is refused, naming it", () => {
  for (const key of ["start", "peak", "end"] as const) {
    for (const value of [-0.1, NaN, Infinity]) {
      const schedule = { start: 0.2, peak: 1, end: 0.07, peakFraction: 0.23, [key]: value };
      assert.throws(() => triangularMultiplier(5, 10, schedule), (error: Error) => error.message === `triangularMultiplier: ${key} must be a finite number ≥ 0, got ${value}.`, `${key} ${value}`);
    }
  }
});

test("triangular schedule: a peak at step 0 (peakFraction·total < 1) falls from the peak without dividing by 0", () => {
  const schedule = { start: 0.2, peak: 1, end: 0, peakFraction: 0.05 };
  close(triangularMultiplier(0, 10, schedule), 1, "step 0");
  close(triangularMultiplier(5, 10, schedule), 0.5, "step 5");
});

test.run();
