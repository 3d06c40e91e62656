"""Python TensorFlow reference for the chapter 4 accuracy comparison.

Trains one of the chapter's four CNNs to completion on the real data and prints its test
accuracy, to be compared with the TypeScript runs (`npm run train -- --model M --seed S`)
over several seeds. The models, the Adam update (TF1 AdamOptimizer's fused kernel) and the
compiled training step are those of train_step.py; training follows the chapter: batches of
50 from a fresh random permutation of the whole training set each epoch, dropout keep
probability 0.5, a log line on the current batch (without dropout) at step 0 and every
500 (mnist) / 1000 (CIFAR) steps, then the accuracy without dropout on the 10000 test
images as the mean over 10 blocks of 1000.

    CNN_DATA_DIR=/work/shared/datasets \
        .venv-bench/bin/python bench/python/train_accuracy.py --model cifar-3conv --seed 7 [--steps N]

The data directory (--data-dir, default $CNN_DATA_DIR) holds the official files:
mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz and
cifar-10-batches-bin/{data_batch_1..5,test_batch}.bin. The last line reads
`<model> seed <S>: test accuracy XX.XX%, training T.T s`, as scripts/train.ts prints it;
the training time is the wall time of the training loop (log points included), without
data loading and the test evaluation.
"""

from __future__ import annotations

import argparse
import gzip
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from train_step import BATCH, CLASSES, MODELS, Adam, Network, make_train_step
import tensorflow as tf  # after train_step, which sets TensorFlow's log level before importing it

TEST_BLOCK = 1000
MNIST_URL = "https://storage.googleapis.com/cvdf-datasets/mnist/"
CIFAR_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
CIFAR_SIDE, CIFAR_CHANNELS = 32, 3
CIFAR_RECORD_BYTES = 1 + CIFAR_SIDE * CIFAR_SIDE * CIFAR_CHANNELS


class DataError(Exception):
    """A data file is missing or not in the expected format; the message says which and what to do."""


@dataclass(frozen=True)
class ImageSet:
    """Images as uint8 NHWC (scaled to float32 / 255 per batch) and labels as class indices."""

    images: np.ndarray
    labels: np.ndarray

    def batch(self, indices: np.ndarray | slice) -> tuple[tf.Tensor, tf.Tensor]:
        images = self.images[indices].astype(np.float32) / np.float32(255)
        one_hot = np.eye(CLASSES, dtype=np.float32)[self.labels[indices]]
        return tf.convert_to_tensor(images), tf.convert_to_tensor(one_hot)


@dataclass(frozen=True)
class Dataset:
    train: ImageSet
    test: ImageSet


@dataclass(frozen=True)
class Schedule:
    steps: int
    log_every: int


SCHEDULES: dict[str, Schedule] = {
    "mnist": Schedule(5000, 500),
    "cifar-simple": Schedule(10000, 1000),
    "cifar-3conv": Schedule(10000, 1000),
    "cifar-reduced": Schedule(10000, 1000),
}


def read_file(path: Path, how_to_get_it: str) -> bytes:
    if not path.is_file():
        raise DataError(f"missing {path}: {how_to_get_it}, or point --data-dir (CNN_DATA_DIR) at a folder that has it")
    return path.read_bytes()


def read_idx(path: Path, dims: int, magic: int) -> np.ndarray:
    """A gzip IDX file of unsigned bytes (magic 0x0801 labels, 0x0803 images) as an array."""
    data = gzip.decompress(read_file(path, f"download {MNIST_URL}{path.name} there (keep it gzipped)"))
    header = 4 + 4 * dims
    found_magic = int.from_bytes(data[:4], "big")
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims))
    if found_magic != magic or len(data) != header + int(np.prod(shape)):
        raise DataError(f"{path} is not an IDX file of {dims}-dimensional unsigned bytes of the size its header says")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


def load_mnist(directory: Path) -> Dataset:
    def image_set(prefix: str) -> ImageSet:
        images = read_idx(directory / f"{prefix}-images-idx3-ubyte.gz", 3, 0x0803)
        labels = read_idx(directory / f"{prefix}-labels-idx1-ubyte.gz", 1, 0x0801)
        return ImageSet(images[..., np.newaxis], labels)

    return Dataset(image_set("train"), image_set("t10k"))


def read_cifar(paths: list[Path]) -> ImageSet:
    """CIFAR-10 binary batches: records of 1 label byte and the R, G, B planes (32x32 each), to NHWC."""
    how_to_get_it = f"unpack {CIFAR_URL} (the binary version) in {paths[0].parent.parent}"
    records = []
    for path in paths:
        data = np.frombuffer(read_file(path, how_to_get_it), dtype=np.uint8)
        if data.size == 0 or data.size % CIFAR_RECORD_BYTES != 0:
            raise DataError(f"{path} is not a CIFAR-10 binary batch: {data.size} bytes are not whole records")
        records.append(data.reshape(-1, CIFAR_RECORD_BYTES))
    all_records = np.concatenate(records)
    labels = all_records[:, 0]
    if labels.max() >= CLASSES:
        raise DataError(f"a label in {', '.join(map(str, paths))} is {labels.max()}, but CIFAR-10 labels are 0..9")
    planes = all_records[:, 1:].reshape(-1, CIFAR_CHANNELS, CIFAR_SIDE, CIFAR_SIDE)
    return ImageSet(np.ascontiguousarray(planes.transpose(0, 2, 3, 1)), labels)


