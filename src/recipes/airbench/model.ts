/**
 * airbench's network (Keller Jordan's airbench93 widths by default): a frozen
 * 2×2 whitening convolution, three blocks of [conv 3×3 → max pool 2 → batch
 * norm → GELU → conv 3×3 → batch norm → GELU], a 3×3 max pool and a linear
 * layer without bias scaled by 1/9. Pooling is VALID (31 → 15 → 7 → 3 → 1).
 * Batch norm keeps running statistics, so the model is a class of its own
 * rather than a chapter ModelDefinition; like the chapter's models it is a
 * TrainableModel, trained and cached by the same engine.
 */
import { tf } from "../../native/backend";
import { batchNormInference, batchNormTraining, type BatchNormSettings } from "../../layers/batch-norm";
import { gelu } from "../../layers/gelu";
import { relu } from "../../layers/layers";
import { nativeMaxPool } from "../../layers/pooling";
import { recordMatMul, recordMultiplyAdds, countMultiplyAdds } from "../../layers/multiply-adds";
import { SeedStream, statelessUniform } from "../../layers/random";
import { ModelVariable } from "../../layers/variables";
import { AIRBENCH_WHITENING, whiteningFilters, type WhiteningSettings } from "./whitening";
import { checkSeed, randomSeed } from "../../seed";
import { checkImages, type TrainableModel, type TrainingForward } from "../../models/model";

/** airbench's batch norm: running statistics that follow the batches quickly, and almost no epsilon. */
export const AIRBENCH_BATCH_NORM: BatchNormSettings = { momentum: 0.6, epsilon: 1e-12 };

export interface AirbenchWidths {
  /** Output channels of the whitening convolution: twice its patch size² × 3 (24 for 2×2). */
  whitening: number;
  blocks: [number, number, number];
}

/** airbench93's widths; airbench94 uses blocks of 64, 256, 256. */
export const AIRBENCH93_WIDTHS: AirbenchWidths = { whitening: 24, blocks: [64, 128, 128] };

/** What the optimizer treats differently: airbench trains batch-norm offsets 64× faster and freezes the whitening bias after a few epochs. */
export type AirbenchVariableRole = "whitening-bias" | "convolution" | "norm-offset" | "linear";

const CLASSES = 10;
const OUTPUT_SCALE = 1 / 9;

/** Per-channel mean and standard deviation of the CIFAR-10 training images (RGB, pixel values in [0, 1]). */
export const CIFAR10_MEAN = [0.4914, 0.4822, 0.4465];
export const CIFAR10_STD = [0.247, 0.2435, 0.2616];

/** (images − mean) / std per channel, for images [batch, 32, 32, 3] in [0, 1]: what the network's first layer sees. */
export function normalizeCifar(images: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.div(tf.sub(images, tf.tensor1d(CIFAR10_MEAN)), tf.tensor1d(CIFAR10_STD)) as tf.Tensor4D);
}

