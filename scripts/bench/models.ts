/**
 * Training speed of the chapter's four models at batch 50 on random data.
 *
 *   node_modules/.bin/ts-node --transpile-only scripts/bench/models.ts \
 *     [--steps 30] [--warmup 5] [--repetitions 3] [--models mnist,cifar-reduced] [--no-peak] [--json out.json]
 *
 * The models take turns, one repetition each, so that they all see the same
 * background load; other processes on the machine still change the figures,
 * so compare runs made under similar load and look at the min–max spread.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import { backendInfo } from "../../src/backend";
import { modelKeys, type ModelKey } from "../../src/models/registry";
import { maxPoolingKernels } from "../../src/layers/pooling";
import { measurePeakMatMul, TrainingStepTimer, type MatMulPeak, type StepTiming } from "../../src/training/benchmark";

interface BenchArguments {
  steps: number;
  warmupSteps: number;
  repetitions: number;
  models: ModelKey[];
  peak: boolean;
  jsonPath: string | null;
}

function parseArguments(argv: string[]): BenchArguments {
  const parsed: BenchArguments = { steps: 30, warmupSteps: 5, repetitions: 3, models: modelKeys, peak: true, jsonPath: null };
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
        `Unknown argument '${flag}'. Usage: models.ts [--steps N] [--warmup N] [--repetitions N] [--models a,b] [--no-peak] [--json out.json]`,
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

function formatLine(cells: string[]): string {
  return cells.map((cell, i) => (i === 0 ? cell.padEnd(columns[i].width) : cell.padStart(columns[i].width))).join("  ");
}

function main(): void {
  const args = parseArguments(process.argv.slice(2));
  const info = backendInfo();
  console.log(
    `TensorFlow ${info.tensorflowVersion} (tfjs-node ${info.tfjsVersion}), ${os.cpus().length} CPUs, ` +
      `load average ${os.loadavg()[0].toFixed(2)}, ${maxPoolingKernels()} max pooling; ` +
      `${args.steps} steps x ${args.repetitions} repetitions after ${args.warmupSteps} warm-up, batch 50`,
  );
  const peak = args.peak ? measurePeakMatMul() : null;
  if (peak !== null) {
    const { size, ms, gflopsPerSecond } = peak;
    console.log(`peak: ${size}x${size} float32 matMul in ${ms.toFixed(0)} ms = ${gflopsPerSecond.toFixed(1)} GFLOP/s`);
  }
  const timers = args.models.map((key) => new TrainingStepTimer(key));
  timers.forEach((timer) => timer.warmUp(args.warmupSteps));
  for (let repetition = 0; repetition < args.repetitions; repetition++) {
    timers.forEach((timer) => timer.timeRepetition(args.steps));
  }
  const timings: StepTiming[] = timers.map((timer) => timer.summary());
  timers.forEach((timer) => timer.dispose());
  console.log(formatLine(columns.map((column) => column.title)));
  timings.forEach((timing) => console.log(formatLine(columns.map((column) => column.cell(timing, peak)))));
  if (args.jsonPath !== null) {
    const report = {
      date: new Date().toISOString(),
      backend: info,
      maxPooling: maxPoolingKernels(),
      loadAverage: os.loadavg(),
      stepsPerRepetition: args.steps,
      warmupSteps: args.warmupSteps,
      peak,
      timings,
    };
    fs.writeFileSync(args.jsonPath, JSON.stringify(report, null, 2) + "\n");
    console.log(`wrote ${args.jsonPath}`);
  }
}

if (require.main === module) {
  main();
}
