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
import { checkSeed } from "../src/seed";
import { testAccuracy, trainOrLoad, messageWithWeightsPath } from "../src/training";
import { ABLATION_RESULTS_FILE, AIRBENCH_INGREDIENTS, AIRBENCH_RECIPE, airbenchModel, airbenchTraining, type AblationRun, type AirbenchIngredient, type AirbenchRecipe, withoutIngredient, writeAblationResults, testTimeAugmented } from "../src/recipes";

interface AblationArguments {
  epochs: number;
  seed: number;
  batchSize: number;
  output: string;
  retrain: boolean;
}

const usage = "usage: npm run ablation -- [--epochs N (default 3; fractions allowed)] [--seed N] [--batch-size N] [--output FILE] [--retrain]";

function parseArguments(argv: readonly string[]): AblationArguments {
  const parsed: AblationArguments = { epochs: 3, seed: 42, batchSize: AIRBENCH_RECIPE.batchSize, output: ABLATION_RESULTS_FILE, retrain: false };
  const valueOf = (flag: string, text: string | undefined): string => {
    if (text === undefined || text.startsWith("--")) throw new Error(`${flag} needs a value.\n${usage}`);
    return text;
  };
  const number = (flag: string, text: string | undefined, whole: boolean): number => {
    const value = Number(valueOf(flag, text));
    if (!(value > 0 && Number.isFinite(value)) || (whole && !Number.isInteger(value))) {
      throw new Error(`${flag} needs a ${whole ? "whole " : ""}number > 0, got '${text}'.\n${usage}`);
    }
    return value;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === "--epochs") parsed.epochs = number(flag, argv[++i], false);
    else if (flag === "--seed") parsed.seed = checkSeed(Number(valueOf(flag, argv[++i])), "--seed");
    else if (flag === "--batch-size") parsed.batchSize = number(flag, argv[++i], true);
    else if (flag === "--output") parsed.output = path.resolve(valueOf(flag, argv[++i]));
    else if (flag === "--retrain") parsed.retrain = true;
    else throw new Error(`unknown argument '${flag}'.\n${usage}`);
  }
  return parsed;
}

/** The command line that makes the same file, for the record in it. */
function commandLine(args: AblationArguments): string {
  const flags = [`--epochs ${args.epochs}`, `--seed ${args.seed}`];
  if (args.batchSize !== AIRBENCH_RECIPE.batchSize) flags.push(`--batch-size ${args.batchSize}`);
  if (args.output !== ABLATION_RESULTS_FILE) flags.push(`--output ${path.relative(process.cwd(), args.output)}`);
  return `npm run ablation -- ${flags.join(" ")}`;
}

const percent = (fraction: number) => `${(100 * fraction).toFixed(2)}%`;

async function main(): Promise<void> {
  const args = parseArguments(process.argv.slice(2));
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
    const model = airbenchModel(recipe, { seed: args.seed });
    let run: AblationRun;
    try {
      const { batches, options } = airbenchTraining(model, cifar.train, cifar.test, { recipe, seed: args.seed, retrain: args.retrain });
      const result = await trainOrLoad(model, batches, {
        ...options,
        onEpoch: (record) =>
          console.log(`  epoch ${record.epoch.toFixed(2)}: test accuracy ${percent(record.testAccuracy ?? 0)}, ${record.seconds.toFixed(1)} s of training`),
      });
      console.log(`  ${messageWithWeightsPath(result)}`);
      const silent = { log: () => {} };
      const accuracy = testAccuracy(model, cifar.test, silent);
      const accuracyTta = testAccuracy(model, cifar.test, { ...silent, logits: testTimeAugmented(model, recipe.testTimeAugmentation) });
      console.log(`  test accuracy ${percent(accuracy)}, with test-time augmentation ${percent(accuracyTta)}; ${result.msPerStep.toFixed(0)} ms per step`);
      run = {
        removed,
        testAccuracy: accuracy,
        testAccuracyTta: accuracyTta,
        trainSeconds: result.seconds,
        epochs: result.epochs.map(({ epoch, seconds, testAccuracy: epochAccuracy }) => ({ epoch, seconds, testAccuracy: epochAccuracy ?? 0 })),
      };
    } finally {
      model.dispose();
    }
    runs.push(run);
    if (removed === null) {
      // The same training; only the final evaluation differs.
      runs.push({ ...run, removed: "test-time-augmentation", testAccuracyTta: run.testAccuracy });
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
