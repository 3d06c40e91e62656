/**
 * Training speed of the chapter's four models at batch 50 on random data.
 *
 *   node_modules/.bin/ts-node --transpile-only scripts/bench/models.ts \
 *     [--steps 30] [--warmup 5] [--repetitions 3] [--models mnist,cifar-reduced] [--no-peak] [--no-eager] [--bfloat16] [--python] [--torch] [--json out.json]
 *
 * It times the compiled training step (train()'s default) and, unless
 * --no-eager, the eager reference step beside it; --bfloat16 adds the
 * compiled step in mixed bfloat16 (CPUs with avx512_bf16 only).
 * The models take turns, one repetition each, so that they all see the same
 * background load; other processes on the machine still change the figures,
 * so compare runs made under similar load and look at the min–max spread.
 *
 * --python also times the same training steps in Python TensorFlow (bench/python/,
 * same TensorFlow version, set up into .venv-bench on first use), one repetition
 * right after each TypeScript repetition of the same model, and prints the ratio.
 *
 * --torch does the same with PyTorch (bench/torch/, eager, channels-last, set up into
 * .venv-torch on first use), in float32 and under bfloat16 autocast (the latter on CPUs
 * with avx512_bf16 or amx_bf16 only), and prints a second table: our compiled step against
 * PyTorch float32, our bfloat16 step (--bfloat16) against PyTorch bfloat16, beside the
 * ratios to Python TensorFlow.
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import * as fs from "node:fs";
import * as os from "node:os";
import { backendInfo, describeOneDnn } from "../../src/native/backend";
import { formatCpu } from "../../src/native/cpu";
import { modelKeys, type ModelKey } from "../../src/models/registry";
import { nativeKernelReport } from "../../src/native/kernels";
import { chapterStepTimer } from "../../src/recipes";
import { measurePeakMatMul, spread, type MatMulPeak, type StepTiming } from "../../src/training/benchmark";
import { describeTorch, setUpTorch, timeTorchRepetition, torchPrecisions, type TorchPrecision, type TorchResult } from "./torch-reference";
import { listOf, parseCommandLine, positiveNumber, type CommandLine, type OptionSpecs } from "../command-line";

interface BenchArguments {
  steps: number;
  warmupSteps: number;
  repetitions: number;
  models: ModelKey[];
  peak: boolean;
  eager: boolean;
  bfloat16: boolean;
  python: boolean;
  torch: boolean;
  jsonPath: string | null;
}

const DEFAULTS = { steps: 30, warmupSteps: 5, repetitions: 3 };

const OPTIONS = {
  steps: { type: "string", value: "N", help: `timed steps per repetition (default ${DEFAULTS.steps})` },
  warmup: { type: "string", value: "N", help: `untimed steps per model and step before the first repetition (default ${DEFAULTS.warmupSteps})` },
  repetitions: { type: "string", value: "N", help: `repetitions per model, the models taking turns (default ${DEFAULTS.repetitions})` },
  models: { type: "string", value: "LIST", help: `models, comma-separated, of ${modelKeys.join(", ")} (default all)` },
  "no-peak": { type: "boolean", help: "skip measuring the matMul peak (the \"of peak\" column)" },
  "no-eager": { type: "boolean", help: "skip the eager reference step" },
  bfloat16: { type: "boolean", help: "also time the compiled step in mixed bfloat16 (CPUs with avx512_bf16)" },
  python: { type: "boolean", help: "also time Python TensorFlow's step (set up into .venv-bench on first use) and print the ratios" },
  torch: { type: "boolean", help: "also time PyTorch's step in float32 and bfloat16 (set up into .venv-torch on first use)" },
  json: { type: "string", value: "FILE", help: "also write the timings to FILE as JSON" },
} satisfies OptionSpecs;

const COMMAND_LINE: CommandLine<typeof OPTIONS, BenchArguments> = {
  program: "models",
  usage:
    "usage: node_modules/.bin/ts-node --transpile-only scripts/bench/models.ts [options]\n" +
    "Times the training step of the chapter's four models at batch 50 on random data.",
  options: OPTIONS,
  interpret: (values) => ({
    steps: values.steps === undefined ? DEFAULTS.steps : positiveNumber("--steps", values.steps, true),
    warmupSteps: values.warmup === undefined ? DEFAULTS.warmupSteps : positiveNumber("--warmup", values.warmup, true),
    repetitions: values.repetitions === undefined ? DEFAULTS.repetitions : positiveNumber("--repetitions", values.repetitions, true),
    models: values.models === undefined ? modelKeys : listOf("--models", values.models, modelKeys),
    peak: values["no-peak"] !== true,
    eager: values["no-eager"] !== true,
    bfloat16: values.bfloat16 === true,
    python: values.python === true,
    torch: values.torch === true,
    jsonPath: values.json ?? null,
  }),
};

interface Column {
  title: string;
  width: number;
  cell(timing: StepTiming, peak: MatMulPeak | null): string;
}

const columns: Column[] = [
  { title: "model", width: 14, cell: (t) => t.model },
  { title: "step", width: 17, cell: (t) => t.step },
  { title: "params", width: 10, cell: (t) => t.parameters.toLocaleString("en-US") },
  {
    title: "ms/step median (min–max)",
    width: 24,
    cell: ({ msPerStep: { median, min, max } }) => `${median.toFixed(1)} (${min.toFixed(1)}–${max.toFixed(1)})`,
  },
  { title: "images/s", width: 9, cell: (t) => t.imagesPerSecond.toFixed(0) },
  { title: "GFLOP/step", width: 10, cell: (t) => (t.flopsPerStep / 1e9).toFixed(2) },
  { title: "GFLOP/s", width: 8, cell: (t) => t.gflopsPerSecond.toFixed(1) },
  {
    title: "of peak",
    width: 7,
    cell: (t, peak) => (peak === null ? "-" : `${((100 * t.gflopsPerSecond) / peak.gflopsPerSecond).toFixed(0)}%`),
  },
];

function formatLine(cells: string[], widths = columns.map((column) => column.width)): string {
  return cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ");
}

const root = path.resolve(__dirname, "../..");
const benchPython = path.join(root, ".venv-bench/bin/python");

/** One repetition of the Python reference for `model`: its ms per step (the process's own warm-up excluded) and whether its TensorFlow ran with oneDNN. */
function timePythonRepetition(model: ModelKey, steps: number, warmupSteps: number): { msPerStep: number; oneDnnEnabled: boolean } {
  const output = execFileSync(
    benchPython,
    [path.join(root, "bench/python/train_step.py"), "--model", model, "--steps", String(steps), "--warmup", String(warmupSteps), "--repeats", "1", "--json"],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
  );
  // The child inherits TF_ENABLE_ONEDNN_OPTS as src/native/backend set it, and reports what its TensorFlow did with it.
  const result = JSON.parse(output.trim().split("\n").pop() ?? "") as { ms_per_step_median: number; threads: { onednn_enabled: boolean } };
  return { msPerStep: result.ms_per_step_median, oneDnnEnabled: result.threads.onednn_enabled };
}

