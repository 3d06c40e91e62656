import { test } from "uvu";
import * as assert from "uvu/assert";
import { textTable } from "../../src/display";

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

test.run();
