/** Tiny CIFAR-10 (and MNIST) stand-ins and a small airbench recipe for the airbench tests (seconds, not minutes). */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadCifar10, loadMnist, writeTinyDatasets, type ImageSet } from "../../../src/data";
import { hasBfloat16Compute } from "../../../src/native/cpu";
import { silentProgress } from "../../../src/output";
import { AIRBENCH_RECIPE, type AirbenchRecipe } from "../../../src/recipes";

const folders: string[] = [];

/** A new empty folder under the system temp folder, removed at process exit. */
export function temporaryFolder(prefix: string): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  folders.push(folder);
  return folder;
}

process.on("exit", () => folders.forEach((folder) => fs.rmSync(folder, { recursive: true, force: true })));

interface TinySets {
  cifar: { train: ImageSet; test: ImageSet };
  mnist: { train: ImageSet; test: ImageSet };
}

let written: Promise<TinySets> | null = null;

function tinySets(): Promise<TinySets> {
  written ??= (async () => {
    const folder = temporaryFolder("cnn-airbench-data-");
    await writeTinyDatasets(folder, { cifarTrain: 500, cifarTest: 200, mnistTrain: 100, mnistTest: 20 });
    const options = { dataDir: folder, cacheDir: folder, download: false, progress: false } as const;
    const cifar = await loadCifar10(options);
    const mnist = await loadMnist(options);
    return { cifar: { train: cifar.train, test: cifar.test }, mnist: { train: mnist.train, test: mnist.test } };
  })();
  return written;
}

/** The generated tiny CIFAR-10 (coloured stripes per class): 500 training and 200 test images. */
export async function tinyCifar(): Promise<{ train: ImageSet; test: ImageSet }> {
  return (await tinySets()).cifar;
}

/** The generated tiny MNIST (28×28, one channel): 100 training and 20 test images. */
export async function tinyMnist(): Promise<{ train: ImageSet; test: ImageSet }> {
  return (await tinySets()).mnist;
}

/**
 * airbench93's recipe on a narrow network, in batches of 50 (an epoch of tiny
 * CIFAR is 10 steps), the whitening bias trained 2 epochs, averaging from
 * epoch 2. Its bfloat16 step becomes the float32 compiled one on CPUs without
 * bfloat16 compute (runnableStepKind would fall back anyway, with a warning
 * line; CI's machines may lack avx512_bf16).
 */
export const SMALL_RECIPE: AirbenchRecipe = {
  ...AIRBENCH_RECIPE,
  step: hasBfloat16Compute() ? AIRBENCH_RECIPE.step : "compiled",
  widths: { whitening: 24, blocks: [16, 32, 32] },
  batchSize: 50,
  epochs: 4,
  whiteningBiasEpochs: 2,
  lookahead: { every: 5, startEpoch: 2, finalDecay: 0.95 ** 5, power: 3 },
};

/** No progress line and no log lines. */
export const quiet = { progress: silentProgress, log: () => {} };
