export { ChapterModel, checkImages, type ModelDefinition, type ModelOptions, type TrainableModel, type TrainingDefaults, type TrainingForward } from "./model";
export { createModel, modelDefinitions, modelKeys, modelName, type ModelKey } from "./registry";
export { REFERENCE_FIGURES, describePythonRuns, type ReferenceFigures } from "./reference-figures";
