/**
 * The two things training and evaluation need from the data layer. The data
 * module's batch iterators and image sets fit them as they are; so does any
 * object of the same shape (e.g. synthetic test data).
 */
import type { tf } from "../backend";
import type { Batch } from "../data/pipeline";

export type { Batch };

/** Hands out training batches; train() disposes each batch after its step. */
export interface BatchSource {
  nextBatch(): Batch;
}

/** A labelled test set read in slices [start, end); the caller disposes each slice. */
export interface TestSet {
  count: number;
  images(start: number, end: number): tf.Tensor4D;
  oneHot(start: number, end: number): tf.Tensor2D;
}
