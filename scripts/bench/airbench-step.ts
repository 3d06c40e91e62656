/**
 * Speed of airbench's training step (forward, backward, the recipe's Nesterov
 * SGD) at notebook 4.4's widths, on random CIFAR-shaped data, through the same
 * TrainingStepTimer as the chapter's models, each step variant side
 * by side.
 *
 *   node_modules/.bin/ts-node --transpile-only scripts/bench/airbench-step.ts \
 *     [--batch 256,512] [--steps 8] [--warmup 2] [--repetitions 3]
 *     [--variants eager,compiled,compiled-bf16,compiled-bf16-frozen] [--torch]
 *
 * compiled-bf16-frozen is the mixed-bfloat16 step with the whitening bias
 * frozen, as the recipe trains after its first 3 epochs.
 * The variants take turns, one repetition each, so they see the same background
 * load; the median repetition is reported, with the ratio to the first variant.
 * GFLOP/s counts 2 FLOPs per multiply-add of the convolutions and the linear
 * layer, a training step as 3 forward passes; each row also gives it as a
 * share of the matMul peak in its precision (measurePeakMatMul), the
 * hardware's ceiling.
 *
 * --torch adds PyTorch's step (bench/torch/train_step.py, eager, channels-last, set up into
 * .venv-torch on first use) as rows torch-float32 and torch-bf16 (bfloat16 autocast, on CPUs
 * with avx512_bf16 or amx_bf16 only), each repetition a fresh process right after ours, and
 * the ratio of each of our variants to PyTorch in the same precision.
 */
import { backendInfo, describeOneDnn, tf } from "../../src/native/backend";
import { formatCpu, hasBfloat16Compute } from "../../src/native/cpu";
import { AIRBENCH_RECIPE, airbenchModel, airbenchStepSettings } from "../../src/recipes/airbench/recipe";
import { measurePeakMatMul, spread, TrainingStepTimer, type MatMulPeak } from "../../src/training/benchmark";
import type { StepKind } from "../../src/training/step";
import { describeTorch, setUpTorch, timeTorchRepetition, torchPrecisions, type TorchPrecision, type TorchResult } from "./torch-reference";
import { listOf, parseCommandLine, positiveNumber, type CommandLine, type OptionSpecs } from "../command-line";

interface BenchArguments {
  batchSizes: number[];
  steps: number;
  warmupSteps: number;
  repetitions: number;
  variants: Variant[];
  torch: boolean;
}

/** CIFAR-10's training set: an epoch's steps are this over the batch size. */
const TRAINING_IMAGES = 50000;
/** The step variants, by the name --variants takes. */
const VARIANTS = {
  eager: "eager",
  compiled: "compiled",
  "compiled-bf16": "compiled-bfloat16",
  // As 8 of the recipe's 11 epochs run: the whitening bias frozen, so its gradient is not computed.
  "compiled-bf16-frozen": "compiled-bfloat16",
} satisfies Record<string, StepKind>;
type Variant = keyof typeof VARIANTS;
const VARIANT_NAMES = Object.keys(VARIANTS) as Variant[];
const DEFAULTS: Omit<BenchArguments, "torch"> = { batchSizes: [256], steps: 8, warmupSteps: 2, repetitions: 3, variants: ["eager", "compiled"] };

const OPTIONS = {
  batch: { type: "string", value: "N,N", help: `batch sizes to time, comma-separated (default ${DEFAULTS.batchSizes.join(",")})` },
  steps: { type: "string", value: "N", help: `timed steps per repetition (default ${DEFAULTS.steps})` },
  warmup: { type: "string", value: "N", help: `untimed steps per variant before the first repetition (default ${DEFAULTS.warmupSteps})` },
  repetitions: { type: "string", value: "N", help: `repetitions per variant, the variants taking turns; the median is reported (default ${DEFAULTS.repetitions})` },
  variants: { type: "string", value: "LIST", help: `step variants, comma-separated, of ${VARIANT_NAMES.join(", ")} (default ${DEFAULTS.variants.join(",")})` },
  torch: { type: "boolean", help: "also time PyTorch's step in each precision (set up into .venv-torch on first use)" },
} satisfies OptionSpecs;

