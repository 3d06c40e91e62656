/**
 * airbench's network (Keller Jordan's airbench93 widths by default): a frozen
 * 2×2 whitening convolution, three blocks of [conv 3×3 → max pool 2 → batch
 * norm → GELU → conv 3×3 → batch norm → GELU], a 3×3 max pool and a linear
 * layer without bias scaled by 1/9. Pooling is VALID (31 → 15 → 7 → 3 → 1).
 * Batch norm keeps running statistics, so the model is a class of its own
 * rather than a chapter ModelDefinition; its trainable variables are still
 * ModelVariables, so the chapter's optimizers and weight files apply.
 */
import { tf } from "../backend";
import { AIRBENCH_BATCH_NORM, batchNormInference, batchNormTraining, type BatchNormSettings } from "../layers/batch-norm";
import { gelu } from "../layers/gelu";
import { nativeMaxPool } from "../layers/pooling";
import { recordMultiplyAdds, countMultiplyAdds } from "../layers/multiply-adds";
import { SeedStream, statelessUniform } from "../layers/random";
import { ModelVariable } from "../layers/variables";
import { AIRBENCH_WHITENING, whiteningFilters, type WhiteningSettings } from "../layers/whitening";
import { randomSeed } from "../seed";

export interface AirbenchWidths {
  /** Output channels of the whitening convolution: twice its patch size² × 3 (24 for 2×2). */
  whitening: number;
  blocks: [number, number, number];
}

/** airbench93's widths; airbench94 uses blocks of 64, 256, 256. */
export const AIRBENCH93_WIDTHS: AirbenchWidths = { whitening: 24, blocks: [64, 128, 128] };

/** What the optimizer treats differently: airbench trains batch-norm offsets 64× faster and freezes the whitening filters. */
export type AirbenchVariableRole = "whitening-bias" | "convolution" | "norm-offset" | "linear";

const CLASSES = 10;
const OUTPUT_SCALE = 1 / 9;

/** Everything the forward pass reads, as tensors. */
export interface AirbenchState {
  /** One value per `trainable` variable, in order. */
  trainable: readonly tf.Tensor[];
  whiteningFilter: tf.Tensor4D;
  /** Per batch norm in forward order, its running mean then its running variance (`runningStatistics` order). */
  runningStatistics: readonly tf.Tensor1D[];
}

function variableFrom(name: string, value: tf.Tensor): ModelVariable {
  try {
    return new ModelVariable(name, value);
  } finally {
    value.dispose();
  }
}

/**
 * A 3×3 convolution's filters as PyTorch initialises them (uniform in
 * ±1/√fan-in), with the first `inChannels` filters replaced by identities
 * (airbench's dirac initialisation: at the start, part of each block passes
 * its input through unchanged).
 */
function convolutionInit(inChannels: number, outChannels: number, seeds: SeedStream): tf.Tensor4D {
  return tf.tidy(() => {
    const bound = 1 / Math.sqrt(9 * inChannels);
    const uniform = tf.sub(tf.mul(statelessUniform([3, 3, inChannels, outChannels], seeds.next()), 2 * bound), bound);
    const identities = Math.min(inChannels, outChannels);
    const centre = tf.pad(tf.reshape(tf.eye(inChannels, identities), [1, 1, inChannels, identities]), [[1, 1], [1, 1], [0, 0], [0, 0]]);
    const rest = tf.slice(uniform, [0, 0, 0, identities], [-1, -1, -1, outChannels - identities]);
    return tf.concat([centre, rest], 3) as tf.Tensor4D;
  });
}

function convolution(x: tf.Tensor4D, filter: tf.Tensor4D, padding: "same" | "valid"): tf.Tensor4D {
  const out = tf.conv2d(x, filter, 1, padding);
  const [batch, height, width, channels] = out.shape;
  recordMultiplyAdds(batch * height * width * filter.shape[0] * filter.shape[1] * filter.shape[2] * channels);
  return out;
}

export interface AirbenchModelOptions {
  widths?: AirbenchWidths;
  seed?: number;
  batchNorm?: BatchNormSettings;
}

export class AirbenchModel {
  readonly widths: AirbenchWidths;
  readonly seed: number;
  readonly batchNorm: BatchNormSettings;
  /** Frozen: set from data by initializeWhitening, never trained. */
  readonly whiteningFilter: ModelVariable;
  /** Trained, in forward order; `roles[i]` says what `trainable[i]` is. */
  readonly trainable: readonly ModelVariable[];
  readonly roles: readonly AirbenchVariableRole[];
  /** Each batch norm's running mean and variance, in forward order: state to save with the weights, not trained. */
  readonly runningStatistics: readonly ModelVariable[];

  constructor(options: AirbenchModelOptions = {}) {
    this.widths = options.widths ?? AIRBENCH93_WIDTHS;
    this.seed = options.seed ?? randomSeed();
    this.batchNorm = options.batchNorm ?? AIRBENCH_BATCH_NORM;
    const seeds = new SeedStream(this.seed);
    const created: ModelVariable[] = [];
    const create = (name: string, value: tf.Tensor) => {
      created.push(variableFrom(name, value));
      return created[created.length - 1];
    };
    try {
      const { whitening, blocks } = this.widths;
      this.whiteningFilter = create("whitening/filter", tf.zeros([2, 2, 3, whitening]));
      const trainable: ModelVariable[] = [create("whitening/bias", tf.zeros([whitening]))];
      const roles: AirbenchVariableRole[] = ["whitening-bias"];
      const runningStatistics: ModelVariable[] = [];
      let inChannels = whitening;
      blocks.forEach((width, block) => {
        for (const layer of [1, 2]) {
          const name = `block${block + 1}/conv${layer}`;
          trainable.push(create(`${name}/filter`, convolutionInit(layer === 1 ? inChannels : width, width, seeds)));
          trainable.push(create(`${name}/norm-offset`, tf.zeros([width])));
          runningStatistics.push(create(`${name}/running-mean`, tf.zeros([width])), create(`${name}/running-variance`, tf.ones([width])));
          roles.push("convolution", "norm-offset");
        }
        inChannels = width;
      });
      const bound = 1 / Math.sqrt(inChannels);
      trainable.push(create("linear/weight", tf.tidy(() => tf.sub(tf.mul(statelessUniform([inChannels, CLASSES], seeds.next()), 2 * bound), bound))));
      roles.push("linear");
      this.trainable = trainable;
      this.roles = roles;
      this.runningStatistics = runningStatistics;
    } catch (error) {
      created.forEach((variable) => variable.dispose());
      throw error;
    }
  }

