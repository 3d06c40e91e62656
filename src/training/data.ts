/**
 * The two things training and evaluation need from the data layer. The data
 * module's batch iterators and image sets fit them as they are; so does any
 * object of the same shape (e.g. synthetic test data).
 */
import type { tf } from "../native/backend";
import type { Batch, BatchesIdentity } from "../data/pipeline";

export type { Batch, BatchesIdentity };

/** Hands out training batches; train() disposes each batch after its step. */
export interface BatchSource {
  nextBatch(): Batch;
  /** Set by the data module's pipelines; ad-hoc sources (synthetic test data) may leave it out. */
  readonly identity?: BatchesIdentity;
  /** Batches in an epoch, for sources that come in epochs (airbench's EpochBatches). */
  readonly stepsPerEpoch?: number;
}

/** A labelled test set read in slices [start, end); the caller disposes each slice. */
export interface TestSet {
  count: number;
  /** The set's name and a hash of its contents (image sets have one); cached runs that evaluated on it record it. */
  readonly datasetId?: string;
  images(start: number, end: number): tf.Tensor4D;
  oneHot(start: number, end: number): tf.Tensor2D;
}
