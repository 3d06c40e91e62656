"""PyTorch reference for the speed comparison: the chapter's four CNNs and airbench's step.

Times one TRAINING STEP (forward in training mode, loss, backward, optimizer update) in
PyTorch's eager mode on the CPU, channels-last, with torch.set_num_threads(2), in float32
or under torch.autocast("cpu", dtype=torch.bfloat16), on one random batch made once:

    .venv-torch/bin/python bench/torch/train_step.py --model all --steps 30 --warmup 5 --repeats 3
    .venv-torch/bin/python bench/torch/train_step.py --model airbench --batch 512 --precision bfloat16

The networks are written here from the project's TypeScript definitions (src/models/*.ts),
not taken from elsewhere; each run checks its parameter count against ours. The chapter's
models train as scripts/bench/models.ts times them (batch 50, Adam at the chapter's learning
rate, mean softmax cross-entropy, dropout with keep probability 0.5); airbench as
scripts/bench/airbench-step.ts does (4.4's widths 24 / 64, 192, 192, batch norm on the
batch's statistics with the running ones updated, cross-entropy with label smoothing 0.2,
Nesterov SGD with momentum 0.85 and weight decay 5e-4, batch-norm offsets at 64x the rate).

FLOPs follow the convention of bench/python/train_step.py and the TypeScript side: 2 FLOPs
per multiply-add of the convolutions and linear layers, a training step = 3 x forward.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn as nn
import torch.nn.functional as F

THREADS = 2  # this machine's cores; --threads changes it
CLASSES = 10
CHAPTER_BATCH = 50
AIRBENCH_BATCH = 512  # notebook 4.4's
CPUINFO = "/proc/cpuinfo"
# Environment variables that change how PyTorch uses the CPU; echoed with the results.
THREAD_ENV_VARS = ("OMP_NUM_THREADS", "OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "MKL_NUM_THREADS", "DNNL_MAX_CPU_ISA", "ONEDNN_MAX_CPU_ISA", "ATEN_CPU_CAPABILITY")


# --- the chapter's four models -------------------------------------------------------------

def chapter_conv(c_in: int, c_out: int, k: int) -> nn.Conv2d:
    """k x k convolution, stride 1, SAME padding, with bias (the chapter's convLayer, ReLU applied by the caller)."""
    return nn.Conv2d(c_in, c_out, k, padding="same")


def chapter_init(module: nn.Module) -> None:
    """The chapter's initial values: weights from a normal of deviation 0.1 cut at two deviations, biases 0.1."""
    for layer in module.modules():
        if isinstance(layer, (nn.Conv2d, nn.Linear)):
            nn.init.trunc_normal_(layer.weight, std=0.1, a=-0.2, b=0.2)
            nn.init.constant_(layer.bias, 0.1)


def flatten_hwc(x: torch.Tensor) -> torch.Tensor:
    """[N, C, H, W] (stored channels-last) to [N, H*W*C] in height, width, channel order, as our
    NHWC reshape flattens: for a channels-last tensor this is a view, no copy."""
    return x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)


