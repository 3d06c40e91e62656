"""Python TensorFlow reference for the chapter 4 speed comparison.

Times the TRAINING STEP (forward, backward, Adam update) of the chapter's four CNNs,
written as explicit tf.Variables and ops in TF2 style and compiled with tf.function,
on random data of batch 50 made once (the TypeScript side also times on random data).

    .venv-bench/bin/python bench/python/train_step.py --model all --steps 30 --warmup 5 --repeats 3

FLOPs convention (shared with the TypeScript side): 2 FLOPs per multiply-add of the
conv and dense layers only (bias, ReLU, pooling, dropout, softmax are not counted),
forward pass only, and a training step counts as 3 x forward (backward ~ 2 x forward):

    conv  (stride 1, SAME): 2 * H_out * W_out * k_h * k_w * C_in * C_out   per example
    dense:                  2 * n_in * n_out                                per example
    training step:          3 * batch * sum(forward FLOPs per example)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from dataclasses import dataclass
from typing import Callable

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep the tables readable
# The notebooks' package turns oneDNN on wherever the user has not set this (src/native/backend.ts);
# the reference runs with the same setting, so both sides compute with the same kernels.
if not os.environ.get("TF_ENABLE_ONEDNN_OPTS"):
    os.environ["TF_ENABLE_ONEDNN_OPTS"] = "1"
import tensorflow as tf  # noqa: E402  (must follow the settings above)
from tensorflow.python.util import _pywrap_util_port  # noqa: E402  (TensorFlow's own oneDNN decision)

BATCH = 50
CLASSES = 10
KEEP_PROB = 0.5
INIT_STDDEV = 0.1
INIT_BIAS = 0.1
ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON = 0.9, 0.999, 1e-8

# Environment variables that may change how TensorFlow's C library uses the CPU;
# echoed in the output so a measurement says what it ran with.
THREAD_ENV_VARS = ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS", "TF_ENABLE_ONEDNN_OPTS")


def weight(shape: list[int]) -> tf.Variable:
    return tf.Variable(tf.random.truncated_normal(shape, stddev=INIT_STDDEV))


def bias(size: int) -> tf.Variable:
    return tf.Variable(tf.constant(INIT_BIAS, shape=[size]))


class Conv:
    """k x k convolution, stride 1, SAME padding, plus bias and ReLU."""

    def __init__(self, k: int, c_in: int, c_out: int):
        self.w, self.b = weight([k, k, c_in, c_out]), bias(c_out)
        self.macs_per_output_pixel = k * k * c_in * c_out
        self.macs_per_example = 0  # known after the first call (depends on the input size)

    def __call__(self, x: tf.Tensor) -> tf.Tensor:
        y = tf.nn.relu(tf.nn.conv2d(x, self.w, strides=1, padding="SAME") + self.b)
        self.macs_per_example = y.shape[1] * y.shape[2] * self.macs_per_output_pixel
        return y


class Dense:
    """Fully connected layer, optionally followed by ReLU."""

    def __init__(self, n_in: int, n_out: int, relu: bool):
        self.w, self.b = weight([n_in, n_out]), bias(n_out)
        self.relu = relu
        self.macs_per_example = n_in * n_out

    def __call__(self, x: tf.Tensor) -> tf.Tensor:
        y = tf.matmul(x, self.w) + self.b
        return tf.nn.relu(y) if self.relu else y


Layer = Conv | Dense


def max_pool(x: tf.Tensor, size: int = 2) -> tf.Tensor:
    return tf.nn.max_pool2d(x, ksize=size, strides=size, padding="SAME")


def dropout(x: tf.Tensor, training: bool) -> tf.Tensor:
    """Dropout with keep probability KEEP_PROB when training; the identity otherwise."""
    return tf.nn.dropout(x, rate=1.0 - KEEP_PROB) if training else x


def flatten(x: tf.Tensor) -> tf.Tensor:
    return tf.reshape(x, [-1, x.shape[1] * x.shape[2] * x.shape[3]])


@dataclass
class Network:
    """A model of the chapter: its layers and its forward pass forward(x, training) (dropout only when training)."""

    layers: list[Layer]
    forward: Callable[[tf.Tensor, bool], tf.Tensor]

    @property
    def variables(self) -> list[tf.Variable]:
        return [v for layer in self.layers for v in (layer.w, layer.b)]


def mnist_network() -> Network:
    conv1, conv2 = Conv(5, 1, 32), Conv(5, 32, 64)
    fc1, fc2 = Dense(7 * 7 * 64, 1024, relu=True), Dense(1024, CLASSES, relu=False)

    def forward(x, training):
        h = max_pool(conv2(max_pool(conv1(x))))
        return fc2(dropout(fc1(flatten(h)), training))

    return Network([conv1, conv2, fc1, fc2], forward)


def cifar_simple_network() -> Network:
    conv1, conv2 = Conv(5, 3, 32), Conv(5, 32, 64)
    fc1, fc2 = Dense(8 * 8 * 64, 1024, relu=True), Dense(1024, CLASSES, relu=False)

    def forward(x, training):
        h = max_pool(conv2(max_pool(conv1(x))))
        return fc2(dropout(fc1(flatten(h)), training))

    return Network([conv1, conv2, fc1, fc2], forward)


def cifar_3conv_network() -> Network:
    conv1, conv2, conv3 = Conv(5, 3, 32), Conv(5, 32, 64), Conv(5, 64, 128)
    fc1, fc2 = Dense(4 * 4 * 128, 512, relu=True), Dense(512, CLASSES, relu=False)

    def forward(x, training):
        h = max_pool(conv3(max_pool(conv2(max_pool(conv1(x))))))
        return fc2(dropout(fc1(dropout(flatten(h), training)), training))

    return Network([conv1, conv2, conv3, fc1, fc2], forward)


def cifar_reduced_network() -> Network:
    maps = (30, 50, 80)
    blocks, c_in = [], 3
    for c_out in maps:
        blocks.append([Conv(3, c_in, c_out), Conv(3, c_out, c_out), Conv(3, c_out, c_out)])
        c_in = c_out
    fc1, fc2 = Dense(maps[-1], 500, relu=True), Dense(500, CLASSES, relu=False)
    pool_sizes = (2, 2, 8)  # the last pool takes the 8x8 maps down to 1x1

    def forward(x, training):
        h = x
        for block, pool_size in zip(blocks, pool_sizes):
            for conv in block:
                h = conv(h)
            h = dropout(max_pool(h, pool_size), training)
        return fc2(dropout(fc1(flatten(h)), training))

    return Network([conv for block in blocks for conv in block] + [fc1, fc2], forward)


@dataclass(frozen=True)
class ModelSpec:
    image_shape: tuple[int, int, int]
    learning_rate: float
    expected_params: int
    build: Callable[[], Network]


MODELS: dict[str, ModelSpec] = {
    "mnist": ModelSpec((28, 28, 1), 1e-4, 3_274_634, mnist_network),
    "cifar-simple": ModelSpec((32, 32, 3), 1e-3, 4_259_274, cifar_simple_network),
    "cifar-3conv": ModelSpec((32, 32, 3), 1e-3, 1_312_842, cifar_3conv_network),
    "cifar-reduced": ModelSpec((32, 32, 3), 1e-3, 272_700, cifar_reduced_network),
}


class Adam:
    """Adam with TensorFlow's fused ResourceApplyAdam kernel (as tf.compat.v1's AdamOptimizer)."""

    def __init__(self, variables: list[tf.Variable], learning_rate: float):
        self.variables = variables
        self.m = [tf.Variable(tf.zeros_like(v)) for v in variables]
        self.v = [tf.Variable(tf.zeros_like(v)) for v in variables]
        self.step = tf.Variable(0.0)
        self.lr, self.beta1, self.beta2, self.epsilon = (
            tf.constant(c, tf.float32) for c in (learning_rate, ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON)
        )

    def apply(self, gradients: list[tf.Tensor]) -> None:
        t = self.step.assign_add(1.0)
        beta1_power, beta2_power = tf.pow(self.beta1, t), tf.pow(self.beta2, t)
        for var, m, v, grad in zip(self.variables, self.m, self.v, gradients):
            tf.raw_ops.ResourceApplyAdam(
                var=var.handle, m=m.handle, v=v.handle, beta1_power=beta1_power, beta2_power=beta2_power,
                lr=self.lr, beta1=self.beta1, beta2=self.beta2, epsilon=self.epsilon, grad=grad,
            )


def make_train_step(network: Network, optimizer: Adam, xla: bool) -> Callable[[tf.Tensor, tf.Tensor], tf.Tensor]:
    """One compiled training step: forward, mean softmax cross-entropy, gradients, Adam update."""

    @tf.function(jit_compile=xla)
    def train_step(images, labels):
        with tf.GradientTape() as tape:
            logits = network.forward(images, training=True)
            loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits))
        optimizer.apply(tape.gradient(loss, network.variables))
        return loss

    return train_step


def count_params(network: Network) -> int:
    return sum(int(tf.size(v)) for v in network.variables)


def training_flops_per_step(network: Network, image_shape: tuple[int, int, int]) -> int:
    """3 x forward FLOPs of the batch (see the module doc); runs one eager forward to learn the conv sizes."""
    network.forward(tf.zeros([1, *image_shape]), training=True)  # with dropout, so the random-op sequence is unchanged
    forward_macs_per_example = sum(layer.macs_per_example for layer in network.layers)
    return 3 * BATCH * 2 * forward_macs_per_example


def thread_settings() -> dict:
    return {
        "intra_op": tf.config.threading.get_intra_op_parallelism_threads(),  # 0 = TensorFlow's default
        "inter_op": tf.config.threading.get_inter_op_parallelism_threads(),
        "cpu_count": os.cpu_count(),
        "env": {name: os.environ[name] for name in THREAD_ENV_VARS if name in os.environ},
        "onednn_enabled": _pywrap_util_port.IsMklEnabled(),
    }


def benchmark(model: str, steps: int, warmup: int, repeats: int, xla: bool) -> dict:
    spec = MODELS[model]
    tf.random.set_seed(0)
    network = spec.build()
    params = count_params(network)
    assert params == spec.expected_params, f"{model}: {params} parameters, the chapter's model has {spec.expected_params}"
    flops = training_flops_per_step(network, spec.image_shape)

    images = tf.random.uniform([BATCH, *spec.image_shape])
    labels = tf.one_hot(tf.random.uniform([BATCH], maxval=CLASSES, dtype=tf.int32), CLASSES)
    train_step = make_train_step(network, Adam(network.variables, spec.learning_rate), xla)

    for _ in range(warmup):  # the first call also traces and compiles the function
        loss = train_step(images, labels)
    loss.numpy()

    ms_per_step = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            loss = train_step(images, labels)
        loss.numpy()  # waits for the last step to finish
        ms_per_step.append((time.perf_counter() - start) * 1000 / steps)

    median = statistics.median(ms_per_step)
    return {
        "model": model,
        "batch": BATCH,
        "ms_per_step_median": round(median, 2),
        "ms_per_step_all": [round(ms, 2) for ms in ms_per_step],
        "ms_per_step_min": round(min(ms_per_step), 2),  # least disturbed by other load on the machine
        "params": params,
        "gflop_per_step": round(flops / 1e9, 3),
        "gflop_per_s": round(flops / 1e9 / (median / 1000), 1),
        "xla": xla,
        "tf_version": tf.__version__,
        "threads": thread_settings(),
    }


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Time the training step of the chapter 4 CNNs in Python TensorFlow.")
    parser.add_argument("--model", choices=[*MODELS, "all"], default="all")
    parser.add_argument("--steps", type=int, default=50, help="timed steps per repetition")
    parser.add_argument("--warmup", type=int, default=10, help="untimed steps first (includes tracing)")
    parser.add_argument("--repeats", type=int, default=3, help="timed repetitions; the median is reported")
    parser.add_argument("--xla", action="store_true", help="compile the step with XLA (tf.function jit_compile=True)")
    parser.add_argument("--json", action="store_true", help="print one JSON object per model")
    args = parser.parse_args(argv)
    for name in ("steps", "warmup", "repeats"):  # warm-up >= 1 keeps tracing out of the timings
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1 (got {getattr(args, name)})")
    return args


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    models = list(MODELS) if args.model == "all" else [args.model]
    for model in models:
        result = benchmark(model, args.steps, args.warmup, args.repeats, args.xla)
        if args.json:
            print(json.dumps(result), flush=True)
        else:
            runs = ", ".join(f"{ms:.1f}" for ms in result["ms_per_step_all"])
            print(
                f"{model:14s} {result['ms_per_step_median']:7.1f} ms/step (runs: {runs})  "
                f"{result['gflop_per_step']:.2f} GFLOP/step = {result['gflop_per_s']:.0f} GFLOP/s  "
                f"params {result['params']:,}  TF {result['tf_version']}{'  XLA' if args.xla else ''}  "
                f"oneDNN {'on' if result['threads']['onednn_enabled'] else 'off'}",
                flush=True,
            )


if __name__ == "__main__":
    main(sys.argv[1:])
