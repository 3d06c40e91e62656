import { tf } from "../native/backend";
import { randomSeed } from "../seed";
import { deriveSeed, mulberry32 } from "./random";

/** One batch: float32 images [n, H, W, C] in [0, 1] and one-hot labels [n, classes]. The caller disposes both. */
export interface Batch {
  xs: tf.Tensor4D;
  ys: tf.Tensor2D;
}

/**
 * What a batch source draws: the data set (its name and a hash of its contents)
 * and the batch size. Cached weights record it, so weights trained on other
 * data or other batches are never reused silently.
 */
export interface BatchesIdentity {
  /** E.g. "mnist-train:1a2b3c4d": the set's name and a short hash of its files. */
  dataset: string;
  batchSize: number;
  /** How the batches are drawn, e.g. "shuffle(buffer 60000, seed 42), repeat(Infinity)". */
  order?: string;
}

/** What a pipeline draws from: a numbered collection that can gather a batch (an ImageSet). */
export interface PipelineSource {
  readonly count: number;
  /** What data this is, e.g. "mnist-train:1a2b3c4d" (see ImageSet.datasetId). */
  readonly datasetId: string;
  gather(indices: ArrayLike<number>): Batch;
}

export interface ShuffleOptions {
  /** Makes the order reproducible; without it every run differs. */
  seed?: number;
  /** As in tf.data: a new order each pass over the data (default true); false repeats the first order. */
  reshuffleEachIteration?: boolean;
}

export interface BatchOptions {
  /** Drop a last batch smaller than `size` (default false, as in tf.data). */
  dropRemainder?: boolean;
}

/**
 * A stream of element indices. `next()` returns -1 once exhausted: the
 * pipeline moves plain numbers, never a JS object per element.
 */
interface IndexStream {
  next(): number;
}

class RangeStream implements IndexStream {
  private position = 0;
  constructor(private readonly count: number) {}
  next(): number {
    return this.position < this.count ? this.position++ : -1;
  }
}

/**
 * tf.data's shuffle buffer: holds up to `capacity` upcoming elements, emits one
 * drawn uniformly from it and refills the freed slot from upstream; once
 * upstream is exhausted the buffer drains.
 */
class ShuffleStream implements IndexStream {
  private readonly buffer: Int32Array;
  private filled = 0;
  private upstreamDone = false;

  constructor(private readonly upstream: IndexStream, capacity: number, private readonly random: () => number) {
    this.buffer = new Int32Array(capacity);
  }

  next(): number {
    while (!this.upstreamDone && this.filled < this.buffer.length) {
      const index = this.upstream.next();
      if (index < 0) this.upstreamDone = true;
      else this.buffer[this.filled++] = index;
    }
    if (this.filled === 0) return -1;
    const slot = Math.floor(this.random() * this.filled);
    const drawn = this.buffer[slot];
    this.buffer[slot] = this.buffer[--this.filled];
    return drawn;
  }
}

/** Re-opens upstream `count` times; stops early if a pass yields nothing (an endless repeat of nothing). */
class RepeatStream implements IndexStream {
  private current: IndexStream;
  private passesStarted = 1;
  private yieldedThisPass = false;

  constructor(private readonly open: () => IndexStream, private readonly count: number) {
    this.current = open();
  }

  next(): number {
    if (this.count === 0) return -1;
    for (;;) {
      const index = this.current.next();
      if (index >= 0) {
        this.yieldedThisPass = true;
        return index;
      }
      if (!this.yieldedThisPass || this.passesStarted >= this.count) return -1;
      this.current = this.open();
      this.passesStarted++;
      this.yieldedThisPass = false;
    }
  }
}

function checkWholeNumber(what: string, value: number, minimum: number): void {
  if (!Number.isInteger(value) || value < minimum) {
    throw new RangeError(`${what} must be a whole number >= ${minimum}, got ${value}.`);
  }
}

/**
 * An input pipeline with tf.data's semantics, over the indices of a
 * PipelineSource. Stages return new pipelines; `batch()` ends the chain:
 *
 *     const batches = train.pipeline().shuffle(100000, { seed: 42 }).repeat().batch(50);
 *     const it = batches.iterator();
 *     const { xs, ys } = it.nextBatch();   // dispose xs and ys when done (or use tf.tidy)
 */
export class Pipeline {
  private constructor(
    private readonly source: PipelineSource,
    /** Opens a fresh pass over this stage's elements. */
    private readonly open: () => IndexStream,
    /** Elements per full iteration; Infinity after an endless repeat(). */
    readonly length: number,
    /** The stages so far, for the batches' identity. */
    private readonly stages: readonly string[] = [],
  ) {}

  /** All elements of `source`, in order. */
  static over(source: PipelineSource): Pipeline {
    return new Pipeline(source, () => new RangeStream(source.count), source.count);
  }

