/**
 * The Korean edition (notebooks/ko/) keeps in step with the English one (notebooks/): the same
 * notebooks, the same cells in the same order and of the same kinds, the same code apart from
 * comments, string texts and the first cell's `notebookSettings({ language: "ko" })`, and every
 * markdown cell translated. An edit made to one edition and not to the other fails here.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as ts from "typescript";
import { notebookNames, readNotebook, textOf } from "./notebook-files";

const KOREAN = "ko/";
const KOREAN_SETTINGS = 'notebookSettings({ language: "ko" })';
const HANGUL = /[\uac00-\ud7a3]/;

/**
 * A cell's code with what a translation may change taken out: comments, and the text of
 * string and template literals (a template's `${…}` expressions stay).
 */
function codeShape(source: string): string {
  const file = ts.createSourceFile("cell.ts", source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const { factory } = ts;
  const blankStrings: ts.TransformerFactory<ts.SourceFile> = (context) => (root) => {
    const visit = (node: ts.Node): ts.Node => {
      if (ts.isStringLiteral(node)) return factory.createStringLiteral("");
      if (ts.isNoSubstitutionTemplateLiteral(node)) return factory.createNoSubstitutionTemplateLiteral("");
      if (ts.isTemplateExpression(node)) {
        // A translation may reorder a template's ${…} parts (Korean word order); it keeps the same parts.
        const printer = ts.createPrinter({ removeComments: true });
        const parts = node.templateSpans
          .map((span) => visit(span.expression) as ts.Expression)
          .map((expression) => ({ expression, text: printer.printNode(ts.EmitHint.Expression, expression, file) }))
          .sort((x, y) => (x.text < y.text ? -1 : x.text > y.text ? 1 : 0));
        const last = parts.length - 1;
        return factory.createTemplateExpression(
          factory.createTemplateHead(""),
          parts.map(({ expression }, i) => factory.createTemplateSpan(expression, i === last ? factory.createTemplateTail("") : factory.createTemplateMiddle(""))),
        );
      }
      return ts.visitEachChild(node, visit, context);
    };
    return ts.visitNode(root, visit) as ts.SourceFile;
  };
  const [shaped] = ts.transform(file, [blankStrings]).transformed;
  return ts.createPrinter({ removeComments: true }).printFile(shaped);
}

const names = notebookNames();
const english = names.filter((name) => !name.includes("/"));
const korean = names.filter((name) => name.startsWith(KOREAN));

test("codeShape keeps code and drops what a translation may change", () => {
  assert.is(codeShape('console.log(`accuracy ${x}%`); // note'), codeShape('console.log(`정확도 ${x}%`); // 메모'));
  assert.is(codeShape('showChart(chart, { title: "Filters" });'), codeShape('showChart(chart, { title: "필터" });'));
  assert.is.not(codeShape("const a = f(1);"), codeShape("const a = f(2);"));
  assert.is.not(codeShape("console.log(`${a}`);"), codeShape("console.log(`${b}`);"));
  assert.is(codeShape("console.log(`${n} of ${m} wrong`);"), codeShape("console.log(`${m}개 중 ${n}개 틀림`);"));
});

test("every English notebook has a Korean edition of the same name, and nothing else is there", () => {
  assert.ok(english.length >= 4, `English notebooks: ${english.join(", ")}`);
  assert.equal(korean, english.map((name) => KOREAN + name));
});

for (const name of english) {
  test(`${name}: the Korean edition has the same cells, the same code, and translated prose`, () => {
    const en = readNotebook(name);
    const ko = readNotebook(KOREAN + name);
    assert.equal(
      ko.cells.map((cell) => cell.cell_type),
      en.cells.map((cell) => cell.cell_type),
      "the cells' kinds, in order",
    );
    assert.equal(ko.metadata.cnn_chapter4, { language: "ko" }, "the notebook's metadata marks it Korean (the HTML export reads it)");
    const firstCode = ko.cells.findIndex((cell) => cell.cell_type === "code");
    assert.ok(textOf(ko.cells[firstCode].source).includes(KOREAN_SETTINGS), `the first code cell sets ${KOREAN_SETTINGS}`);
    en.cells.forEach((cell, index) => {
      const other = ko.cells[index];
      if (cell.cell_type === "code") {
        const koCode = textOf(other.source).replace(KOREAN_SETTINGS, "notebookSettings()");
        assert.is(codeShape(koCode), codeShape(textOf(cell.source)), `cell ${index}: the code differs beyond comments and strings`);
      } else if (/[A-Za-z]/.test(textOf(cell.source))) {
        assert.match(textOf(other.source), HANGUL, `cell ${index}: not translated:\n${textOf(other.source)}`);
      }
    });
  });
}

test.run();
