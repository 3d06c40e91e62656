/**
 * Trains one of the chapter's models, or airbench's recipe (notebook 4.4), from
 * the terminal as its notebook does, and prints the log lines and the test
 * accuracy: for repeated runs with other seeds.
 *
 *   npm run train -- --model cifar-3conv [--seed 7] [--steps 10000] [--step compiled-bfloat16] [--retrain]
 *   npm run train -- --model airbench [--seed 7] [--epochs 9 | --time-budget MINUTES] [--record equal-time] [--retrain]
 *
 * --time-budget fits the recipe's whole schedule into that many minutes of training on this
 * machine, as notebook 4.4 does (planAirbenchTraining), when the recipe would take longer.
 * --step picks the training step (default: compiled for the chapter's models,
 * the recipe's for airbench; see StepKind). --record NAME adds airbench's run
 * (accuracies, training time, peak resident memory) to results/airbench-runs.json
 * under NAME and the seed, for notebook 4.4.
 *
 * `--help` lists the options. Data come from CNN_DATA_DIR, the cache or a download (see README.md).
 */
import { backendInfo } from "../src/native/backend";
import { loadCifar10, loadMnist } from "../src/data";

import { createModel, modelKeys, type ModelKey } from "../src/models";
import { runInfo } from "../src/notebook";
import { describeStepKind, STEP_KINDS, testAccuracy, trainOrLoad, messageWithWeightsPath, type StepKind } from "../src/training";
import { AIRBENCH_RECIPE, chapterTraining, describePlan, planAirbenchTraining, recordAirbenchRun, trainAndEvaluateAirbench } from "../src/recipes";
import { oneOf, parseCommandLine, positiveNumber, seedNumber, type CommandLine, type OptionSpecs } from "./command-line";

const MODELS = [...modelKeys, "airbench"] as const;
type TrainModel = ModelKey | "airbench";

interface TrainArguments {
  model: TrainModel;
  seed: number;
  steps?: number;
  epochs?: number;
  timeBudgetMinutes?: number;
  step?: StepKind;
  record?: string;
  retrain: boolean;
}

const OPTIONS = {
  model: { type: "string", value: "MODEL", help: `what to train (required): ${MODELS.join(", ")}` },
  seed: { type: "string", value: "N", help: "seed of the initial weights, batch order and augmentation (default 42)" },
  step: { type: "string", value: "KIND", help: `training step, one of ${STEP_KINDS.join(", ")} (default: compiled for the chapter's models, the recipe's for airbench)` },
  steps: { type: "string", value: "N", help: "chapter's models: training steps (default: the notebook's)" },
  epochs: { type: "string", value: "N", help: `airbench: epochs, fractions allowed (default the recipe's ${AIRBENCH_RECIPE.epochs})` },
  "time-budget": { type: "string", value: "MINUTES", help: "airbench: fit the recipe's whole schedule into this many minutes of training on this machine, as notebook 4.4 does" },
  record: { type: "string", value: "NAME", help: "airbench: add the run (accuracies, training time, peak memory) to results/airbench-runs.json under NAME and the seed; needs a run trained here (--retrain)" },
  retrain: { type: "boolean", help: "train even when the run is cached" },
} satisfies OptionSpecs;

const COMMAND_LINE: CommandLine<typeof OPTIONS, TrainArguments> = {
  program: "train",
  usage:
    `usage: npm run train -- --model ${modelKeys.join("|")} [--seed N] [--steps N] [--step KIND] [--retrain]\n` +
    "       npm run train -- --model airbench [--seed N] [--epochs N | --time-budget MINUTES] [--record NAME] [--step KIND] [--retrain]\n" +
    "Trains one of the chapter's models, or airbench's recipe (notebook 4.4), and prints its test accuracy.",
  options: OPTIONS,
  interpret(values) {
    if (values.model === undefined) throw new Error("--model is required.");
    const model = oneOf("--model", values.model, MODELS);
    const airbench = model === "airbench";
    if (airbench && values.steps !== undefined) throw new Error("--steps is for the chapter's models; airbench trains for --epochs.");
    if (!airbench && (values.epochs !== undefined || values["time-budget"] !== undefined || values.record !== undefined)) {
      throw new Error("--epochs, --time-budget and --record are for airbench.");
    }
    if (values.epochs !== undefined && values["time-budget"] !== undefined) throw new Error("--epochs and --time-budget exclude each other: the budget decides the epochs.");
    if (values.record !== undefined && !/^[a-z0-9][a-z0-9-]*$/.test(values.record)) {
      throw new Error(`--record needs a name of lower-case letters, digits and dashes, got '${values.record}'.`);
    }
    return {
      model,
      seed: values.seed === undefined ? 42 : seedNumber("--seed", values.seed),
      steps: values.steps === undefined ? undefined : positiveNumber("--steps", values.steps, true),
      epochs: values.epochs === undefined ? undefined : positiveNumber("--epochs", values.epochs),
      timeBudgetMinutes: values["time-budget"] === undefined ? undefined : positiveNumber("--time-budget", values["time-budget"]),
      step: values.step === undefined ? undefined : oneOf("--step", values.step, STEP_KINDS),
      record: values.record,
      retrain: values.retrain === true,
    };
  },
};

