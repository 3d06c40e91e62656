/**
 * The airbench ablation of notebook 4.4: trains the full recipe, then the
 * recipe with each ingredient taken out in turn, all for the same number of
 * epochs from the first seed, then the full recipe again with the other seeds
 * (how far seeds alone move a result at this length), and writes every run's
 * accuracies, per epoch too, to results/airbench-ablation.json, which the
 * notebook draws. Accuracies are measured on 5,000 training images held out
 * (class-balanced, by the first seed), so that the test set stays unseen by
 * the choices; --validation 0 measures on the test set instead.
 *
 *   npm run ablation -- [--epochs 5] [--seeds 42,7,1] [--validation 5000] [--batch-size N] [--output FILE] [--retrain]
 *
 * An ablation takes hours, longer than one sitting: each run finished is
 * added at once to FILE.in-progress.json beside the output (commit it), and
 * the same command run again, here or on another machine, reuses those runs
 * and trains only the rest; the last run writes the output and deletes the
 * in-progress file. Each run is also cached like the notebook's (weights
 * cache, keyed by recipe, seed and data). Taking out test-time augmentation
 * changes no training: that run is the full recipe's weights, evaluated
 * without it. Data come from CNN_DATA_DIR, the cache or a download (see
 * README.md).
 */
import * as path from "path";
import * as fs from "fs";
import { displayPath } from "../src/cache";
import { holdOut, loadCifar10, type ImageSet } from "../src/data";
import { backendInfo } from "../src/native/backend";
import { formatCpu } from "../src/native/cpu";
import { runInfo } from "../src/notebook";
import { keyHash } from "../src/training/train-or-load";
import type { MeasuredOn } from "../src/training/evaluate";
import {
  ABLATION_RESULTS_FILE,
  AIRBENCH_INGREDIENTS,
  ablationProgressFile,
  unfinishedAblation,
  AIRBENCH_RECIPE,
  AIRBENCH_VALIDATION_IMAGES,
  trainAndEvaluateAirbench,
  withoutIngredient,
  writeAblationResults,
  type AblationResults,
  type AblationRun,
  type AirbenchIngredient,
  type AirbenchRecipe,
} from "../src/recipes";
import { parseCommandLine, positiveNumber, seedNumber, wholeNumber, type CommandLine, type OptionSpecs } from "./command-line";

interface AblationArguments {
  epochs: number;
  /** The first trains every variant; the others the full recipe again, for the noise band. */
  seeds: number[];
  /** Training images held out to measure on (0: measure on the test set). */
  validation: number;
  batchSize: number;
  output: string;
  retrain: boolean;
}

const DEFAULTS = { epochs: 5, seeds: [42, 7, 1], validation: AIRBENCH_VALIDATION_IMAGES };

const OPTIONS = {
  epochs: { type: "string", value: "N", help: `epochs of every run, fractions allowed (default ${DEFAULTS.epochs})` },
  seeds: { type: "string", value: "N,N", help: `seeds: the first trains every variant, the others the full recipe again (default ${DEFAULTS.seeds.join(",")})` },
  validation: { type: "string", value: "N", help: `training images held out (class-balanced, by the first seed) to measure every run on; 0 measures on the test set (default ${DEFAULTS.validation})` },
  "batch-size": { type: "string", value: "N", help: `batch size of every run (default the recipe's ${AIRBENCH_RECIPE.batchSize})` },
  output: { type: "string", value: "FILE", help: `results file to write (default ${displayPath(ABLATION_RESULTS_FILE)}, which notebook 4.4 reads)` },
  retrain: { type: "boolean", help: "train every run again, even one cached or kept in the in-progress file (without it, an interrupted ablation run again resumes where it stopped)" },
} satisfies OptionSpecs;

