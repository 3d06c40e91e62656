/** airbench's recipe through the one training engine (trainOrLoad → train) on tiny CIFAR-10: seconds per run. */
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../../src/native/backend";
import type { AirbenchModel } from "../../../src/recipes/airbench/model";
import { liveNativeHandles } from "../../../src/native/ops";
import type { ProgressSink } from "../../../src/output";
import { predictions, resolveTrainingSettings, runKey, runnableStepKind, testAccuracy, trainOrLoad, TrainingInterruptedError, weightsFilePath, type BatchSource, type EpochRecord, type LookaheadSettings, type TrainOrLoadOptions } from "../../../src/training";
import { saveWeights } from "../../../src/training/weights-file";
import { quiet, SMALL_RECIPE, temporaryFolder, tinyCifar } from "./fixtures";
import { airbenchModel, airbenchTraining, testTimeAugmented, type AirbenchRecipe, withoutIngredient } from "../../../src/recipes";

/** Every value the model's predictions depend on, variable by variable: the variables, then the state (whitening filter, running statistics). */
function values(model: AirbenchModel): number[][] {
  return tf.tidy(() => [...model.variables, ...model.state].map((variable) => Array.from(variable.read().dataSync())));
}

function variableValues(model: AirbenchModel, name: string): number[] {
  const variable = [...model.variables, ...model.state].find((candidate) => candidate.name === name);
  if (variable === undefined) throw new Error(`no variable ${name}`);
  return tf.tidy(() => Array.from(variable.read().dataSync()));
}

/** `batches` with a count of the batches drawn from it. */
function counted(batches: BatchSource): BatchSource & { drawn: number } {
  const source = {
    drawn: 0,
    identity: batches.identity,
    stepsPerEpoch: batches.stepsPerEpoch,
    nextBatch() {
      source.drawn++;
      return batches.nextBatch();
    },
  };
  return source;
}

interface RunSettings {
  recipe?: AirbenchRecipe;
  /** The model's seed (initial weights); undefined: seeded randomly. */
  modelSeed?: number;
  /** The training seed (order, augmentation). */
  seed?: number;
  stepScale?: number;
  weightsDir?: string;
  options?: Partial<TrainOrLoadOptions>;
  onEpoch?: (record: EpochRecord, model: AirbenchModel) => void;
}

