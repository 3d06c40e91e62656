/**
 * What the committed notebooks say to a reader, read from the .ipynb files (no kernel):
 * - their markdown quotes no figure a run produces (an accuracy, a time): such figures are
 *   printed by code cells, from the run itself or from results/, so prose cannot go stale
 *   when a run changes them. Only the chapter's own printed figures and a few fixed numbers
 *   of the recipes may appear in prose;
 * - neither prose nor saved outputs carry the developers' traces: commit hashes, process
 *   priorities, the load average, file paths of this machine, file digests.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { REFERENCE_FIGURES } from "../../src/models/reference-figures";
import { notebookNames, readNotebook, textOf, type NotebookCell } from "./notebook-files";

function cellsOf(name: string): NotebookCell[] {
  return readNotebook(name).cells;
}

/** The chapter's printed accuracies, as prose may write them: "72.02%" or "72.0%". */
const chapterPercents = Object.values(REFERENCE_FIGURES).flatMap(({ chapterAccuracy }) => {
  const percent = chapterAccuracy * 100;
  return [percent.toFixed(2), percent.toFixed(1)];
});

/**
 * Figures that are not results of a run here, each with why prose may state it: with the
 * chapter's own, the only percentages and durations markdown may contain.
 */
const FIXED_FIGURES: Record<string, string> = {
  "92%": "the chapter's figure for chapter 2's softmax regression, which it compares with",
  "70%": "the chapter's level on CIFAR-10, rounded, in 4.4's title",
  "90%": "4.4's goal, in its title",
  "93%": "airbench93's published GPU result",
  "94%": "airbench94's published GPU result",
  "23%": "the share of steps over which airbench's schedule warms up",
  "15 minutes": "4.4's default time budget (notebookSettings' timeBudgetMinutes), a setting, not a result",
  "15 분": "4.4's default time budget (notebookSettings' timeBudgetMinutes), a setting, not a result",
};

/** A number followed by a percent sign or a unit of time: "98.57%", "406 s", "14 minutes", "0.8 ms", "406초", "14분". */
const FIGURE = /(?<![\w.])(\d[\d,]*(?:\.\d+)?)(?:\s?(%)|\s(s|ms|sec|seconds?|min|minutes?|h|hours?)\b|\s?(초|분|시간))/g;

/** A range such as "93–94%" states two figures; the first has the unit of the second. */
const RANGE = /(?<![\w.])(\d+(?:\.\d+)?)[–-](?=\d+(?:\.\d+)?\s?%)/g;

function quotedFigures(markdown: string): string[] {
  // Code spans and inline math hold settings and formulas, not results.
  const prose = markdown.replace(/`[^`]*`/g, " ").replace(/\$[^$]*\$/g, " ");
  const figures = [...prose.matchAll(FIGURE)].map((match) => (match[2] ? `${match[1]}%` : `${match[1]} ${match[3] ?? match[4]}`));
  const rangeStarts = [...prose.matchAll(RANGE)].map((match) => `${match[1]}%`);
  return [...figures, ...rangeStarts];
}

function allowed(figure: string): boolean {
  if (figure in FIXED_FIGURES) return true;
  return figure.endsWith("%") && chapterPercents.includes(figure.slice(0, -1));
}

/** Traces of how a notebook was developed, which belong in README.md or environment.md. */
const DEVELOPER_TRACES: [string, RegExp][] = [
  ["a commit hash", /\bcommit `?[0-9a-f]{7,40}\b|`[0-9a-f]{7,40}`/i],
  ["a process priority", /\bnice -n\b|\bnice\b -?\d/],
  ["the load average", /load average/i],
];

/** What saved outputs must not show: this machine's paths and the data files' digests. */
const OUTPUT_TRACES: [string, RegExp][] = [
  ["the load average", /load average/i],
  ["an absolute path of this machine", /(?:^|[\s(])(?:\/work\/|\/root\/|\/home\/|\/tmp\/|~\/\.cache\/)/m],
  ["a SHA-256 digest", /\b[0-9a-f]{64}\b/],
];

test("the guard finds the figures prose may not quote", () => {
  assert.equal(quotedFigures("reached 89.56% in 874.0 s, about 14 minutes; airbench: 93–94%"), ["89.56%", "874.0 s", "14 minutes", "94%", "93%"]);
  assert.equal(quotedFigures("batch 512, 5000 steps, `lr 0.2%`, 2 cores"), []);
  assert.equal(quotedFigures("정확도 70.41%, 학습 406초, 약 14분, 배치 50개"), ["70.41%", "406 초", "14 분"]);
  assert.ok(allowed("72.02%") && allowed("72.0%") && allowed("98.8%") && allowed("94%"));
  assert.not.ok(allowed("70.41%") || allowed("874.0 s") || allowed("14 minutes"));
});

const names = notebookNames();

test("there are notebooks to read", () => {
  assert.ok(names.length >= 4, `found ${names.join(", ")}`);
});

for (const name of names) {
  test(`${name}: markdown quotes only the chapter's figures and fixed ones`, () => {
    cellsOf(name).forEach((cell, index) => {
      if (cell.cell_type !== "markdown") return;
      const quoted = quotedFigures(textOf(cell.source)).filter((figure) => !allowed(figure));
      assert.equal(
        quoted,
        [],
        `${name} cell ${index} quotes ${quoted.join(", ")}: print a run's figures from a code cell (from the run, from results/ or from REFERENCE_FIGURES), or add a fixed figure to FIXED_FIGURES with its reason`,
      );
    });
  });

  test(`${name}: no developer traces in prose or outputs`, () => {
    cellsOf(name).forEach((cell, index) => {
      if (cell.cell_type === "markdown") {
        for (const [what, pattern] of DEVELOPER_TRACES) {
          assert.not.match(textOf(cell.source), pattern, `${name} cell ${index}: the prose shows ${what}; it belongs in README.md or environment.md`);
        }
      }
      for (const output of cell.outputs ?? []) {
        const shown = [textOf(output.text), textOf(output.data?.["text/plain"]), textOf(output.data?.["text/markdown"])].join("\n");
        for (const [what, pattern] of OUTPUT_TRACES) {
          assert.not.match(shown, pattern, `${name} cell ${index}: an output shows ${what}`);
        }
      }
    });
  });
}

test.run();
