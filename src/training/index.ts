export type { Batch, BatchSource, BatchesIdentity, TestSet } from "./data";
export { crossEntropyCost, accuracy } from "./loss";
export { AdamOptimizer, type AdamSettings } from "./adam";
export { trainingStep, evaluateBatch, TrainingStepper, STEP_KINDS, type BatchEvaluation, type StepKind } from "./step";
export { silentProgress, type ProgressInfo, type ProgressSink } from "./progress-sink";
export {
  train,
  formatLogLine,
  resolveTrainingSettings,
  TrainingInterruptedError,
  type CurvePoint,
  type HistoryEntry,
  type TrainOptions,
  type TrainResult,
  type TrainingSettings,
} from "./train";
export { testAccuracy, type TestAccuracyOptions } from "./evaluate";
export { saveWeights, loadWeights, WeightsFileError, type WeightsMetadata, type WeightsExpectation } from "./weights-file";
export { trainOrLoad, defaultWeightsDir, weightsFilePath, type TrainOrLoadOptions, type TrainOrLoadResult } from "./train-or-load";
export { chapterTraining, scaledSteps, type ChapterTraining, type ChapterTrainingSettings } from "./chapter-training";
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
export { confusionMatrix } from "./confusion";
export { NesterovSgdOptimizer, type SgdSettings, type VariableUpdateSettings } from "./sgd";
export { triangularMultiplier, AIRBENCH_SCHEDULE, type TriangularSchedule } from "./schedule";
export { smoothLabels, labelSmoothedCrossEntropy, AIRBENCH_LABEL_SMOOTHING } from "./label-smoothing";
export * from "./airbench";
