/**
 * Inputs and outputs of airbench: CIFAR-10 images normalised per channel, and
 * predictions with test-time augmentation (the logits of an image averaged
 * with those of its mirror image and, at the highest level, of copies shifted
 * by one pixel), as airbench evaluates.
 */
import { tf } from "../../backend";
import { cropAndFlip, type AugmentationPlan } from "../../data/augment";
import type { ImageSet } from "../../data/image-set";
import type { AirbenchModel } from "../../models/airbench";
import type { TestTimeAugmentation } from "./recipe";

/** Per-channel mean and standard deviation of the CIFAR-10 training images (RGB, pixel values in [0, 1]). */
export const CIFAR10_MEAN = [0.4914, 0.4822, 0.4465];
export const CIFAR10_STD = [0.247, 0.2435, 0.2616];

/** (images − mean) / std per channel, for images [batch, 32, 32, 3] in [0, 1]. */
export function normalizeCifar(images: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.div(tf.sub(images, tf.tensor1d(CIFAR10_MEAN)), tf.tensor1d(CIFAR10_STD)) as tf.Tensor4D);
}

/** Logits of a batch of (normalised) images. */
export type LogitsFunction = (images: tf.Tensor4D) => tf.Tensor2D;

/** The model's inference-mode logits (batch norm from its running statistics). */
export function inferenceLogits(model: AirbenchModel): LogitsFunction {
  return (images) => model.logits(images, false);
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

/**
 * Logits with test-time augmentation: "mirror" averages the image's and its
 * mirror image's; "mirror-translate" averages that (weight 1/2) with the same
 * for the image shifted one pixel up-left and one pixel down-right (1/4 each).
 */
export function augmentedLogits(logitsOf: LogitsFunction, images: tf.Tensor4D, tta: TestTimeAugmentation): tf.Tensor2D {
  return tf.tidy(() => {
    const mirrored = (x: tf.Tensor4D) => tf.div(tf.add(logitsOf(x), logitsOf(mirror(x))), 2) as tf.Tensor2D;
    switch (tta) {
      case "none":
        return logitsOf(images);
      case "mirror":
        return mirrored(images);
      case "mirror-translate": {
        const translated = tf.div(tf.add(mirrored(shifted(images, -1)), mirrored(shifted(images, 1))), 2);
        return tf.div(tf.add(mirrored(images), translated), 2) as tf.Tensor2D;
      }
    }
  });
}

const EVALUATION_BATCH = 1000;

/** The predicted class of every image of `set`, in blocks of 1000 (inference mode). */
export function predictedClasses(logitsOf: LogitsFunction, set: ImageSet, tta: TestTimeAugmentation): Int32Array {
  const predictions = new Int32Array(set.count);
  for (let start = 0; start < set.count; start += EVALUATION_BATCH) {
    const end = Math.min(start + EVALUATION_BATCH, set.count);
    const classes = tf.tidy(() => tf.argMax(augmentedLogits(logitsOf, normalizeCifar(set.images(start, end)), tta), 1));
    predictions.set(classes.dataSync() as Int32Array, start);
    classes.dispose();
  }
  return predictions;
}

/** Predicted classes of the test set (with or without test-time augmentation), for per-class accuracy, confusion and misclassified images. */
export function airbenchPredictions(model: AirbenchModel, testSet: ImageSet, tta: TestTimeAugmentation): Int32Array {
  return predictedClasses(inferenceLogits(model), testSet, tta);
}

/** The fraction of `set` whose predicted class is its label. */
export function airbenchAccuracy(model: AirbenchModel, set: ImageSet, tta: TestTimeAugmentation): number {
  const predictions = airbenchPredictions(model, set, tta);
  let correct = 0;
  predictions.forEach((predicted, i) => {
    if (predicted === set.labels[i]) correct++;
  });
  return correct / set.count;
}
