export type { Batch, BatchSource, BatchesIdentity, TestSet } from "./data";
export { crossEntropyCost, accuracy } from "./loss";
export { smoothLabels, labelSmoothedCrossEntropy, AIRBENCH_LABEL_SMOOTHING } from "./label-smoothing";
export { AdamOptimizer, type AdamSettings } from "./adam";
export { NesterovSgdOptimizer, type SgdSettings, type VariableUpdateSettings } from "./sgd";
export type { Optimizer, OptimizerChoice, AdamChoice, NesterovSgdChoice } from "./optimizer";
export { triangularMultiplier, AIRBENCH_SCHEDULE, type TriangularSchedule } from "./schedule";
export { Lookahead, lookaheadDecay, type LookaheadSettings } from "./lookahead";
export {
  TrainingStepper,
  CompiledTrainingStep,
  eagerTrainingStep,
  evaluateBatch,
  runnableStepKind,
  describeStepKind,
  trainingLoss,
  STEP_KINDS,
  type StepKind,
  type StepSettings,
  type StepResult,
  type BatchEvaluation,
} from "./step";
export {
  train,
  formatLogLine,
  resolveTrainingSettings,
  TrainingInterruptedError,
  type CurvePoint,
  type EpochRecord,
  type HistoryEntry,
  type Preparation,
  type TrainOptions,
  type TrainResult,
  type TrainingSettings,
} from "./train";
export {
  predictions,
  testAccuracy,
  accuracyOf,
  confusionMatrix,
  confusionOf,
  augmentedLogits,
  TEST_TIME_AUGMENTATIONS,
  type Predictions,
  type PredictionOptions,
  type TestAccuracyOptions,
  type TestTimeAugmentation,
} from "./evaluate";
export { WeightsFileError } from "./weights-file";
export { trainOrLoad, messageWithWeightsPath, defaultWeightsDir, weightsFilePath, runKey, type RunKey, type TrainOrLoadOptions, type TrainOrLoadResult } from "./train-or-load";
export { chapterTraining, scaledSteps, type ChapterTraining, type ChapterTrainingSettings } from "./chapter-training";
export {
  AIRBENCH_RECIPE,
  AIRBENCH_PYTORCH_PEER,
  AIRBENCH_INGREDIENTS,
  withoutIngredient,
  sgdSettings,
  checkRecipe,
  airbenchModel,
  airbenchTraining,
  type AirbenchRecipe,
  type AirbenchIngredient,
  type AirbenchTraining,
  type AirbenchTrainingSettings,
  type SgdRecipeSettings,
} from "./airbench-recipe";
export { planAirbenchTraining, describePlan, type TimeBudgetPlan, type TimeBudgetSettings } from "./time-budget";
export {
  TrainingStepTimer,
  timeTrainingSteps,
  measurePeakMatMul,
  spread,
  stepSpeed,
  type StepTiming,
  type StepTimingOptions,
  type TrainingStepTimerOptions,
  type MatMulPeak,
} from "./benchmark";
