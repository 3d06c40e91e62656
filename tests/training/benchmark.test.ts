import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/backend";
import { createModel } from "../../src/models";
import { TrainingStepTimer } from "../../src/training";
import { tinyDefinition } from "./fixtures";

test("TrainingStepTimer: FLOPs per step are 3 forward passes at 2 FLOPs per multiply-add; figures agree", () => {
  const before = tf.memory().numTensors;
  const timer = new TrainingStepTimer(tinyDefinition, 8);
  assert.throws(() => timer.summary(), /time at least one repetition first/);
  timer.warmUp(1);
  const repetitions = [timer.timeRepetition(3), timer.timeRepetition(3), timer.timeRepetition(3)];
  const summary = timer.summary();
  timer.dispose();

  const model = createModel(tinyDefinition);
  const multiplyAdds = model.multiplyAddsPerImage();
  model.dispose();
  // conv 4·4 positions × 3·3·1·4, full layer 16 × 2
  assert.is(multiplyAdds, 4 * 4 * 3 * 3 * 1 * 4 + 16 * 2);
  assert.is(summary.flopsPerStep, 3 * 2 * multiplyAdds * 8);
  assert.is(summary.repetitions, 3);
  assert.equal(summary.msPerStep, {
    median: [...repetitions].sort((a, b) => a - b)[1],
    min: Math.min(...repetitions),
    max: Math.max(...repetitions),
  });
  assert.ok(Math.abs(summary.imagesPerSecond - 8000 / summary.msPerStep.median) < 1e-9);
  assert.ok(Math.abs(summary.gflopsPerSecond - summary.flopsPerStep / summary.msPerStep.median / 1e6) < 1e-9);
  assert.is(tf.memory().numTensors, before);
});

test.run();
