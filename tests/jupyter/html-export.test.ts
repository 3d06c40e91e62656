/**
 * The HTML export of `npm run notebooks` (scripts/run_notebooks.py) on a notebook holding the
 * kinds of outputs the chapter's notebooks have, exported from saved outputs (no kernel): the
 * page shows them all and loads nothing from the network, and an output that would make it
 * load a remote script is refused.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { fullSuiteTest, runProcess } from "../wait";
import { notebookNames, readNotebook } from "./notebook-files";

const root = path.resolve(__dirname, "../..");
// A hang guard for an export (no kernel), far above a busy machine's time.
const EXPORT_TIMEOUT_MS = 3 * 60 * 1000;

/** A 2×2 grey-scale PNG. */
const PNG_BASE64 = "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAAAAABX3VL4AAAADklEQVR4nGNgsGFgsAEAATIAeZ93AScAAAAASUVORK5CYII=";
const CHART_TITLE = "Offline chart title";
const SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><title>${CHART_TITLE}</title><rect width="40" height="20"/></svg>`;

type Output = Record<string, unknown>;

function codeCell(id: string, source: string, outputs: Output[]): object {
  return { id, cell_type: "code", source, metadata: {}, outputs, execution_count: 1 };
}

function notebookWith(extraOutputs: Output[] = []): object {
  return {
    cells: [
      { id: "title", cell_type: "markdown", source: "# Offline export\nA **markdown** cell.", metadata: {} },
      codeCell("log", 'console.log("step 500, cost 0.1234");', [{ output_type: "stream", name: "stdout", text: "step 500, cost 0.1234\n" }]),
      codeCell("filters", "showFilters(model);", [{ output_type: "display_data", metadata: {}, data: { "image/png": PNG_BASE64, "text/plain": "filters" } }]),
      codeCell("chart", "trainingChart(curve);", [
        {
          output_type: "display_data",
          metadata: {},
          data: {
            "application/vnd.vegalite.v5+json": { $schema: "https://vega.github.io/schema/vega-lite/v5.json", mark: "line", data: { values: [] } },
            "image/svg+xml": SVG,
            "text/plain": "chart",
          },
        },
        ...extraOutputs,
      ]),
    ],
    metadata: { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" } },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

/** Runs run_notebooks.py --export-only on `notebook`; the exit status, stderr and the HTML (if written). */
async function exportOnly(notebook: object): Promise<{ status: number | null; stderr: string; html?: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cnn-html-export-"));
  try {
    const source = path.join(dir, "outputs.ipynb");
    fs.writeFileSync(source, JSON.stringify(notebook));
    const htmlDir = path.join(dir, "html");
    const { status, stderr } = await runProcess(
      path.join(root, ".venv/bin/python"),
      [path.join(root, "scripts/run_notebooks.py"), "--export-only", "--html", htmlDir, source],
      { timeoutMs: EXPORT_TIMEOUT_MS },
    );
    // The Korean edition's pages go into a ko/ subfolder.
    const htmlFile = [path.join(htmlDir, "outputs.html"), path.join(htmlDir, "ko", "outputs.html")].find((file) => fs.existsSync(file)) ?? "";
    return { status, stderr, html: htmlFile === "" ? undefined : fs.readFileSync(htmlFile, "utf8") };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// The exports run in the full suite (`npm run test:all`); `npm test` checks the executed notebooks' HTML in notebooks.test.ts.
const exportTest = fullSuiteTest(test, "html-export.test.ts");

exportTest("the HTML export shows markdown, printed text, PNG images and SVG charts, and loads nothing from the network", async () => {
  const { status, stderr, html } = await exportOnly(notebookWith());
  assert.is(status, 0, stderr);
  assert.ok(html, "no HTML written");

  const scripts = html.match(/<script\b[^>]*>/g) ?? [];
  assert.equal(scripts.filter((tag) => /\bsrc\s*=/.test(tag)), [], "the page loads scripts");
  const links = html.match(/<link\b[^>]*>/g) ?? [];
  assert.equal(links.filter((tag) => /\bhref\s*=\s*["']?(https?:)?\/\//.test(tag)), [], "the page links remote resources");
  assert.not.match(html, /url\(\s*["']?(https?:)?\/\//, "the page's CSS fetches remote files");
  assert.not.match(html, /\bimport\s*\(\s*["'](https?:)?\/\//, "the page imports remote modules");

  assert.match(html, /<h1[^>]*>Offline export/);
  assert.match(html, /<strong>markdown<\/strong>/);
  assert.match(html, /step 500, cost 0\.1234/);
  assert.ok(html.includes(`src="data:image/png;base64,${PNG_BASE64}"`), "the PNG image is missing");
  const svgs = [...html.matchAll(/src="data:image\/svg\+xml;base64,([^"]+)"/g)].map((match) => Buffer.from(match[1], "base64").toString("utf8"));
  assert.ok(svgs.some((svg) => svg.includes(CHART_TITLE)), "the SVG chart is missing");
});

exportTest("a notebook of the Korean edition exports as a Korean page with a font stack that has Korean glyphs; others stay English", async () => {
  const korean = notebookWith() as { metadata: Record<string, unknown> };
  korean.metadata.cnn_chapter4 = { language: "ko" };
  const exported = await exportOnly(korean);
  assert.is(exported.status, 0, exported.stderr);
  assert.match(exported.html ?? "", /<html lang="ko">/);
  assert.match(exported.html ?? "", /--jp-content-font-family: "Noto Sans KR", "Noto Sans CJK KR", "NanumGothic", [^;]*sans-serif;/);

  const english = await exportOnly(notebookWith());
  assert.match(english.html ?? "", /<html lang="en">/);
  assert.not.match(english.html ?? "", /Noto Sans KR/);
});

exportTest("an output that would load a remote script makes the export fail and write nothing", async () => {
  const remoteScript = { output_type: "display_data", metadata: {}, data: { "text/html": '<script src="https://cdn.example.org/widget.js"></script>' } };
  const { status, stderr, html } = await exportOnly(notebookWith([remoteScript]));
  assert.is(status, 1);
  assert.match(stderr, /HTML export refused: the HTML export loads 1 resource\(s\) from the network/);
  assert.match(stderr, /https:\/\/cdn\.example\.org\/widget\.js/);
  assert.is(html, undefined);
});

test("the chapter's markdown (both editions) holds no TeX math, which the offline HTML (no MathJax) would show as raw TeX", () => {
  for (const name of notebookNames()) {
    readNotebook(name).cells.forEach((cell, index) => {
      if (cell.cell_type !== "markdown") return;
      const prose = [cell.source].flat().join("").replace(/```[\s\S]*?```|`[^`]*`/g, "");
      assert.not.match(prose, /\$\$|\$[^$\s][^$]*\$|\\\(|\\\[/, `${name}, cell ${index}: TeX math; write it in Unicode (e.g. x², ∑, ·)`);
    });
  }
});

test.run();
