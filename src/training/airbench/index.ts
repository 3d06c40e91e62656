export {
  AIRBENCH_RECIPE,
  AIRBENCH_INGREDIENTS,
  withoutIngredient,
  sgdSettings,
  checkRecipe,
  type AirbenchRecipe,
  type AirbenchIngredient,
  type LookaheadSettings,
  type SgdRecipeSettings,
  type TestTimeAugmentation,
} from "./recipe";
export { trainAirbench, stepCounts, type EpochRecord, type AirbenchTrainOptions, type AirbenchTraining } from "./train";
export { AirbenchTrainingStep, type AirbenchStepSettings, type StepMeasures } from "./step";
export { Lookahead, lookaheadDecay } from "./lookahead";
export {
  airbenchPredictions,
  airbenchAccuracy,
  augmentedLogits,
  predictedClasses,
  inferenceLogits,
  normalizeCifar,
  CIFAR10_MEAN,
  CIFAR10_STD,
  type LogitsFunction,
} from "./inference";
export { trainOrLoadAirbench, airbenchWeightsPath, type AirbenchRunOptions, type AirbenchRunResult } from "./train-or-load";