const percent = (fraction: number) => `${(100 * fraction).toFixed(2)}%`;

async function trainChapterModel(args: TrainArguments & { model: ModelKey }): Promise<void> {
  const data = args.model === "mnist" ? await loadMnist() : await loadCifar10();
  const model = createModel(args.model, { seed: args.seed });
  try {
    const { batches, options } = chapterTraining(model, data.train, { seed: args.seed, retrain: args.retrain });
    const result = await trainOrLoad(model, batches, { ...options, steps: args.steps ?? options.steps, step: args.step ?? "compiled" });
    console.log(messageWithWeightsPath(result));
    const accuracy = testAccuracy(model, data.test);
    // The step that ran: a CPU without bfloat16 compute trains "compiled-bfloat16" in float32.
    console.log(`${args.model} seed ${args.seed}, ${describeStepKind(result.settings.step)}: test accuracy ${percent(accuracy)}, training ${result.seconds.toFixed(1)} s`);
  } finally {
    model.dispose();
  }
}

async function trainAirbench(args: TrainArguments): Promise<void> {
  const cifar = await loadCifar10();
  let epochs = args.epochs ?? AIRBENCH_RECIPE.epochs;
  const step = args.step ?? AIRBENCH_RECIPE.step;
  if (args.timeBudgetMinutes !== undefined) {
    const plan = await planAirbenchTraining(cifar.train, { recipe: { step }, seed: args.seed, timeBudgetMinutes: args.timeBudgetMinutes });
    console.log(describePlan(plan));
    epochs = plan.epochs;
  }
  const recipe = { ...AIRBENCH_RECIPE, epochs, step };
  const { run, testAccuracy, testAccuracyTta, trainSeconds } = await trainAndEvaluateAirbench(cifar.train, cifar.test, { recipe, seed: args.seed, retrain: args.retrain });
  // maxRSS is in KiB; a run loaded from the cache did not train in this process.
  const peakResidentMiB = process.resourceUsage().maxRSS / 1024;
  console.log(
    `airbench seed ${args.seed}, ${recipe.epochs} epochs, ${describeStepKind(run.settings.step)}: test accuracy ${percent(testAccuracy)}, ` +
      `${percent(testAccuracyTta)} with test-time augmentation; training ${trainSeconds.toFixed(1)} s (${run.msPerStep.toFixed(0)} ms per step); ` +
      `peak resident memory ${peakResidentMiB.toFixed(0)} MiB`,
  );
  if (args.record === undefined) return;
  if (run.outcome !== "trained") {
    throw new Error(`--record ${args.record}: the run was loaded from the cache, so its memory was not measured; add --retrain.`);
  }
  const flags = [`--seed ${args.seed}`, args.timeBudgetMinutes === undefined ? `--epochs ${recipe.epochs}` : `--time-budget ${args.timeBudgetMinutes}`, `--record ${args.record}`, "--retrain"];
  if (args.step !== undefined) flags.push(`--step ${args.step}`);
  recordAirbenchRun({
    name: args.record,
    seed: args.seed,
    epochs: recipe.epochs,
    trainSeconds,
    msPerStep: run.msPerStep,
    testAccuracy,
    testAccuracyTta,
    peakResidentMiB,
    command: `npm run train -- --model airbench ${flags.join(" ")}`,
    finishedAt: new Date().toISOString(),
    cpuClass: backendInfo().cpu.cpuClass,
    machine: runInfo(),
  });
  console.log(`recorded as '${args.record}' (seed ${args.seed}) in results/airbench-runs.json`);
}

async function main(): Promise<void> {
  const args = parseCommandLine(process.argv.slice(2), COMMAND_LINE);
  await (args.model === "airbench" ? trainAirbench(args) : trainChapterModel(args as TrainArguments & { model: ModelKey }));
}

main().catch((error: Error) => {
  console.error(`train: ${error.message}`);
  process.exitCode = 1;
});
