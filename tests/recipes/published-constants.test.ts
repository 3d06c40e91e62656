/**
 * The recipes' published numbers, pinned by value. The other tests pass their own numbers or
 * compare a recipe with the constant it is built from, so they pass whatever a constant holds;
 * here each value is written out, with where it comes from, and a change to any of them fails.
 * Changing one on purpose means changing it here too, with its new source.
 *
 * Sources: the chapter's own code (its four models' training settings), and Keller Jordan's
 * airbench93 (github.com/KellerJordan/cifar10-airbench: airbench/lib_airbench93.py's `hyp` and
 * network, airbench/utils.py's training loop, whitening and CIFAR_MEAN/CIFAR_STD), adapted to
 * two CPU cores as src/recipes/airbench/recipe.ts says (blocks of 192, batches of 512, bfloat16).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { modelDefinitions } from "../../src/models";
import { AIRBENCH93_WIDTHS, AIRBENCH_BATCH_NORM, CIFAR10_MEAN, CIFAR10_STD } from "../../src/recipes/airbench/model";
import { AIRBENCH_LABEL_SMOOTHING, AIRBENCH_RECIPE, AIRBENCH_SCHEDULE } from "../../src/recipes/airbench/recipe";
import { AIRBENCH_WHITENING } from "../../src/recipes/airbench/whitening";

test("the chapter's MNIST model trains as the chapter does (src/models/mnist.ts)", () => {
  assert.equal(modelDefinitions.mnist.defaults, {
    // The chapter's MNIST code: Adam at learning rate 1e-4,
    learningRate: 1e-4,
    // 5000 steps of batches of 50,
    steps: 5000,
    batchSize: 50,
    // dropout keep probability 0.5 while training (1 when evaluating),
    keepProb: 0.5,
    // and a log line (the batch's training accuracy) every 500 steps.
    logEvery: 500,
  });
});

test("the chapter's three CIFAR-10 models train as the chapter does (src/models/cifar-*.ts)", () => {
  // The chapter's CIFAR-10 code: Adam at 1e-3, 10000 steps of batches of 50 (10 epochs of the
  // 50000 training images), dropout keep probability 0.5, a log line every 1000 steps.
  const chapterCifar = { learningRate: 1e-3, steps: 10000, batchSize: 50, keepProb: 0.5, logEvery: 1000 };
  for (const key of ["cifar-simple", "cifar-3conv", "cifar-reduced"] as const) {
    assert.equal(modelDefinitions[key].defaults, chapterCifar, key);
  }
});

test("the four chapter models are all pinned above", () => {
  assert.equal(Object.keys(modelDefinitions).sort(), ["cifar-3conv", "cifar-reduced", "cifar-simple", "mnist"]);
});

test("airbench's schedule and label smoothing (src/recipes/airbench/recipe.ts)", () => {
  // airbench93's lr multiplier, triangle(steps, start=0.2, end=0.07, peak=0.23): up from 0.2 to 1 over the first 23% of the steps, then down to 0.07.
  assert.equal(AIRBENCH_SCHEDULE, { start: 0.2, peak: 1, end: 0.07, peakFraction: 0.23 });
  // airbench93's hyp label_smoothing 0.2 (CrossEntropyLoss(label_smoothing=0.2)).
  assert.is(AIRBENCH_LABEL_SMOOTHING, 0.2);
});

test("airbench's recipe, number by number (src/recipes/airbench/recipe.ts)", () => {
  assert.equal(AIRBENCH_RECIPE, {
    // airbench93's whitening width 24 (2·3·2²); adapted: blocks of 64/192/192 (airbench93: 64/128/128, airbench94: 64/256/256).
    widths: { whitening: 24, blocks: [64, 192, 192] },
    // airbench93's train_epochs 11.0 (recipe.ts: what the mixed-bfloat16 step fits in a quarter of an hour on two cores).
    epochs: 11,
    // Adapted: batches of 512 (airbench93: 1024).
    batchSize: 512,
    // airbench93 hyp.opt: lr 11.5 per 1024 examples, momentum 0.85, weight_decay 0.0153 per 1024 examples.
    learningRate: 11.5,
    momentum: 0.85,
    weightDecay: 0.0153,
    // airbench93's bias_scaler: batch-norm biases at 64× the learning rate.
    normOffsetLearningRateScale: 64,
    // airbench93's label_smoothing.
    labelSmoothing: 0.2,
    // airbench93: whitening filters frozen; their bias trained for the first 3 epochs (whiten_bias_epochs).
    whitening: true,
    trainFirstLayer: false,
    // airbench93's blocks: conv, pool, BatchNorm, GELU; optimizer SGD with Nesterov momentum.
    batchNorm: true,
    activation: "gelu",
    optimizer: "nesterov-sgd",
    whiteningBiasEpochs: 3,
    // airbench93 hyp.aug: translate 2 pixels, alternating flips.
    translate: 2,
    flip: true,
    // airbench93: lookahead every 5 steps from epoch 3, decay 0.95**5 · (step / steps)**3.0.
    lookahead: { every: 5, startEpoch: 3, finalDecay: 0.95 ** 5, power: 3 },
    // airbench93: triangle(steps, start=0.2, end=0.07, peak=0.23).
    schedule: { start: 0.2, peak: 1, end: 0.07, peakFraction: 0.23 },
    // airbench93's tta_level 2: mirror + translate.
    testTimeAugmentation: "mirror-translate",
    // airbench trains in half precision; here mixed bfloat16 where the CPU has it.
    step: "compiled-bfloat16",
  });
});

test("airbench's network: widths, batch norm, CIFAR-10's mean and std (src/recipes/airbench/model.ts)", () => {
  // airbench93: a whitening conv of 2·3·2² = 24 channels, blocks of base_width 64 × (1, 2, 2).
  assert.equal(AIRBENCH93_WIDTHS, { whitening: 24, blocks: [64, 128, 128] });
  // airbench93's BatchNorm: batchnorm_momentum 0.6 (PyTorch's momentum=1-0.6 for the new batch), eps=1e-12.
  assert.equal(AIRBENCH_BATCH_NORM, { momentum: 0.6, epsilon: 1e-12 });
  // airbench's CIFAR_MEAN (0.4914, 0.4822, 0.4465) and CIFAR_STD (0.2470, 0.2435, 0.2616): RGB, pixel values in [0, 1].
  assert.equal(CIFAR10_MEAN, [0.4914, 0.4822, 0.4465]);
  assert.equal(CIFAR10_STD, [0.247, 0.2435, 0.2616]);
});

test("airbench's whitening (src/recipes/airbench/whitening.ts)", () => {
  // airbench93: whitening kernel_size 2; init_whitening_conv(eps=5e-4) adds it to the eigenvalues.
  assert.equal(AIRBENCH_WHITENING, { patchSize: 2, epsilon: 5e-4 });
});

test.run();