const COMMAND_LINE: CommandLine<typeof OPTIONS, AblationArguments> = {
  program: "ablation",
  usage:
    "usage: npm run ablation -- [--epochs N] [--seeds N,N] [--validation N] [--batch-size N] [--output FILE] [--retrain]\n" +
    "Trains airbench's full recipe, then the recipe with each ingredient taken out in turn, then the full recipe with the other seeds, and writes their accuracies per epoch.",
  options: OPTIONS,
  interpret: (values) => ({
    epochs: values.epochs === undefined ? DEFAULTS.epochs : positiveNumber("--epochs", values.epochs),
    seeds: values.seeds === undefined ? DEFAULTS.seeds : distinct("--seeds", values.seeds.split(",").map((text) => seedNumber("--seeds", text))),
    validation: values.validation === undefined ? DEFAULTS.validation : wholeNumber("--validation", values.validation),
    batchSize: values["batch-size"] === undefined ? AIRBENCH_RECIPE.batchSize : positiveNumber("--batch-size", values["batch-size"], true),
    output: values.output === undefined ? ABLATION_RESULTS_FILE : path.resolve(values.output),
    retrain: values.retrain === true,
  }),
};

function distinct(flag: string, seeds: number[]): number[] {
  if (new Set(seeds).size !== seeds.length) throw new Error(`${flag} lists a seed twice: ${seeds.join(",")}.`);
  return seeds;
}

/** The command line that makes the same file, for the record in it. */
function commandLine(args: AblationArguments): string {
  const flags = [`--epochs ${args.epochs}`, `--seeds ${args.seeds.join(",")}`, `--validation ${args.validation}`];
  if (args.batchSize !== AIRBENCH_RECIPE.batchSize) flags.push(`--batch-size ${args.batchSize}`);
  if (args.output !== ABLATION_RESULTS_FILE) flags.push(`--output ${path.relative(process.cwd(), args.output)}`);
  return `npm run ablation -- ${flags.join(" ")}`;
}

const percent = (fraction: number) => `${(100 * fraction).toFixed(2)}%`;

interface AblationVariant {
  removed: AirbenchIngredient | null;
  recipe: AirbenchRecipe;
  seed: number;
  /** keyHash(recipe), kept with the run so that a resumed ablation reuses it only for the same recipe. */
  recipeKey: string;
  /** formatCpu of this machine. */
  machine: string;
  retrain: boolean;
  /** What the evaluation set is: the test set, or the images held out. */
  measuredOn: MeasuredOn;
}

/** Trains one variant (or loads it from the weights cache) and measures it. */
async function trainAblationRun(trainSet: ImageSet, evaluationSet: ImageSet, variant: AblationVariant): Promise<AblationRun> {
  const { removed, recipe, seed, recipeKey, machine, retrain, measuredOn } = variant;
  const { run, testAccuracy, testAccuracyTta, trainSeconds } = await trainAndEvaluateAirbench(trainSet, evaluationSet, {
    recipe,
    seed,
    retrain,
    measuredOn,
    log: (line) => console.log(`  ${line}`),
  });
  console.log(`  ${run.msPerStep.toFixed(0)} ms per step`);
  return {
    removed,
    seed,
    precision: run.settings.step === "compiled-bfloat16" ? "mixed-bfloat16" : "float32",
    testAccuracy,
    testAccuracyTta,
    trainSeconds,
    recipeKey,
    machine,
    // Every run is measured after each epoch, so each epoch has its accuracy.
    epochs: run.epochs.map(({ epoch, steps, seconds, trainCost, trainAccuracy, testAccuracy: epochAccuracy }) => ({
      epoch,
      steps,
      seconds,
      trainCost,
      trainAccuracy,
      testAccuracy: epochAccuracy ?? Number.NaN,
    })),
  };
}