interface PythonTiming {
  model: string;
  msPerStep: { median: number; min: number; max: number };
  gflopsPerSecond: number;
  /** TypeScript median / Python median: below 1, the notebooks' code is faster. */
  ratio: number;
}

/** Per model: the compiled step, the eager and bfloat16 steps (or null) and Python's tf.function step (or null), side by side. */
function printComparison(
  compiled: StepTiming[],
  eager: (StepTiming | null)[],
  bfloat16: (StepTiming | null)[],
  python: (PythonTiming | null)[],
  peak: MatMulPeak | null,
): void {
  const widths = [14, 20, 20, 20, 20, 6, 6, 6, 18];
  const ofPeak = (gflops: number) => (peak === null ? "" : ` (${((100 * gflops) / peak.gflopsPerSecond).toFixed(0)}%)`);
  const range = (timing: { msPerStep: { median: number; min: number; max: number } } | null) =>
    timing === null ? "-" : `${timing.msPerStep.median.toFixed(1)} (${timing.msPerStep.min.toFixed(1)}–${timing.msPerStep.max.toFixed(1)})`;
  const ratio = (other: { msPerStep: { median: number } } | null, timing: StepTiming) =>
    other === null ? "-" : (timing.msPerStep.median / other.msPerStep.median).toFixed(2);
  console.log("\nms per training step, median (min–max); C = compiled, B = compiled in mixed bfloat16; GFLOP/s of the compiled step and of Python's:");
  console.log(formatLine(["model", "eager", "compiled", "compiled bfloat16", "Python", "C/E", "C/Py", "B/Py", "GFLOP/s C / Py"], widths));
  compiled.forEach((timing, i) => {
    const py = python[i];
    const bf = bfloat16[i];
    const gflops = `${timing.gflopsPerSecond.toFixed(0)}${ofPeak(timing.gflopsPerSecond)}` +
      (py === null ? "" : ` / ${py.gflopsPerSecond.toFixed(0)}${ofPeak(py.gflopsPerSecond)}`);
    const bfloat16Ratio = bf === null || py === null ? "-" : (bf.msPerStep.median / py.msPerStep.median).toFixed(2);
    console.log(
      formatLine([timing.model, range(eager[i]), range(timing), range(bf), range(py), ratio(eager[i], timing), ratio(py, timing), bfloat16Ratio, gflops], widths),
    );
  });
}

