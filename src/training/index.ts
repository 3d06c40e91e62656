export type { Batch, BatchSource, BatchesIdentity, TestSet } from "./data";
export { crossEntropyCost, accuracy } from "./loss";
export { smoothLabels, labelSmoothedCrossEntropy } from "./label-smoothing";
export { AdamOptimizer, type AdamSettings, type AdamChoice } from "./adam";
export { NesterovSgdOptimizer, type SgdSettings, type VariableUpdateSettings, type NesterovSgdChoice } from "./sgd";
export type { Optimizer } from "./optimizer";
export { createOptimizer, type OptimizerChoice } from "./optimizers";
export { hooksFor, type TrainingHook } from "./hooks";
export { triangularMultiplier, type TriangularSchedule } from "./schedule";
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
  trainWithSettings,
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
  classAccuracies,
  confusedPairs,
  type ConfusedPair,
  type Predictions,
  type PredictionOptions,
  accuracyName,
  type MeasuredOn,
  type TestAccuracyOptions,
} from "./evaluate";
export { WeightsFileError } from "./weights-file";
export { trainOrLoad, messageWithWeightsPath, defaultWeightsDir, weightsFilePath, runKey, type RunKey, type TrainOrLoadOptions, type TrainOrLoadResult } from "./train-or-load";
export {
  TrainingStepTimer,
  timeTrainingSteps,
  measurePeakMatMul,
  spread,
  stepSpeed,
  type StepTiming,
  type StepTimingOptions,
  type TrainingStepTimerOptions,
  type TimedStepSettings,
  type MatMulPeak,
} from "./benchmark";
