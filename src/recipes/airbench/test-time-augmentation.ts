/**
 * airbench's test-time augmentation: the logits of several views of each test
 * image averaged, the mirror image and one-pixel shifts, so that the
 * prediction does not hang on where exactly the object sits.
 */
import { localized } from "../../language";
import { tf } from "../../native/backend";
import type { TrainableModel } from "../../models/model";
import { cropAndFlip, type AugmentationPlan } from "./augmentation";

/**
 * "none": the images alone; "mirror": the mean of the logits of each image
 * and its mirror image; "mirror-translate": that (weight 1/2) and the same
 * for the image shifted one pixel up-left and one pixel down-right (1/4 each).
 */
export type TestTimeAugmentation = "none" | "mirror" | "mirror-translate";

export const TEST_TIME_AUGMENTATIONS: readonly TestTimeAugmentation[] = ["none", "mirror", "mirror-translate"];

/** The views a test-time augmentation averages, as the reader's edition names them: its key in English. */
export function testTimeAugmentationName(kind: TestTimeAugmentation): string {
  const korean: Record<TestTimeAugmentation, string> = { none: "없음", mirror: "좌우 뒤집기", "mirror-translate": "좌우 뒤집기와 1픽셀 이동" };
  return localized({ en: kind, ko: korean[kind] });
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

/** The logits `predictions` and `testAccuracy` should use for `tta` (option `logits`). */
export function testTimeAugmented(model: Pick<TrainableModel, "key" | "logits">, tta: TestTimeAugmentation): (images: tf.Tensor4D) => tf.Tensor2D {
  if (!TEST_TIME_AUGMENTATIONS.includes(tta)) {
    throw new Error(`${model.key}: testTimeAugmentation must be "none", "mirror" or "mirror-translate", got ${JSON.stringify(tta)}.`);
  }
  return (images) => augmentedLogits(model, images, tta);
}
