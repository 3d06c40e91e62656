import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/native/backend";
import { liveNativeHandles } from "../../src/native/ops";
import { createModel } from "../../src/models";
import { measurePeakMatMul, spread, stepSpeed, TrainingStepTimer } from "../../src/training";
import { bfloat16Test } from "../bfloat16";
import { tinyDefinition } from "./fixtures";

/*
 * The tiny model by hand (tests/training/fixtures.ts), per image:
 *   conv 3×3×1→4, SAME on 4×4: 16 output positions × (3·3·1 inputs × 4 filters) = 16 × 36 = 576 multiply-adds
 *   full layer 2·2·4 = 16 → 2:                                                       16 × 2 =  32 multiply-adds
 *   608 multiply-adds = 1216 FLOPs per forward pass; a training step counts as 3 forward passes: 3648 FLOPs;
 *   at batch 8: 29,184 FLOPs per step.
 */
const TINY_FLOPS_PER_STEP_AT_BATCH_8 = 29_184;

test("TrainingStepTimer: the tiny model's FLOPs per step as counted by hand; median/min/max of its repetitions; nothing left behind", () => {
  const tensorsBefore = tf.memory().numTensors;
  const handlesBefore = liveNativeHandles();
  for (const recordCurve of [true, false]) {
    const model = createModel(tinyDefinition, { seed: 0 });
    const timer = new TrainingStepTimer(model, { optimizer: { kind: "adam", learningRate: 1e-4 }, keepProb: 1, labelSmoothing: 0 }, 8, { recordCurve });
    assert.throws(() => timer.summary(), /time at least one repetition first/);
    timer.warmUp(1);
    const repetitions = [timer.timeRepetition(3), timer.timeRepetition(3), timer.timeRepetition(3)];
    const summary = timer.summary();
    timer.dispose();
    assert.is(summary.flopsPerStep, TINY_FLOPS_PER_STEP_AT_BATCH_8);
    assert.is(summary.recordsCurve, recordCurve);
    assert.is(summary.repetitions, 3);
    const { median, min, max } = summary.msPerStep;
    assert.ok(repetitions.includes(median) && min === Math.min(...repetitions) && max === Math.max(...repetitions));
    assert.ok(min <= median && median <= max && min > 0);
  }
  assert.is(tf.memory().numTensors, tensorsBefore);
  assert.is(liveNativeHandles(), handlesBefore);
});

test("stepSpeed: figures worked out by hand", () => {
  // Repetitions of 12, 10 and 11 ms per step: median 11 ms. Batch 8: 8 images / 0.011 s = 727.27 images/s.
  // 29,184 FLOPs / 0.011 s = 2,653,090.9 FLOP/s = 0.0026530909 GFLOP/s.
  const speed = stepSpeed([12, 10, 11], 8, TINY_FLOPS_PER_STEP_AT_BATCH_8);
  assert.is(speed.repetitions, 3);
  assert.equal(speed.msPerStep, { median: 11, min: 10, max: 12 });
  assert.ok(Math.abs(speed.imagesPerSecond - 727.2727) < 1e-4, String(speed.imagesPerSecond));
  assert.ok(Math.abs(speed.gflopsPerSecond - 0.0026530909) < 1e-10, String(speed.gflopsPerSecond));
  // An even count: the median is the mean of the middle two.
  assert.equal(spread([4, 1, 3, 2]), { median: 2.5, min: 1, max: 4 });
  assert.throws(() => spread([]), /no values/);
});

test("measurePeakMatMul: the best of its timed 64×64 products (one untimed first), at 2·64³ = 524,288 FLOPs each", async () => {
  const before = tf.memory().numTensors;
  const peaks: ReturnType<typeof measurePeakMatMul>[] = [];
  const started = performance.now();
  const profile = await tf.profile(() => void peaks.push(measurePeakMatMul(64, 2)));
  const callMs = performance.now() - started;
  const [peak] = peaks;
  // The products it ran: a warm-up and the two timed ones, each of two 64×64 matrices.
  const products = profile.kernels.filter((kernel) => kernel.name === "BatchMatMul").map((kernel) => kernel.inputShapes);
  assert.equal(products, [0, 1, 2].map(() => [[64, 64], [64, 64]]));
  // The faster timed product, so at most half the whole call (not the sum, nor the warm-up's time).
  assert.ok(peak.ms > 0 && peak.ms <= callMs / 2, `${peak.ms} ms reported; the call took ${callMs} ms`);
  assert.ok(Math.abs(peak.gflopsPerSecond * peak.ms - 0.524288) < 1e-9, `${peak.gflopsPerSecond} GFLOP/s in ${peak.ms} ms`);
  assert.is(tf.memory().numTensors, before);
});

bfloat16Test('measurePeakMatMul "bfloat16": a compiled mixed-precision product, timed the same way, nothing left behind', () => {
  const before = tf.memory().numTensors;
  const peak = measurePeakMatMul(64, 2, "bfloat16");
  assert.is(peak.size, 64);
  assert.ok(peak.ms > 0 && Math.abs(peak.gflopsPerSecond * peak.ms - 0.524288) < 1e-9, `${peak.gflopsPerSecond} GFLOP/s in ${peak.ms} ms`);
  assert.is(tf.memory().numTensors, before, "no tensor left behind");
});

test.run();