class TwoConvNet(nn.Module):
    """MNIST's network (4.2), and cifar-simple (4.3): the same on 32x32x3 images.
    conv 5x5 -> ReLU -> pool 2 -> conv 5x5 -> ReLU -> pool 2 -> 1024 ReLU -> dropout -> 10."""

    def __init__(self, channels: int, side: int):
        super().__init__()
        self.conv1, self.conv2 = chapter_conv(channels, 32, 5), chapter_conv(32, 64, 5)
        self.fc1, self.fc2 = nn.Linear((side // 4) ** 2 * 64, 1024), nn.Linear(1024, CLASSES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.fc1(flatten_hwc(x)))
        return self.fc2(F.dropout(x, 0.5, self.training))


class ThreeConvNet(nn.Module):
    """cifar-3conv (4.3): three conv 5x5 -> ReLU -> pool 2 (32, 64, 128 maps), dropout,
    512 ReLU, dropout, 10."""

    def __init__(self):
        super().__init__()
        self.convs = nn.ModuleList([chapter_conv(3, 32, 5), chapter_conv(32, 64, 5), chapter_conv(64, 128, 5)])
        self.fc1, self.fc2 = nn.Linear(4 * 4 * 128, 512), nn.Linear(512, CLASSES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for conv in self.convs:
            x = F.max_pool2d(F.relu(conv(x)), 2)
        x = F.dropout(flatten_hwc(x), 0.5, self.training)
        x = F.dropout(F.relu(self.fc1(x)), 0.5, self.training)
        return self.fc2(x)


class ReducedNet(nn.Module):
    """cifar-reduced (4.3): three blocks of three conv 3x3 -> ReLU (30, 50, 80 maps), each block
    max-pooled (2, 2, then 8: 8x8 -> 1x1) and dropped out, then 500 ReLU, dropout, 10."""

    POOLS = (2, 2, 8)

    def __init__(self):
        super().__init__()
        blocks, c_in = [], 3
        for c_out in (30, 50, 80):
            blocks.append(nn.ModuleList([chapter_conv(c_in, c_out, 3), chapter_conv(c_out, c_out, 3), chapter_conv(c_out, c_out, 3)]))
            c_in = c_out
        self.blocks = nn.ModuleList(blocks)
        self.fc1, self.fc2 = nn.Linear(80, 500), nn.Linear(500, CLASSES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block, pool in zip(self.blocks, self.POOLS):
            for conv in block:
                x = F.relu(conv(x))
            x = F.dropout(F.max_pool2d(x, pool), 0.5, self.training)
        x = F.dropout(F.relu(self.fc1(flatten_hwc(x))), 0.5, self.training)
        return self.fc2(x)


# --- airbench (notebook 4.4) ---------------------------------------------------------------

CIFAR10_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR10_STD = (0.247, 0.2435, 0.2616)
BN_MOMENTUM = 0.6  # weight of the old running statistics (PyTorch's momentum is 1 - this)
BN_EPSILON = 1e-12
WHITENING_EPSILON = 5e-4
OUTPUT_SCALE = 1 / 9
LABEL_SMOOTHING = 0.2
SGD_LR, SGD_MOMENTUM, SGD_WEIGHT_DECAY, OFFSET_LR_SCALE = 0.01, 0.85, 5e-4, 64  # as airbench-step.ts times it


class OffsetBatchNorm(nn.Module):
    """Batch norm with the scale fixed at 1 and a learned offset; running mean and variance
    (Bessel-corrected) blended with weight 1 - BN_MOMENTUM towards the batch's in training."""

    def __init__(self, channels: int):
        super().__init__()
        self.offset = nn.Parameter(torch.zeros(channels))
        self.register_buffer("running_mean", torch.zeros(channels))
        self.register_buffer("running_var", torch.ones(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.batch_norm(x, self.running_mean, self.running_var, None, self.offset,
                            self.training, 1 - BN_MOMENTUM, BN_EPSILON)


def identity_then_uniform(c_in: int, c_out: int) -> torch.Tensor:
    """3x3 filters [c_out, c_in, 3, 3]: uniform in +-1/sqrt(9 c_in), except that the first
    min(c_in, c_out) pass one input channel through (a 1 at the centre)."""
    bound = 1 / math.sqrt(9 * c_in)
    weight = torch.empty(c_out, c_in, 3, 3).uniform_(-bound, bound)
    passed = min(c_in, c_out)
    weight[:passed] = 0
    weight[torch.arange(passed), torch.arange(passed), 1, 1] = 1
    return weight


class AirbenchNet(nn.Module):
    """Normalise, a frozen 2x2 whitening convolution (VALID, with a trained bias) and GELU, then
    three blocks of [conv 3x3 -> max pool 2 (VALID) -> batch norm -> GELU -> conv 3x3 -> batch
    norm -> GELU] (convolutions SAME, without bias; 31 -> 15 -> 7 -> 3), a 3x3 max pool to 1x1,
    and a linear layer without bias whose output is scaled by 1/9."""

    def __init__(self, whitening: int = 24, blocks: tuple[int, int, int] = (64, 192, 192)):
        super().__init__()
        self.register_buffer("mean", torch.tensor(CIFAR10_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(CIFAR10_STD).view(1, 3, 1, 1))
        self.whiten = nn.Conv2d(3, whitening, 2, bias=True)
        self.whiten.weight.requires_grad_(False)  # set from data, never trained (still counted as a parameter, as ours)
        nn.init.zeros_(self.whiten.bias)
        layers, c_in = [], whitening
        for width in blocks:
            conv1, conv2 = nn.Conv2d(c_in, width, 3, padding=1, bias=False), nn.Conv2d(width, width, 3, padding=1, bias=False)
            with torch.no_grad():
                conv1.weight.copy_(identity_then_uniform(c_in, width))
                conv2.weight.copy_(identity_then_uniform(width, width))
            layers.append(nn.ModuleList([conv1, OffsetBatchNorm(width), conv2, OffsetBatchNorm(width)]))
            c_in = width
        self.blocks = nn.ModuleList(layers)
        self.linear = nn.Linear(c_in, CLASSES, bias=False)
        nn.init.uniform_(self.linear.weight, -1 / math.sqrt(c_in), 1 / math.sqrt(c_in))

    @torch.no_grad()
    def set_whitening(self, images: torch.Tensor) -> None:
        """Filters from the 2x2 patch covariance (uncentred) of the normalised images: the
        eigenvectors, largest eigenvalue first, each divided by sqrt(eigenvalue + eps), then
        the same with the opposite sign."""
        x = ((images - self.mean) / self.std).float()
        k = self.whiten.kernel_size[0]
        rows = F.unfold(x, k).transpose(1, 2).reshape(-1, 3 * k * k)  # one row per patch, (channel, row, column) order
        covariance = rows.T @ rows / rows.shape[0]
        values, vectors = torch.linalg.eigh(covariance)  # ascending
        filters = (vectors / torch.sqrt(values + WHITENING_EPSILON)).flip(1).T  # one filter per row, largest first
        filters = torch.cat([filters, -filters]).reshape(-1, 3, k, k)
        if filters.shape != self.whiten.weight.shape:
            raise ValueError(f"whitening: {filters.shape[0]} filters from {k}x{k} patches, but the layer has {self.whiten.weight.shape[0]}")
        self.whiten.weight.copy_(filters)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        x = F.gelu(self.whiten((images - self.mean) / self.std))
        for conv1, norm1, conv2, norm2 in self.blocks:
            x = F.gelu(norm1(F.max_pool2d(conv1(x), 2)))
            x = F.gelu(norm2(conv2(x)))
        x = F.max_pool2d(x, 3).flatten(1)
        return self.linear(x) * OUTPUT_SCALE

    def optimizer_groups(self) -> list[dict]:
        offsets = [p for name, p in self.named_parameters() if name.endswith(".offset")]
        others = [p for name, p in self.named_parameters() if p.requires_grad and not name.endswith(".offset")]
        return [{"params": others, "lr": SGD_LR}, {"params": offsets, "lr": SGD_LR * OFFSET_LR_SCALE}]


# --- what each model is and how it trains --------------------------------------------------

@dataclass(frozen=True)
class ModelSpec:
    image_shape: tuple[int, int, int]  # height, width, channels, as ours
    default_batch: int
    expected_params: int  # the TypeScript model's parameterCount
    build: Callable[[], nn.Module]
    optimizer: Callable[[nn.Module, Callable[..., torch.optim.Optimizer]], torch.optim.Optimizer]
    label_smoothing: float = 0.0


def adam(lr: float):
    # betas and epsilon as ours (TensorFlow's Adam; PyTorch adds epsilon after the bias correction, a rounding detail)
    return lambda model, make: make(torch.optim.Adam, model.parameters(), lr=lr, betas=(0.9, 0.999), eps=1e-8)


def nesterov_sgd(model: AirbenchNet, make) -> torch.optim.Optimizer:
    return make(torch.optim.SGD, model.optimizer_groups(), lr=SGD_LR, momentum=SGD_MOMENTUM, nesterov=True, weight_decay=SGD_WEIGHT_DECAY)


MODELS: dict[str, ModelSpec] = {
    "mnist": ModelSpec((28, 28, 1), CHAPTER_BATCH, 3_274_634, lambda: TwoConvNet(1, 28), adam(1e-4)),
    "cifar-simple": ModelSpec((32, 32, 3), CHAPTER_BATCH, 4_259_274, lambda: TwoConvNet(3, 32), adam(1e-3)),
    "cifar-3conv": ModelSpec((32, 32, 3), CHAPTER_BATCH, 1_312_842, ThreeConvNet, adam(1e-3)),
    "cifar-reduced": ModelSpec((32, 32, 3), CHAPTER_BATCH, 272_700, ReducedNet, adam(1e-3)),
    # 2*2*3*24 + 24 + 9*24*64 + 64 + 9*64*64 + 64 + 9*64*192 + 192 + 3 * (9*192*192 + 192) + 192*10
    "airbench": ModelSpec((32, 32, 3), AIRBENCH_BATCH, 1_159_736, AirbenchNet, nesterov_sgd, LABEL_SMOOTHING),
}
CHAPTER_MODELS = [name for name in MODELS if name != "airbench"]


def build(name: str) -> nn.Module:
    model = MODELS[name].build()
    if name != "airbench":
        chapter_init(model)
    return model


def count_params(model: nn.Module) -> int:
    """All parameters, the frozen whitening filter included (as our parameterCount); not the running statistics."""
    return sum(p.numel() for p in model.parameters())


def multiply_adds_per_image(model: nn.Module, image_shape: tuple[int, int, int]) -> int:
    """Multiply-adds of the convolutions and linear layers in one image's forward pass."""
    total = 0

    def count(layer: nn.Module, _inputs, output: torch.Tensor) -> None:
        nonlocal total
        if isinstance(layer, nn.Conv2d):
            kh, kw = layer.kernel_size
            total += output.shape[2] * output.shape[3] * kh * kw * layer.in_channels // layer.groups * layer.out_channels
        else:
            total += layer.in_features * layer.out_features

    hooks = [m.register_forward_hook(count) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    was_training = model.training
    model.eval()
    with torch.no_grad():
        h, w, c = image_shape
        model(torch.zeros(1, c, h, w))
    model.train(was_training)
    for hook in hooks:
        hook.remove()
    return total


def cpu_flags() -> set[str]:
    try:
        with open(CPUINFO) as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def bfloat16_unsupported_reason() -> str | None:
    """None when this CPU computes bfloat16 natively (as our compiled-bfloat16 step requires), else why not."""
    flags = cpu_flags()
    if not ({"avx512_bf16", "amx_bf16"} & flags):
        return (f"this CPU has neither avx512_bf16 nor amx_bf16 ({CPUINFO}): oneDNN would emulate bfloat16, "
                "slower than float32, so bfloat16 is not timed here")
    if not torch.backends.mkldnn.is_available():
        return "this PyTorch build has no oneDNN (mkldnn), which runs bfloat16 convolutions on the CPU"
    return None


def make_optimizer(spec: ModelSpec, model: nn.Module) -> tuple[torch.optim.Optimizer, str]:
    """The fastest update PyTorch offers on the CPU: fused (one kernel per tensor list), else foreach."""
    last_error = None
    for implementation in ("fused", "foreach"):
        try:
            optimizer = spec.optimizer(model, lambda cls, params, **kw: cls(params, **kw, **{implementation: True}))
            return optimizer, implementation
        except (RuntimeError, TypeError, ValueError) as error:  # fused is CPU-capable only in newer versions
            last_error = error
    raise RuntimeError(f"no optimizer implementation worked: {last_error}")


def thread_settings() -> dict:
    return {
        "intra_op": torch.get_num_threads(),
        "inter_op": torch.get_num_interop_threads(),
        "cpu_count": os.cpu_count(),
        "env": {name: os.environ[name] for name in THREAD_ENV_VARS if name in os.environ},
    }


def benchmark(name: str, precision: str, batch: int | None, steps: int, warmup: int, repeats: int) -> dict:
    spec = MODELS[name]
    batch = batch or spec.default_batch
    torch.manual_seed(0)
    model = build(name)
    params = count_params(model)
    if params != spec.expected_params:
        raise AssertionError(f"{name}: {params} parameters, ours has {spec.expected_params}")
    macs = multiply_adds_per_image(model, spec.image_shape)
    h, w, c = spec.image_shape
    if name == "airbench":  # as airbench-step.ts: normal pixels, whitening set from the same batch
        images = torch.randn(batch, c, h, w)
        model.set_whitening(images)
    else:  # as models.ts: uniform pixels in [0, 1)
        images = torch.rand(batch, c, h, w)
    images = images.contiguous(memory_format=torch.channels_last)
    labels = torch.randint(0, CLASSES, (batch,))
    model = model.to(memory_format=torch.channels_last).train()
    optimizer, optimizer_kind = make_optimizer(spec, model)
    autocast = torch.autocast("cpu", dtype=torch.bfloat16) if precision == "bfloat16" else nullcontext()

    def train_step() -> torch.Tensor:
        optimizer.zero_grad(set_to_none=True)
        with autocast:
            loss = F.cross_entropy(model(images), labels, label_smoothing=spec.label_smoothing)
        loss.backward()
        optimizer.step()
        return loss

    for _ in range(warmup):  # oneDNN primitives, allocator caches
        loss = train_step()
    loss.item()

    ms_per_step = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            loss = train_step()
        loss.item()  # the CPU ops are synchronous; reading the loss is for symmetry with the other references
        ms_per_step.append((time.perf_counter() - start) * 1000 / steps)
    if not math.isfinite(loss.item()):
        raise AssertionError(f"{name} ({precision}): the loss became {loss.item()}")

    median = statistics.median(ms_per_step)
    flops = 3 * 2 * macs * batch
    return {
        "model": name,
        "batch": batch,
        "precision": precision,
        "ms_per_step_median": round(median, 2),
        "ms_per_step_all": [round(ms, 2) for ms in ms_per_step],
        "ms_per_step_min": round(min(ms_per_step), 2),
        "params": params,
        "gflop_per_step": round(flops / 1e9, 3),
        "gflop_per_s": round(flops / 1e9 / (median / 1000), 1),
        "optimizer": optimizer_kind,
        "memory_format": "channels_last",
        "torch_version": torch.__version__,
        "threads": thread_settings(),
    }


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Time the training step of the chapter 4 CNNs and airbench in PyTorch (CPU).")
    parser.add_argument("--model", choices=[*MODELS, "all"], default="all", help="'all' is the chapter's four")
    parser.add_argument("--precision", choices=["float32", "bfloat16"], default="float32",
                        help="bfloat16: torch.autocast('cpu', dtype=torch.bfloat16) around forward and loss")
    parser.add_argument("--batch", type=int, default=None, help=f"images per step (default {CHAPTER_BATCH}; airbench {AIRBENCH_BATCH})")
    parser.add_argument("--steps", type=int, default=50, help="timed steps per repetition")
    parser.add_argument("--warmup", type=int, default=10, help="untimed steps first")
    parser.add_argument("--repeats", type=int, default=3, help="timed repetitions; the median is reported")
    parser.add_argument("--threads", type=int, default=THREADS, help=f"torch.set_num_threads (default {THREADS})")
    parser.add_argument("--json", action="store_true", help="print one JSON object per model")
    parser.add_argument("--params", action="store_true", help="print each model's parameter count (JSON: name to count) and exit, timing nothing")
    args = parser.parse_args(argv)
    for name in ("steps", "warmup", "repeats", "threads"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1 (got {getattr(args, name)})")
    if args.batch is not None and args.batch < 1:
        parser.error(f"--batch must be at least 1 (got {args.batch})")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    models = CHAPTER_MODELS if args.model == "all" else [args.model]
    if args.params:
        print(json.dumps({name: count_params(build(name)) for name in (MODELS if args.model == "all" else models)}))
        return 0
    if args.precision == "bfloat16":
        reason = bfloat16_unsupported_reason()
        if reason is not None:
            print(f"[torch bench] bfloat16 not timed: {reason}", file=sys.stderr)
            return 3
    for name in models:
        result = benchmark(name, args.precision, args.batch, args.steps, args.warmup, args.repeats)
        if args.json:
            print(json.dumps(result), flush=True)
        else:
            runs = ", ".join(f"{ms:.1f}" for ms in result["ms_per_step_all"])
            print(
                f"{name:14s} {args.precision:8s} batch {result['batch']:4d} {result['ms_per_step_median']:8.1f} ms/step (runs: {runs})  "
                f"{result['gflop_per_step']:.2f} GFLOP/step = {result['gflop_per_s']:.0f} GFLOP/s  params {result['params']:,}  "
                f"PyTorch {result['torch_version']}, {result['threads']['intra_op']} threads, {result['optimizer']} {type_name(name)}",
                flush=True,
            )
    return 0


def type_name(name: str) -> str:
    return "Nesterov SGD" if name == "airbench" else "Adam"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
