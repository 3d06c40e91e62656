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

interface NormLayer {
  offset: ModelVariable;
  mean: ModelVariable;
  variance: ModelVariable;
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
  private readonly norms: NormLayer[];

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
      this.norms = [];
      let inChannels = whitening;
      blocks.forEach((width, block) => {
        for (const layer of [1, 2]) {
          const name = `block${block + 1}/conv${layer}`;
          trainable.push(create(`${name}/filter`, convolutionInit(layer === 1 ? inChannels : width, width, seeds)));
          const norm: NormLayer = {
            offset: create(`${name}/norm-offset`, tf.zeros([width])),
            mean: create(`${name}/running-mean`, tf.zeros([width])),
            variance: create(`${name}/running-variance`, tf.ones([width])),
          };
          this.norms.push(norm);
          trainable.push(norm.offset);
          roles.push("convolution", "norm-offset");
        }
        inChannels = width;
      });
      const bound = 1 / Math.sqrt(inChannels);
      trainable.push(create("linear/weight", tf.tidy(() => tf.sub(tf.mul(statelessUniform([inChannels, CLASSES], seeds.next()), 2 * bound), bound))));
      roles.push("linear");
      this.trainable = trainable;
      this.roles = roles;
      this.runningStatistics = this.norms.flatMap(({ mean, variance }) => [mean, variance]);
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
    if (x.shape[1] !== 32 || x.shape[2] !== 32 || x.shape[3] !== 3) {
      throw new Error(`AirbenchModel: expected CIFAR-10 images [batch, 32, 32, 3], got [${x.shape}].`);
    }
    return tf.tidy(() => {
      let next = 0;
      const value = (): tf.Tensor => {
        const index = next++;
        return values === undefined ? this.trainable[index].read() : values[index];
      };
      const updates: Array<() => void> = [];
      const normalise = (input: tf.Tensor4D, norm: NormLayer, offset: tf.Tensor): tf.Tensor4D => {
        const running = { mean: norm.mean.read() as tf.Tensor1D, variance: norm.variance.read() as tf.Tensor1D };
        if (!training) {
          return batchNormInference(input, offset as tf.Tensor1D, running, this.batchNorm.epsilon);
        }
        const result = batchNormTraining(input, offset as tf.Tensor1D, running, this.batchNorm);
        updates.push(() => {
          norm.mean.assign(result.running.mean);
          norm.variance.assign(result.running.variance);
        });
        return result.output;
      };
      const whiteningBias = value();
      let h = gelu(tf.add(convolution(x, this.whiteningFilter.read() as tf.Tensor4D, "valid"), whiteningBias) as tf.Tensor4D);
      let normIndex = 0;
      for (let block = 0; block < 3; block++) {
        h = tf.maxPool(convolution(h, value() as tf.Tensor4D, "same"), 2, 2, "valid");
        h = gelu(normalise(h, this.norms[normIndex++], value()));
        h = convolution(h, value() as tf.Tensor4D, "same");
        h = gelu(normalise(h, this.norms[normIndex++], value()));
      }
      h = tf.maxPool(h, 3, 3, "valid");
      const features = tf.reshape(h, [h.shape[0], -1]) as tf.Tensor2D;
      const weight = value() as tf.Tensor2D;
      recordMultiplyAdds(features.shape[0] * weight.shape[0] * weight.shape[1]);
      const logits = tf.mul(tf.matMul(features, weight), OUTPUT_SCALE) as tf.Tensor2D;
      updates.forEach((update) => update());
      return logits;
    });
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
