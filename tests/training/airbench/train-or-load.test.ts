import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../../src/backend";
import type { AirbenchModel } from "../../../src/models/airbench";
import {
  airbenchPredictions,
  airbenchWeightsPath,
  TrainingInterruptedError,
  trainOrLoadAirbench,
  WeightsFileError,
  type AirbenchRunOptions,
  type ProgressSink,
} from "../../../src/training";
import { quiet, SMALL_RECIPE, temporaryFolder, tinyCifar } from "./fixtures";

function state(model: AirbenchModel): number[][] {
  return tf.tidy(() => [model.whiteningFilter, ...model.trainable, ...model.runningStatistics].map((variable) => Array.from(variable.read().dataSync())));
}

const options = (weightsDir: string): AirbenchRunOptions => ({ recipe: SMALL_RECIPE, seed: 11, stepScale: 0.5, weightsDir, ...quiet });

test("a trained run is cached and loads back with every value, its epoch history and its TTA accuracy", async () => {
  const { train, test: testSet } = await tinyCifar();
  const weightsDir = temporaryFolder("cnn-airbench-weights-");
  const trained = await trainOrLoadAirbench(train, testSet, options(weightsDir));
  assert.is(trained.loaded, false);
  assert.is(trained.recipe.epochs, 2, "the step scale halves the 4 epochs");
  assert.is(trained.epochs.length, 2);
  assert.is(trained.weightsPath, airbenchWeightsPath(weightsDir, trained.recipe, 11, 0.5, train, testSet));
  assert.match(path.basename(trained.weightsPath as string), /^airbench-[0-9a-f]{12}-seed11\.weights$/);
  assert.ok(trained.msPerStep > 0 && trained.gflopsPerSecond > 0);

  const loaded = await trainOrLoadAirbench(train, testSet, options(weightsDir));
  assert.is(loaded.loaded, true);
  assert.match(loaded.message, /^loaded airbench \(2 epochs, seed 11, trained in \d+\.\d s\) from .*retrain: true/);
  assert.equal(state(loaded.model), state(trained.model));
  assert.equal(loaded.epochs, trained.epochs);
  assert.is(loaded.testAccuracyTta, trained.testAccuracyTta);
  assert.is(loaded.testAccuracy, trained.testAccuracy);
  assert.equal(airbenchPredictions(loaded.model, testSet, "mirror"), airbenchPredictions(trained.model, testSet, "mirror"));

  const retrained = await trainOrLoadAirbench(train, testSet, { ...options(weightsDir), retrain: true });
  assert.is(retrained.loaded, false);
  [trained, loaded, retrained].forEach((run) => run.model.dispose());
});

test("another recipe, seed or step scale is another file; no seed, no file", async () => {
  const { train, test: testSet } = await tinyCifar();
  const recipe = { ...SMALL_RECIPE, epochs: 2 };
  const base = airbenchWeightsPath("/w", recipe, 1, 1, train, testSet);
  assert.is.not(airbenchWeightsPath("/w", { ...recipe, labelSmoothing: 0 }, 1, 1, train, testSet), base);
  assert.is.not(airbenchWeightsPath("/w", recipe, 2, 1, train, testSet), base);
  assert.is.not(airbenchWeightsPath("/w", recipe, 1, 0.5, train, testSet), base);
  assert.is.not(airbenchWeightsPath("/w", recipe, 1, 1, train.slice(0, 400), testSet), base);
  assert.is(airbenchWeightsPath("/w", { ...recipe }, 1, 1, train, testSet), base);

  const weightsDir = temporaryFolder("cnn-airbench-weights-");
  const unseeded = await trainOrLoadAirbench(train, testSet, { recipe, stepScale: 0.1, weightsDir, ...quiet });
  assert.is(unseeded.weightsPath, null);
  assert.equal(fs.readdirSync(weightsDir), []);
  unseeded.model.dispose();
});

test("a damaged or mismatching cache file is one WeightsFileError saying what is wrong and what to do", async () => {
  const { train, test: testSet } = await tinyCifar();
  const weightsDir = temporaryFolder("cnn-airbench-weights-");
  const first = await trainOrLoadAirbench(train, testSet, options(weightsDir));
  first.model.dispose();
  const filePath = first.weightsPath as string;
  const bytes = fs.readFileSync(filePath);
  const failure = async (runOptions: AirbenchRunOptions): Promise<string> => {
    try {
      (await trainOrLoadAirbench(train, testSet, runOptions)).model.dispose();
    } catch (error) {
      assert.instance(error, WeightsFileError);
      assert.match((error as Error).message, /Delete it or retrain \(pass retrain: true\)/);
      return (error as Error).message;
    }
    throw new Error("a bad cache file was accepted");
  };

  const damaged = Buffer.from(bytes);
  damaged[damaged.length - 5] ^= 0xff;
  fs.writeFileSync(filePath, damaged);
  assert.match(await failure(options(weightsDir)), /checksum mismatch/);

  // The file of another recipe under this run's name.
  const otherRecipe = { ...options(weightsDir), recipe: { ...SMALL_RECIPE, labelSmoothing: 0.1 } };
  fs.writeFileSync(filePath, bytes);
  const otherRun = await trainOrLoadAirbench(train, testSet, otherRecipe);
  otherRun.model.dispose();
  fs.copyFileSync(otherRun.weightsPath as string, filePath);
  assert.match(await failure(options(weightsDir)), /it was trained with recipe \{.*"labelSmoothing":0\.1.*\} instead of \{.*"labelSmoothing":0\.2/);

  // Another network's variables.
  const narrower = { ...options(weightsDir), recipe: { ...SMALL_RECIPE, widths: { whitening: 24, blocks: [8, 8, 8] as [number, number, number] } } };
  const narrowRun = await trainOrLoadAirbench(train, testSet, narrower);
  narrowRun.model.dispose();
  fs.copyFileSync(narrowRun.weightsPath as string, filePath);
  assert.match(await failure(options(weightsDir)), /it holds variables whitening\/filter\[2,2,3,24\] whitening\/bias\[24\] block1\/conv1\/filter\[3,3,24,8\].* not this airbench model's .*block1\/conv1\/filter\[3,3,24,16\]/);

  fs.writeFileSync(filePath, "garbage");
  assert.match(await failure(options(weightsDir)), /not a cnn-chapter4 weights file/);
});

test("an interrupt stops the run with TrainingInterruptedError and writes no file, not even a partial one", async () => {
  const { train, test: testSet } = await tinyCifar();
  const weightsDir = temporaryFolder("cnn-airbench-weights-");
  const interruptingProgress: ProgressSink = {
    start() {},
    tick(steps) {
      if (steps >= 3) process.emit("SIGINT");
    },
    finish() {},
  };
  try {
    await trainOrLoadAirbench(train, testSet, { ...options(weightsDir), progress: interruptingProgress });
    assert.unreachable("the run should have been interrupted");
  } catch (error) {
    assert.instance(error, TrainingInterruptedError);
  }
  assert.equal(fs.readdirSync(weightsDir), []);
  assert.is(process.listenerCount("SIGINT"), 0);
});

test.run();
