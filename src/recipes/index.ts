/** The recipes over the training engine: the chapter's (src/recipes/chapter.ts) and airbench's (src/recipes/airbench/). */
export { chapterTraining, chapterStepSettings, chapterStepTimer, scaledSteps, type ChapterBatches, type ChapterTraining, type ChapterTrainingSettings } from "./chapter";
export {
  AIRBENCH_RECIPE,
  AIRBENCH_VALIDATION_IMAGES,
  airbenchValidationSplit,
  AIRBENCH_PYTORCH_PEER,
  AIRBENCH_INGREDIENTS,
  AIRBENCH_SCHEDULE,
  AIRBENCH_LABEL_SMOOTHING,
  withoutIngredient,
  sgdSettings,
  checkRecipe,
  airbenchModel,
  airbenchTraining,
  recipeFor,
  airbenchOptimizer,
  airbenchStepSettings,
  type AirbenchRecipe,
  type AirbenchIngredient,
  type AirbenchTraining,
  type AirbenchTrainingSettings,
  type SgdRecipeSettings,
} from "./airbench/recipe";
export {
  AirbenchModel,
  AIRBENCH93_WIDTHS,
  AIRBENCH_BATCH_NORM,
  CIFAR10_MEAN,
  CIFAR10_STD,
  normalizeCifar,
  type AirbenchModelOptions,
  type AirbenchVariableRole,
  type AirbenchWidths,
} from "./airbench/model";
export { whiteningFilters, patchCovariance, AIRBENCH_WHITENING, type Whitening, type WhiteningSettings } from "./airbench/whitening";
export { AirbenchAugmentation, cropAndFlip, planForBatch, type AugmentationPlan } from "./airbench/augmentation";
export { EpochBatches, type EpochBatchOptions } from "./airbench/epoch-batches";
export { augmentedLogits, testTimeAugmented, testTimeAugmentationName, TEST_TIME_AUGMENTATIONS, type TestTimeAugmentation } from "./airbench/test-time-augmentation";
export { planAirbenchTraining, describePlan, type TimeBudgetPlan, type TimeBudgetSettings } from "./airbench/time-budget";
export { AIRBENCH_RUNS_FILE, readAirbenchRuns, recordAirbenchRun, seedGap, type AirbenchRunRecord } from "./airbench/runs";
export {
  ABLATION_RESULTS_FILE,
  readAblationResults,
  writeAblationResults,
  informativeAblationRuns,
  ablationSeedGap,
  ablationProgressFile,
  unfinishedAblation,
  type AblationSettings,
  type AblationResults,
  type AblationRun,
} from "./airbench/ablation-results";
export { trainAndEvaluateAirbench, type AirbenchEvaluation, type AirbenchEvaluationSettings } from "./airbench/train-and-evaluate";
