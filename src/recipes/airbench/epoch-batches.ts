/**
 * airbench's batches: epochs over a training set, each a fresh seeded
 * permutation cut into full batches (the last partial batch is dropped), its
 * images randomly translated and flipped by the epoch's augmentation plan.
 */
import { tf } from "../../native/backend";
import { checkSeed, SEED_LIMIT } from "../../seed";
import { AirbenchAugmentation, cropAndFlip, planForBatch, type AugmentationPlan } from "./augmentation";
import type { ImageSet } from "../../data/image-set";
import type { Batch, BatchesIdentity } from "../../data/pipeline";
import { deriveSeed, mulberry32, permutation, streamSeed } from "../../data/random";

export interface EpochBatchOptions {
  batchSize: number;
  /** Seeds the order (stream "order") and the augmentation (stream "augmentation"). */
  seed: number;
  /** Random translation by up to this many pixels (reflect-padded crops); 0: none. */
  translate: number;
  /** Alternating left-right flips. */
  flip: boolean;
}

export class EpochBatches {
  readonly identity: BatchesIdentity;
  /** Full batches in an epoch. */
  readonly stepsPerEpoch: number;
  private readonly augmentation: AirbenchAugmentation | null;
  private epoch = -1;
  private batchInEpoch = 0;
  private order: Int32Array = new Int32Array(0);
  private plan: AugmentationPlan | null = null;

  constructor(private readonly set: ImageSet, readonly options: EpochBatchOptions) {
    const { batchSize, seed, translate, flip } = options;
    checkSeed(seed, "EpochBatches: seed");
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new Error(`EpochBatches: batchSize must be a whole number ≥ 1, got ${batchSize}.`);
    }
    if (!Number.isInteger(translate) || translate < 0) {
      throw new Error(`EpochBatches: translate must be a whole number ≥ 0, got ${translate}.`);
    }
    this.stepsPerEpoch = Math.floor(set.count / batchSize);
    if (this.stepsPerEpoch === 0) {
      throw new Error(
        `EpochBatches: a batch size of ${batchSize} is larger than the ${set.count} training images; ` +
          `pass a smaller batch size (e.g. ${Math.max(1, Math.floor(set.count / 10))}).`,
      );
    }
    // The project's seeds are below 2^31; the stream's 32-bit seed is folded into that range.
    this.augmentation = translate > 0 || flip ? new AirbenchAugmentation(set.count, streamSeed(seed, "augmentation") % SEED_LIMIT, translate) : null;
    const order = `epochs of a permutation (seed ${seed}), full batches only; translate ${translate}, ${flip ? "alternating flips" : "no flips"}`;
    this.identity = { dataset: set.datasetId, batchSize, order };
  }

  nextBatch(): Batch {
    if (this.epoch < 0 || this.batchInEpoch === this.stepsPerEpoch) {
      this.startEpoch(this.epoch + 1);
    }
    const { batchSize, translate } = this.options;
    const indices = this.order.subarray(this.batchInEpoch * batchSize, (this.batchInEpoch + 1) * batchSize);
    this.batchInEpoch++;
    const { xs, ys } = this.set.gather(indices);
    if (this.plan === null) {
      return { xs, ys };
    }
    const plan = this.plan;
    const augmented = tf.tidy(() => cropAndFlip(xs, planForBatch(plan, indices), translate));
    xs.dispose();
    return { xs: augmented, ys };
  }

  private startEpoch(epoch: number): void {
    this.epoch = epoch;
    this.batchInEpoch = 0;
    this.order = permutation(this.set.count, mulberry32(deriveSeed(streamSeed(this.options.seed, "order"), epoch)));
    this.plan = this.augmentation === null ? null : this.augmentation.epochPlan(epoch);
    if (this.plan !== null && !this.options.flip) this.plan.flips.fill(0);
  }
}
