import { cifar3Conv } from "./cifar-3conv";
import { cifarReduced } from "./cifar-reduced";
import { cifarSimple } from "./cifar-simple";
import { mnist } from "./mnist";
import { ChapterModel, type ModelDefinition, type ModelOptions } from "./model";
import { localized } from "../language";

/** The chapter's four models, by key. */
export const modelDefinitions = {
  mnist,
  "cifar-simple": cifarSimple,
  "cifar-3conv": cifar3Conv,
  "cifar-reduced": cifarReduced,
} as const satisfies Record<string, ModelDefinition>;

export type ModelKey = keyof typeof modelDefinitions;

export const modelKeys = Object.keys(modelDefinitions) as ModelKey[];

/**
 * What a reader calls a model on legends, axes, tables and status lines: its key ("cifar-3conv"),
 * or in the Korean edition its Korean name (합성곱 3층 모델, notebooks/ko/terms.json). A key that
 * is no chapter model's, such as "airbench", is its own name.
 */
export function modelName(key: string): string {
  const definition: ModelDefinition | undefined = (modelDefinitions as Record<string, ModelDefinition>)[key];
  return localized({ en: key, ko: definition?.koreanName ?? key });
}

/** Builds a model (its variables initialised now) from its key or a definition. */
export function createModel(model: ModelKey | ModelDefinition, options: ModelOptions = {}): ChapterModel {
  if (typeof model !== "string") {
    return new ChapterModel(model, options);
  }
  const definition: ModelDefinition | undefined = (modelDefinitions as Record<string, ModelDefinition>)[model];
  if (definition === undefined) {
    throw new Error(`Unknown model '${model}'. Available: ${modelKeys.join(", ")}.`);
  }
  return new ChapterModel(definition, options);
}
