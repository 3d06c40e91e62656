/**
 * Training speed of the chapter's four models at batch 50 on random data.
 *
 *   node_modules/.bin/ts-node --transpile-only scripts/bench/models.ts \
 *     [--steps 30] [--warmup 5] [--repetitions 3] [--models mnist,cifar-reduced] [--no-peak] [--json out.json]
 *
 * Other processes on the machine change these figures: compare runs made
 * under the same load, and look at the min–max spread.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import { backendInfo } from "../../src/backend";
import { modelKeys, type ModelKey } from "../../src/models/registry";
import { measurePeakMatMul, timeTrainingSteps, type MatMulPeak, type StepTiming } from "../../src/training/benchmark";

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
      throw new Error(`Unknown argument '${flag}'. Usage: models.ts [--steps N] [--warmup N] [--repetitions N] [--models a,b] [--no-peak] [--json out.json]`);
    }
  }
  if (parsed.jsonPath === "") {
    throw new Error("--json needs a file path.");
  }
  return parsed;
}

function formatRow(timing: StepTiming, peak: MatMulPeak | null): string {
  const { median, min, max } = timing.msPerStep;
  return [
    timing.model.padEnd(14),
    timing.parameters.toLocaleString("en-US").padStart(10),
    `${median.toFixed(1)} (${min.toFixed(1)}–${max.toFixed(1)})`.padStart(20),
    timing.imagesPerSecond.toFixed(0).padStart(9),
    (timing.flopsPerStep / 1e9).toFixed(2).padStart(10),
    timing.gflopsPerSecond.toFixed(1).padStart(8),
    (peak === null ? "-" : `${((100 * timing.gflopsPerSecond) / peak.gflopsPerSecond).toFixed(0)}%`).padStart(7),
  ].join("  ");
}

function main(): void {
  const args = parseArguments(process.argv.slice(2));
  const info = backendInfo();
  console.log(
    `TensorFlow ${info.tensorflowVersion} (tfjs-node ${info.tfjsVersion}), ${os.cpus().length} CPUs, ` +
      `load average ${os.loadavg()[0].toFixed(2)}; ${args.steps} steps x ${args.repetitions} repetitions after ${args.warmupSteps} warm-up, batch 50`,
  );
  const peak = args.peak ? measurePeakMatMul() : null;
  if (peak !== null) {
    console.log(`peak: ${peak.size}x${peak.size} float32 matMul in ${peak.ms.toFixed(0)} ms = ${peak.gflopsPerSecond.toFixed(1)} GFLOP/s`);
  }
  console.log(
    ["model".padEnd(14), "params".padStart(10), "ms/step med (min–max)".padStart(20), "images/s".padStart(9), "GFLOP/step".padStart(10), "GFLOP/s".padStart(8), "of peak".padStart(7)].join("  "),
  );
  const timings: StepTiming[] = [];
  for (const key of args.models) {
    const timing = timeTrainingSteps(key, { steps: args.steps, warmupSteps: args.warmupSteps, repetitions: args.repetitions });
    timings.push(timing);
    console.log(formatRow(timing, peak));
  }
  if (args.jsonPath !== null) {
    const report = { date: new Date().toISOString(), backend: info, loadAverage: os.loadavg(), peak, timings };
    fs.writeFileSync(args.jsonPath, JSON.stringify(report, null, 2) + "\n");
    console.log(`wrote ${args.jsonPath}`);
  }
}

if (require.main === module) {
  main();
}
