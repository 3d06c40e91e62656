/**
 * What recording the training curve costs: the same training step timed with
 * and without it (mean cost and batch accuracy gathered on the device, read
 * back once every 50 steps, as train() does), the two variants taking turns
 * repetition by repetition so that they see the same background load. Besides
 * wall time it reports the process's CPU time per step (all TensorFlow
 * threads), which other processes on a busy machine disturb less.
 *
 *   nice -n 10 node_modules/.bin/ts-node --transpile-only scripts/bench/curve-overhead.ts \
 *     [--models mnist,cifar-3conv] [--steps 50] [--repetitions 8]
 */
import { modelKeys, type ModelKey } from "../../src/models/registry";
import { spread, TrainingStepTimer } from "../../src/training/benchmark";

interface Arguments {
  models: ModelKey[];
  steps: number;
  repetitions: number;
}

function parseArguments(argv: string[]): Arguments {
  const parsed: Arguments = { models: ["mnist", "cifar-3conv"], steps: 50, repetitions: 8 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[++i] ?? ""];
    if (flag === "--models") {
      const requested = value.split(",").filter((key) => key !== "");
      if (requested.length === 0 || !requested.every((key) => (modelKeys as string[]).includes(key))) {
        throw new Error(`--models takes a comma-separated list of ${modelKeys.join(", ")}; got '${value}'.`);
      }
      parsed.models = requested as ModelKey[];
    } else if ((flag === "--steps" || flag === "--repetitions") && Number.isInteger(Number(value)) && Number(value) > 0) {
      parsed[flag === "--steps" ? "steps" : "repetitions"] = Number(value);
    } else {
      throw new Error(`Unknown or invalid argument '${flag} ${value}'. Usage: curve-overhead.ts [--models a,b] [--steps N] [--repetitions N]`);
    }
  }
  return parsed;
}

const range = ({ median, min, max }: { median: number; min: number; max: number }, digits: number) =>
  `${median.toFixed(digits)} (${min.toFixed(digits)}–${max.toFixed(digits)})`;

function main(): void {
  const { models, steps, repetitions } = parseArguments(process.argv.slice(2));
  console.log(`${steps} steps x ${repetitions} repetitions per variant, batch 50, variants alternating`);
  console.log("with/without curve, per pair of repetitions: median (min–max)");
  console.log(`${"model".padEnd(14)}  ${"ms/step with".padStart(13)}  ${"ms/step without".padStart(15)}  ${"wall-time ratio".padStart(22)}  ${"CPU-time ratio".padStart(22)}`);
  for (const model of models) {
    const withCurve = new TrainingStepTimer(model, 50, { recordCurve: true });
    const without = new TrainingStepTimer(model, 50, { recordCurve: false });
    withCurve.warmUp(steps);
    without.warmUp(steps);
    const wallRatios: number[] = [];
    const cpuRatios: number[] = [];
    for (let repetition = 0; repetition < repetitions; repetition++) {
      // Alternate which variant goes first, so neither always runs right after the other.
      const order = repetition % 2 === 0 ? [withCurve, without] : [without, withCurve];
      const measured = new Map<TrainingStepTimer, { wall: number; cpu: number }>();
      for (const timer of order) {
        const cpuBefore = process.cpuUsage();
        const wall = timer.timeRepetition(steps);
        const { user, system } = process.cpuUsage(cpuBefore);
        measured.set(timer, { wall, cpu: (user + system) / 1000 / steps });
      }
      const [a, b] = [measured.get(withCurve)!, measured.get(without)!];
      wallRatios.push(a.wall / b.wall);
      cpuRatios.push(a.cpu / b.cpu);
    }
    const [a, b] = [withCurve.summary(), without.summary()];
    withCurve.dispose();
    without.dispose();
    console.log(
      `${model.padEnd(14)}  ${a.msPerStep.median.toFixed(2).padStart(13)}  ${b.msPerStep.median.toFixed(2).padStart(15)}  ` +
        `${range(spread(wallRatios), 3).padStart(22)}  ${range(spread(cpuRatios), 3).padStart(22)}`,
    );
  }
}

if (require.main === module) {
  main();
}