const COMMAND_LINE: CommandLine<typeof OPTIONS, BenchArguments> = {
  program: "airbench-step",
  usage:
    "usage: node_modules/.bin/ts-node --transpile-only scripts/bench/airbench-step.ts [options]\n" +
    "Times airbench's training step at notebook 4.4's widths on random data, each step variant side by side.",
  options: OPTIONS,
  interpret: (values) => ({
    batchSizes: values.batch === undefined ? DEFAULTS.batchSizes : values.batch.split(",").map((text) => positiveNumber("--batch", text, true)),
    steps: values.steps === undefined ? DEFAULTS.steps : positiveNumber("--steps", values.steps, true),
    warmupSteps: values.warmup === undefined ? DEFAULTS.warmupSteps : positiveNumber("--warmup", values.warmup, true),
    repetitions: values.repetitions === undefined ? DEFAULTS.repetitions : positiveNumber("--repetitions", values.repetitions, true),
    variants: values.variants === undefined ? DEFAULTS.variants : listOf("--variants", values.variants, VARIANT_NAMES),
    torch: values.torch === true,
  }),
};

/** One variant: the recipe's model (whitened from random images) and its own training step and optimizer, through the engine's step timer. */
class StepRunner {
  private readonly timer: TrainingStepTimer;
  readonly multiplyAddsPerImage: number;

  constructor(readonly variant: Variant, batchSize: number) {
    const model = airbenchModel(AIRBENCH_RECIPE, { seed: 1 });
    tf.tidy(() => model.initializeWhitening(tf.randomUniform([batchSize, 32, 32, 3], 0, 1, "float32", 1) as tf.Tensor4D));
    this.multiplyAddsPerImage = model.multiplyAddsPerImage();
    this.timer = new TrainingStepTimer(model, airbenchStepSettings(AIRBENCH_RECIPE), batchSize, {
      step: VARIANTS[variant],
      frozenRoles: variant === "compiled-bf16-frozen" ? ["whitening-bias"] : [],
    });
  }

  /** Mean ms per step over `steps` steps. */
  time(steps: number): number {
    return this.timer.timeRepetition(steps);
  }

  dispose(): void {
    this.timer.dispose();
  }
}

/** The precision each of our variants computes its convolutions in, to pair it with PyTorch's step in the same. */
const VARIANT_PRECISION: Record<Variant, TorchPrecision> = { eager: "float32", compiled: "float32", "compiled-bf16": "bfloat16", "compiled-bf16-frozen": "bfloat16" };
const TORCH_ROW: Record<TorchPrecision, string> = { float32: "torch-float32", bfloat16: "torch-bf16" };

/** A row of the table: one of our variants, or PyTorch's step in one precision. */
interface Row {
  name: string;
  /** Mean ms per step of one repetition of `steps` steps. */
  time(steps: number): number;
}

/** PyTorch's step at `batchSize`, each repetition a fresh process (its own warm-up excluded from the figure). */
class TorchRow implements Row {
  readonly name: string;
  example: TorchResult | null = null;

  constructor(
    readonly precision: TorchPrecision,
    private readonly batchSize: number,
    private readonly warmupSteps: number,
  ) {
    this.name = TORCH_ROW[precision];
  }

  time(steps: number): number {
    const result = timeTorchRepetition("airbench", this.precision, steps, this.warmupSteps, this.batchSize);
    this.example ??= result;
    return result.ms_per_step_median;
  }
}

/** Each row's precision: its GFLOP/s as a share of that precision's matMul peak. */
function rowPrecision(name: string): TorchPrecision {
  return name in VARIANT_PRECISION ? VARIANT_PRECISION[name as Variant] : name === TORCH_ROW.bfloat16 ? "bfloat16" : "float32";
}

