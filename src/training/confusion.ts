/** Which classes a model confuses: counts of (true class, predicted class) over a test set. */
import { tf } from "../backend";
import type { ChapterModel } from "../models/model";
import type { TestSet } from "./data";

/**
 * counts[t][p] = how many test images of class t the model predicts as class p
 * (no dropout), computed in blocks of `blockSize` images.
 */
export function confusionMatrix(model: ChapterModel, testSet: TestSet, blockSize = 1000): number[][] {
  const classes = model.definition.numClasses;
  const counts = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let start = 0; start < testSet.count; start += blockSize) {
    const end = Math.min(start + blockSize, testSet.count);
    const [truth, predicted] = tf.tidy(() => [
      tf.argMax(testSet.oneHot(start, end), 1).dataSync(),
      tf.argMax(model.logits(testSet.images(start, end), 1), 1).dataSync(),
    ]);
    for (let i = 0; i < truth.length; i++) counts[truth[i]][predicted[i]]++;
  }
  return counts;
}
