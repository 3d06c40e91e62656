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
import { chapterStepTimer } from "../../src/recipes";
import { spread, type TrainingStepTimer } from "../../src/training/benchmark";
import { listOf, parseCommandLine, positiveNumber, type CommandLine, type OptionSpecs } from "../command-line";

interface Arguments {
  models: ModelKey[];
  steps: number;
  repetitions: number;
}

const DEFAULTS: Arguments = { models: ["mnist", "cifar-3conv"], steps: 50, repetitions: 8 };

const OPTIONS = {
  models: { type: "string", value: "LIST", help: `models, comma-separated, of ${modelKeys.join(", ")} (default ${DEFAULTS.models.join(",")})` },
  steps: { type: "string", value: "N", help: `timed steps per repetition, and the warm-up steps (default ${DEFAULTS.steps})` },
  repetitions: { type: "string", value: "N", help: `repetitions per variant, with and without the curve taking turns (default ${DEFAULTS.repetitions})` },
} satisfies OptionSpecs;

const COMMAND_LINE: CommandLine<typeof OPTIONS, Arguments> = {
  program: "curve-overhead",
  usage:
    "usage: nice -n 10 node_modules/.bin/ts-node --transpile-only scripts/bench/curve-overhead.ts [options]\n" +
    "Times the training step with and without recording the training curve, and prints the ratio of wall and CPU time.",
  options: OPTIONS,
  interpret: (values) => ({
    models: values.models === undefined ? DEFAULTS.models : listOf("--models", values.models, modelKeys),
    steps: values.steps === undefined ? DEFAULTS.steps : positiveNumber("--steps", values.steps, true),
    repetitions: values.repetitions === undefined ? DEFAULTS.repetitions : positiveNumber("--repetitions", values.repetitions, true),
  }),
};

const range = ({ median, min, max }: { median: number; min: number; max: number }, digits: number) =>
  `${median.toFixed(digits)} (${min.toFixed(digits)}–${max.toFixed(digits)})`;

function main(): void {
  const { models, steps, repetitions } = parseCommandLine(process.argv.slice(2), COMMAND_LINE);
  console.log(`${steps} steps x ${repetitions} repetitions per variant, batch 50, variants alternating`);
  console.log("with/without curve, per pair of repetitions: median (min–max)");
  console.log(`${"model".padEnd(14)}  ${"ms/step with".padStart(13)}  ${"ms/step without".padStart(15)}  ${"wall-time ratio".padStart(22)}  ${"CPU-time ratio".padStart(22)}`);
  for (const model of models) {
    const withCurve = chapterStepTimer(model, 50, { recordCurve: true });
    const without = chapterStepTimer(model, 50, { recordCurve: false });
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
