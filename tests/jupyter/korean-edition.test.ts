/**
 * What the Korean edition (notebooks/ko/) shows a reader, read from the .ipynb files (no kernel):
 * - its markdown and its saved outputs use the terms of notebooks/ko/terms.json, one term per
 *   concept (a refused variant names the term to use);
 * - its saved outputs have no English word that a Korean reader would have to translate: what
 *   the package prints, draws and describes is in Korean, and only code, units, acronyms and
 *   names stay in Latin letters (tests/korean.ts lists them).
 * Outputs are read as the reader meets them: printed text, the text stand-ins and alt texts of
 * images and charts, the text drawn in charts' SVG copies, and the titles of chart tooltips. A source
 * listing (showSource) is code, and is not read.
 */
import * as path from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { englishWords, readTerms, refusedTerms, svgDrawnTexts, TERMS_FILE, tooltipTitles } from "../korean";
import { notebookNames, readNotebook, textOf, type NotebookCell } from "./notebook-files";

const terms = readTerms();
const listFile = path.relative(path.resolve(__dirname, "../.."), TERMS_FILE);

type Output = NonNullable<NotebookCell["outputs"]>[number];

/** Markdown as prose: fenced code blocks and code spans (names of code) stand as "`…`". */
function proseOf(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, "`…`").replace(/`[^`\n]*`/g, "`…`");
}

/** What a reader reads in an output. */
export function readerTexts(output: Output): string[] {
  if (output.output_type === "stream") return [textOf(output.text)];
  const data = output.data ?? {};
  const markdown = textOf(data["text/markdown"]);
  // A source listing: a file name and a fenced block of code, with the code again as plain text.
  if (markdown !== "") return [proseOf(markdown)];
  // Its alt text (run_notebooks.py and the HTML export read it from the output's metadata).
  const metadata = (output as { metadata?: Record<string, { alt?: unknown } | undefined> }).metadata ?? {};
  const alts = Object.values(metadata).flatMap((entry) => (typeof entry?.alt === "string" ? [entry.alt] : []));
  const texts = [textOf(data["text/plain"]), ...alts];
  if (typeof data["image/svg+xml"] === "string" || Array.isArray(data["image/svg+xml"])) texts.push(...svgDrawnTexts(textOf(data["image/svg+xml"])));
  texts.push(...tooltipTitles(data["application/vnd.vegalite.v5+json"]));
  return texts.filter((text) => text !== "");
}

const korean = notebookNames().filter((name) => name.startsWith("ko/"));

test("there are Korean notebooks to read", () => {
  assert.ok(korean.length >= 4, `found ${korean.join(", ")}`);
});

test("svgDrawnTexts and readerTexts read what the reader sees", () => {
  assert.equal(svgDrawnTexts('<g><text x="1">비용 &amp; 정확도</text><text><tspan>첫 줄</tspan><tspan>둘째</tspan></text></g>'), ["비용 & 정확도", "첫 줄  둘째"]);
  const chart: Output = {
    output_type: "display_data",
    data: {
      "text/plain": "[차트] 학습 곡선",
      "image/svg+xml": '<svg><text aria-label="X-axis titled step">스텝</text></svg>',
      "application/vnd.vegalite.v5+json": { layer: [{ encoding: { tooltip: [{ field: "model" }, { field: "step", title: "스텝" }] } }] },
    },
  };
  assert.equal(readerTexts(chart), ["[차트] 학습 곡선", "스텝", "model", "스텝"]);
  const listing: Output = { output_type: "display_data", data: { "text/markdown": "`src/models/mnist.ts`\n\n```ts\nexport const mnist = {};\n```\n", "text/plain": "export const mnist = {};" } };
  assert.equal(readerTexts(listing), ["`…`\n\n`…`\n"], "a listing's file name and code are not read");
});

for (const name of korean) {
  const cells = readNotebook(name).cells;

  test(`${name}: markdown and outputs use the terms of ${listFile}`, () => {
    const problems = cells.flatMap((cell, index) => {
      const texts = cell.cell_type === "markdown" ? [proseOf(textOf(cell.source))] : (cell.outputs ?? []).flatMap(readerTexts);
      const where = `notebooks/${name} cell ${index} (${cell.cell_type === "markdown" ? "markdown" : "output"})`;
      return texts.flatMap((text) => refusedTerms(text, terms)).map(({ found, use, context }) => `${where}: 「${found}」 → 「${use}」 (…${context}…)`);
    });
    assert.equal(problems, [], `terms off ${listFile} (each line: the variant found → the term to use):\n${problems.join("\n")}`);
  });

  test(`${name}: markdown points at documents by file, never by an English section title`, () => {
    // e.g. README.md의 "Results" 절: a Korean reader cannot tell what to look for; docs/results.md can be opened.
    const quotedTitle = /(README|\.md)[^"\n]{0,12}"[^"\n]*[A-Za-z]{3}[^"\n]*"/g;
    const problems = cells.flatMap((cell, index) =>
      cell.cell_type === "markdown" ? [...proseOf(textOf(cell.source)).matchAll(quotedTitle)].map((match) => `notebooks/${name} cell ${index}: ${match[0]}`) : [],
    );
    assert.equal(problems, [], `English section titles quoted in Korean prose:\n${problems.join("\n")}`);
  });

  test(`${name}: outputs show no English words to a Korean reader`, () => {
    const problems = cells.flatMap((cell, index) =>
      (cell.outputs ?? []).flatMap(readerTexts).flatMap((text) => {
        const words = englishWords(text);
        const line = text.split("\n").find((candidate) => englishWords(candidate).length > 0) ?? text;
        return words.length > 0 ? [`notebooks/${name} cell ${index}: ${[...new Set(words)].join(", ")} in 「${line.trim().slice(0, 160)}」`] : [];
      }),
    );
    assert.equal(problems, [], `English in Korean outputs (localize the package's text, or add a name of code to tests/korean.ts with its reason):\n${problems.join("\n")}`);
  });
}

test.run();
