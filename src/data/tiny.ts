/**
 * Small generated stand-ins for MNIST and CIFAR-10, written in the official
 * file layouts so the real loaders read them. Each class has its own pattern
 * (plus position jitter and noise), so a tiny model learns them quickly; tests
 * and notebook smoke runs use them instead of the real data.
 */
import { promises as fs } from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { CIFAR_CHANNELS, CIFAR_IMAGE_BYTES, CIFAR_NUM_CLASSES, CIFAR_SIDE, encodeCifarRecords } from "./cifar-format";
import { encodeIdx } from "./idx";
import {
  CIFAR10_CLASS_NAMES,
  CIFAR10_FOLDER,
  CIFAR10_META_FILE,
  CIFAR10_TEST_FILE,
  CIFAR10_TRAIN_FILES,
  MNIST_FILES,
  MNIST_FOLDER,
} from "./layout";
import { deriveSeed, mulberry32, permutation } from "./random";

export interface TinyDatasetSizes {
  /** MNIST training images (default 500). */
  mnistTrain?: number;
  /** MNIST test images (default 100). */
  mnistTest?: number;
  /** CIFAR-10 training images, spread over the five batch files (default 500). */
  cifarTrain?: number;
  /** CIFAR-10 test images (default 100). */
  cifarTest?: number;
  /** Same seed, same bytes (default 1). */
  seed?: number;
}

const NUM_CLASSES = 10;
const MNIST_SIDE = 28;
const GLYPH_CELLS = 4;
const GLYPH_CELL_PIXELS = 5;
const MAX_JITTER = 2;

/** `count` labels with every class equally often (±1), in random order. */
function balancedLabels(count: number, random: () => number): Uint8Array {
  return Uint8Array.from(permutation(count, random), (i) => i % NUM_CLASSES);
}

function jitter(random: () => number): number {
  return Math.floor(random() * (2 * MAX_JITTER + 1)) - MAX_JITTER;
}

/** Each digit class is a random 4x4 block glyph, scaled to 20x20, placed near the centre. */
function mnistImages(labels: Uint8Array, seed: number, random: () => number): Uint8Array {
  const glyphs = Array.from({ length: NUM_CLASSES }, (_, digit) => {
    const glyphRandom = mulberry32(deriveSeed(seed, 100 + digit));
    return Array.from({ length: GLYPH_CELLS * GLYPH_CELLS }, () => glyphRandom() < 0.5);
  });
  const imageBytes = MNIST_SIDE * MNIST_SIDE;
  const pixels = new Uint8Array(labels.length * imageBytes);
  const margin = (MNIST_SIDE - GLYPH_CELLS * GLYPH_CELL_PIXELS) / 2;
  labels.forEach((label, n) => {
    const top = margin + jitter(random);
    const left = margin + jitter(random);
    for (let y = 0; y < MNIST_SIDE; y++) {
      for (let x = 0; x < MNIST_SIDE; x++) {
        const row = Math.floor((y - top) / GLYPH_CELL_PIXELS);
        const col = Math.floor((x - left) / GLYPH_CELL_PIXELS);
        const inGlyph = row >= 0 && row < GLYPH_CELLS && col >= 0 && col < GLYPH_CELLS;
        const on = inGlyph && glyphs[label][row * GLYPH_CELLS + col];
        pixels[n * imageBytes + y * MNIST_SIDE + x] = on ? 180 + Math.floor(random() * 76) : Math.floor(random() * 40);
      }
    }
  });
  return pixels;
}

