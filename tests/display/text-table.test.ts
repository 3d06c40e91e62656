import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import * as path from "path";
import { textTable } from "../../src/display";
import { notebookNames, readNotebook, textOf } from "../jupyter/notebook-files";

test("textTable: columns as wide as their widest cell, two spaces apart, aligned as asked; a short row leaves its columns empty", () => {
  const table = textTable(
    [
      ["name", "shape", "size"],
      ["weight1", "[5, 5, 1, 32]", "800"],
      ["bias1", "[32]", "32"],
      ["total", "", "3,274,634"],
    ],
    ["left", "left", "right"],
  );
  assert.is(
    table,
    ["name     shape               size", "weight1  [5, 5, 1, 32]        800", "bias1    [32]                  32", "total                   3,274,634"].join("\n"),
  );
  assert.is(textTable([["heading"], ["a", "b"]]), "heading\na        b");
});

test("textTable: a Hangul syllable takes two columns, so Korean rows line up in a monospace font", () => {
  const lines = textTable([["합계", "1"], ["total", "22"]], ["left", "right"]).split("\n");
  assert.equal(lines, ["합계    1", "total  22"]);
});

/** Columns `text` takes in a monospace font, counted here on their own: 2 for a Hangul syllable or CJK ideograph, else 1. */
function displayWidth(text: string): number {
  return [...text].reduce((width, character) => width + (/[\uac00-\ud7a3\u4e00-\u9fff]/.test(character) ? 2 : 1), 0);
}

test("textTable: a Korean table's columns line up by display width, left-aligned ones at their start, right-aligned ones at their end", () => {
  const rows = [
    ["모델", "테스트 정확도", "학습 시간", "매개변수", "책의 코드, Python"],
    ["cifar-simple", "68.76%", "598초", "4,259,274", "70.48% (406초)"],
    ["합성곱 3층 모델", "70.06%", "734초", "1,312,842", "71.41% (433초)"],
    ["합계", "", "1332초", "5,572,116", ""],
  ];
  const align = ["left", "right", "right", "right", "left"] as const;
  const lines = textTable(rows, align).split("\n");
  assert.is(lines.length, rows.length);
  // Where each cell starts and ends on its line, in display columns.
  const spans = lines.map((line, row) => {
    let from = 0;
    return rows[row].map((cell) => {
      const at = line.indexOf(cell, from);
      from = at + cell.length;
      const start = displayWidth(line.slice(0, at));
      return { start, end: start + displayWidth(cell), empty: cell === "" };
    });
  });
  align.forEach((alignment, column) => {
    const edges = spans.filter((cells) => !cells[column].empty).map((cells) => (alignment === "left" ? cells[column].start : cells[column].end));
    assert.is(new Set(edges).size, 1, `column ${column + 1} (${alignment}-aligned) starts or ends at columns ${edges.join(", ")}:\n${lines.join("\n")}`);
  });
  // Two spaces between columns: the widest cell of a column ends two columns before the next one starts.
  assert.is(spans[0][1].start, displayWidth("합성곱 3층 모델") + 2);
});

/** Code that lays text out in columns by padding with spaces: `.padStart(n)`, `.padEnd(n)` or `.padEnd(n, " ")`. */
const SPACE_PADDING = /\.pad(?:Start|End)\(\s*[^,()]+(?:,\s*(["'`]) \1)?\s*\)/g;

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(file) : entry.name.endsWith(".ts") ? [file] : [];
  });
}

test("every table a reader sees is laid out by textTable: no space padding in src/ or in the notebooks' code", () => {
  assert.ok("abc".padEnd(5).match(SPACE_PADDING) === null && ".padEnd(14)".match(SPACE_PADDING) !== null, "the pattern finds space padding");
  assert.equal(['x.padStart(9)', 'x.padEnd(n, " ")', 'String(s).padStart(2, "0")'].map((code) => code.match(SPACE_PADDING) !== null), [true, true, false]);
  const root = path.resolve(__dirname, "../..");
  const found = sourceFiles(path.join(root, "src")).flatMap((file) =>
    [...fs.readFileSync(file, "utf8").matchAll(SPACE_PADDING)].map((match) => `${path.relative(root, file)}: ${match[0]}`),
  );
  for (const name of notebookNames()) {
    readNotebook(name).cells.forEach((cell, index) => {
      if (cell.cell_type !== "code") return;
      for (const match of textOf(cell.source).matchAll(SPACE_PADDING)) found.push(`notebooks/${name}, cell ${index}: ${match[0]}`);
    });
  }
  assert.equal(
    found,
    [],
    "Padding with spaces counts characters, and a Hangul character takes two columns: print these tables with textTable(rows, align) instead",
  );
});

test.run();
