export { ChapterModel, checkImages, type ModelDefinition, type ModelOptions, type TrainableModel, type TrainingDefaults, type TrainingForward } from "./model";
export { createModel, modelDefinitions, modelKeys, type ModelKey } from "./registry";
export {
  AirbenchModel,
  AIRBENCH93_WIDTHS,
  CIFAR10_MEAN,
  CIFAR10_STD,
  normalizeCifar,
  type AirbenchModelOptions,
  type AirbenchVariableRole,
  type AirbenchWidths,
} from "./airbench";
export { REFERENCE_FIGURES, describePythonRuns, type ReferenceFigures } from "./reference-figures";
