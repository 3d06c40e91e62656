/**
 * Writes small generated stand-ins for MNIST and CIFAR-10 in the official
 * layouts, for smoke runs without the real data:
 *
 *     node_modules/.bin/ts-node scripts/make-tiny-datasets.ts DIR
 *     CNN_DATA_DIR=DIR ...   # the loaders now read DIR/mnist and DIR/cifar-10-batches-bin
 */
import * as path from "path";
import { displayPath } from "../src/cache";
import { writeTinyDatasets } from "../src/data/tiny";

async function main(): Promise<void> {
  const [dir] = process.argv.slice(2);
  if (dir === undefined) {
    console.error("usage: ts-node scripts/make-tiny-datasets.ts DIR   (DIR receives mnist/ and cifar-10-batches-bin/)");
    process.exitCode = 2;
    return;
  }
  const target = path.resolve(dir);
  await writeTinyDatasets(target);
  const shown = displayPath(target);
  console.log(`wrote tiny MNIST and CIFAR-10 (500 train / 100 test images each) to ${shown}; use CNN_DATA_DIR=${shown}`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