/** Everything the forward pass reads, as tensors. */
interface AirbenchValues {
  /** One value per trained variable, in order. */
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

/** The network's weights by layer, as airbenchForward reads them. */
export interface AirbenchLayers {
  whiteningFilter: tf.Tensor4D;
  whiteningBias: tf.Tensor1D;
  blocks: Array<{ conv1: tf.Tensor4D; offset1: tf.Tensor1D; conv2: tf.Tensor4D; offset2: tf.Tensor1D }>;
  linear: tf.Tensor2D;
}

/** The trained values (in `AirbenchModel.variables` order) and the whitening filter, by layer. */
function airbenchLayers(trainable: readonly tf.Tensor[], whiteningFilter: tf.Tensor4D): AirbenchLayers {
  const [whiteningBias, ...rest] = trainable;
  const blocks = [0, 1, 2].map((block) => {
    const [conv1, offset1, conv2, offset2] = rest.slice(4 * block, 4 * block + 4);
    return { conv1: conv1 as tf.Tensor4D, offset1: offset1 as tf.Tensor1D, conv2: conv2 as tf.Tensor4D, offset2: offset2 as tf.Tensor1D };
  });
  return { whiteningFilter, whiteningBias: whiteningBias as tf.Tensor1D, blocks, linear: rest[12] as tf.Tensor2D };
}

function linear(features: tf.Tensor2D, weight: tf.Tensor2D): tf.Tensor2D {
  recordMatMul(features.shape, weight.shape);
  return tf.matMul(features, weight);
}

/** The nonlinearity after each layer: airbench's GELU, or the chapter's ReLU (for the ablation). */
export type AirbenchActivation = "gelu" | "relu";

const ACTIVATIONS: Record<AirbenchActivation, (h: tf.Tensor4D) => tf.Tensor4D> = { gelu, relu };

/**
 * airbench's forward pass on normalised images x [batch, 32, 32, 3]: the
 * logits [batch, 10]. `batchNorm` normalises each channel (with the batch's
 * statistics in training, the running ones in testing) and adds the offset.
 */
export function airbenchForward(
  x: tf.Tensor4D,
  layers: AirbenchLayers,
  batchNorm: (h: tf.Tensor4D, offset: tf.Tensor1D) => tf.Tensor4D,
  activation: AirbenchActivation = "gelu",
): tf.Tensor2D {
  const act = ACTIVATIONS[activation];
  // The whitening filters (2×2, no padding: 32 → 31 pixels) and their trained bias.
  let h = act(tf.add(convolution(x, layers.whiteningFilter, "valid"), layers.whiteningBias) as tf.Tensor4D);
  for (const block of layers.blocks) {
    h = nativeMaxPool(convolution(h, block.conv1, "same"), 2, "valid"); // 31 → 15 → 7 → 3
    h = act(batchNorm(h, block.offset1));
    h = convolution(h, block.conv2, "same");
    h = act(batchNorm(h, block.offset2));
  }
  h = nativeMaxPool(h, 3, "valid"); // 3 → 1 pixel
  const features = tf.reshape(h, [h.shape[0], -1]) as tf.Tensor2D;
  return tf.mul(linear(features, layers.linear), OUTPUT_SCALE) as tf.Tensor2D;
}

export interface AirbenchModelOptions {
  widths?: AirbenchWidths;
  seed?: number;
  /** null: no normalisation, each offset is a plain bias (for the ablation). */
  batchNorm?: BatchNormSettings | null;
  /** Default "gelu". */
  activation?: AirbenchActivation;
  /** Train the first layer's filters like the other convolutions (default false: they are set once, by whitening, and frozen). */
  trainFirstLayer?: boolean;
}

export class AirbenchModel implements TrainableModel {
  readonly key = "airbench";
  readonly inputShape = [32, 32, 3] as const;
  readonly numClasses = CLASSES;
  readonly widths: AirbenchWidths;
  /** undefined when the model was seeded randomly. */
  readonly seed: number | undefined;
  /** airbench's forward pass draws nothing at random; the stream is here for the engine's contract. */
  readonly seeds: SeedStream;
  /** null: no batch norm. */
  readonly batchNorm: BatchNormSettings | null;
  readonly activation: AirbenchActivation;
  readonly trainFirstLayer: boolean;
  /** Set from data by initializeWhitening (or random by initializeRandomFilters); frozen unless trainFirstLayer. */
  readonly whiteningFilter: ModelVariable;
  /** Trained, in forward order; `variableRoles[i]` says what `variables[i]` is. */
  readonly variables: readonly ModelVariable[];
  readonly variableRoles: readonly AirbenchVariableRole[];
  /** Each batch norm's running mean and variance, in forward order: state to save with the weights, not trained. */
  readonly runningStatistics: readonly ModelVariable[];

