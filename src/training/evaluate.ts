/**
 * A model on a test set: every image's predicted class, computed in blocks as
 * the chapter evaluates (1000 images at a time, so memory stays small), and
 * what follows from them: accuracy, per-class accuracy, the confusion matrix.
 */
import { tf } from "../native/backend";
import type { TrainableModel } from "../models/model";
import type { TestSet } from "./data";
import { localized } from "../language";

export interface PredictionOptions {
  /** Images per block; default 1000. */
  blockSize?: number;
  /** The logits a block of images gets; default the model's inference-mode logits (airbench's test-time augmentation averages several views). */
  logits?: (images: tf.Tensor4D) => tf.Tensor2D;
}

function checkOptions(model: TrainableModel, testSet: TestSet, options: PredictionOptions): number {
  const blockSize = options.blockSize ?? 1000;
  if (!Number.isInteger(blockSize) || blockSize <= 0) {
    throw new Error(`${model.key}: blockSize must be a positive whole number, got ${blockSize}.`);
  }
  if (testSet.count <= 0) {
    throw new Error(`${model.key}: the test set is empty.`);
  }
  return blockSize;
}

/** The predicted and the true class of every image of `testSet`, in order. */
export interface Predictions {
  predicted: Int32Array;
  truth: Int32Array;
}

/** Every test image's predicted class (inference mode), in blocks. */
export function predictions(model: TrainableModel, testSet: TestSet, options: PredictionOptions = {}): Predictions {
  const blockSize = checkOptions(model, testSet, options);
  const logits = options.logits ?? ((images: tf.Tensor4D) => model.logits(images));
  const predicted = new Int32Array(testSet.count);
  const truth = new Int32Array(testSet.count);
  for (let start = 0; start < testSet.count; start += blockSize) {
    const end = Math.min(start + blockSize, testSet.count);
    const [blockPredicted, blockTruth] = tf.tidy(() => [
      tf.argMax(logits(testSet.images(start, end)), 1),
      tf.argMax(testSet.oneHot(start, end), 1),
    ]);
    predicted.set(blockPredicted.dataSync() as Int32Array, start);
    truth.set(blockTruth.dataSync() as Int32Array, start);
    tf.dispose([blockPredicted, blockTruth]);
  }
  return { predicted, truth };
}

export interface TestAccuracyOptions extends PredictionOptions {
  /** Prints `test accuracy: 98.85%` (테스트 정확도 in Korean), as a percentage like every other accuracy a reader sees; default console.log. */
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
  const percent = `${(100 * result).toFixed(2)}%`;
  (options.log ?? console.log)(localized({ en: `test accuracy: ${percent}`, ko: `테스트 정확도: ${percent}` }));
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

/** Each class's accuracy: its diagonal cell over its row of the confusion matrix (0 for a class without test images). */
export function classAccuracies(counts: readonly (readonly number[])[]): number[] {
  return counts.map((row, t) => row[t] / Math.max(1, row.reduce((sum, count) => sum + count, 0)));
}

/** Two classes the model mixes up: `count` test images of either predicted as the other, `asEachOther` = [a as b, b as a]. */
export interface ConfusedPair {
  classes: [number, number];
  count: number;
  asEachOther: [number, number];
}

/** The pairs of classes the model mixes up, most test images first (both directions counted); pairs it never mixes up are left out. */
export function confusedPairs(counts: readonly (readonly number[])[]): ConfusedPair[] {
  const pairs: ConfusedPair[] = [];
  counts.forEach((row, a) =>
    row.forEach((_, b) => {
      if (b <= a) return;
      const asEachOther: [number, number] = [counts[a][b], counts[b][a]];
      const count = asEachOther[0] + asEachOther[1];
      if (count > 0) pairs.push({ classes: [a, b], count, asEachOther });
    }),
  );
  // Stable for equal counts: the pair of lower class numbers first.
  return pairs.sort((x, y) => y.count - x.count);
}

/**
 * The images an accuracy was measured on: the test set, or images held out of
 * the training set (a validation set) so that choices are made without the test set.
 */
export type MeasuredOn = "test" | "validation";

/** "test accuracy" or "validation accuracy" in the reader's language; `capital` starts it with a capital letter (English). */
export function accuracyName(measuredOn: MeasuredOn, options: { capital?: boolean } = {}): string {
  const english = measuredOn === "test" ? "test accuracy" : "validation accuracy";
  return localized({
    en: options.capital ? english[0].toUpperCase() + english.slice(1) : english,
    ko: measuredOn === "test" ? "테스트 정확도" : "검증 정확도",
  });
}

