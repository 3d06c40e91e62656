/**
 * What a chapter model is (its forward function and its training defaults)
 * and the object that holds one model's variables.
 */
import { tf } from "../backend";
import { countMultiplyAdds } from "../layers/multiply-adds";
import { randomSeed } from "../seed";
import type { SeedStream } from "../layers/random";
import { ModelVariable, VariableStore } from "../layers/variables";

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

/** A network exactly as the chapter defines it. */
export interface ModelDefinition {
  /** Stable identifier, used in cache file names and benchmark tables. */
  key: string;
  title: string;
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
export class ChapterModel {
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
    this.checkInput(x);
    return tf.tidy(() => this.store.run(() => this.definition.forward(x, keepProb)));
  }

  /**
   * Logits computed with `values` in place of the variables (same order as
   * `variables`): differentiate this with respect to `values` to get the
   * variables' gradients.
   */
  logitsWithValues(values: readonly tf.Tensor[], x: tf.Tensor4D, keepProb: number): tf.Tensor2D {
    this.checkInput(x);
    return tf.tidy(() => this.store.run(() => this.definition.forward(x, keepProb), values));
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

  private checkInput(x: tf.Tensor4D): void {
    const [, ...imageShape] = x.shape;
    if (x.rank !== 4 || imageShape.some((dim, i) => dim !== this.definition.inputShape[i])) {
      throw new Error(
        `Model '${this.key}' takes images of shape [batch, ${this.definition.inputShape}], got [${x.shape}].`,
      );
    }
  }
}