  constructor(options: AirbenchModelOptions = {}) {
    this.widths = options.widths ?? AIRBENCH93_WIDTHS;
    // Any width ≥ 1 builds; initializeWhitening's 2×2 filters need 2 × 2² × 3 = 24.
    const whiteningWidth = this.widths.whitening;
    if (!Number.isInteger(whiteningWidth) || whiteningWidth < 1) {
      throw new Error(`AirbenchModel: widths.whitening must be a whole number ≥ 1 (24 to whiten 2×2 patches), got ${whiteningWidth}.`);
    }
    // forward() runs exactly three blocks.
    const blockWidths: unknown = this.widths.blocks;
    if (!Array.isArray(blockWidths) || blockWidths.length !== 3 || !blockWidths.every((width) => Number.isInteger(width) && width >= 1)) {
      const given = Array.isArray(blockWidths) ? `[${blockWidths.join(", ")}]` : String(blockWidths);
      throw new Error(`AirbenchModel: widths.blocks must be three whole numbers ≥ 1, got ${given}.`);
    }
    this.seed = options.seed === undefined ? undefined : checkSeed(options.seed, "AirbenchModel: seed");
    this.batchNorm = options.batchNorm === undefined ? AIRBENCH_BATCH_NORM : options.batchNorm;
    this.activation = options.activation ?? "gelu";
    if (!(this.activation in ACTIVATIONS)) {
      throw new Error(`AirbenchModel: activation must be ${Object.keys(ACTIVATIONS).join(" or ")}, got ${JSON.stringify(this.activation)}.`);
    }
    this.trainFirstLayer = options.trainFirstLayer ?? false;
    const seeds = new SeedStream(this.seed ?? randomSeed());
    this.seeds = seeds;
    const created: ModelVariable[] = [];
    const create = (name: string, value: tf.Tensor) => {
      created.push(variableFrom(name, value));
      return created[created.length - 1];
    };
    try {
      const { whitening, blocks } = this.widths;
      this.whiteningFilter = create("whitening/filter", tf.zeros([2, 2, 3, whitening]));
      const trainable: ModelVariable[] = [...(this.trainFirstLayer ? [this.whiteningFilter] : []), create("whitening/bias", tf.zeros([whitening]))];
      const roles: AirbenchVariableRole[] = [...(this.trainFirstLayer ? (["convolution"] as const) : []), "whitening-bias"];
      const runningStatistics: ModelVariable[] = [];
      let inChannels = whitening;
      blocks.forEach((width, block) => {
        for (const layer of [1, 2]) {
          const name = `block${block + 1}/conv${layer}`;
          trainable.push(create(`${name}/filter`, convolutionInit(layer === 1 ? inChannels : width, width, seeds)));
          trainable.push(create(`${name}/norm-offset`, tf.zeros([width])));
          if (this.batchNorm !== null) {
            runningStatistics.push(create(`${name}/running-mean`, tf.zeros([width])), create(`${name}/running-variance`, tf.ones([width])));
          }
          roles.push("convolution", "norm-offset");
        }
        inChannels = width;
      });
      const bound = 1 / Math.sqrt(inChannels);
      trainable.push(create("linear/weight", tf.tidy(() => tf.sub(tf.mul(statelessUniform([inChannels, CLASSES], seeds.next()), 2 * bound), bound))));
      roles.push("linear");
      this.variables = trainable;
      this.variableRoles = roles;
      this.runningStatistics = runningStatistics;
    } catch (error) {
      created.forEach((variable) => variable.dispose());
      throw error;
    }
  }

  get title(): string {
    return `airbench (${this.widths.blocks.join("/")})`;
  }

  /** The whitening filter (unless trained), then each batch norm's running mean and variance. */
  get state(): readonly ModelVariable[] {
    return this.trainFirstLayer ? this.runningStatistics : [this.whiteningFilter, ...this.runningStatistics];
  }

  get architecture(): Readonly<Record<string, unknown>> {
    // The ablation's variants name what they change; airbench's own architecture keeps the fields it always had.
    const variants = { ...(this.activation === "gelu" ? {} : { activation: this.activation }), ...(this.trainFirstLayer ? { firstLayer: "trained" } : {}) };
    return { key: this.key, widths: this.widths, batchNorm: this.batchNorm, normalization: { mean: CIFAR10_MEAN, std: CIFAR10_STD }, ...variants };
  }

  /**
   * Sets the whitening filters from the 2×2 patch covariance of `images` in
   * [0, 1], normalised first (airbench: the first 5000 training images).
   */
  initializeWhitening(images: tf.Tensor4D, settings: WhiteningSettings = AIRBENCH_WHITENING): void {
    const normalized = normalizeCifar(images);
    const { filters, eigenvalues } = whiteningFilters(normalized, settings);
    normalized.dispose();
    try {
      this.whiteningFilter.assign(filters);
    } finally {
      tf.dispose([filters, eigenvalues]);
    }
  }

