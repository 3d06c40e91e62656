/**
 * The MNIST model's training step, at batch 50 on random data: eager
 * (src/training/step.ts, what training runs), and as one compiled graph
 * function (src/compiled/) called by its name, by its name without Grappler,
 * or through StatefulPartitionedCall.
 *
 *   nice -n 10 node_modules/.bin/ts-node --transpile-only scripts/bench/compiled-step.ts \
 *     [--steps 20] [--warmup 5] [--repetitions 3]
 *   ONEDNN_VERBOSE=1 node_modules/.bin/ts-node --transpile-only scripts/bench/compiled-step.ts --only by-name --steps 3
 *
 * The variants take turns, one repetition each, so that they see the same
 * background load; the process's CPU time per step (all its threads) is
 * printed beside the wall time, as a measure of work less affected by load. --only runs one variant (warm-up and one repetition), for
 * counting the oneDNN primitives it runs with ONEDNN_VERBOSE=1.
 */
import { tf } from "../../src/backend";
import { convBiasRelu, dropout, matMulBias, maxPool, relu, reshape } from "../../src/compiled/graph-layers";
import { CompiledTrainingStep, type StepGraphDefinition } from "../../src/compiled/training-step";
import { createModel } from "../../src/models/registry";
import type { ChapterModel } from "../../src/models/model";
import { TrainingStepTimer } from "../../src/training/benchmark";

const BATCH = 50;
const KEEP_PROB = 0.5;
const LEARNING_RATE = 1e-4;

/** src/models/mnist.ts's forward pass, written by hand with the graph layers. */
const mnistStep: StepGraphDefinition = {
  imagesShape: [BATCH, 28, 28, 1],
  labelsShape: [BATCH, 10],
  dropoutSeeds: 1,
  forward(graph, images, [W1, b1, W2, b2, W3, b3, W4, b4], [seed]) {
    const conv1Pool = maxPool(graph, convBiasRelu(graph, images, W1, b1), 2);
    const conv2Pool = maxPool(graph, convBiasRelu(graph, conv1Pool, W2, b2), 2);
    const full1 = relu(graph, matMulBias(graph, reshape(graph, conv2Pool, [BATCH, 7 * 7 * 64]), W3, b3));
    return matMulBias(graph, dropout(graph, full1, KEEP_PROB, seed, [BATCH, 1024]), W4, b4);
  },
};

type Variant = "eager" | "by-name" | "by-name-unoptimized" | "partitioned-call";
const VARIANTS: Variant[] = ["eager", "by-name", "by-name-unoptimized", "partitioned-call"];

interface Timer {
  warmUp(steps: number): void;
  timeRepetition(steps: number): number;
  dispose(): void;
}

/** Times CompiledTrainingStep the way TrainingStepTimer times the eager step. */
class CompiledStepTimer implements Timer {
  private readonly model: ChapterModel;
  private readonly step: CompiledTrainingStep;
  private readonly images: tf.Tensor4D;
  private readonly labels: tf.Tensor2D;
  private seedsDrawn = 0;

  constructor(variant: Exclude<Variant, "eager">) {
    this.model = createModel("mnist", { seed: 0 });
    const options = {
      call: variant === "partitioned-call" ? ("partitioned-call" as const) : ("by-name" as const),
      optimize: variant !== "by-name-unoptimized",
    };
    this.step = new CompiledTrainingStep(this.model.variables, mnistStep, { learningRate: LEARNING_RATE }, options);
    this.images = tf.randomUniform([BATCH, 28, 28, 1], 0, 1, "float32", 1) as tf.Tensor4D;
    this.labels = tf.tidy(() => tf.oneHot(tf.randomUniform([BATCH], 0, 10, "int32", 2) as tf.Tensor1D, 10).toFloat() as tf.Tensor2D);
  }

  warmUp(steps: number): void {
    this.runSteps(steps);
  }

  timeRepetition(steps: number): number {
    const started = performance.now();
    this.runSteps(steps);
    return (performance.now() - started) / steps;
  }

  dispose(): void {
    tf.dispose([this.images, this.labels]);
    this.step.dispose();
    this.model.dispose();
  }

  private runSteps(steps: number): void {
    for (let i = 0; i < steps; i++) {
      this.step.run(this.images, this.labels, [[0, this.seedsDrawn++]]).loss.dispose();
    }
    // Reading back one small value makes sure all the work has finished.
    const last = this.model.variables[this.model.variables.length - 1].read();
    last.dataSync();
    last.dispose();
  }
}

function timerFor(variant: Variant): Timer {
  return variant === "eager" ? new TrainingStepTimer("mnist", BATCH) : new CompiledStepTimer(variant);
}

function parseArguments(argv: string[]): { steps: number; warmup: number; repetitions: number; only: Variant | null } {
  const parsed = { steps: 20, warmup: 5, repetitions: 3, only: null as Variant | null };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[++i]];
    const count = Number(value);
    if (flag === "--only" && (VARIANTS as string[]).includes(value)) parsed.only = value as Variant;
    else if (["--steps", "--warmup", "--repetitions"].includes(flag) && Number.isInteger(count) && count > 0) {
      parsed[flag.slice(2) as "steps" | "warmup" | "repetitions"] = count;
    } else {
      const usage = `compiled-step.ts [--steps N] [--warmup N] [--repetitions N] [--only ${VARIANTS.join("|")}]`;
      throw new Error(`Bad argument '${flag} ${value ?? ""}'. Usage: ${usage}`);
    }
  }
  return parsed;
}

/** [median, min, max] */
function summary(values: number[]): [number, number, number] {
  const sorted = [...values].sort((a, b) => a - b);
  return [sorted[Math.floor(sorted.length / 2)], sorted[0], sorted[sorted.length - 1]];
}

function main(): void {
  const { steps, warmup, repetitions, only } = parseArguments(process.argv.slice(2));
  const variants = only === null ? VARIANTS : [only];
  const timers = variants.map(timerFor);
  try {
    timers.forEach((timer) => timer.warmUp(warmup));
    const msPerStep: number[][] = variants.map(() => []);
    const cpuMsPerStep: number[][] = variants.map(() => []);
    for (let repetition = 0; repetition < (only === null ? repetitions : 1); repetition++) {
      timers.forEach((timer, i) => {
        const cpuBefore = process.cpuUsage();
        msPerStep[i].push(timer.timeRepetition(steps));
        const { user, system } = process.cpuUsage(cpuBefore);
        cpuMsPerStep[i].push((user + system) / 1000 / steps);
      });
      const times = variants.map((variant, i) => `${variant} ${msPerStep[i][repetition].toFixed(1)}`);
      console.log(`repetition ${repetition + 1}: ${times.join(", ")} ms/step`);
    }
    variants.forEach((variant, i) => {
      const [median, min, max] = summary(msPerStep[i]);
      const cpu = summary(cpuMsPerStep[i])[0];
      console.log(
        `${variant.padEnd(20)} median ${median.toFixed(1)} ms/step (min ${min.toFixed(1)}, max ${max.toFixed(1)}), ` +
          `CPU ${cpu.toFixed(1)} ms/step (median)`,
      );
    });
  } finally {
    timers.forEach((timer) => timer.dispose());
  }
}

main();
