/**
 * A model on a test set: every image's predicted class, computed in blocks as
 * the chapter evaluates (1000 images at a time, so memory stays small), and
 * what follows from them: accuracy, per-class accuracy, the confusion matrix.
 * Optionally with test-time augmentation, as airbench evaluates.
 */
import { tf } from "../backend";
import { cropAndFlip, type AugmentationPlan } from "../data/augment";
import type { TrainableModel } from "../models/model";
import type { TestSet } from "./data";

/**
 * "none": the images alone; "mirror": the mean of the logits of each image
 * and its mirror image; "mirror-translate": that (weight 1/2) and the same
 * for the image shifted one pixel up-left and one pixel down-right (1/4 each).
 */
export type TestTimeAugmentation = "none" | "mirror" | "mirror-translate";

export const TEST_TIME_AUGMENTATIONS: readonly TestTimeAugmentation[] = ["none", "mirror", "mirror-translate"];

export interface PredictionOptions {
  /** Images per block; default 1000. */
  blockSize?: number;
  /** Default "none". */
  testTimeAugmentation?: TestTimeAugmentation;
}

function mirror(images: tf.Tensor4D): tf.Tensor4D {
  return tf.reverse(images, 2);
}

/** Every image moved by `shift` pixels down and right (−1: up and left), its border filled by reflection. */
function shifted(images: tf.Tensor4D, shift: -1 | 1): tf.Tensor4D {
  const count = images.shape[0];
  const offset = 1 - shift;
  const plan: AugmentationPlan = {
    rowOffsets: new Int32Array(count).fill(offset),
    columnOffsets: new Int32Array(count).fill(offset),
    flips: new Uint8Array(count),
  };
  return cropAndFlip(images, plan, 1);
}

/** The model's inference-mode logits for `images`, averaged over the augmentation's views. */
export function augmentedLogits(model: Pick<TrainableModel, "logits">, images: tf.Tensor4D, tta: TestTimeAugmentation): tf.Tensor2D {
  return tf.tidy(() => {
    const mirrored = (x: tf.Tensor4D) => tf.div(tf.add(model.logits(x), model.logits(mirror(x))), 2) as tf.Tensor2D;
    switch (tta) {
      case "none":
        return model.logits(images);
      case "mirror":
        return mirrored(images);
      case "mirror-translate": {
        const translated = tf.div(tf.add(mirrored(shifted(images, -1)), mirrored(shifted(images, 1))), 2);
        return tf.div(tf.add(mirrored(images), translated), 2) as tf.Tensor2D;
      }
    }
  });
}

function checkOptions(model: TrainableModel, testSet: TestSet, options: PredictionOptions): { blockSize: number; tta: TestTimeAugmentation } {
  const blockSize = options.blockSize ?? 1000;
  const tta = options.testTimeAugmentation ?? "none";
  if (!Number.isInteger(blockSize) || blockSize <= 0) {
    throw new Error(`${model.key}: blockSize must be a positive whole number, got ${blockSize}.`);
  }
  if (!TEST_TIME_AUGMENTATIONS.includes(tta)) {
    throw new Error(`${model.key}: testTimeAugmentation must be "none", "mirror" or "mirror-translate", got ${JSON.stringify(tta)}.`);
  }
  if (testSet.count <= 0) {
    throw new Error(`${model.key}: the test set is empty.`);
  }
  return { blockSize, tta };
}

/** The predicted and the true class of every image of `testSet`, in order. */
export interface Predictions {
  predicted: Int32Array;
  truth: Int32Array;
}

/** Every test image's predicted class (inference mode), in blocks. */
export function predictions(model: TrainableModel, testSet: TestSet, options: PredictionOptions = {}): Predictions {
  const { blockSize, tta } = checkOptions(model, testSet, options);
  const predicted = new Int32Array(testSet.count);
  const truth = new Int32Array(testSet.count);
  for (let start = 0; start < testSet.count; start += blockSize) {
    const end = Math.min(start + blockSize, testSet.count);
    const [blockPredicted, blockTruth] = tf.tidy(() => [
      tf.argMax(augmentedLogits(model, testSet.images(start, end), tta), 1),
      tf.argMax(testSet.oneHot(start, end), 1),
    ]);
    predicted.set(blockPredicted.dataSync() as Int32Array, start);
    truth.set(blockTruth.dataSync() as Int32Array, start);
    tf.dispose([blockPredicted, blockTruth]);
  }
  return { predicted, truth };
}

export interface TestAccuracyOptions extends PredictionOptions {
  /** Prints `test accuracy: 0.9885`; default console.log. */
  log?: (line: string) => void;
}

/** The fraction of predictions made already that are right. */
export function accuracyOf({ predicted, truth }: Predictions): number {
  const correct = predicted.reduce((count, p, i) => count + (p === truth[i] ? 1 : 0), 0);
  return correct / predicted.length;
}

/** The fraction of the test set predicted right (no dropout; batch norm from its running statistics). */
export function testAccuracy(model: TrainableModel, testSet: TestSet, options: TestAccuracyOptions = {}): number {
  const result = accuracyOf(predictions(model, testSet, options));
  (options.log ?? console.log)(`test accuracy: ${result.toFixed(4)}`);
  return result;
}

/** counts[t][p] = how many test images of class t the model predicts as class p. */
export function confusionMatrix(model: TrainableModel, testSet: TestSet, options: PredictionOptions = {}): number[][] {
  return confusionOf(predictions(model, testSet, options), model.numClasses);
}

/** The confusion matrix of predictions made already. */
export function confusionOf({ predicted, truth }: Predictions, classes: number): number[][] {
  const counts = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  predicted.forEach((p, i) => counts[truth[i]][p]++);
  return counts;
}
