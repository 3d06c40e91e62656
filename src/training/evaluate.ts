/** Test-set accuracy, computed in blocks as the chapter does. */
import { tf } from "../backend";
import type { ChapterModel } from "../models/model";
import type { TestSet } from "./data";
import { accuracy } from "./loss";

export interface TestAccuracyOptions {
  /** Images per block; default 1000. */
  blockSize?: number;
  /** Prints `test accuracy: 0.9885`; default console.log. */
  log?: (line: string) => void;
}

/**
 * Accuracy over the whole test set without dropout: the mean of the blocks'
 * accuracies, weighted by block size (a plain mean when all blocks are full).
 */
export function testAccuracy(model: ChapterModel, testSet: TestSet, options: TestAccuracyOptions = {}): number {
  const blockSize = options.blockSize ?? 1000;
  if (!Number.isInteger(blockSize) || blockSize <= 0) {
    throw new Error(`testAccuracy: blockSize must be a positive integer, got ${blockSize}.`);
  }
  if (testSet.count <= 0) {
    throw new Error(`testAccuracy(${model.key}): the test set is empty.`);
  }
  let correct = 0;
  for (let start = 0; start < testSet.count; start += blockSize) {
    const end = Math.min(start + blockSize, testSet.count);
    const blockAccuracy = tf.tidy(() => {
      const images = testSet.images(start, end);
      const labels = testSet.oneHot(start, end);
      return accuracy(model.logits(images, 1), labels);
    });
    correct += blockAccuracy.dataSync()[0] * (end - start);
    blockAccuracy.dispose();
  }
  const result = correct / testSet.count;
  (options.log ?? console.log)(`test accuracy: ${result.toFixed(4)}`);
  return result;
}
