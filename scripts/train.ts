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
 * Data come from CNN_DATA_DIR, the cache or a download (see README.md).
 */
import { backendInfo } from "../src/native/backend";
import { loadCifar10, loadMnist } from "../src/data";

import { createModel, modelKeys, type ModelKey } from "../src/models";
import { runInfo } from "../src/notebook";
import { checkSeed } from "../src/seed";
import { describeStepKind, STEP_KINDS, testAccuracy, trainOrLoad, messageWithWeightsPath, type StepKind } from "../src/training";
import { AIRBENCH_RECIPE, airbenchModel, airbenchTraining, chapterTraining, describePlan, planAirbenchTraining, recordAirbenchRun, testTimeAugmented } from "../src/recipes";

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

const usage =
  `usage: train.ts --model ${MODELS.join("|")} [--seed N] [--step ${STEP_KINDS.join("|")}] [--retrain]\n` +
  "  chapter models: [--steps N]; airbench: [--epochs N | --time-budget MINUTES] [--record NAME]";

function parseArguments(argv: string[]): TrainArguments {
  const parsed: Partial<TrainArguments> = { seed: 42, retrain: false };
  const number = (flag: string, text: string | undefined, whole: boolean): number => {
    const value = Number(text);
    if (text === undefined || !(value > 0 && Number.isFinite(value)) || (whole && !Number.isInteger(value))) {
      throw new Error(`${flag} needs a ${whole ? "whole " : ""}number > 0, got '${text ?? ""}'.\n${usage}`);
    }
    return value;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === "--model") {
      const key = argv[++i];
      if (!(MODELS as readonly string[]).includes(key)) throw new Error(`--model must be one of ${MODELS.join(", ")}, got '${key ?? ""}'.`);
      parsed.model = key as TrainModel;
    } else if (flag === "--seed") parsed.seed = checkSeed(Number(argv[++i]), "--seed");
    else if (flag === "--steps") parsed.steps = number(flag, argv[++i], true);
    else if (flag === "--epochs") parsed.epochs = number(flag, argv[++i], false);
    else if (flag === "--time-budget") parsed.timeBudgetMinutes = number(flag, argv[++i], false);
    else if (flag === "--step") {
      const kind = argv[++i];
      if (!(STEP_KINDS as readonly string[]).includes(kind)) throw new Error(`--step must be one of ${STEP_KINDS.join(", ")}, got '${kind ?? ""}'.`);
      parsed.step = kind as StepKind;
    } else if (flag === "--record") {
      const name = argv[++i];
      if (name === undefined || !/^[a-z0-9][a-z0-9-]*$/.test(name)) throw new Error(`--record needs a name of lower-case letters, digits and dashes, got '${name ?? ""}'.`);
      parsed.record = name;
    } else if (flag === "--retrain") parsed.retrain = true;
    else throw new Error(`Unknown argument '${flag}'.\n${usage}`);
  }
  if (parsed.model === undefined) throw new Error(`--model is required.\n${usage}`);
  const airbench = parsed.model === "airbench";
  if (airbench && parsed.steps !== undefined) throw new Error(`--steps is for the chapter's models; airbench trains for --epochs.\n${usage}`);
  if (!airbench && (parsed.epochs !== undefined || parsed.timeBudgetMinutes !== undefined || parsed.record !== undefined)) {
    throw new Error(`--epochs, --time-budget and --record are for airbench.\n${usage}`);
  }
  if (parsed.epochs !== undefined && parsed.timeBudgetMinutes !== undefined) throw new Error(`--epochs and --time-budget exclude each other: the budget decides the epochs.\n${usage}`);
  return parsed as TrainArguments;
}

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
  const model = airbenchModel(recipe, { seed: args.seed });
  try {
    const { batches, options } = airbenchTraining(model, cifar.train, cifar.test, { recipe, seed: args.seed, retrain: args.retrain });
    const result = await trainOrLoad(model, batches, {
      ...options,
      onEpoch: (record) => console.log(`epoch ${record.epoch.toFixed(2)}: test accuracy ${percent(record.testAccuracy ?? 0)}, ${record.seconds.toFixed(1)} s of training`),
    });
    console.log(messageWithWeightsPath(result));
    const silent = { log: () => {} };
    const accuracy = testAccuracy(model, cifar.test, silent);
    const accuracyTta = testAccuracy(model, cifar.test, { ...silent, logits: testTimeAugmented(model, recipe.testTimeAugmentation) });
    // maxRSS is in KiB; a run loaded from the cache did not train in this process.
    const peakResidentMiB = process.resourceUsage().maxRSS / 1024;
    console.log(
      `airbench seed ${args.seed}, ${recipe.epochs} epochs, ${describeStepKind(result.settings.step)}: test accuracy ${percent(accuracy)}, ` +
        `${percent(accuracyTta)} with test-time augmentation; training ${result.seconds.toFixed(1)} s (${result.msPerStep.toFixed(0)} ms per step); ` +
        `peak resident memory ${peakResidentMiB.toFixed(0)} MiB`,
    );
    if (args.record !== undefined) {
      if (result.outcome !== "trained") {
        throw new Error(`--record ${args.record}: the run was loaded from the cache, so its memory was not measured; add --retrain.`);
      }
      const flags = [`--seed ${args.seed}`, args.timeBudgetMinutes === undefined ? `--epochs ${recipe.epochs}` : `--time-budget ${args.timeBudgetMinutes}`, `--record ${args.record}`, "--retrain"];
      if (args.step !== undefined) flags.push(`--step ${args.step}`);
      recordAirbenchRun({
        name: args.record,
        seed: args.seed,
        epochs: recipe.epochs,
        trainSeconds: result.seconds,
        msPerStep: result.msPerStep,
        testAccuracy: accuracy,
        testAccuracyTta: accuracyTta,
        peakResidentMiB,
        command: `npm run train -- --model airbench ${flags.join(" ")}`,
        finishedAt: new Date().toISOString(),
        cpuClass: backendInfo().cpu.cpuClass,
        machine: runInfo(),
      });
      console.log(`recorded as '${args.record}' (seed ${args.seed}) in results/airbench-runs.json`);
    }
  } finally {
    model.dispose();
  }
}

async function main(): Promise<void> {
  const args = parseArguments(process.argv.slice(2));
  await (args.model === "airbench" ? trainAirbench(args) : trainChapterModel(args as TrainArguments & { model: ModelKey }));
}

main().catch((error: Error) => {
  console.error(`train: ${error.message}`);
  process.exitCode = 1;
});
