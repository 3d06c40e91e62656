/** Tiny CIFAR-10 stand-ins and small recipes for the airbench tests (seconds, not minutes). */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadCifar10, writeTinyDatasets, type ImageSet } from "../../../src/data";
import { hasBfloat16Compute } from "../../../src/native/cpu";
import { AIRBENCH_RECIPE, silentProgress, type AirbenchRecipe } from "../../../src/training";

const folders: string[] = [];

/** A new empty folder under the system temp folder, removed at process exit. */
export function temporaryFolder(prefix: string): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  folders.push(folder);
  return folder;
}

process.on("exit", () => folders.forEach((folder) => fs.rmSync(folder, { recursive: true, force: true })));

let loaded: Promise<{ train: ImageSet; test: ImageSet }> | null = null;

/** The generated tiny CIFAR-10 (coloured stripes per class): 500 training and 200 test images. */
export function tinyCifar(): Promise<{ train: ImageSet; test: ImageSet }> {
  loaded ??= (async () => {
    const folder = temporaryFolder("cnn-airbench-data-");
    await writeTinyDatasets(folder, { cifarTrain: 500, cifarTest: 200, mnistTrain: 10, mnistTest: 10 });
    const { train, test } = await loadCifar10({ dataDir: folder, cacheDir: folder, download: false, progress: false });
    return { train, test };
  })();
  return loaded;
}

/**
 * airbench93's recipe on a narrow network, in batches of 50 (an epoch of tiny
 * CIFAR is 10 steps), the whitening bias trained 2 epochs. Its bfloat16
 * convolutions become float32 on CPUs without bfloat16 compute, where
 * trainAirbench refuses them (CI's machines may lack avx512_bf16).
 */
export const SMALL_RECIPE: AirbenchRecipe = {
  ...AIRBENCH_RECIPE,
  convolutionPrecision: hasBfloat16Compute() ? AIRBENCH_RECIPE.convolutionPrecision : "float32",
  widths: { whitening: 24, blocks: [16, 32, 32] },
  batchSize: 50,
  epochs: 4,
  whiteningBiasEpochs: 2,
  lookahead: { every: 5, startEpoch: 2, finalDecay: 0.95 ** 5, power: 3 },
};

export const quiet = { progress: silentProgress };
