/** A grid of the test images a model gets wrong, each captioned with its true and predicted class. */
import { tf } from "../../native/backend";
import type { ImageGridOptions } from "./image-grid";
import type { ImageSource } from "./random-images";
import { showImageGrid } from "./show-images";
import { localized } from "../../language";

/** Images with their true classes (an ImageSet). */
export interface LabelledImages extends ImageSource {
  labels: ArrayLike<number>;
  classNames?: readonly string[];
}

export interface MisclassifiedOptions extends ImageGridOptions {
  /** Most images shown (default 32): the first wrong predictions in data-set order. */
  limit?: number;
}

/** Indices of the images whose predicted class differs from the true one, in order, at most `limit` of them. */
export function misclassifiedIndices(labels: ArrayLike<number>, predictions: ArrayLike<number>, limit = Infinity): number[] {
  if (labels.length !== predictions.length) {
    throw new Error(`misclassifiedIndices: ${predictions.length} predictions for ${labels.length} images; give one per image.`);
  }
  const wrong: number[] = [];
  for (let i = 0; i < labels.length && wrong.length < limit; i++) {
    if (predictions[i] !== labels[i]) wrong.push(i);
  }
  return wrong;
}

/** "cat→dog": the true class, an arrow, the predicted class (class numbers when the set has no names). */
export function misclassifiedCaption(trueClass: number, predictedClass: number, classNames?: readonly string[]): string {
  const name = (index: number) => classNames?.[index] ?? String(index);
  return `${name(trueClass)}→${name(predictedClass)}`;
}

/**
 * Shows the first misclassified images of `images` (one prediction per image)
 * as a grid captioned true→predicted, four times their size so that the
 * longest captions ("automobile→airplane") fit under them; prints how many of all the images are wrong.
 * Returns nothing, so a cell ending with the call shows the grid once.
 */
export async function showMisclassified(
  images: LabelledImages,
  predictions: ArrayLike<number>,
  options: MisclassifiedOptions = {},
): Promise<void> {
  const { limit = 32, ...gridOptions } = options;
  const allWrong = misclassifiedIndices(images.labels, predictions).length;
  const shown = misclassifiedIndices(images.labels, predictions, limit);
  if (shown.length === 0) {
    console.log(localized({ en: `none of the ${images.count} images is misclassified`, ko: `${images.count}개 이미지 가운데 잘못 분류한 것이 없습니다` }));
    return;
  }
  console.log(
    localized({
      en: `${allWrong} of ${images.count} images misclassified; the first ${shown.length}, captioned true→predicted:`,
      ko: `${images.count}개 이미지 가운데 ${allWrong}개를 잘못 분류했습니다. 처음 ${shown.length}개, 설명은 실제→예측:`,
    }),
  );
  const batch = images.gather(shown);
  try {
    await showImageGrid(batch.xs, {
      cols: 8,
      scale: 4,
      padding: 2,
      ...gridOptions,
      captions: shown.map((i) => misclassifiedCaption(images.labels[i], predictions[i], images.classNames)),
      description: localized({
        en: `The first ${shown.length} of the ${allWrong} misclassified images, each captioned true class→predicted class`,
        ko: `잘못 분류한 이미지 ${allWrong}개 가운데 처음 ${shown.length}개, 이미지마다 실제 클래스→예측 클래스`,
      }),
    });
  } finally {
    tf.dispose(batch as unknown as tf.TensorContainer);
  }
}
