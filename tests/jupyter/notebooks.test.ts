/**
 * Executes every notebook of the chapter for real (Jupyter, the tslab kernel, the
 * native backend) on a tiny generated dataset with tiny step counts, into a
 * temporary folder: never over the committed notebooks. Each English notebook runs twice
 * in one kernel, as a reader re-running all cells would, and the tensor count after
 * the second pass must equal the count after the first.
 *
 * The Korean edition runs once in `npm test`: its code is the English code (editions.test.ts
 * checks that, cell by cell, apart from comments, strings and its language setting), so a
 * second pass would prove nothing the English one has not; its single pass still shows its own
 * titles and texts and loads the weights the English run saved. `npm run test:all` runs it
 * twice as well, and runs all the notebooks in one runner; `npm test` uses two side by side.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { writeTinyDatasets } from "../../src/data";
import { FULL_SUITE, runProcess } from "../wait";
import { assertCompiledPackageCurrent } from "./compiled-package";
import { assertNoCellCutShort } from "./executed-notebook";
import { notebookNames } from "./notebook-files";

const root = path.resolve(__dirname, "../..");
const notebooksDir = path.join(root, "notebooks");

interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, string | string[]>;
  metadata?: Record<string, { alt?: string } | undefined>;
}
interface Cell {
  cell_type: string;
  source: string | string[];
  outputs?: Output[];
  [key: string]: unknown;
}
interface Notebook {
  cells: Cell[];
  [key: string]: unknown;
}

/** What each notebook's export must show: titles inside its SVG charts, at least this many image grids, and printed lines. */
const expectations: Record<string, { svgTitles: string[]; pngCount: number; text: RegExp[] }> = {
  "4.1-cnn-introduction.ipynb": {
    svgTitles: ["A 3×3 filter sliding over a 5×5 image", "Activation functions", "2×2 max pooling, stride 2"],
    pngCount: 2,
    text: [
      /the convolution needs [\d,]+ times fewer parameters than the fully connected layer/,
      /conv2d\(barImage, edgeFilter\):\n\s*0\s+2\s+2\s+-2\s+-2/,
      /largest difference between conv\(shift\(digit\)\) and shift\(conv\(digit\)\)/,
      /kept \d+% of the values/,
    ],
  },
  "4.2-mnist-classifier.ipynb": {
    svgTitles: [
      "MNIST: 2 conv layers + 1024 full: what each layer gives one image",
      "MNIST: 2 conv layers + 1024 full: training",
      "MNIST test set: true digit (rows) vs predicted (columns)",
    ],
    pngCount: 3,
    // 5000 × 0.004 = 20 steps, a log line every 500 × 0.004 = 2: the chapter's labels, (i + 1) for step i.
    text: [
      /^step 2, cost \d+\.\d{4}, training accuracy \d\.\d{4}$/m,
      /^step 20, cost /m,
      /test accuracy: \d+\.\d\d%/,
      /total\s+3,274,634/,
      /28·28·64·1024 = 51,380,224 weights/,
      /softmax\(\[2, 1, 0\.1\]\) = \[0\.659, 0\.242, 0\.099\]/,
      /cross-entropy against the label \[1,0,0\]: 0\.417/,
      // The chapter's loop written out: 3 steps on a fresh copy of the model, logged as training logs.
      /^step 3, cost \d+\.\d{4}, training accuracy \d\.\d{4}$/m,
      /weight1: moved by \d\.\d{4} on average/,
    ],
  },
  "4.3-cifar10.ipynb": {
    svgTitles: ["CIFAR-10 models"],
    pngCount: 1,
    text: [/Number of train images: 500/, /cifar-reduced\s+\d+\.\d\d%/],
  },
  "4.4-cifar10-beyond-the-chapter.ipynb": {
    svgTitles: [
      "GELU and ReLU",
      "Triangular schedule",
      "airbench (64/192/192): training",
      "airbench (64/192/192): validation accuracy after each epoch",
      "each ingredient taken out in turn",
      "airbench (64/192/192): test accuracy per class (with TTA)",
      "airbench (64/192/192) on the CIFAR-10 test set: true class (rows) vs predicted (columns)",
    ],
    // Augmented examples, whitening filters, misclassified test images.
    pngCount: 3,
    text: [
      /train: 500 images, test: 100/,
      /held-out images after the last epoch: \d+\.\d\d%\ntest set, measured once: \d+\.\d\d%; with test-time augmentation \(mirror-translate\): \d+\.\d\d%/,
      /training on 450 images; 50 held out to measure each epoch on/,
      /\d+ ms per step, \d+ GFLOP\/s/,
      /made by `npm run ablation -- --epochs/,
      /\d+ of 100 images misclassified/,
      /output variance\s+λ\/\(λ \+ ε\)/,
      /after epoch [\d.]+ \(\d+ s of training\)/,
      /hardest class: \w+/,
      // The recipe timed on this machine, and (at this step scale) trained whole within the default budget.
      /a training step of the recipe takes \d+ ms \(median of 4 steps, measured .+\), so its [\d.]+ epochs would train in [\d.]+ minutes\.\nThat fits the time budget of 15 minutes: the full recipe trains\./,
      /(AVX2|AVX-512|AVX-512 with bfloat16|AMX) CPU, 2 cores:/,
    ],
  },
};

/**
 * The Korean edition (notebooks/ko/): the package's own Korean titles in its charts, as many
 * image grids, and the printed lines that stay as the chapter's code prints them. Its training
 * cells load the weights the English edition's run just saved, as a reader's second edition
 * would, and still show the training log and curves.
 */
Object.assign(expectations, {
  "ko/4.1-cnn-introduction.ipynb": { svgTitles: ["5×5 이미지 위를 움직이는 3×3 필터", "2×2 맥스 풀링, 스트라이드 2", "입력 4×4"], pngCount: 2, text: [/conv2d\(barImage, edgeFilter\)/] },
  "ko/4.2-mnist-classifier.ipynb": {
    svgTitles: ["MNIST: 합성곱 2층 + 완전연결 1024: 이미지 한 장에 대해 각 계층이 내는 것", "MNIST: 합성곱 2층 + 완전연결 1024: 학습", "실제 클래스"],
    pngCount: 3,
    text: [/^step 2, cost \d+\.\d{4}, training accuracy \d\.\d{4}$/m, /^step 20, cost /m, /테스트 정확도: \d+\.\d\d%/, /저장된 가중치를 불러왔습니다/],
  },
  "ko/4.3-cifar10.ipynb": { svgTitles: ["CIFAR-10: 합성곱 3층 + 완전연결 512: 학습"], pngCount: 1, text: [/비행기/, /축소판 모델\s+\d+\.\d\d%/] },
  "ko/4.4-cifar10-beyond-the-chapter.ipynb": {
    svgTitles: ["airbench (64/192/192): 학습", "airbench (64/192/192): 에포크마다 잰 검증 정확도", "테스트 시 증강 없이", "테스트 정확도 (%)"],
    pngCount: 3,
    text: [/스텝당 \d+ ms, \d+ GFLOP\/s/, /100개 이미지 가운데 \d+개를 잘못 분류했습니다/],
  },
});

const PASS_MARKER = "tensors after pass";
// Hang guards, far above a busy machine's times: for one cell (nbclient stops it and reports it),
// and for running all the notebooks.
const CELL_TIMEOUT_SECONDS = 10 * 60;
const RUN_TIMEOUT_MS = 30 * 60 * 1000;

function textOf(value: string | string[] | undefined): string {
  return Array.isArray(value) ? value.join("") : value ?? "";
}

function codeCell(source: string): Cell {
  return { cell_type: "code", source, metadata: {}, outputs: [], execution_count: null };
}

/** How many times a notebook runs in its kernel: twice, but once for the Korean edition outside the full suite. */
function passesOf(name: string): 1 | 2 {
  return FULL_SUITE || !name.startsWith("ko/") ? 2 : 1;
}

/** The notebook's cells `passes` times, each pass followed by a cell printing tf.memory().numTensors. */
function runPasses(notebook: Notebook, passes: 1 | 2): Notebook {
  const count = codeCell(
    `import { tf as tfForTest } from "cnn-chapter4";\nconsole.log(\`${PASS_MARKER}: \${tfForTest.memory().numTensors}\`);`,
  );
  const cells = notebook.cells.map(({ id, ...cell }) => cell as Cell);
  const pass = [...cells, count];
  return { ...notebook, cells: passes === 2 ? [...pass, ...pass] : pass };
}

/** Every run of `size` consecutive non-blank lines of `text`, trimmed. */
function lineBlocks(text: string, size: number): Set<string> {
  const lines = text.split("\n").map((line) => line.trim()).filter((line) => line !== "");
  const blocks = new Set<string>();
  for (let i = 0; i + size <= lines.length; i++) blocks.add(lines.slice(i, i + size).join("\n"));
  return blocks;
}

/**
 * A block of 3 lines that two of a cell's outputs both show (e.g. a listing displayed
 * and then echoed as the cell's value), or undefined. The cell's streams count as one
 * output, as the reader sees them; a rich output's markdown and plain text are
 * alternatives of one output, so they count as one.
 */
function repeatedBlock(cell: Cell): string | undefined {
  const outputs = cell.outputs ?? [];
  const stream = outputs.filter((output) => output.output_type === "stream").map((output) => textOf(output.text)).join("");
  const rich = outputs
    .filter((output) => output.data !== undefined)
    .map((output) => ["text/markdown", "text/plain"].map((mime) => textOf(output.data?.[mime])).join("\n"));
  const seen = new Set<string>();
  for (const text of [stream, ...rich]) {
    const blocks = lineBlocks(text, 3);
    for (const block of blocks) if (seen.has(block)) return block;
    blocks.forEach((block) => seen.add(block));
  }
  return undefined;
}

/**
 * What a saved cell's outputs lack: "split stream" where two outputs in a row are printed text of
 * one stream (run_notebooks.py joins them), "no alt text for image/png" where a picture has no
 * description in its metadata.
 */
function outputFaults(cell: Cell): string[] {
  const outputs = cell.outputs ?? [];
  const split = outputs.some((output, i) => i > 0 && output.output_type === "stream" && outputs[i - 1].output_type === "stream" && outputs[i - 1].name === output.name);
  const undescribed = outputs.flatMap((output) =>
    Object.keys(output.data ?? {})
      .filter((mimeType) => mimeType.startsWith("image/") && !output.metadata?.[mimeType]?.alt)
      .map((mimeType) => `no alt text for ${mimeType}`),
  );
  return [...(split ? ["split stream"] : []), ...undescribed];
}

function svgImages(html: string): string[] {
  const found = html.matchAll(/data-mime-type="image\/svg\+xml"[^>]*>\s*<img [^>]*src="data:image\/svg\+xml;base64,([^"]+)"/g);
  return [...found].map((match) => Buffer.from(match[1], "base64").toString("utf8"));
}

/**
 * `sources` (both editions, English first) in `count` groups that a runner each can execute in
 * order: a chapter's Korean notebook in the group of its English one, after it, and the chapters
 * paired from both ends of the list (the short first with the long last) to even out the groups.
 */
function notebookGroups(sources: string[], count: 1 | 2): string[][] {
  if (count === 1) return [sources];
  const chapters = [...new Set(sources.map((source) => path.basename(source)))].sort();
  const groupOf = (chapter: string) => {
    const index = chapters.indexOf(chapter);
    return Math.min(index, chapters.length - 1 - index) % 2;
  };
  return [0, 1].map((group) => sources.filter((source) => groupOf(path.basename(source)) === group));
}

const TITLE = FULL_SUITE
  ? "every notebook of both editions runs twice in one kernel without errors or leaked tensors, and its HTML shows the charts and images"
  : "every notebook runs without errors (the English ones twice in one kernel, leaking no tensors), and its HTML shows the charts and images";

test(TITLE, async () => {
  assertCompiledPackageCurrent();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "cnn-notebooks-"));
  try {
    const dataDir = path.join(work, "data");
    await writeTinyDatasets(dataDir);
    // Both editions; the Korean one after the English one, so that it loads the weights the English one saved.
    const names = notebookNames();
    assert.equal(names, Object.keys(expectations).sort(), "every notebook needs expectations here");
    const sources = names.map((name) => {
      const notebook = JSON.parse(fs.readFileSync(path.join(notebooksDir, name), "utf8")) as Notebook;
      const source = path.join(work, "source", name);
      fs.mkdirSync(path.dirname(source), { recursive: true });
      fs.writeFileSync(source, JSON.stringify(runPasses(notebook, passesOf(name))));
      return source;
    });

    const env = {
      ...process.env,
      CNN_DATA_DIR: dataDir,
      CNN_CACHE_DIR: path.join(work, "cache"),
      CNN_STEP_SCALE: "0.004",
      CNN_SEED: "42",
      CNN_RETRAIN: "0",
    };
    const runNotebooks = (group: string[]) => {
      const runner = [path.join(root, "scripts/run_notebooks.py"), "--timeout", String(CELL_TIMEOUT_SECONDS), "--out", path.join(work, "out"), "--html", path.join(work, "html"), ...group];
      return runProcess(path.join(root, ".venv/bin/python"), runner, { env, timeoutMs: RUN_TIMEOUT_MS });
    };
    // The full suite runs all the notebooks in one runner, one after another. The fast suite runs
    // two runners side by side (two cores), each with whole chapters of both editions in order,
    // English first: their models differ, so they share the weights cache without meeting.
    const runs = await Promise.all(notebookGroups(sources, FULL_SUITE ? 1 : 2).map(runNotebooks));
    for (const run of runs) assert.is(run.status, 0, `run_notebooks.py failed:\n${run.stdout}\n${run.stderr}`);
    // Its log (the kernels' and TensorFlow's messages) may tell why an output is missing.
    const log = `\nrun_notebooks.py's log:\n${runs.map((run) => run.stderr).join("\n")}`;

    for (const name of names) {
      const executed = JSON.parse(fs.readFileSync(path.join(work, "out", name), "utf8")) as Notebook;
      assertNoCellCutShort(executed, name);
      const streams = executed.cells.flatMap((cell) => cell.outputs ?? []).map((output) => textOf(output.text)).join("");
      for (const pattern of expectations[name].text) assert.match(streams, pattern, `${name}: output lacks ${pattern}${log}`);

      for (const cell of executed.cells) {
        const repeated = repeatedBlock(cell);
        assert.is(repeated, undefined, `${name}: a cell shows this text twice:\n${repeated}\n--- in the cell:\n${textOf(cell.source)}`);
        assert.equal(outputFaults(cell), [], `${name}: outputs of the cell:\n${textOf(cell.source)}`);
      }

      const counts = [...streams.matchAll(new RegExp(`${PASS_MARKER}: (\\d+)`, "g"))].map((match) => Number(match[1]));
      assert.is(counts.length, passesOf(name), `${name}: every pass must reach its tensor count`);
      if (counts.length === 2) assert.is(counts[1], counts[0], `${name}: re-running every cell left ${counts[1] - counts[0]} more tensors`);

      const html = fs.readFileSync(path.join(work, "html", name.replace(/\.ipynb$/, ".html")), "utf8");
      const svgs = svgImages(html);
      for (const title of expectations[name].svgTitles) {
        assert.ok(svgs.some((svg) => svg.includes(title)), `${name}: no SVG chart titled "${title}" in the HTML export${log}`);
      }
      // Image grids show as PNG, their captions and row labels drawn in.
      const pngs = (html.match(/<img [^>]*src="data:image\/png;base64,/g) ?? []).length;
      assert.ok(pngs >= expectations[name].pngCount, `${name}: ${pngs} image grids in the HTML export${log}`);
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});

test.run();