/** A fresh airbench model trained (or loaded) by trainOrLoad with airbenchTraining's batches and options. */
async function run(settings: RunSettings = {}) {
  const { train, test: testSet } = await tinyCifar();
  const recipe = settings.recipe ?? SMALL_RECIPE;
  const model = airbenchModel(recipe, { seed: "modelSeed" in settings ? settings.modelSeed : 1 });
  const training = airbenchTraining(model, train, testSet, { recipe, seed: settings.seed ?? 1, stepScale: settings.stepScale });
  const batches = counted(training.batches);
  const weightsDir = settings.weightsDir ?? temporaryFolder("cnn-airbench-weights-");
  try {
    const result = await trainOrLoad(model, batches, {
      ...training.options,
      ...quiet,
      weightsDir,
      onEpoch: (record) => settings.onEpoch?.(record, model),
      ...settings.options,
    });
    return { model, result, batches, training, weightsDir };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

test("on tiny CIFAR: one record per epoch, the cost falls epoch by epoch and the test accuracy ends far above chance", async () => {
  const seen: EpochRecord[] = [];
  const { model, result } = await run({ onEpoch: (record) => seen.push(record) });
  assert.is(result.outcome, "trained");
  assert.is(result.steps, 40);
  assert.equal(
    result.epochs.map((epoch) => [epoch.epoch, epoch.steps]),
    [[1, 10], [2, 20], [3, 30], [4, 40]],
  );
  assert.equal(seen, result.epochs, "onEpoch saw the records the result holds");
  const costs = result.epochs.map((epoch) => epoch.trainCost);
  costs.slice(1).forEach((cost, i) => assert.ok(cost < costs[i], `epoch ${i + 2}: ${costs}`));
  const last = result.epochs[3];
  assert.ok(last.testAccuracy !== null && last.testAccuracy > 0.6, `test accuracy ${last.testAccuracy}`);
  assert.ok(result.epochs.every((epoch, i) => epoch.seconds > 0 && (i === 0 || epoch.seconds > result.epochs[i - 1].seconds)));
  assert.is(result.seconds, last.seconds);
  // No log lines (logEvery null); the curve from the first batch to the last step.
  assert.equal(result.history, []);
  assert.is(result.curve[0].step, 0);
  assert.is(result.curve[result.curve.length - 1].step, 40);
  assert.ok(result.msPerStep > 0 && result.gflopsPerSecond !== null && result.gflopsPerSecond > 0);
  model.dispose();
});

test("the whitening bias changes while it is trained and stays fixed from epoch whiteningBiasEpochs on; the whitening filter is never trained", async () => {
  const biases: number[][] = [];
  const filters: number[][] = [];
  const { model } = await run({
    seed: 2,
    onEpoch: (_record, trained) => {
      biases.push(variableValues(trained, "whitening/bias"));
      filters.push(variableValues(trained, "whitening/filter"));
    },
  });
  // After epochs 1 to 4; frozen from the third epoch (epoch index 2) on, through the weight averaging too.
  assert.not.equal(biases[1], biases[0]);
  assert.equal(biases[2], biases[1]);
  assert.equal(biases[3], biases[1]);
  // The filter whitening gives for the training images, unchanged by every epoch.
  const { train } = await tinyCifar();
  const whitened = airbenchModel(SMALL_RECIPE, { seed: 5 });
  tf.tidy(() => whitened.initializeWhitening(train.images()));
  const expected = variableValues(whitened, "whitening/filter");
  filters.forEach((filter, epoch) => assert.equal(filter, expected, `after epoch ${epoch + 1}`));
  [model, whitened].forEach((m) => m.dispose());
});

test("weight averaging: the same run without it is identical until the average first moves the weights (from epoch lookahead.startEpoch), then differs", async () => {
  const averaged = await run({ seed: 3 });
  const plain = await run({ seed: 3, recipe: withoutIngredient(SMALL_RECIPE, "lookahead") });
  assert.is(averaged.result.settings.lookahead?.startEpoch, 2);
  assert.is(plain.result.settings.lookahead, null);
  const figures = (epochs: EpochRecord[]) => epochs.map(({ trainCost, trainAccuracy, testAccuracy }) => [trainCost, trainAccuracy, testAccuracy]);
  assert.equal(figures(plain.result.epochs).slice(0, 2), figures(averaged.result.epochs).slice(0, 2));
  // The average starts at step 25 and first moves the weights after step 30: epoch 3's training steps are the same too.
  assert.is(plain.result.epochs[2].trainCost, averaged.result.epochs[2].trainCost);
  assert.not.equal(plain.result.epochs[3].trainCost, averaged.result.epochs[3].trainCost);
  assert.not.equal(values(plain.model), values(averaged.model));
  assert.not.equal(plain.result.weightsPath, averaged.result.weightsPath);
  [averaged, plain].forEach(({ model }) => model.dispose());
});

test("the same seeds give the same weights and figures; another model seed or training seed, other ones", async () => {
  const first = await run({ stepScale: 0.5, seed: 5 });
  const second = await run({ stepScale: 0.5, seed: 5 });
  assert.is(second.result.outcome, "trained", "in a folder of its own");
  assert.equal(values(second.model), values(first.model));
  assert.equal(
    second.result.epochs.map(({ trainCost, testAccuracy }) => [trainCost, testAccuracy]),
    first.result.epochs.map(({ trainCost, testAccuracy }) => [trainCost, testAccuracy]),
  );
  const otherModel = await run({ stepScale: 0.5, seed: 5, modelSeed: 2 });
  const otherOrder = await run({ stepScale: 0.5, seed: 6 });
  assert.not.equal(values(otherModel.model), values(first.model));
  assert.not.equal(values(otherOrder.model), values(first.model));
  [first, second, otherModel, otherOrder].forEach(({ model }) => model.dispose());
});

test("a fractional number of epochs (here by stepScale) ends with a partial epoch, evaluated too", async () => {
  const { model, result, training } = await run({ stepScale: 0.375 });
  assert.is(training.recipe.epochs, 1.5);
  assert.equal(
    result.epochs.map((epoch) => [epoch.epoch, epoch.steps]),
    [[1, 10], [1.5, 15]],
  );
  assert.is(result.steps, 15);
  assert.ok(result.epochs.every((epoch) => epoch.testAccuracy !== null));
  model.dispose();
});

test("a trained run is cached and loads back with every value, its epochs, its curve and its TTA accuracy; retrain: true trains again", async () => {
  const { test: testSet } = await tinyCifar();
  const trained = await run({ seed: 11, stepScale: 0.5 });
  const { weightsDir } = trained;
  assert.is(trained.result.outcome, "trained");
  assert.is(trained.training.recipe.epochs, 2, "the step scale halves the 4 epochs");
  assert.is(trained.result.epochs.length, 2);
  assert.is(trained.batches.drawn, 20);
  const settings = { ...resolveTrainingSettings(trained.model, trained.training.options), step: runnableStepKind(SMALL_RECIPE.step) };
  const key = runKey(trained.model, 1, settings, trained.training.batches, trained.training.options);
  assert.is(trained.result.weightsPath, weightsFilePath(weightsDir, key, "airbench"));
  assert.match(path.basename(trained.result.weightsPath as string), /^airbench-[0-9a-f]{12}-seed1\.weights$/);
  assert.match(trained.result.message, /^trained airbench for 20 steps in \d+\.\d s \(plus \d+\.\d s testing after each epoch, not counted as training\); saved the weights/);

  const loaded = await run({ seed: 11, stepScale: 0.5, weightsDir });
  assert.is(loaded.result.outcome, "loaded");
  assert.is(loaded.batches.drawn, 0, "a loaded run draws no batch");
  assert.match(loaded.result.message, /^loaded airbench \(20 steps, seed 1, trained in \d+\.\d s\) from .*retrain: true/);
  assert.equal(values(loaded.model), values(trained.model));
  assert.equal(loaded.result.epochs, trained.result.epochs);
  assert.equal(loaded.result.curve, trained.result.curve);
  assert.is(loaded.result.seconds, trained.result.seconds);
  assert.equal(loaded.result.settings, trained.result.settings);
  const tta = (model: AirbenchModel) => ({ logits: testTimeAugmented(model, "mirror-translate"), log: () => {} });
  assert.is(testAccuracy(loaded.model, testSet, tta(loaded.model)), testAccuracy(trained.model, testSet, tta(trained.model)));
  assert.equal(predictions(loaded.model, testSet, tta(loaded.model)), predictions(trained.model, testSet, tta(trained.model)));

  const retrained = await run({ seed: 11, stepScale: 0.5, weightsDir, options: { retrain: true } });
  assert.is(retrained.result.outcome, "trained");
  assert.is(retrained.batches.drawn, 20);
  assert.equal(fs.readdirSync(weightsDir), [path.basename(trained.result.weightsPath as string)], "the new run replaced the old one");
  [trained, loaded, retrained].forEach(({ model }) => model.dispose());
});

test("another recipe, training seed or step scale is another file; the same run the same file", async () => {
  const { train, test: testSet } = await tinyCifar();
  const pathOf = (recipe: AirbenchRecipe, seed: number, stepScale: number, trainSet = train) => {
    const model = airbenchModel(recipe, { seed: 1 });
    try {
      const { batches, options } = airbenchTraining(model, trainSet, testSet, { recipe, seed, stepScale });
      return weightsFilePath("/w", runKey(model, 1, resolveTrainingSettings(model, options), batches, options), model.key);
    } finally {
      model.dispose();
    }
  };
  // The keys as a CPU with bfloat16 compute makes them (trainOrLoad names the step kind that runs here).
  const recipe: AirbenchRecipe = { ...SMALL_RECIPE, epochs: 2, step: "compiled" };
  const base = pathOf(recipe, 1, 1);
  const others: Array<[string, string]> = [
    ["label smoothing", pathOf({ ...recipe, labelSmoothing: 0 }, 1, 1)],
    ["learning rate", pathOf({ ...recipe, learningRate: 10 }, 1, 1)],
    ["norm-offset rate", pathOf(withoutIngredient(recipe, "norm-offset-rate"), 1, 1)],
    ["whitening-bias epochs", pathOf({ ...recipe, whiteningBiasEpochs: 1 }, 1, 1)],
    ["no whitening", pathOf(withoutIngredient(recipe, "whitening"), 1, 1)],
    ["no flips", pathOf(withoutIngredient(recipe, "flip"), 1, 1)],
    ["no averaging", pathOf(withoutIngredient(recipe, "lookahead"), 1, 1)],
    ["widths", pathOf({ ...recipe, widths: { whitening: 24, blocks: [8, 8, 8] } }, 1, 1)],
    ["training seed", pathOf(recipe, 2, 1)],
    ["step scale", pathOf(recipe, 1, 0.5)],
    ["training images", pathOf(recipe, 1, 1, train.slice(0, 400))],
    ["precision", pathOf({ ...recipe, step: "compiled-bfloat16" }, 1, 1)],
  ];
  others.forEach(([what, other]) => assert.is.not(other, base, what));
  assert.is(new Set(others.map(([, other]) => other)).size, others.length);
  assert.is(pathOf({ ...recipe }, 1, 1), base);
  assert.is(pathOf({ ...recipe, step: "eager" }, 1, 1), base, "the float32 steps, compiled and eager, share a file");
  // Only the final accuracy uses test-time augmentation: training is the same, so is the file.
  assert.is(pathOf(withoutIngredient(recipe, "test-time-augmentation"), 1, 1), base);
});

test("a model without a seed is trained and not cached", async () => {
  const { model, result, weightsDir } = await run({ modelSeed: undefined, stepScale: 0.1 });
  assert.is(model.seed, undefined);
  assert.is(result.outcome, "trained");
  assert.is(result.weightsPath, null);
  assert.match(result.message, /the model has no seed, so the run was not cached/);
  assert.equal(fs.readdirSync(weightsDir), []);
  model.dispose();
});

test("a cached file of another network under this run's name (same key, other variable shapes) is refused, saying why, and the run retrained", async () => {
  const first = await run({ stepScale: 0.2 });
  const filePath = first.result.weightsPath as string;
  const bytes = fs.readFileSync(filePath);
  const header = JSON.parse(bytes.subarray(12, 12 + bytes.readUInt32LE(8)).toString("utf8")) as Record<string, unknown>;
  const narrow = airbenchModel({ widths: { whitening: 24, blocks: [8, 8, 8] } }, { seed: 1 });
  saveWeights(narrow, filePath, { key: header.key, run: header.run });
  narrow.dispose();
  const lines: string[] = [];
  const second = await run({ stepScale: 0.2, weightsDir: first.weightsDir, options: { log: (line) => lines.push(line) } });
  assert.is(second.result.outcome, "trained");
  assert.is(second.result.steps, 8, "0.8 epochs of 10 steps");
  assert.is(second.batches.drawn, 8);
  assert.ok(
    lines.some((line) =>
      /^Not using .*: it holds variables whitening\/bias\[24\] block1\/conv1\/filter\[3,3,24,8\] .*, not those of model 'airbench', whitening\/bias\[24\] block1\/conv1\/filter\[3,3,24,16\] .*\. Training instead; the new run will replace it\.$/.test(line),
    ),
    lines.join("\n"),
  );
  const third = await run({ stepScale: 0.2, weightsDir: first.weightsDir });
  assert.is(third.result.outcome, "loaded");
  assert.equal(values(third.model), values(second.model));
  [first, second, third].forEach(({ model }) => model.dispose());
});

test("an interrupt stops the run with TrainingInterruptedError and writes no file, not even a partial one", async () => {
  const listenersBefore = process.listenerCount("SIGINT");
  const interruptingProgress: ProgressSink = {
    start() {},
    tick(steps) {
      if (steps >= 3) process.emit("SIGINT");
    },
    finish() {},
  };
  const weightsDir = temporaryFolder("cnn-airbench-weights-");
  try {
    (await run({ weightsDir, options: { progress: interruptingProgress } })).model.dispose();
    assert.unreachable("the run should have been interrupted");
  } catch (error) {
    assert.instance(error, TrainingInterruptedError);
    assert.match((error as Error).message, /^training interrupted at step 3 of 40/);
  }
  assert.equal(fs.readdirSync(weightsDir), []);
  assert.is(process.listenerCount("SIGINT"), listenersBefore);
});

test("training leaks no tensors or native handles, within a run (flat across epochs) or after dispose", async () => {
  const { test: testSet } = await tinyCifar();
  const [tensors, handles] = [tf.memory().numTensors, liveNativeHandles()];
  const perEpoch: Array<[number, number]> = [];
  // Averaging from the first epoch on, so that its state exists at every epoch's end.
  const recipe = { ...SMALL_RECIPE, lookahead: { ...(SMALL_RECIPE.lookahead as LookaheadSettings), startEpoch: 0 } };
  const { model } = await run({ recipe, seed: 4, onEpoch: () => perEpoch.push([tf.memory().numTensors, liveNativeHandles()]) });
  assert.is(perEpoch.length, 4);
  assert.ok(perEpoch.every(([t, h]) => t === perEpoch[0][0] && h === perEpoch[0][1]), JSON.stringify(perEpoch));
  testAccuracy(model, testSet, { logits: testTimeAugmented(model, "mirror-translate"), log: () => {} });
  model.dispose();
  assert.is(tf.memory().numTensors, tensors);
  assert.is(liveNativeHandles(), handles);
});

test.run();