async function main(): Promise<void> {
  const args = parseCommandLine(process.argv.slice(2), COMMAND_LINE);
  const machine = runInfo();
  const cifar = await loadCifar10();
  const [seed, ...otherSeeds] = args.seeds;
  // Recipe choices are made on images held out of the training set; the test set stays for the final runs.
  const split = args.validation > 0 ? holdOut(cifar.train, { count: args.validation, seed }) : null;
  const [trainSet, evaluationSet] = split === null ? [cifar.train, cifar.test] : [split.train, split.validation];
  const full: AirbenchRecipe = { ...AIRBENCH_RECIPE, epochs: args.epochs, batchSize: args.batchSize };
  const ingredients = Object.keys(AIRBENCH_INGREDIENTS) as AirbenchIngredient[];
  const trained = ingredients.filter((ingredient) => ingredient !== "test-time-augmentation");
  const variants: Array<{ removed: AirbenchIngredient | null; recipe: AirbenchRecipe; seed: number }> = [
    { removed: null, recipe: full, seed },
    ...trained.map((removed) => ({ removed, recipe: withoutIngredient(full, removed), seed })),
    ...otherSeeds.map((other) => ({ removed: null, recipe: full, seed: other })),
  ];
  const where = split === null ? "the test set" : `${args.validation} training images held out`;
  console.log(`airbench ablation: ${variants.length} training runs of ${args.epochs} epoch${args.epochs === 1 ? "" : "s"}, seeds ${args.seeds.join(", ")}, batch ${args.batchSize}, measured on ${where}`);
  const progressFile = ablationProgressFile(args.output);
  const settings = { trainSet: trainSet.datasetId, evaluationSet: evaluationSet.datasetId, epochs: args.epochs, batchSize: args.batchSize };
  const earlier = args.retrain ? null : unfinishedAblation(progressFile, settings);
  const earlierRuns = earlier?.runs ?? [];
  const startedAt = earlier?.startedAt ?? new Date().toISOString();
  const machineOfRuns = formatCpu(backendInfo().cpu);
  const resultsWith = (runs: AblationRun[]): AblationResults => ({
    command: commandLine(args),
    startedAt,
    finishedAt: new Date().toISOString(),
    epochs: args.epochs,
    seed,
    evaluatedOn: split === null ? "test" : "validation",
    validationSet: split === null ? null : split.validation.datasetId,
    blockWidths: [...full.widths.blocks],
    batchSize: args.batchSize,
    trainSet: trainSet.datasetId,
    testSet: cifar.test.datasetId,
    machine,
    runs,
  });
  const runs: AblationRun[] = [];
  for (const [i, { removed, recipe, seed: runSeed }] of variants.entries()) {
    const name = removed === null ? `full recipe, seed ${runSeed}` : `without ${removed} (${AIRBENCH_INGREDIENTS[removed]})`;
    console.log(`[${i + 1}/${variants.length}] ${name}`);
    const recipeKey = keyHash(recipe);
    const earlier = earlierRuns.find((run) => run.removed === removed && run.seed === runSeed && run.recipeKey === recipeKey);
    const result = earlier ?? (await trainAblationRun(trainSet, evaluationSet, { removed, recipe, seed: runSeed, recipeKey, machine: machineOfRuns, retrain: args.retrain, measuredOn: split === null ? "test" : "validation" }));
    if (earlier) console.log(`  made earlier (${earlier.machine ?? "machine not recorded"}), kept in ${displayPath(progressFile)}`);
    console.log(`  accuracy ${percent(result.testAccuracy)}, with test-time augmentation ${percent(result.testAccuracyTta)}`);
    runs.push(result);
    if (removed === null && runSeed === seed) {
      // The same weights; only the final evaluation differs.
      runs.push({ ...result, removed: "test-time-augmentation", testAccuracyTta: result.testAccuracy });
    }
    if (!earlier && i < variants.length - 1) writeAblationResults(resultsWith(runs), progressFile);
  }
  writeAblationResults(resultsWith(runs), args.output);
  fs.rmSync(progressFile, { force: true });
  console.log(`wrote ${displayPath(args.output)}`);
}

main().catch((error: Error) => {
  console.error(`ablation: ${error.message}`);
  process.exitCode = 1;
});