def load_cifar10(directory: Path) -> Dataset:
    train = read_cifar([directory / f"data_batch_{i}.bin" for i in range(1, 6)])
    return Dataset(train, read_cifar([directory / "test_batch.bin"]))


def load_data(model: str, data_dir: Path) -> Dataset:
    """The model's dataset, checked to be complete (60000 / 50000 training and 10000 test images)."""
    if model == "mnist":
        data, expected_train = load_mnist(data_dir / "mnist"), 60000
    else:
        data, expected_train = load_cifar10(data_dir / "cifar-10-batches-bin"), 50000
    counts = (len(data.train.labels), len(data.test.labels))
    if counts != (expected_train, 10 * TEST_BLOCK):
        raise DataError(
            f"{data_dir} holds {counts[0]} training and {counts[1]} test images for {model}, "
            f"the full dataset has {expected_train} and {10 * TEST_BLOCK}: use the official files"
        )
    return data


def batch_indices(count: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Endless batches of indices: a fresh permutation each epoch (a last partial batch is skipped)."""
    while True:
        order = rng.permutation(count)
        for start in range(0, count - BATCH + 1, BATCH):
            yield order[start : start + BATCH]


def make_evaluate(network: Network) -> Callable[[tf.Tensor, tf.Tensor], tuple[tf.Tensor, tf.Tensor]]:
    """Compiled cost (mean softmax cross-entropy) and accuracy of a batch, without dropout."""

    @tf.function
    def evaluate(images, labels):
        logits = network.forward(images, training=False)
        cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits))
        correct = tf.equal(tf.argmax(logits, axis=1), tf.argmax(labels, axis=1))
        return cost, tf.reduce_mean(tf.cast(correct, tf.float32))

    return evaluate


def train_and_test(model: str, seed: int, steps: int, data: Dataset) -> tuple[float, float]:
    """Trains a fresh model; returns its test accuracy (0..1) and the training wall time in seconds."""
    spec, log_every = MODELS[model], SCHEDULES[model].log_every
    tf.random.set_seed(seed)  # initial weights and dropout masks
    network = spec.build()
    train_step = make_train_step(network, Adam(network.variables, spec.learning_rate), xla=False)
    evaluate = make_evaluate(network)
    batches = batch_indices(len(data.train.labels), np.random.default_rng(seed))

    start = time.perf_counter()
    for step in range(steps):
        images, labels = data.train.batch(next(batches))
        if step % log_every == 0:  # before training on the batch, as the chapter does
            cost, accuracy = evaluate(images, labels)
            print(f"step {step}, cost {float(cost):.4f}, training accuracy {float(accuracy):.4f}", flush=True)
        loss = train_step(images, labels)
    loss.numpy()  # waits for the last step to finish
    training_seconds = time.perf_counter() - start

    block_accuracies = [
        float(evaluate(*data.test.batch(slice(first, first + TEST_BLOCK)))[1])
        for first in range(0, len(data.test.labels), TEST_BLOCK)
    ]
    return float(np.mean(block_accuracies)), training_seconds


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Train a chapter 4 CNN in Python TensorFlow; print its test accuracy.")
    parser.add_argument("--model", choices=list(MODELS), required=True)
    parser.add_argument("--seed", type=int, default=42, help="seeds the weights, dropout and batch order (default 42)")
    parser.add_argument("--steps", type=int, help="training steps (default: mnist 5000, CIFAR models 10000)")
    parser.add_argument("--data-dir", type=Path, help="holds mnist/ and cifar-10-batches-bin/ (default: $CNN_DATA_DIR)")
    args = parser.parse_args(argv)
    if args.seed < 0:
        parser.error(f"--seed must be at least 0 (got {args.seed})")
    if args.steps is None:
        args.steps = SCHEDULES[args.model].steps
    elif args.steps < 1:
        parser.error(f"--steps must be at least 1 (got {args.steps})")
    if args.data_dir is None:
        if not os.environ.get("CNN_DATA_DIR"):
            parser.error("no data directory: pass --data-dir DIR or set CNN_DATA_DIR (see the module doc)")
        args.data_dir = Path(os.environ["CNN_DATA_DIR"])
    return args


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    try:
        data = load_data(args.model, args.data_dir)
    except (DataError, OSError) as error:
        sys.exit(f"train_accuracy: {error}")
    accuracy, training_seconds = train_and_test(args.model, args.seed, args.steps, data)
    print(f"{args.model} seed {args.seed}: test accuracy {100 * accuracy:.2f}%, training {training_seconds:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