  /** Sets the whitening filters from the 2×2 patch covariance of `images` (airbench: the first 5000 training images, normalised). */
  initializeWhitening(images: tf.Tensor4D, settings: WhiteningSettings = AIRBENCH_WHITENING): void {
    const { filters, eigenvalues } = whiteningFilters(images, settings);
    try {
      this.whiteningFilter.assign(filters);
    } finally {
      tf.dispose([filters, eigenvalues]);
    }
  }

  /**
   * Logits for a batch of normalised images [batch, 32, 32, 3]. In training
   * mode batch norm uses the batch's statistics and updates the running ones;
   * otherwise it uses the running ones. With `values` (one per `trainable`
   * variable, in order) those tensors stand in for the trainable variables,
   * which is how their gradients are taken.
   */
  logits(x: tf.Tensor4D, training: boolean, values?: readonly tf.Tensor[]): tf.Tensor2D {
    if (values !== undefined && values.length !== this.trainable.length) {
      throw new Error(`AirbenchModel: expected ${this.trainable.length} variable values, got ${values.length}.`);
    }
    return tf.tidy(() => {
      const state = this.readState();
      const { logits, runningStatistics } = this.forward(x, training, { ...state, trainable: values ?? state.trainable });
      runningStatistics.forEach((value, i) => this.runningStatistics[i].assign(value));
      return logits;
    });
  }

  /** The current values of everything the forward pass reads (new tensors: dispose them, or read inside tf.tidy). */
  readState(): AirbenchState {
    return {
      trainable: this.trainable.map((variable) => variable.read()),
      whiteningFilter: this.whiteningFilter.read() as tf.Tensor4D,
      runningStatistics: this.runningStatistics.map((variable) => variable.read() as tf.Tensor1D),
    };
  }

  /**
   * The forward pass as a function of `state`, writing no variable: the
   * logits and, in training mode, the running statistics blended towards the
   * batch's (in `runningStatistics` order; none in inference mode). logits()
   * assigns them; a compiled step traces this and assigns them in its graph.
   */
  forward(x: tf.Tensor4D, training: boolean, state: AirbenchState): { logits: tf.Tensor2D; runningStatistics: tf.Tensor1D[] } {
    if (x.shape[1] !== 32 || x.shape[2] !== 32 || x.shape[3] !== 3) {
      throw new Error(`AirbenchModel: expected CIFAR-10 images [batch, 32, 32, 3], got [${x.shape}].`);
    }
    let next = 0;
    const value = (): tf.Tensor => state.trainable[next++];
    const updated: tf.Tensor1D[] = [];
    let normIndex = 0;
    const normalise = (input: tf.Tensor4D, offset: tf.Tensor): tf.Tensor4D => {
      const running = { mean: state.runningStatistics[2 * normIndex], variance: state.runningStatistics[2 * normIndex + 1] };
      normIndex++;
      if (!training) {
        return batchNormInference(input, offset as tf.Tensor1D, running, this.batchNorm.epsilon);
      }
      const result = batchNormTraining(input, offset as tf.Tensor1D, running, this.batchNorm);
      updated.push(result.running.mean, result.running.variance);
      return result.output;
    };
    const whiteningBias = value();
    let h = gelu(tf.add(convolution(x, state.whiteningFilter, "valid"), whiteningBias) as tf.Tensor4D);
    for (let block = 0; block < 3; block++) {
      h = nativeMaxPool(convolution(h, value() as tf.Tensor4D, "same"), 2, "valid");
      h = gelu(normalise(h, value()));
      h = convolution(h, value() as tf.Tensor4D, "same");
      h = gelu(normalise(h, value()));
    }
    h = nativeMaxPool(h, 3, "valid");
    const features = tf.reshape(h, [h.shape[0], -1]) as tf.Tensor2D;
    const weight = value() as tf.Tensor2D;
    recordMultiplyAdds(features.shape[0] * weight.shape[0] * weight.shape[1]);
    return { logits: tf.mul(tf.matMul(features, weight), OUTPUT_SCALE) as tf.Tensor2D, runningStatistics: updated };
  }

  /** Multiply-adds of the convolutions and the linear layer in one image's forward pass. */
  multiplyAddsPerImage(): number {
    return tf.tidy(() => countMultiplyAdds(() => void this.logits(tf.zeros([1, 32, 32, 3]) as tf.Tensor4D, false)));
  }

  get parameterCount(): number {
    return [this.whiteningFilter, ...this.trainable].reduce((total, variable) => total + variable.size, 0);
  }

  dispose(): void {
    this.whiteningFilter.dispose();
    this.trainable.forEach((variable) => variable.dispose());
    this.runningStatistics.forEach((variable) => variable.dispose());
  }
}
