/**
 * What a chapter model is (its forward function and its training defaults)
 * and the object that holds one model's variables.
 */
import { tf } from "../native/backend";
import { countMultiplyAdds } from "../layers/multiply-adds";
import { randomSeed } from "../seed";
import type { SeedStream } from "../layers/random";
import { ModelVariable, VariableStore } from "../layers/variables";
import { localized } from "../language";

/** The chapter's training settings for a model; every one can be overridden per run. */
export interface TrainingDefaults {
  learningRate: number;
  steps: number;
  batchSize: number;
  /** Dropout keep probability during training (evaluation always uses 1.0). */
  keepProb: number;
  /** A log line (cost and training accuracy on the current batch) every this many steps. */
  logEvery: number;
}

/**
 * What the training engine needs of a model; the chapter's four models
 * (ChapterModel) and airbench (AirbenchModel) both are one. Inputs are
 * images with pixel values in [0, 1].
 */
export interface TrainableModel {
  /** Stable identifier, used in cache file names and benchmark tables. */
  readonly key: string;
  readonly title: string;
  /** One image: [height, width, channels]. */
  readonly inputShape: readonly [number, number, number];
  readonly numClasses: number;
  /** The seed given at construction; undefined when the model was seeded randomly (such runs are not cached). */
  readonly seed: number | undefined;
  /** Seeds for the training pass's random draws (dropout masks), in draw order. */
  readonly seeds: SeedStream;
  /** The trained variables, in forward order. */
  readonly variables: readonly ModelVariable[];
  /** What each variable is (same order), for per-variable optimizer settings, e.g. "weight", "norm-offset". */
  readonly variableRoles: readonly string[];
  /** Saved with the weights but not trained: frozen filters, batch-norm running statistics. */
  readonly state: readonly ModelVariable[];
  /** The architecture's settings besides the variables' shapes (cache keys include them). */
  readonly architecture: Readonly<Record<string, unknown>>;
  readonly parameterCount: number;
  /** Inference-mode logits: no dropout, batch norm from its running statistics. Dispose the result. */
  logits(x: tf.Tensor4D): tf.Tensor2D;
  /**
   * The training-mode forward pass as a function of `values` (standing in for
   * `variables`) and `stateValues` (for `state`), writing no variable: the
   * logits and the state after the pass (an entry that is the very tensor
   * given in `stateValues` did not change). Differentiating the logits with
   * respect to `values` gives the gradients; a compiled step traces this.
   */
  trainingForward(x: tf.Tensor4D, values: readonly tf.Tensor[], stateValues: readonly tf.Tensor[], keepProb: number): TrainingForward;
  /** Multiply-adds of the convolutions and matMuls in one image's forward pass. */
  multiplyAddsPerImage(): number;
  /** Frees the variables; the model cannot be used afterwards. */
  dispose(): void;
}

export interface TrainingForward {
  logits: tf.Tensor2D;
  /** The state after the pass, in `state` order. */
  state: tf.Tensor[];
}

/** Throws, naming the model, unless `x` is a batch of the model's images. */
export function checkImages(model: Pick<TrainableModel, "key" | "inputShape">, x: tf.Tensor): void {
  const [, ...imageShape] = x.shape;
  if (x.rank !== 4 || imageShape.some((dim, i) => dim !== model.inputShape[i])) {
    throw new Error(`Model '${model.key}' takes images of shape [batch, ${model.inputShape}], got [${x.shape}].`);
  }
}

/** A network exactly as the chapter defines it. */
export interface ModelDefinition {
  /** Stable identifier, used in cache file names and benchmark tables. */
  key: string;
  title: string;
  /** The title in the Korean edition (notebookSettings({ language: "ko" })); `title` without it. */
  koreanTitle?: string;
  /** The model's name in the Korean edition, where the English one shows the key (modelName); the key without it. */
  koreanName?: string;
  /** One image: [height, width, channels]. */
  inputShape: [number, number, number];
  numClasses: number;
  defaults: TrainingDefaults;
  /**
   * Logits for a batch. Built from the chapter's helpers (convLayer,
   * fullLayer, weightVariable, ...), which create the variables on the first
   * call and reuse them afterwards.
   */
  forward(x: tf.Tensor4D, keepProb: number): tf.Tensor2D;
}