interface TorchTiming {
  model: string;
  precision: TorchPrecision;
  msPerStep: { median: number; min: number; max: number };
  gflopsPerSecond: number;
  /** Our median / PyTorch's, our compiled step against float32 and our compiled-bfloat16 step against bfloat16 (null without --bfloat16): below 1, ours is faster. */
  ratio: number | null;
}

/** Per model: our compiled and bfloat16 steps beside PyTorch's float32 and bfloat16-autocast steps, with the ratios to Python TensorFlow's beside. */
function printTorchComparison(
  compiled: StepTiming[],
  bfloat16: (StepTiming | null)[],
  python: (PythonTiming | null)[],
  torchFloat32: TorchTiming[],
  torchBfloat16: (TorchTiming | null)[],
  description: string,
  peak: MatMulPeak | null,
): void {
  const widths = [14, 20, 20, 20, 20, 6, 6, 6, 6, 18];
  const ofPeak = (gflops: number) => (peak === null ? "" : ` (${((100 * gflops) / peak.gflopsPerSecond).toFixed(0)}%)`);
  type Timed = { msPerStep: { median: number; min: number; max: number } } | null;
  const range = (timing: Timed) =>
    timing === null ? "-" : `${timing.msPerStep.median.toFixed(1)} (${timing.msPerStep.min.toFixed(1)}–${timing.msPerStep.max.toFixed(1)})`;
  const ratio = (ours: Timed, other: Timed) => (ours === null || other === null ? "-" : (ours.msPerStep.median / other.msPerStep.median).toFixed(2));
  console.log(
    `\nours against ${description}, ms per training step, median (min–max); C = our compiled step, B = ours in mixed bfloat16, ` +
      "Py = Python TensorFlow, Pt = PyTorch float32, Pt16 = PyTorch under bfloat16 autocast; GFLOP/s of PyTorch's steps:",
  );
  console.log(formatLine(["model", "compiled", "compiled bfloat16", "PyTorch float32", "PyTorch bfloat16", "C/Py", "C/Pt", "B/Py", "B/Pt16", "GFLOP/s Pt / Pt16"], widths));
  compiled.forEach((timing, i) => {
    const [bf, py, pt, pt16] = [bfloat16[i], python[i], torchFloat32[i], torchBfloat16[i]];
    const gflops = `${pt.gflopsPerSecond.toFixed(0)}${ofPeak(pt.gflopsPerSecond)}` + (pt16 === null ? "" : ` / ${pt16.gflopsPerSecond.toFixed(0)}${ofPeak(pt16.gflopsPerSecond)}`);
    console.log(formatLine([timing.model, range(timing), range(bf), range(pt), range(pt16), ratio(timing, py), ratio(timing, pt), ratio(bf, py), ratio(bf, pt16), gflops], widths));
  });
}

