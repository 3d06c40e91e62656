/**
 * The two things training and evaluation need from the data layer. The data
 * module's batch iterators and image sets fit them as they are; so does any
 * object of the same shape (e.g. synthetic test data).
 */
import type { tf } from "../backend";
import type { Batch } from "../data/pipeline";

export type { Batch };

/**
 * What a batch source draws: the data set (its name and a hash of its contents)
 * and the batch size. Cached weights record it, so weights trained on other
 * data or other batches are never reused silently.
 */
export interface BatchesIdentity {
  /** E.g. "mnist-train:1a2b3c4d": the set's name and a short hash of its files. */
  dataset: string;
  batchSize: number;
}

/** Hands out training batches; train() disposes each batch after its step. */
export interface BatchSource {
  nextBatch(): Batch;
  /** Set by the data module's pipelines; ad-hoc sources (synthetic test data) may leave it out. */
  readonly identity?: BatchesIdentity;
}

/** A labelled test set read in slices [start, end); the caller disposes each slice. */
export interface TestSet {
  count: number;
  images(start: number, end: number): tf.Tensor4D;
  oneHot(start: number, end: number): tf.Tensor2D;
}