function benchBatchSize(batchSize: number, args: BenchArguments, torch: TorchPrecision[], peaks: Record<TorchPrecision, MatMulPeak>): void {
  const runners = args.variants.map((variant) => new StepRunner(variant, batchSize));
  const torchRows = torch.map((precision) => new TorchRow(precision, batchSize, args.warmupSteps));
  const rows: Row[] = [...runners.map((runner) => ({ name: runner.variant, time: (steps: number) => runner.time(steps) })), ...torchRows];
  try {
    runners.forEach((runner) => runner.time(args.warmupSteps));
    const msPerRepetition = rows.map(() => [] as number[]);
    for (let repetition = 0; repetition < args.repetitions; repetition++) {
      rows.forEach((row, i) => msPerRepetition[i].push(row.time(args.steps)));
    }
    const flopsPerStep = runners[0].multiplyAddsPerImage * batchSize * 2 * 3;
    const medians = msPerRepetition.map((values) => spread(values).median);
    rows.forEach((row, i) => {
      const { median, min, max } = spread(msPerRepetition[i]);
      console.log(
        `batch ${batchSize}  ${row.name.padEnd(13)} ${median.toFixed(1).padStart(7)} ms/step (${min.toFixed(1)}–${max.toFixed(1)})  ` +
          `${(flopsPerStep / median / 1e6).toFixed(0).padStart(4)} GFLOP/s  ${(((TRAINING_IMAGES / batchSize) * median) / 1000).toFixed(1).padStart(6)} s/epoch  ` +
          `${((100 * flopsPerStep) / median / 1e6 / peaks[rowPrecision(row.name)].gflopsPerSecond).toFixed(0).padStart(3)}% of the ${rowPrecision(row.name)} peak  ` +
          `×${(median / medians[0]).toFixed(2)} of ${rows[0].name}`,
      );
    });
    if (torchRows.length > 0) {
      const ratios = runners.flatMap((runner, i) => {
        const t = torchRows.findIndex((row) => row.precision === VARIANT_PRECISION[runner.variant]);
        return t < 0 ? [] : [`${runner.variant} / ${torchRows[t].name} = ${(medians[i] / medians[runners.length + t]).toFixed(2)}`];
      });
      const example = torchRows[0].example;
      console.log(`batch ${batchSize}  ours / PyTorch (below 1: ours faster): ${ratios.join(", ") || "-"}${example === null ? "" : `; ${describeTorch(example)}`}`);
    }
  } finally {
    runners.forEach((runner) => runner.dispose());
  }
}

function main(): void {
  const args = parseCommandLine(process.argv.slice(2), COMMAND_LINE);
  const info = backendInfo();
  console.log(`airbench step (4.4's widths: blocks of ${AIRBENCH_RECIPE.widths.blocks.join(", ")}) on ${info.backend} (TensorFlow ${info.tensorflowVersion}, oneDNN ${describeOneDnn(info.oneDnn)}; ${formatCpu(info.cpu)}): ${args.steps} steps × ${args.repetitions} repetitions after ${args.warmupSteps} warm-up`);
  let torch: TorchPrecision[] = [];
  if (args.torch) {
    setUpTorch(); // PyTorch in .venv-torch (skips in about a second when done)
    const { precisions, skipped } = torchPrecisions();
    if (skipped !== null) console.log(skipped);
    torch = precisions;
  }
  // The hardware's ceiling for each precision: the best of a large matrix product (see measurePeakMatMul).
  // Without bfloat16 compute the bfloat16 variants train in float32 (runnableStepKind), so float32's peak is theirs.
  const float32 = measurePeakMatMul(4096, 5, "float32");
  const peaks = { float32, bfloat16: hasBfloat16Compute() ? measurePeakMatMul(4096, 5, "bfloat16") : float32 };
  console.log(
    `peak: 4096×4096 matMul ${peaks.float32.gflopsPerSecond.toFixed(0)} GFLOP/s in float32, ` +
      (hasBfloat16Compute() ? `${peaks.bfloat16.gflopsPerSecond.toFixed(0)} GFLOP/s in mixed bfloat16` : "no bfloat16 compute on this CPU (the bfloat16 variants run in float32)"),
  );
  args.batchSizes.forEach((batchSize) => benchBatchSize(batchSize, args, torch, peaks));
}

main();
