/**
 * Trains one of the chapter's models from the terminal, as its notebook does, and
 * prints the log lines and the test accuracy: for repeated runs with other seeds.
 *
 *   npm run train -- --model cifar-3conv [--seed 7] [--steps 10000] [--step compiled-bfloat16] [--retrain]
 *
 * --step picks the training step (default compiled; see StepKind).
 *
 * Data come from CNN_DATA_DIR, the cache or a download (see README.md).
 */
import { loadCifar10, loadMnist } from "../src/data";
import { createModel, modelKeys, type ModelKey } from "../src/models";
import { checkSeed } from "../src/seed";
import { chapterTraining, STEP_KINDS, testAccuracy, trainOrLoad, type StepKind } from "../src/training";

interface TrainArguments {
  model: ModelKey;
  seed: number;
  steps?: number;
  step: StepKind;
  retrain: boolean;
}

const usage = `usage: train.ts --model ${modelKeys.join("|")} [--seed N] [--steps N] [--step ${STEP_KINDS.join("|")}] [--retrain]`;

function parseArguments(argv: string[]): TrainArguments {
  const parsed: Partial<TrainArguments> = { seed: 42, step: "compiled", retrain: false };
  const wholeNumber = (flag: string, text: string | undefined): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < 0) throw new Error(`${flag} needs a whole number, got '${text ?? ""}'.\n${usage}`);
    return value;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === "--model") {
      const key = argv[++i];
      if (!(modelKeys as string[]).includes(key)) throw new Error(`--model must be one of ${modelKeys.join(", ")}, got '${key ?? ""}'.`);
      parsed.model = key as ModelKey;
    } else if (flag === "--seed") parsed.seed = checkSeed(wholeNumber(flag, argv[++i]), "--seed");
    else if (flag === "--steps") parsed.steps = wholeNumber(flag, argv[++i]);
    else if (flag === "--step") {
      const kind = argv[++i];
      if (!(STEP_KINDS as readonly string[]).includes(kind)) throw new Error(`--step must be one of ${STEP_KINDS.join(", ")}, got '${kind ?? ""}'.`);
      parsed.step = kind as StepKind;
    } else if (flag === "--retrain") parsed.retrain = true;
    else throw new Error(`Unknown argument '${flag}'.\n${usage}`);
  }
  if (parsed.model === undefined) throw new Error(`--model is required.\n${usage}`);
  return parsed as TrainArguments;
}

async function main(): Promise<void> {
  const args = parseArguments(process.argv.slice(2));
  const data = args.model === "mnist" ? await loadMnist() : await loadCifar10();
  const model = createModel(args.model, { seed: args.seed });
  try {
    const { batches, options } = chapterTraining(model, data.train, { seed: args.seed, retrain: args.retrain });
    const result = await trainOrLoad(model, batches, { ...options, steps: args.steps ?? options.steps, step: args.step });
    console.log(result.message);
    const accuracy = testAccuracy(model, data.test);
    console.log(`${args.model} seed ${args.seed}, ${args.step} step: test accuracy ${(100 * accuracy).toFixed(2)}%, training ${result.seconds.toFixed(1)} s`);
  } finally {
    model.dispose();
  }
}

main().catch((error: Error) => {
  console.error(`train: ${error.message}`);
  process.exitCode = 1;
});