export interface ModelOptions {
  /** Makes the initial weights and the dropout masks reproducible. */
  seed?: number;
}

/** One instance of a chapter model: its variables, built once, and its forward pass. */
export class ChapterModel implements TrainableModel {
  /** The seed given at construction, or undefined when the model was seeded randomly. */
  readonly seed: number | undefined;
  private readonly store: VariableStore;

  constructor(readonly definition: ModelDefinition, options: ModelOptions = {}) {
    this.seed = options.seed;
    this.store = new VariableStore(options.seed ?? randomSeed());
    try {
      tf.tidy(() => {
        this.store.run(() => definition.forward(this.zeroBatch(1), 1));
      });
    } catch (error) {
      this.store.dispose();
      throw error;
    }
  }

  get key(): string {
    return this.definition.key;
  }

  get title(): string {
    return localized({ en: this.definition.title, ko: this.definition.koreanTitle ?? this.definition.title });
  }

  get inputShape(): readonly [number, number, number] {
    return this.definition.inputShape;
  }

  get numClasses(): number {
    return this.definition.numClasses;
  }

  /** "weight" or "bias", as the chapter's helpers name them. */
  get variableRoles(): readonly string[] {
    return this.variables.map((variable) => variable.name.replace(/[0-9]+$/, ""));
  }

  /** The chapter's models hold nothing but trained variables. */
  readonly state: readonly ModelVariable[] = [];

  get architecture(): Readonly<Record<string, unknown>> {
    return { key: this.key, inputShape: this.inputShape, numClasses: this.numClasses };
  }

  /** The trainable variables in creation order (W, b of the first layer first). */
  get variables(): readonly ModelVariable[] {
    return this.store.variables;
  }

  /** The stream the initial weights and the dropout masks draw their seeds from. */
  get seeds(): SeedStream {
    return this.store.seeds;
  }

  /** The variable called `name` ("weight1", "bias3", ...: numbered per kind in creation order). */
  variable(name: string): ModelVariable {
    const found = this.variables.find((variable) => variable.name === name);
    if (found === undefined) {
      const names = this.variables.map((variable) => variable.name).join(", ");
      throw new Error(`Model '${this.key}' has no variable '${name}'; its variables are ${names}.`);
    }
    return found;
  }

  get parameterCount(): number {
    return this.variables.reduce((total, variable) => total + variable.size, 0);
  }

  /**
   * Logits for a batch of images; keepProb 1 (the default) disables dropout,
   * as at evaluation. Intermediate tensors are freed; dispose the result.
   */
  logits(x: tf.Tensor4D, keepProb = 1): tf.Tensor2D {
    checkImages(this, x);
    return tf.tidy(() => this.store.run(() => this.definition.forward(x, keepProb)));
  }

  /**
   * Logits computed with `values` in place of the variables (same order as
   * `variables`): differentiate this with respect to `values` to get the
   * variables' gradients.
   */
  logitsWithValues(values: readonly tf.Tensor[], x: tf.Tensor4D, keepProb: number): tf.Tensor2D {
    checkImages(this, x);
    return tf.tidy(() => this.store.run(() => this.definition.forward(x, keepProb), values));
  }

  trainingForward(x: tf.Tensor4D, values: readonly tf.Tensor[], _stateValues: readonly tf.Tensor[], keepProb: number): TrainingForward {
    return { logits: this.logitsWithValues(values, x, keepProb), state: [] };
  }

  /** The variables' current values, in `variables` order (new tensors: dispose or use inside tf.tidy). */
  readVariables(): tf.Tensor[] {
    return this.variables.map((variable) => variable.read());
  }

  /** Multiply-adds of the convolutions and matMuls in one image's forward pass. */
  multiplyAddsPerImage(): number {
    return countMultiplyAdds(() => tf.tidy(() => void this.logits(this.zeroBatch(1))));
  }

  /** Frees the variables; the model cannot be used afterwards. */
  dispose(): void {
    this.store.dispose();
  }

  private zeroBatch(size: number): tf.Tensor4D {
    return tf.zeros([size, ...this.definition.inputShape]);
  }
}
