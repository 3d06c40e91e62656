/**
 * The package the notebooks import (`import { … } from "cnn-chapter4"`): the
 * chosen public API, grouped by layer (src/README.md). Everything else stays
 * reachable by its module path for tests and scripts.
 */

// The native TensorFlow backend.
export { tf, backendInfo, type BackendInfo } from "./native/backend";
export { cpuClassName } from "./native/cpu";
export { displayPath } from "./cache";
export { millions } from "./language";

// Output in a notebook or a terminal.
export { inNotebook, displayBundle, liveDisplay, ProgressReporter, type LiveDisplay, type ProgressOptions } from "./output";

// Data.
export { loadMnist, loadCifar10, holdOut, DatasetError, ImageSet, CIFAR10_CLASS_NAMES, MNIST_CLASS_NAMES } from "./data";
export type { LoadOptions, DatasetSplits, HeldOut } from "./data";

// The chapter's layers, and the generic ones airbench adds.
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
  gelu,
  ModelVariable,
} from "./layers";

// Models.
export {
  createModel,
  modelKeys,
  modelName,
  modelDefinitions,
  ChapterModel,
  REFERENCE_FIGURES,
  describePythonRuns,
  type ReferenceFigures,
  type TrainableModel,
  type ModelDefinition,
  type ModelKey,
} from "./models";

// The training engine: one loop, step, cache and evaluation for every model.
export {
  train,
  trainOrLoad,
  testAccuracy,
  accuracyOf,
  predictions,
  confusionMatrix,
  confusionOf,
  classAccuracies,
  confusedPairs,
  crossEntropyCost,
  accuracy,
  smoothLabels,
  AdamOptimizer,
  NesterovSgdOptimizer,
  triangularMultiplier,
  Lookahead,
  lookaheadDecay,
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
  type BatchSource,
  type TestSet,
} from "./training";

// The recipes over the engine: the chapter's and airbench's (4.4).
export {
  chapterTraining,
  AIRBENCH_RECIPE,
  AIRBENCH_VALIDATION_IMAGES,
  airbenchValidationSplit,
  AIRBENCH_PYTORCH_PEER,
  AIRBENCH_INGREDIENTS,
  AIRBENCH_SCHEDULE,
  AIRBENCH_LABEL_SMOOTHING,
  AIRBENCH_BATCH_NORM,
  AIRBENCH_WHITENING,
  AIRBENCH93_WIDTHS,
  withoutIngredient,
  sgdSettings,
  airbenchModel,
  airbenchTraining,
  planAirbenchTraining,
  describePlan,
  AirbenchModel,
  whiteningFilters,
  normalizeCifar,
  CIFAR10_MEAN,
  CIFAR10_STD,
  EpochBatches,
  AirbenchAugmentation,
  cropAndFlip,
  planForBatch,
  augmentedLogits,
  testTimeAugmented,
  testTimeAugmentationName,
  readAblationResults,
  readAirbenchRuns,
  informativeAblationRuns,
  ablationSeedGap,
  seedGap,
  type TimeBudgetPlan,
  type TestTimeAugmentation,
  type AirbenchRecipe,
  type AirbenchIngredient,
  type AirbenchWidths,
  type AirbenchRunRecord,
  type AblationRun,
  type AugmentationPlan,
  type EpochBatchOptions,
} from "./recipes";

// Charts and image grids.
export {
  showChart,
  textTable,
  functionChart,
  comparisonChart,
  heatmapChart,
  poolingChart,
  slidingFilterChart,
  connectivityChart,
  architectureChart,
  confusionMatrixChart,
  perClassAccuracyChart,
  epochAccuracyChart,
  percentBarsChart,
  ablationChart,
  ablationRunName,
  ingredientName,
  ingredientDescription,
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
} from "./display";

// Helpers for the notebooks themselves.
export { notebookSettings, runInfo, showSource, keep, trainAndPlot, type NotebookSettings, type TrainAndPlotOptions } from "./notebook";
