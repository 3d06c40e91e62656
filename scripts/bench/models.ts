/**
 * Training speed of the chapter's four models at batch 50 on random data.
 *
 *   node_modules/.bin/ts-node --transpile-only scripts/bench/models.ts \
 *     [--steps 30] [--warmup 5] [--repetitions 3] [--models mnist,cifar-reduced] [--no-peak] [--python] [--json out.json]
 *
 * The models take turns, one repetition each, so that they all see the same
 * background load; other processes on the machine still change the figures,
 * so compare runs made under similar load and look at the min–max spread.
 *
 * --python also times the same training steps in Python TensorFlow (bench/python/,
 * same TensorFlow version, set up into .venv-bench on first use), one repetition
 * right after each TypeScript repetition of the same model, and prints the ratio.
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import * as fs from "node:fs";
import * as os from "node:os";
import { backendInfo } from "../../src/backend";
import { modelKeys, type ModelKey } from "../../src/models/registry";
import { nativeKernelReport } from "../../src/native/kernels";
import { measurePeakMatMul, spread, TrainingStepTimer, type MatMulPeak, type StepTiming } from "../../src/training/benchmark";

interface BenchArguments {
  steps: number;
  warmupSteps: number;
  repetitions: number;
  models: ModelKey[];
  peak: boolean;
  python: boolean;
  jsonPath: string | null;
}

function parseArguments(argv: string[]): BenchArguments {
  const parsed: BenchArguments = { steps: 30, warmupSteps: 5, repetitions: 3, models: modelKeys, peak: true, python: false, jsonPath: null };
  const positiveInteger = (flag: string, text: string | undefined): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value <= 0) {
      throw new Error(`${flag} needs a positive integer, got '${text ?? ""}'.`);
    }
    return value;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === "--steps") parsed.steps = positiveInteger(flag, argv[++i]);
    else if (flag === "--warmup") parsed.warmupSteps = positiveInteger(flag, argv[++i]);
    else if (flag === "--repetitions") parsed.repetitions = positiveInteger(flag, argv[++i]);
    else if (flag === "--no-peak") parsed.peak = false;
    else if (flag === "--python") parsed.python = true;
    else if (flag === "--json") parsed.jsonPath = argv[++i] ?? "";
    else if (flag === "--models") {
      const requested = (argv[++i] ?? "").split(",").filter((key) => key !== "");
      const unknown = requested.filter((key) => !(modelKeys as string[]).includes(key));
      if (requested.length === 0 || unknown.length > 0) {
        throw new Error(`--models takes a comma-separated list of ${modelKeys.join(", ")}; got '${requested.join(",")}'.`);
      }
      parsed.models = requested as ModelKey[];
    } else {
      throw new Error(
        `Unknown argument '${flag}'. Usage: models.ts [--steps N] [--warmup N] [--repetitions N] [--models a,b] [--no-peak] [--python] [--json out.json]`,
      );
    }
  }
  if (parsed.jsonPath === "") {
    throw new Error("--json needs a file path.");
  }
  return parsed;
}

interface Column {
  title: string;
  width: number;
  cell(timing: StepTiming, peak: MatMulPeak | null): string;
}

const columns: Column[] = [
  { title: "model", width: 14, cell: (t) => t.model },
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

/** One repetition of the Python reference for `model`: its ms per step (the process's own warm-up excluded). */
function timePythonRepetition(model: ModelKey, steps: number, warmupSteps: number): number {
  const output = execFileSync(
    benchPython,
    [path.join(root, "bench/python/train_step.py"), "--model", model, "--steps", String(steps), "--warmup", String(warmupSteps), "--repeats", "1", "--json"],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
  );
  const result = JSON.parse(output.trim().split("\n").pop() ?? "") as { ms_per_step_median: number };
  return result.ms_per_step_median;
}

interface PythonTiming {
  model: string;
  msPerStep: { median: number; min: number; max: number };
  gflopsPerSecond: number;
  /** TypeScript median / Python median: below 1, the notebooks' code is faster. */
  ratio: number;
}

function printComparison(timings: StepTiming[], python: PythonTiming[], peak: MatMulPeak | null): void {
  const widths = [14, 22, 22, 7, 16];
  const ofPeak = (gflops: number) => (peak === null ? "" : ` (${((100 * gflops) / peak.gflopsPerSecond).toFixed(0)}%)`);
  const range = ({ median, min, max }: { median: number; min: number; max: number }) =>
    `${median.toFixed(1)} (${min.toFixed(1)}–${max.toFixed(1)})`;
  console.log("\nTypeScript (this project) against Python TensorFlow, ms per training step, median (min–max):");
  console.log(formatLine(["model", "TypeScript", "Python", "TS/Py", "GFLOP/s TS / Py"], widths));
  timings.forEach((timing, i) => {
    const py = python[i];
    console.log(
      formatLine(
        [
          timing.model,
          range(timing.msPerStep),
          range(py.msPerStep),
          py.ratio.toFixed(2),
          `${timing.gflopsPerSecond.toFixed(0)}${ofPeak(timing.gflopsPerSecond)} / ${py.gflopsPerSecond.toFixed(0)}${ofPeak(py.gflopsPerSecond)}`,
        ],
        widths,
      ),
    );
  });
}

function main(): void {
  const args = parseArguments(process.argv.slice(2));
  const info = backendInfo();
  console.log(
    `TensorFlow ${info.tensorflowVersion} (tfjs-node ${info.tfjsVersion}), ${os.cpus().length} CPUs, ` +
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
  const timers = args.models.map((key) => new TrainingStepTimer(key));
  timers.forEach((timer) => timer.warmUp(args.warmupSteps));
  // The kernels are probed on first use, so the report is complete once every model has run.
  const kernels = nativeKernelReport();
  kernels.forEach(({ name, kernel, fallbackReason }) =>
    console.log(`kernel: ${name}: ${kernel}${fallbackReason === undefined ? "" : ` (fallback: ${fallbackReason})`}`),
  );
  const pythonMs: number[][] = args.models.map(() => []);
  for (let repetition = 0; repetition < args.repetitions; repetition++) {
    timers.forEach((timer, i) => {
      timer.timeRepetition(args.steps);
      if (args.python) pythonMs[i].push(timePythonRepetition(args.models[i], args.steps, args.warmupSteps));
    });
    console.log(`repetition ${repetition + 1}/${args.repetitions} done`);
  }
  const timings: StepTiming[] = timers.map((timer) => timer.summary());
  timers.forEach((timer) => timer.dispose());
  console.log(formatLine(columns.map((column) => column.title)));
  timings.forEach((timing) => console.log(formatLine(columns.map((column) => column.cell(timing, peak)))));
  const python: PythonTiming[] = args.python
    ? timings.map((timing, i) => {
        const msPerStep = spread(pythonMs[i]);
        return { model: timing.model, msPerStep, gflopsPerSecond: timing.flopsPerStep / msPerStep.median / 1e6, ratio: timing.msPerStep.median / msPerStep.median };
      })
    : [];
  if (args.python) printComparison(timings, python, peak);
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
      python,
    };
    fs.writeFileSync(args.jsonPath, JSON.stringify(report, null, 2) + "\n");
    console.log(`wrote ${args.jsonPath}`);
  }
}

if (require.main === module) {
  main();
}
