/**
 * The package the notebooks import (`import { … } from "cnn-chapter4"`): the
 * chosen public API, grouped by layer (src/README.md). Everything else stays
 * reachable by its module path for tests and scripts.
 */

// The native TensorFlow backend.
export { tf, backendInfo, type BackendInfo } from "./backend";
export { displayPath } from "./cache";

// Output in a notebook or a terminal.
export { inNotebook, displayBundle, liveDisplay, ProgressReporter, type LiveDisplay, type ProgressOptions } from "./output";

// Data.
export { loadMnist, loadCifar10, DatasetError, ImageSet, EpochBatches, AirbenchAugmentation, cropAndFlip, planForBatch, CIFAR10_CLASS_NAMES, MNIST_CLASS_NAMES } from "./data";
export type { LoadOptions, DatasetSplits, AugmentationPlan, EpochBatchOptions } from "./data";

// The chapter's layers and airbench's.
export {
  conv2d,
  maxPool,
  maxPool2x2,
  relu,
  dropout,
  weightVariable,
  biasVariable,
  convLayer,
  fullLayer,
  batchNormTraining,
  batchNormInference,
  AIRBENCH_BATCH_NORM,
  gelu,
  whiteningFilters,
  AIRBENCH_WHITENING,
  ModelVariable,
} from "./layers";

// Models.
export {
  createModel,
  modelKeys,
  modelDefinitions,
  ChapterModel,
  AirbenchModel,
  AIRBENCH93_WIDTHS,
  CIFAR10_MEAN,
  CIFAR10_STD,
  normalizeCifar,
  REFERENCE_FIGURES,
  describePythonRuns,
  type ReferenceFigures,
  type TrainableModel,
  type ModelDefinition,
  type ModelKey,
  type AirbenchWidths,
} from "./models";

// Training and evaluation: one engine for every model.
export {
  train,
  trainOrLoad,
  chapterTraining,
  airbenchModel,
  airbenchTraining,
  planAirbenchTraining,
  describePlan,
  type TimeBudgetPlan,
  testAccuracy,
  accuracyOf,
  predictions,
  confusionMatrix,
  confusionOf,
  augmentedLogits,
  crossEntropyCost,
  accuracy,
  smoothLabels,
  AIRBENCH_LABEL_SMOOTHING,
  AdamOptimizer,
  NesterovSgdOptimizer,
  sgdSettings,
  triangularMultiplier,
  AIRBENCH_SCHEDULE,
  Lookahead,
  lookaheadDecay,
  AIRBENCH_RECIPE,
  AIRBENCH_PYTORCH_PEER,
  AIRBENCH_INGREDIENTS,
  withoutIngredient,
  STEP_KINDS,
  formatLogLine,
  TrainingInterruptedError,
  WeightsFileError,
  type StepKind,
  type TrainOptions,
  type TrainResult,
  type TrainOrLoadOptions,
  type TrainOrLoadResult,
  type TrainingSettings,
  type EpochRecord,
  type HistoryEntry,
  type CurvePoint,
  type TestTimeAugmentation,
  type AirbenchRecipe,
  type AirbenchIngredient,
  type BatchSource,
  type TestSet,
} from "./training";

// Charts and image grids.
export {
  showChart,
  functionChart,
  comparisonChart,
  heatmapChart,
  poolingChart,
  slidingFilterChart,
  confusionMatrixChart,
  perClassAccuracyChart,
  epochAccuracyChart,
  percentBarsChart,
  ablationChart,
  ablationRunName,
  readAblationResults,
  readAirbenchRuns,
  trainingCurvesChart,
  LiveChart,
  LiveTrainingCurves,
  showImageGrid,
  displayCifar,
  showFeatureMaps,
  showFilters,
  featureMapTiles,
  showMisclassified,
  type AccuracyReference,
  type AirbenchRunRecord,
} from "./display";

// Helpers for the notebooks themselves.
export { notebookSettings, runInfo, showSource, keep, trainAndPlot, type NotebookSettings, type TrainAndPlotOptions } from "./notebook";