  /**
   * Shuffles with a buffer of `bufferSize` elements, like tf.data's
   * `shuffle(buffer_size, seed)`: a buffer at least as large as the data gives a
   * uniform permutation; a smaller one only mixes nearby elements. With a seed,
   * the sequence of orders (one per pass) is the same on every run.
   */
  shuffle(bufferSize: number, options: ShuffleOptions = {}): Pipeline {
    checkWholeNumber("shuffle: bufferSize", bufferSize, 1);
    const seed = options.seed ?? randomSeed();
    checkWholeNumber("shuffle: seed", seed, 0);
    const reshuffle = options.reshuffleEachIteration ?? true;
    const capacity = Math.min(bufferSize, this.length);
    const upstream = this.open;
    // Counts passes over this stage across all iterators, so each pass gets its own order (as tf.data).
    let passes = 0;
    const open = () => new ShuffleStream(upstream(), capacity, mulberry32(deriveSeed(seed, reshuffle ? passes++ : 0)));
    const stage = `shuffle(buffer ${capacity}, seed ${seed}${reshuffle ? "" : ", same order each pass"})`;
    return new Pipeline(this.source, open, this.length, [...this.stages, stage]);
  }

  /** Repeats the elements `count` times (default: endlessly), one pass after the other. */
  repeat(count = Infinity): Pipeline {
    if (count !== Infinity) checkWholeNumber("repeat: count", count, 0);
    const upstream = this.open;
    const length = this.length === 0 || count === 0 ? 0 : this.length * count;
    return new Pipeline(this.source, () => new RepeatStream(upstream, count), length, [...this.stages, `repeat(${count})`]);
  }

  /** Groups consecutive elements into batches of `size` (the last one may be smaller unless `dropRemainder`). */
  batch(size: number, options: BatchOptions = {}): BatchPipeline {
    checkWholeNumber("batch: size", size, 1);
    return new BatchPipeline(this.source, this.open, this.length, size, options.dropRemainder ?? false, this.stages.join(", ") || "in order");
  }
}

/**
 * The batched end of a pipeline. `iterator()` gives batches one `nextBatch()`
 * at a time (for step-driven training); `for (const batch of batches)` makes
 * one pass (for finite pipelines, e.g. one epoch).
 */
export class BatchPipeline implements Iterable<Batch> {
  /** Batches per full iteration; Infinity after an endless repeat(). */
  readonly length: number;
  /** The source's dataset and the batch size, which cached weights record. */
  readonly identity: BatchesIdentity;

  constructor(
    private readonly source: PipelineSource,
    private readonly open: () => IndexStream,
    elements: number,
    readonly batchSize: number,
    private readonly dropRemainder: boolean,
    order: string,
  ) {
    this.length = dropRemainder ? Math.floor(elements / batchSize) : Math.ceil(elements / batchSize);
    this.identity = { dataset: source.datasetId, batchSize, order: dropRemainder ? `${order}, full batches only` : order };
  }

  /** A new pass over the pipeline. */
  iterator(): BatchIterator {
    return new BatchIterator(this.source, this.open(), this.identity, this.dropRemainder);
  }

  [Symbol.iterator](): Iterator<Batch> {
    return this.iterator()[Symbol.iterator]();
  }
}

/** Draws batches from one pass of a BatchPipeline (the training loop's BatchSource). */
export class BatchIterator implements Iterable<Batch> {
  private readonly indices: Int32Array;
  private batchesDrawn = 0;

  constructor(
    private readonly source: PipelineSource,
    private readonly stream: IndexStream,
    /** The source's dataset and the batch size, which cached weights record. */
    readonly identity: BatchesIdentity,
    private readonly dropRemainder: boolean,
  ) {
    this.indices = new Int32Array(identity.batchSize);
  }

  /** The next batch; throws once the pipeline is exhausted (add `.repeat()` before `.batch()` for an endless stream). */
  nextBatch(): Batch {
    const batch = this.take();
    if (batch === null) {
      throw new RangeError(
        `The pipeline is exhausted after ${this.batchesDrawn} batches. ` +
          "Add .repeat() before .batch() for an endless stream, or iterate with for...of for a single pass.",
      );
    }
    return batch;
  }

  /** The remaining batches of this pass. */
  *[Symbol.iterator](): Iterator<Batch> {
    for (let batch = this.take(); batch !== null; batch = this.take()) yield batch;
  }

  private take(): Batch | null {
    let filled = 0;
    while (filled < this.indices.length) {
      const index = this.stream.next();
      if (index < 0) break;
      this.indices[filled++] = index;
    }
    if (filled === 0 || (filled < this.indices.length && this.dropRemainder)) return null;
    this.batchesDrawn++;
    return this.source.gather(this.indices.subarray(0, filled));
  }
}