function main(): void {
  const args = parseCommandLine(process.argv.slice(2), COMMAND_LINE);
  const info = backendInfo();
  console.log(
    `TensorFlow ${info.tensorflowVersion} (tfjs-node ${info.tfjsVersion}), oneDNN ${describeOneDnn(info.oneDnn)}; ${formatCpu(info.cpu)}; ` +
      `load average ${os.loadavg()[0].toFixed(2)}; ` +
      `${args.steps} steps x ${args.repetitions} repetitions after ${args.warmupSteps} warm-up, batch 50`,
  );
  const peak = args.peak ? measurePeakMatMul() : null;
  if (peak !== null) {
    const { size, ms, gflopsPerSecond } = peak;
    console.log(`peak: ${size}x${size} float32 matMul in ${ms.toFixed(0)} ms = ${gflopsPerSecond.toFixed(1)} GFLOP/s`);
  }
  if (args.python) {
    // The benchmark's own set-up: TensorFlow for Python in .venv-bench (skips in seconds when done).
    execFileSync("bash", [path.join(root, "bench/python/setup.sh")], { stdio: "inherit" });
  }
  const { precisions: torchPrecisionList, skipped: torchSkipped } = torchPrecisions();
  if (args.torch) {
    setUpTorch(); // PyTorch in .venv-torch (skips in about a second when done)
    if (torchSkipped !== null) console.log(torchSkipped);
  }
  const compiledTimers = args.models.map((key) => chapterStepTimer(key, 50, { step: "compiled" }));
  const eagerTimers = args.models.map((key) => (args.eager ? chapterStepTimer(key, 50, { step: "eager" }) : null));
  const bfloat16Timers = args.models.map((key) => (args.bfloat16 ? chapterStepTimer(key, 50, { step: "compiled-bfloat16" }) : null));
  const allTimers = [...compiledTimers, ...eagerTimers, ...bfloat16Timers];
  allTimers.forEach((timer) => timer?.warmUp(args.warmupSteps));
  // The kernels are probed on first use, so the report is complete once every model has run.
  const kernels = nativeKernelReport();
  kernels.forEach(({ name, kernel, fallbackReason }) =>
    console.log(`kernel (eager step): ${name}: ${kernel}${fallbackReason === undefined ? "" : ` (fallback: ${fallbackReason})`}`),
  );
  const pythonMs: number[][] = args.models.map(() => []);
  const pythonOneDnn = new Set<boolean>();
  const torchMs: Record<TorchPrecision, number[][]> = { float32: args.models.map(() => []), bfloat16: args.models.map(() => []) };
  let torchExample = null as TorchResult | null; // for the version line (assigned in a callback, hence the cast)
  for (let repetition = 0; repetition < args.repetitions; repetition++) {
    args.models.forEach((model, i) => {
      compiledTimers[i].timeRepetition(args.steps);
      eagerTimers[i]?.timeRepetition(args.steps);
      bfloat16Timers[i]?.timeRepetition(args.steps);
      if (args.python) {
        const { msPerStep, oneDnnEnabled } = timePythonRepetition(model, args.steps, args.warmupSteps);
        pythonMs[i].push(msPerStep);
        pythonOneDnn.add(oneDnnEnabled);
      }
      if (args.torch) {
        for (const precision of torchPrecisionList) {
          const result = timeTorchRepetition(model, precision, args.steps, args.warmupSteps);
          torchMs[precision][i].push(result.ms_per_step_median);
          torchExample ??= result;
        }
      }
    });
    console.log(`repetition ${repetition + 1}/${args.repetitions} done`);
  }
  const timings: StepTiming[] = compiledTimers.map((timer) => timer.summary());
  const eagerTimings = eagerTimers.map((timer) => timer?.summary() ?? null);
  const bfloat16Timings = bfloat16Timers.map((timer) => timer?.summary() ?? null);
  allTimers.forEach((timer) => timer?.dispose());
  console.log(formatLine(columns.map((column) => column.title)));
  [...timings, ...eagerTimings, ...bfloat16Timings].forEach((timing) => {
    if (timing !== null) console.log(formatLine(columns.map((column) => column.cell(timing, peak))));
  });
  const python: PythonTiming[] = args.python
    ? timings.map((timing, i) => {
        const msPerStep = spread(pythonMs[i]);
        return { model: timing.model, msPerStep, gflopsPerSecond: timing.flopsPerStep / msPerStep.median / 1e6, ratio: timing.msPerStep.median / msPerStep.median };
      })
    : [];
  if (args.python) console.log(`oneDNN: Python TensorFlow ${[...pythonOneDnn].map((on) => (on ? "on" : "off")).join(" and ")}, the notebooks' ${describeOneDnn(info.oneDnn)}`);
  printComparison(timings, eagerTimings, bfloat16Timings, timings.map((_, i) => python[i] ?? null), peak);
  const torchTiming = (precision: TorchPrecision, i: number): TorchTiming | null => {
    if (torchMs[precision][i].length === 0) return null;
    const msPerStep = spread(torchMs[precision][i]);
    const ours = precision === "float32" ? timings[i] : bfloat16Timings[i];
    return {
      model: timings[i].model,
      precision,
      msPerStep,
      gflopsPerSecond: timings[i].flopsPerStep / msPerStep.median / 1e6,
      ratio: ours === null ? null : ours.msPerStep.median / msPerStep.median,
    };
  };
  const torchFloat32 = args.torch ? timings.map((_, i) => torchTiming("float32", i) as TorchTiming) : [];
  const torchBfloat16 = args.torch ? timings.map((_, i) => torchTiming("bfloat16", i)) : [];
  if (args.torch && torchExample !== null) {
    printTorchComparison(timings, bfloat16Timings, timings.map((_, i) => python[i] ?? null), torchFloat32, torchBfloat16, describeTorch(torchExample), peak);
  }
  if (args.jsonPath !== null) {
    const report = {
      date: new Date().toISOString(),
      backend: info,
      kernels,
      loadAverage: os.loadavg(),
      stepsPerRepetition: args.steps,
      warmupSteps: args.warmupSteps,
      peak,
      timings,
      eagerTimings: eagerTimings.filter((timing) => timing !== null),
      bfloat16Timings: bfloat16Timings.filter((timing) => timing !== null),
      python,
      torch: args.torch ? { version: torchExample?.torch_version ?? null, float32: torchFloat32, bfloat16: torchBfloat16.filter((timing) => timing !== null) } : null,
    };
    fs.writeFileSync(args.jsonPath, JSON.stringify(report, null, 2) + "\n");
    console.log(`wrote ${args.jsonPath}`);
  }
}

if (require.main === module) {
  main();
}