/** Each CIFAR class is a colour with stripes of its own direction and period, at a random phase. */
function cifarImages(labels: Uint8Array, seed: number, random: () => number): Uint8Array {
  const styles = Array.from({ length: CIFAR_NUM_CLASSES }, (_, label) => {
    const styleRandom = mulberry32(deriveSeed(seed, 200 + label));
    return {
      colour: [0, 1, 2].map(() => 60 + Math.floor(styleRandom() * 160)),
      horizontal: label % 2 === 0,
      period: 4 + 2 * Math.floor(label / 2),
    };
  });
  const pixels = new Uint8Array(labels.length * CIFAR_IMAGE_BYTES);
  labels.forEach((label, n) => {
    const { colour, horizontal, period } = styles[label];
    const phase = Math.floor(random() * period);
    for (let y = 0; y < CIFAR_SIDE; y++) {
      for (let x = 0; x < CIFAR_SIDE; x++) {
        const bright = Math.floor(((horizontal ? y : x) + phase) / (period / 2)) % 2 === 0;
        for (let c = 0; c < CIFAR_CHANNELS; c++) {
          const value = colour[c] * (bright ? 1.15 : 0.7) + (random() - 0.5) * 60;
          pixels[n * CIFAR_IMAGE_BYTES + (y * CIFAR_SIDE + x) * CIFAR_CHANNELS + c] = Math.max(0, Math.min(255, Math.round(value)));
        }
      }
    }
  });
  return pixels;
}

async function writeTinyMnist(folder: string, train: number, test: number, seed: number): Promise<void> {
  await fs.mkdir(folder, { recursive: true });
  const random = mulberry32(deriveSeed(seed, 1));
  const splits = [
    { count: train, images: MNIST_FILES.trainImages, labels: MNIST_FILES.trainLabels },
    { count: test, images: MNIST_FILES.testImages, labels: MNIST_FILES.testLabels },
  ];
  for (const split of splits) {
    const labels = balancedLabels(split.count, random);
    const pixels = mnistImages(labels, seed, random);
    await fs.writeFile(path.join(folder, split.images), zlib.gzipSync(encodeIdx([split.count, MNIST_SIDE, MNIST_SIDE], pixels)));
    await fs.writeFile(path.join(folder, split.labels), zlib.gzipSync(encodeIdx([split.count], labels)));
  }
}

async function writeTinyCifar(folder: string, train: number, test: number, seed: number): Promise<void> {
  await fs.mkdir(folder, { recursive: true });
  const random = mulberry32(deriveSeed(seed, 2));
  const files = CIFAR10_TRAIN_FILES.map((file, i) => ({
    file,
    // Spread `train` over the five files as evenly as whole records allow.
    count: Math.floor(((i + 1) * train) / CIFAR10_TRAIN_FILES.length) - Math.floor((i * train) / CIFAR10_TRAIN_FILES.length),
  }));
  files.push({ file: CIFAR10_TEST_FILE, count: test });
  for (const { file, count } of files) {
    const labels = balancedLabels(count, random);
    await fs.writeFile(path.join(folder, file), encodeCifarRecords(cifarImages(labels, seed, random), labels));
  }
  await fs.writeFile(path.join(folder, CIFAR10_META_FILE), `${CIFAR10_CLASS_NAMES.join("\n")}\n\n`);
}

/**
 * Writes a tiny MNIST (`dir/mnist/`) and CIFAR-10 (`dir/cifar-10-batches-bin/`)
 * in the official layouts; point CNN_DATA_DIR (or the `dataDir` option) at `dir`.
 */
export async function writeTinyDatasets(dir: string, sizes: TinyDatasetSizes = {}): Promise<void> {
  const seed = sizes.seed ?? 1;
  const counts = {
    mnistTrain: sizes.mnistTrain ?? 500,
    mnistTest: sizes.mnistTest ?? 100,
    cifarTrain: sizes.cifarTrain ?? 500,
    cifarTest: sizes.cifarTest ?? 100,
  };
  for (const [name, count] of Object.entries(counts)) {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`writeTinyDatasets: ${name} must be a whole number >= 1, got ${count}.`);
  }
  if (counts.cifarTrain < CIFAR10_TRAIN_FILES.length) {
    throw new RangeError(`writeTinyDatasets: cifarTrain must be at least ${CIFAR10_TRAIN_FILES.length}, one image per batch file.`);
  }
  await writeTinyMnist(path.join(dir, MNIST_FOLDER), counts.mnistTrain, counts.mnistTest, seed);
  await writeTinyCifar(path.join(dir, CIFAR10_FOLDER), counts.cifarTrain, counts.cifarTest, seed);
}
