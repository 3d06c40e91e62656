export { ChapterModel, type ModelDefinition, type ModelOptions, type TrainingDefaults } from "./model";
export { createModel, modelDefinitions, modelKeys, type ModelKey } from "./registry";
export { AirbenchModel, AIRBENCH93_WIDTHS, type AirbenchModelOptions, type AirbenchVariableRole, type AirbenchWidths } from "./airbench";
