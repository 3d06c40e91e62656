/**
 * The airbench ablation of notebook 4.4: trains the full recipe, then the
 * recipe with each ingredient taken out in turn, all for the same number of
 * epochs from the same seed, and writes their test accuracies to
 * results/airbench-ablation.json, which the notebook draws.
 *
 *   npm run ablation -- [--epochs 3] [--seed 42] [--batch-size N] [--output FILE] [--retrain]
 *
 * Each run is cached like the notebook's (weights cache, keyed by recipe,
 * seed and data), so an interrupted ablation resumes where it stopped. Taking
 * out test-time augmentation changes no training: that run is the full
 * recipe's, evaluated without it. Data come from CNN_DATA_DIR, the cache or a
 * download (see README.md).
 */
import * as path from "path";
import { displayPath } from "../src/cache";
import { loadCifar10 } from "../src/data";

import { runInfo } from "../src/notebook";
import {
  ABLATION_RESULTS_FILE,
  AIRBENCH_INGREDIENTS,
  AIRBENCH_RECIPE,
  trainAndEvaluateAirbench,
  withoutIngredient,
  writeAblationResults,
  type AblationRun,
  type AirbenchIngredient,
  type AirbenchRecipe,
} from "../src/recipes";
import { parseCommandLine, positiveNumber, seedNumber, type CommandLine, type OptionSpecs } from "./command-line";

interface AblationArguments {
  epochs: number;
  seed: number;
  batchSize: number;
  output: string;
  retrain: boolean;
}

const OPTIONS = {
  epochs: { type: "string", value: "N", help: "epochs of every run, fractions allowed (default 3)" },
  seed: { type: "string", value: "N", help: "seed of every run (default 42)" },
  "batch-size": { type: "string", value: "N", help: `batch size of every run (default the recipe's ${AIRBENCH_RECIPE.batchSize})` },
  output: { type: "string", value: "FILE", help: `results file to write (default ${displayPath(ABLATION_RESULTS_FILE)}, which notebook 4.4 reads)` },
  retrain: { type: "boolean", help: "train every run even when it is cached" },
} satisfies OptionSpecs;

const COMMAND_LINE: CommandLine<typeof OPTIONS, AblationArguments> = {
  program: "ablation",
  usage:
    "usage: npm run ablation -- [--epochs N] [--seed N] [--batch-size N] [--output FILE] [--retrain]\n" +
    "Trains airbench's full recipe, then the recipe with each ingredient taken out in turn, and writes their accuracies per epoch.",
  options: OPTIONS,
  interpret: (values) => ({
    epochs: values.epochs === undefined ? 3 : positiveNumber("--epochs", values.epochs),
    seed: values.seed === undefined ? 42 : seedNumber("--seed", values.seed),
    batchSize: values["batch-size"] === undefined ? AIRBENCH_RECIPE.batchSize : positiveNumber("--batch-size", values["batch-size"], true),
    output: values.output === undefined ? ABLATION_RESULTS_FILE : path.resolve(values.output),
    retrain: values.retrain === true,
  }),
};

/** The command line that makes the same file, for the record in it. */
function commandLine(args: AblationArguments): string {
  const flags = [`--epochs ${args.epochs}`, `--seed ${args.seed}`];
  if (args.batchSize !== AIRBENCH_RECIPE.batchSize) flags.push(`--batch-size ${args.batchSize}`);
  if (args.output !== ABLATION_RESULTS_FILE) flags.push(`--output ${path.relative(process.cwd(), args.output)}`);
  return `npm run ablation -- ${flags.join(" ")}`;
}

const percent = (fraction: number) => `${(100 * fraction).toFixed(2)}%`;

async function main(): Promise<void> {
  const args = parseCommandLine(process.argv.slice(2), COMMAND_LINE);
  const startedAt = new Date();
  const machine = runInfo(startedAt);
  const cifar = await loadCifar10();
  const full: AirbenchRecipe = { ...AIRBENCH_RECIPE, epochs: args.epochs, batchSize: args.batchSize };
  const ingredients = Object.keys(AIRBENCH_INGREDIENTS) as AirbenchIngredient[];
  const trained = ingredients.filter((ingredient) => ingredient !== "test-time-augmentation");
  const variants: Array<{ removed: AirbenchIngredient | null; recipe: AirbenchRecipe }> = [
    { removed: null, recipe: full },
    ...trained.map((removed) => ({ removed, recipe: withoutIngredient(full, removed) })),
  ];
  console.log(`airbench ablation: ${variants.length} training runs of ${args.epochs} epoch${args.epochs === 1 ? "" : "s"}, seed ${args.seed}, batch ${args.batchSize}`);
  const runs: AblationRun[] = [];
  for (const [i, { removed, recipe }] of variants.entries()) {
    const name = removed === null ? "full recipe" : `without ${removed} (${AIRBENCH_INGREDIENTS[removed]})`;
    console.log(`[${i + 1}/${variants.length}] ${name}`);
    const { run, testAccuracy, testAccuracyTta, trainSeconds } = await trainAndEvaluateAirbench(cifar.train, cifar.test, {
      recipe,
      seed: args.seed,
      retrain: args.retrain,
      log: (line) => console.log(`  ${line}`),
    });
    console.log(`  test accuracy ${percent(testAccuracy)}, with test-time augmentation ${percent(testAccuracyTta)}; ${run.msPerStep.toFixed(0)} ms per step`);
    const result: AblationRun = {
      removed,
      testAccuracy,
      testAccuracyTta,
      trainSeconds,
      // Every run has the test set, so each epoch has its test accuracy.
      epochs: run.epochs.map(({ epoch, steps, seconds, trainCost, trainAccuracy, testAccuracy: epochTestAccuracy }) => ({
        epoch,
        steps,
        seconds,
        trainCost,
        trainAccuracy,
        testAccuracy: epochTestAccuracy ?? Number.NaN,
      })),
    };
    runs.push(result);
    if (removed === null) {
      // The same training; only the final evaluation differs.
      runs.push({ ...result, removed: "test-time-augmentation", testAccuracyTta: result.testAccuracy });
    }
  }
  writeAblationResults(
    {
      command: commandLine(args),
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      epochs: args.epochs,
      seed: args.seed,
      blockWidths: [...full.widths.blocks],
      batchSize: args.batchSize,
      trainSet: cifar.train.datasetId,
      testSet: cifar.test.datasetId,
      machine,
      runs,
    },
    args.output,
  );
  console.log(`wrote ${displayPath(args.output)}`);
}

main().catch((error: Error) => {
  console.error(`ablation: ${error.message}`);
  process.exitCode = 1;
});
