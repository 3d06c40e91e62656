export { ChapterModel, type ModelDefinition, type ModelOptions, type TrainingDefaults } from "./model";
export { createModel, modelDefinitions, modelKeys, type ModelKey } from "./registry";
export { mnist } from "./mnist";
export { cifarSimple } from "./cifarSimple";
export { cifar3Conv } from "./cifar3Conv";
export { cifarReduced } from "./cifarReduced";
