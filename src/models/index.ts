export { ChapterModel, type ModelDefinition, type ModelOptions, type TrainingDefaults } from "./model";
export { createModel, modelDefinitions, modelKeys, type ModelKey } from "./registry";
