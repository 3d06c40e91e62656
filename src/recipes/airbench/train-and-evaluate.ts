/**
 * One run of airbench's recipe from the terminal: train it (or load the cached
 * run) and measure its test accuracy without and with the recipe's test-time
 * augmentation. `npm run train -- --model airbench` makes one such run,
 * `npm run ablation` one per ingredient taken out.
 */
import type { ImageSet } from "../../data/image-set";
import { accuracyName, testAccuracy, type MeasuredOn } from "../../training/evaluate";
import { messageWithWeightsPath, trainOrLoad, type TrainOrLoadResult } from "../../training/train-or-load";
import { airbenchModel, airbenchTraining, type AirbenchRecipe } from "./recipe";
import { testTimeAugmented } from "./test-time-augmentation";

export interface AirbenchEvaluationSettings {
  /** The whole recipe to train, e.g. AIRBENCH_RECIPE with other epochs, or withoutIngredient(...). */
  recipe: AirbenchRecipe;
  seed: number;
  /** Train even when a matching run is cached. */
  retrain?: boolean;
  /** Where a line per epoch and the line naming the weights file go; default console.log. */
  log?: (line: string) => void;
  /** What `testSet` is, as the lines per epoch name it: "validation" for images held out of the training set (default "test"). */
  measuredOn?: MeasuredOn;
}

export interface AirbenchEvaluation {
  /** The run as trained or loaded: its epochs, settings, ms per step, outcome and weights file. */
  run: TrainOrLoadResult;
  /** Final test accuracy without test-time augmentation, a fraction. */
  testAccuracy: number;
  /** Final test accuracy with the recipe's test-time augmentation (the same when it is "none"). */
  testAccuracyTta: number;
  /** Training wall time of the run (evaluations excluded); a loaded run's is the one recorded when it trained. */
  trainSeconds: number;
}

const percent = (fraction: number) => `${(100 * fraction).toFixed(2)}%`;

/** Trains (or loads) `settings.recipe` from `settings.seed` on `trainSet` and evaluates it on `testSet`, without and with test-time augmentation. */
export async function trainAndEvaluateAirbench(trainSet: ImageSet, testSet: ImageSet, settings: AirbenchEvaluationSettings): Promise<AirbenchEvaluation> {
  const log = settings.log ?? console.log;
  const model = airbenchModel(settings.recipe, { seed: settings.seed });
  try {
    const { recipe, batches, options } = airbenchTraining(model, trainSet, testSet, { recipe: settings.recipe, seed: settings.seed, retrain: settings.retrain });
    const run = await trainOrLoad(model, batches, {
      ...options,
      onEpoch: (record) => log(`epoch ${record.epoch.toFixed(2)}: ${accuracyName(settings.measuredOn ?? "test")} ${percent(record.testAccuracy ?? 0)}, ${record.seconds.toFixed(1)} s of training`),
    });
    log(messageWithWeightsPath(run));
    // The final accuracies are the lines the caller prints, so the evaluations themselves stay silent.
    const silent = { log: () => {} };
    return {
      run,
      testAccuracy: testAccuracy(model, testSet, silent),
      testAccuracyTta: testAccuracy(model, testSet, { ...silent, logits: testTimeAugmented(model, recipe.testTimeAugmentation) }),
      trainSeconds: run.seconds,
    };
  } finally {
    model.dispose();
  }
}