  /** Random first-layer filters instead, as PyTorch initialises a convolution (uniform in ±1/√fan-in). */
  initializeRandomFilters(seed: number): void {
    tf.tidy(() => {
      const shape = this.whiteningFilter.shape;
      const bound = 1 / Math.sqrt(shape[0] * shape[1] * shape[2]);
      const uniform = statelessUniform(shape, new SeedStream(seed).next());
      this.whiteningFilter.assign(tf.sub(tf.mul(uniform, 2 * bound), bound));
    });
  }

  /** Inference-mode logits (batch norm from the running statistics) for images [batch, 32, 32, 3] in [0, 1]. */
  logits(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      const values = this.readValues();
      return this.forward(x, false, values).logits;
    });
  }

  /** Training mode: batch norm uses the batch's statistics and returns the running ones blended towards them. */
  trainingForward(x: tf.Tensor4D, values: readonly tf.Tensor[], stateValues: readonly tf.Tensor[], _keepProb: number): TrainingForward {
    if (values.length !== this.variables.length || stateValues.length !== this.state.length) {
      throw new Error(`AirbenchModel: expected ${this.variables.length} variable and ${this.state.length} state values, got ${values.length} and ${stateValues.length}.`);
    }
    // The first layer's filter is the first trained value or the first state value.
    const [whiteningFilter, trainable, runningStatistics] = this.trainFirstLayer
      ? [values[0], values.slice(1), stateValues]
      : [stateValues[0], values, stateValues.slice(1)];
    const { logits, runningStatistics: updated } = this.forward(x, true, {
      trainable,
      whiteningFilter: whiteningFilter as tf.Tensor4D,
      runningStatistics: runningStatistics as tf.Tensor1D[],
    });
    return { logits, state: this.trainFirstLayer ? updated : [whiteningFilter, ...updated] };
  }

  /** Multiply-adds of the convolutions and the linear layer in one image's forward pass. */
  multiplyAddsPerImage(): number {
    return tf.tidy(() => countMultiplyAdds(() => void this.logits(tf.zeros([1, 32, 32, 3]) as tf.Tensor4D)));
  }

  get parameterCount(): number {
    return this.layerVariables.reduce((total, variable) => total + variable.size, 0);
  }

  dispose(): void {
    this.layerVariables.forEach((variable) => variable.dispose());
    this.runningStatistics.forEach((variable) => variable.dispose());
  }

  /** The whitening filter and the trained variables, each once. */
  private get layerVariables(): ModelVariable[] {
    return this.trainFirstLayer ? [...this.variables] : [this.whiteningFilter, ...this.variables];
  }

  private readValues(): AirbenchValues {
    const trained = this.trainFirstLayer ? this.variables.slice(1) : this.variables;
    return {
      trainable: trained.map((variable) => variable.read()),
      whiteningFilter: this.whiteningFilter.read() as tf.Tensor4D,
      runningStatistics: this.runningStatistics.map((variable) => variable.read() as tf.Tensor1D),
    };
  }

  /** The forward pass on images in [0, 1]: the logits and, in training mode, the updated running statistics. */
  private forward(images: tf.Tensor4D, training: boolean, state: AirbenchValues): { logits: tf.Tensor2D; runningStatistics: tf.Tensor1D[] } {
    checkImages(this, images);
    const updated: tf.Tensor1D[] = [];
    let normIndex = 0;
    // Each call is the next batch norm in forward order, with its own running statistics.
    const batchNorm = (input: tf.Tensor4D, offset: tf.Tensor1D): tf.Tensor4D => {
      if (this.batchNorm === null) return tf.add(input, offset) as tf.Tensor4D;
      const running = { mean: state.runningStatistics[2 * normIndex], variance: state.runningStatistics[2 * normIndex + 1] };
      normIndex++;
      if (!training) {
        return batchNormInference(input, offset, running, this.batchNorm.epsilon);
      }
      const result = batchNormTraining(input, offset, running, this.batchNorm);
      updated.push(result.running.mean, result.running.variance);
      return result.output;
    };
    const logits = airbenchForward(normalizeCifar(images), airbenchLayers(state.trainable, state.whiteningFilter), batchNorm, this.activation);
    return { logits, runningStatistics: updated };
  }
}
