/**
 * The HTML export of `npm run notebooks` (scripts/run_notebooks.py) on notebooks holding the
 * kinds of outputs the chapter's notebooks have, exported from saved outputs (no kernel): the
 * page shows them all and loads nothing from the network, and an output that would make it
 * load a remote script is refused. Pages are read in Chromium with the network cut
 * (exported_page.py): their charts are drawn live (vega-embed, from the script written once
 * beside the pages) in place of their static SVG copies, with tooltips and no console error, and
 * the static copies show with JavaScript off; pages with Korean text carry their Korean fonts, so
 * every Hangul character (prose, code, output, chart, tooltip) is drawn with a font the page
 * embeds, on this machine that has no Korean font of its own. JupyterLab's own export (File > Save
 * and Export Notebook As > HTML, as scripts/jupyter.sh configures it) gives the same page with the
 * charts' script inline, which draws them live when saved alone. Needs Debian's `chromium` for the browser parts; they are skipped without it.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { TopLevelSpec } from "vega-lite";
import { chartToSvg } from "../../src/display/chart-svg";
import { VEGA_LITE_SCHEMA } from "../../src/display/charts/common";
import { fullSuiteTest, runProcess } from "../wait";
import { chromiumOnPath } from "./chromium";
import { freePort, startJupyterServer } from "./jupyter-server";
import { NOTEBOOKS_DIR, notebookNames, readNotebook } from "./notebook-files";

const root = path.resolve(__dirname, "../..");
const python = path.join(root, ".venv/bin/python");
// Hang guards for an export (no kernel) and for reading pages in Chromium, far above a busy machine's time.
const EXPORT_TIMEOUT_MS = 3 * 60 * 1000;
const BROWSER_TIMEOUT_MS = 10 * 60 * 1000;
const chromium = chromiumOnPath();
const VEGA_LITE_MIME = "application/vnd.vegalite.v5+json";
/** The live charts' script, which run_notebooks.py writes beside the pages (scripts/html-export/live_charts.py). */
const CHART_SCRIPT = "live-charts.js";
/** The description of a training curve chart, in either edition (trainingCurvesChart). */
const TRAINING_CURVES = "^(Training curves|학습 곡선) ";

/** A 2×2 grey-scale PNG. */
const PNG_BASE64 = "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAAAAABX3VL4AAAADklEQVR4nGNgsGFgsAEAATIAeZ93AScAAAAASUVORK5CYII=";
const CHART_TITLE = "Offline chart title";
const SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><title>${CHART_TITLE}</title><rect width="40" height="20"/></svg>`;
/** A chart as vega draws it: a bold title and regular labels, each with its own font-family attribute. */
const KOREAN_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="60">' +
  '<text x="10" y="20" font-family="sans-serif" font-size="13px" font-weight="bold">학습 정확도 (MNIST)</text>' +
  '<g font-family="sans-serif" font-size="11px"><text x="10" y="45">스텝 500</text></g></svg>';

type Output = Record<string, unknown>;

function codeCell(id: string, source: string, outputs: Output[]): object {
  return { id, cell_type: "code", source, metadata: {}, outputs, execution_count: 1 };
}

function markdownCell(id: string, source: string): object {
  return { id, cell_type: "markdown", source, metadata: {} };
}

function notebook(cells: object[], language?: "ko"): object {
  return {
    cells,
    metadata: { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" }, ...(language ? { cnn_chapter4: { language } } : {}) },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

const OFFLINE_CHART_SPEC = { $schema: VEGA_LITE_SCHEMA, mark: "line", data: { values: [] } };

function notebookWith(extraOutputs: Output[] = []): object {
  return notebook([
    markdownCell("title", "# Offline export\nA **markdown** cell."),
    codeCell("log", 'console.log("step 500, cost 0.1234");', [{ output_type: "stream", name: "stdout", text: "step 500, cost 0.1234\n" }]),
    codeCell("filters", "showFilters(model);", [{ output_type: "display_data", metadata: {}, data: { "image/png": PNG_BASE64, "text/plain": "filters" } }]),
    codeCell("chart", "trainingChart(curve);", [
      {
        output_type: "display_data",
        metadata: {},
        data: {
          [VEGA_LITE_MIME]: OFFLINE_CHART_SPEC,
          "image/svg+xml": SVG,
          "text/plain": "chart",
        },
      },
      ...extraOutputs,
    ]),
  ]);
}

/**
 * A training curve in Korean, drawn live; its tooltip shows a note with a character (뷁) that
 * nothing else on the page has, so the page's fonts must hold the text of chart specs.
 */
const KOREAN_CHART: TopLevelSpec = {
  $schema: VEGA_LITE_SCHEMA,
  title: "학습 곡선 (시험)",
  description: "학습 곡선 (시험): 스텝에 따른 비용",
  data: {
    values: [
      { step: 0, cost: 2.3, model: "합성곱 모델", note: "툴팁에만 있는 글자: 뷁" },
      { step: 500, cost: 0.4, model: "합성곱 모델", note: "툴팁에만 있는 글자: 뷁" },
    ],
  },
  encoding: {
    x: { field: "step", type: "quantitative", title: "스텝" },
    y: { field: "cost", type: "quantitative", title: "비용" },
    color: { field: "model", type: "nominal", title: "모델" },
  },
  layer: [
    { mark: "line" },
    {
      mark: { type: "point", filled: true, size: 60 },
      encoding: { tooltip: [{ field: "model", type: "nominal", title: "모델" }, { field: "note", type: "nominal", title: "메모" }] },
    },
  ],
};

/** A page of the Korean edition with Korean text wherever the chapter's pages have it; `chartSvg` is KOREAN_CHART's static copy. */
function koreanNotebook(chartSvg: string): object {
  return notebook(
    [
      markdownCell("title", "# 합성곱 신경망 (Convolutional networks)\n\n이 노트북은 『러닝 텐서플로』 4장의 **합성곱 계층**을 `conv2d`와 `합성곱` 코드로 만듭니다."),
      markdownCell("table", "| 계층 | 출력 |\n|---|---|\n| 풀링 | 14×14 |"),
      codeCell("log", '// 학습 로그를 찍습니다\nconsole.log("학습 정확도: 0.98");', [{ output_type: "stream", name: "stdout", text: "학습 정확도: 0.98\n" }]),
      codeCell("source", "showSource(mnist);", [
        { output_type: "display_data", metadata: {}, data: { "text/markdown": '```ts\nkoreanTitle: "합성곱 2층"\n```', "text/plain": 'koreanTitle: "합성곱 2층"' } },
      ]),
      codeCell("chart", "trainingChart(curve);", [{ output_type: "display_data", metadata: {}, data: { "image/svg+xml": KOREAN_SVG, "text/plain": "chart" } }]),
      codeCell("live", "showChart(curve);", [{ output_type: "display_data", metadata: {}, data: { [VEGA_LITE_MIME]: KOREAN_CHART, "image/svg+xml": chartSvg, "text/plain": "[차트]" } }]),
    ],
    "ko",
  );
}

/** A page of the English edition: English prose and code, with a Korean section title. */
const englishNotebook = notebook([
  markdownCell("title", "# 4.9 A test page\n\nEnglish prose, set in the theme's fonts."),
  markdownCell("section", "## 풀링 (Pooling)"),
  codeCell("log", 'console.log("step 500");', [{ output_type: "stream", name: "stdout", text: "step 500\n" }]),
]);

/** Runs run_notebooks.py --export-only on `notebooks` (file names in a fresh folder); the exit status, stderr and the pages' paths. */
async function exportOnly(
  dir: string,
  notebooks: Record<string, object>,
): Promise<{ status: number | null; stderr: string; pages: Record<string, string | undefined> }> {
  const sources = Object.entries(notebooks).map(([name, content]) => {
    const source = path.join(dir, name);
    fs.writeFileSync(source, JSON.stringify(content));
    return source;
  });
  const htmlDir = path.join(dir, "html");
  const { status, stderr } = await runProcess(python, [path.join(root, "scripts/run_notebooks.py"), "--export-only", "--html", htmlDir, ...sources], {
    timeoutMs: EXPORT_TIMEOUT_MS,
  });
  const pages: Record<string, string | undefined> = {};
  for (const name of Object.keys(notebooks)) {
    // The Korean edition's pages go into a ko/ subfolder.
    const html = name.replace(/\.ipynb$/, ".html");
    pages[name] = [path.join(htmlDir, html), path.join(htmlDir, "ko", html)].find((file) => fs.existsSync(file));
  }
  return { status, stderr, pages };
}

/** One notebook's page: the exit status, stderr, the HTML (if written) and the files of the HTML folder. */
async function exportOne(notebookContent: object): Promise<{ status: number | null; stderr: string; html?: string; files: string[] }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cnn-html-export-"));
  try {
    const { status, stderr, pages } = await exportOnly(dir, { "outputs.ipynb": notebookContent });
    const page = pages["outputs.ipynb"];
    const htmlDir = path.join(dir, "html");
    const files = fs.existsSync(htmlDir) ? fs.readdirSync(htmlDir).sort() : [];
    return { status, stderr, html: page === undefined ? undefined : fs.readFileSync(page, "utf8"), files };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** How the Korean text of a document is drawn (exported_page.py's summary). */
interface KoreanRuns {
  runs: number;
  /** PostScript names of the embedded faces that drew regular and bold runs. */
  regular_faces: string[];
  bold_faces: string[];
  /** Runs drawn (partly) with a font of the system: boxes on a machine without a Korean font. */
  system_fonts: { text: string; fonts: string[] }[];
  /** Runs with characters that no embedded face of their style has. */
  missing: { text: string; family: string; weight: number; missing: string }[];
}

/** A page's live charts (exported_page.py's LIVE_CHARTS). */
interface LiveCharts {
  /** Whether the page marked its charts settled in time. */
  settled: boolean;
  /** Chart specs the page carries, charts drawn live in their place, static copies showing. */
  specs: number;
  live: number;
  static_shown: number;
  static_shown_without_javascript: number;
}

interface PageReport {
  lang: string;
  title: string;
  requests: string[];
  console_errors: string[];
  live_charts: LiveCharts;
  /** The tooltip over the first point of the first chart with points the hover pattern matched; null if none matched. */
  tooltip: { chart: string; text: string | null; font: string | null } | null;
  styles: { prose: string | null; code: string | null; output: string | null; chart: string | null };
  first_paragraph_fonts: { family: string; embedded: boolean }[];
  /** A run of Hangul in printed output, and as many Latin columns (two a character), in px. */
  columns: { text: string; korean: number; latin: number } | null;
  korean: KoreanRuns;
  charts: KoreanRuns[];
}

/** Reads `pages` in Chromium, hovering the first point of the first chart whose description matches `hover`. */
async function readInChromium(pages: string[], hover = TRAINING_CURVES): Promise<PageReport[]> {
  assert.ok(chromium, "no chromium on PATH");
  const browser = await runProcess(python, [path.join(__dirname, "exported_page.py"), "--chromium", chromium, "--hover", hover, ...pages], { timeoutMs: BROWSER_TIMEOUT_MS });
  assert.is(browser.status, 0, `exported_page.py exited with ${browser.status ?? browser.signal}:\n${browser.stderr}`);
  return JSON.parse(browser.stdout) as PageReport[];
}

/** Every Korean run of `runs` is drawn with embedded faces that have all its characters. */
function assertDrawnWithEmbeddedFonts(runs: KoreanRuns, where: string): void {
  assert.ok(runs.runs > 0, `${where}: no Korean text found`);
  assert.equal(runs.system_fonts, [], `${where}: Korean text drawn with the system's fonts (boxes without a Korean font)`);
  assert.equal(runs.missing, [], `${where}: Korean characters the embedded faces lack`);
}

/** Every chart of the page is drawn live in place of its static copy, which shows with JavaScript off; nothing went wrong in the console. */
function assertChartsLive(report: PageReport, charts: number, where: string): void {
  assert.equal(
    report.live_charts,
    { settled: true, specs: charts, live: charts, static_shown: 0, static_shown_without_javascript: charts },
    `${where}: charts (${charts} in the notebook)`,
  );
  assert.equal(report.console_errors, [], `${where}: console errors`);
}

/** How many charts a committed notebook's outputs hold. */
function countCharts(name: string): number {
  return readNotebook(name)
    .cells.flatMap((cell) => (cell.outputs ?? []) as { data?: Record<string, unknown> }[])
    .filter((output) => output.data?.[VEGA_LITE_MIME] !== undefined).length;
}

const exportTest = fullSuiteTest(test, "html-export.test.ts");

/** An export test that reads pages in Chromium; skipped, saying so, without it. */
function browserTest(name: string, body: () => Promise<void>): void {
  if (chromium) return exportTest(name, body);
  console.log(`html-export.test.ts: SKIPPED "${name}": no chromium on PATH. To run it: apt-get install chromium`);
  test.skip(name, body);
}

exportTest("the HTML export shows markdown, printed text, PNG images and SVG charts with their specs, titled by its heading, and loads nothing from the network", async () => {
  const { status, stderr, html, files } = await exportOne(notebookWith());
  assert.is(status, 0, stderr);
  assert.ok(html, "no HTML written");

  // The one script the page loads is the live charts' script, written beside it.
  const scripts = html.match(/<script\b[^>]*>/g) ?? [];
  assert.equal(scripts.filter((tag) => /\bsrc\s*=/.test(tag)), [`<script src="${CHART_SCRIPT}">`], "the page's scripts");
  assert.equal(files, [CHART_SCRIPT, "outputs.html"]);
  const spec = html.match(/<script type="application\/vnd\.vegalite\.v5\+json">([^<]*)<\/script>\s*<div class="jp-RenderedSVG/);
  assert.ok(spec, "no chart spec before the static copy");
  assert.equal(JSON.parse(spec[1]), OFFLINE_CHART_SPEC);
  const links = html.match(/<link\b[^>]*>/g) ?? [];
  assert.equal(links.filter((tag) => /\bhref\s*=\s*["']?(https?:)?\/\//.test(tag)), [], "the page links remote resources");
  assert.not.match(html, /url\(\s*["']?(https?:)?\/\//, "the page's CSS fetches remote files");
  assert.not.match(html, /\bimport\s*\(\s*["'](https?:)?\/\//, "the page imports remote modules");

  assert.match(html, /<html lang="en">/);
  assert.match(html, /<title>Offline export<\/title>/);
  assert.match(html, /<h1[^>]*>Offline export/);
  assert.match(html, /<strong>markdown<\/strong>/);
  assert.match(html, /step 500, cost 0\.1234/);
  assert.ok(html.includes(`src="data:image/png;base64,${PNG_BASE64}"`), "the PNG image is missing");
  const svgs = [...html.matchAll(/src="data:image\/svg\+xml;base64,([^"]+)"/g)].map((match) => Buffer.from(match[1], "base64").toString("utf8"));
  assert.ok(svgs.some((svg) => svg.includes(CHART_TITLE)), "the SVG chart is missing");
  assert.not.match(html, /@font-face/, "a page without Korean text carries fonts");

  const { status: withoutChartsStatus, html: withoutCharts, files: withoutChartsFiles } = await exportOne(notebook([markdownCell("title", "# No charts")]));
  assert.is(withoutChartsStatus, 0);
  assert.not.match(withoutCharts ?? "", /<script\b/, "a page without charts carries scripts");
  assert.equal(withoutChartsFiles, ["outputs.html"]);
});

browserTest(
  "a page of the Korean edition is Korean, titled by its heading, and draws every Hangul character (prose, bold, code, output, chart) with the fonts it embeds, its style after the theme's; Hangul in output is two Latin columns wide",
  async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cnn-html-export-"));
    try {
      const { status, stderr, pages } = await exportOnly(dir, { "korean.ipynb": koreanNotebook(await chartToSvg(KOREAN_CHART)), "english.ipynb": englishNotebook });
      assert.is(status, 0, stderr);
      const [korean, english] = await readInChromium([pages["korean.ipynb"] as string, pages["english.ipynb"] as string]);

      // The live chart, its text in the prose's font stack, and its tooltip (with a character only the spec has) in it too.
      assertChartsLive(korean, 1, "the Korean page");
      assert.ok(korean.styles.prose);
      assert.is(korean.styles.chart, korean.styles.prose, "the live chart's font stack");
      assert.ok(korean.tooltip, "no live chart described as a training curve");
      assert.match(korean.tooltip.text ?? "", /메모\s+툴팁에만 있는 글자: 뷁/, "the tooltip");
      assert.is(korean.tooltip.font, korean.styles.prose, "the tooltip's font stack");

      assert.is(korean.lang, "ko");
      assert.is(korean.title, "합성곱 신경망 (Convolutional networks)");
      assert.equal(korean.requests, [], "the page tried the network");
      // The theme's own :root comes after the template's extra CSS: these show the page's style wins.
      assert.match(korean.styles.prose ?? "", /^"Noto Sans KR", /);
      assert.match(korean.styles.code ?? "", /^"Nanum Gothic Coding", /);
      assert.match(korean.styles.output ?? "", /^"Nanum Gothic Coding", /);
      assertDrawnWithEmbeddedFonts(korean.korean, "the Korean page");
      assert.ok(korean.korean.bold_faces.length > 0 && korean.korean.bold_faces.every((face) => /Bold/.test(face)), `bold Korean drawn with ${korean.korean.bold_faces}`);
      assert.ok(korean.korean.regular_faces.every((face) => !/Bold/.test(face)), `regular Korean drawn with ${korean.korean.regular_faces}`);
      assert.is(korean.charts.length, 2, "the charts with Korean text (static copies)");
      korean.charts.forEach((chart, index) => assertDrawnWithEmbeddedFonts(chart, `the Korean chart ${index + 1}`));
      assert.ok(korean.charts[0].bold_faces.some((face) => /Bold/.test(face)), `the chart's bold title drawn with ${korean.charts[0].bold_faces}`);
      assert.ok(korean.columns, "no Hangul in printed output");
      assert.ok(Math.abs(korean.columns.korean - korean.columns.latin) < 0.5, `"${korean.columns.text}" is ${korean.columns.korean} px, its Latin columns ${korean.columns.latin} px`);

      assert.is(english.lang, "en");
      assert.is(english.title, "4.9 A test page");
      assertDrawnWithEmbeddedFonts(english.korean, "the English page's Korean title");
      // The embedded face holds Korean characters only: English prose keeps the system's fonts.
      assert.ok(english.first_paragraph_fonts.length > 0 && english.first_paragraph_fonts.every((font) => !font.embedded), `English prose drawn with ${JSON.stringify(english.first_paragraph_fonts)}`);
      assert.not.match(english.styles.code ?? "", /Nanum Gothic Coding/, "an English page without Korean code got the Korean code font");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);

browserTest("the committed HTML pages of both editions draw every chart live (a tooltip on 4.2's and 4.4's training curves) and every Hangul character, in prose and charts, with the fonts they embed", async () => {
  const names = notebookNames();
  const pages = names.map((name) => path.join(NOTEBOOKS_DIR, path.dirname(name), "html", path.basename(name).replace(/\.ipynb$/, ".html")));
  const reports = await readInChromium(pages);
  reports.forEach((report, index) => {
    const name = names[index];
    const language = (readNotebook(name).metadata.cnn_chapter4 as { language?: string } | undefined)?.language ?? "en";
    assert.is(report.lang, language, `${name}: lang`);
    assert.match(report.title, /^4\.\d /, `${name}: the page's title is its heading`);
    assert.equal(report.requests, [], `${name}: the page tried the network`);
    assertChartsLive(report, countCharts(name), name);
    assert.is(report.styles.chart, report.styles.prose, `${name}: the live charts' font stack`);
    // 4.4's curve has no logged dots: its tooltip comes from the point nearest the pointer.
    if (/4\.[24]-/.test(name)) assert.ok(report.tooltip?.text, `${name}: no tooltip on a training curve`);
    if (report.tooltip) assert.match(report.tooltip.text ?? "", language === "ko" ? /스텝/ : /Step/, `${name}: the tooltip on "${report.tooltip.chart}"`);
    assertDrawnWithEmbeddedFonts(report.korean, name);
    report.charts.forEach((chart, chartIndex) => assertDrawnWithEmbeddedFonts(chart, `${name}, chart ${chartIndex + 1} with Korean text`));
  });
});

exportTest("JupyterLab's HTML export, as scripts/jupyter.sh configures it, gives the same page as run_notebooks.py with the charts' script inline, and the download alone draws them live offline", async () => {
  const name = "ko/4.2-mnist-classifier.ipynb";
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cnn-html-export-"));
  const port = await freePort();
  const server = await startJupyterServer("bash", [path.join(root, "scripts/jupyter.sh"), `--port=${port}`, "--no-browser"], { cwd: root });
  let killed: string[];
  try {
    const exported = await fetch(`${server.baseUrl}nbconvert/html/${name}?download=true`, {
      headers: { Authorization: `token ${server.token}` },
      signal: AbortSignal.timeout(EXPORT_TIMEOUT_MS),
    });
    assert.is(exported.status, 200);
    assert.match(exported.headers.get("content-disposition") ?? "", /^attachment;.*\b4\.2-mnist-classifier\.html$/);
    const fromLab = await exported.text();
    const { status, stderr } = await runProcess(python, [path.join(root, "scripts/run_notebooks.py"), "--export-only", "--html", dir, path.join(NOTEBOOKS_DIR, name)], {
      timeoutMs: EXPORT_TIMEOUT_MS,
    });
    assert.is(status, 0, stderr);
    const fromScript = fs.readFileSync(path.join(dir, name.replace(/\.ipynb$/, ".html")), "utf8");
    assert.match(fromLab, /<html lang="ko">/);
    assert.match(fromLab, /@font-face \{ font-family: "Noto Sans KR"/);
    // A download has nothing beside it: JupyterLab's page carries inline the script run_notebooks.py writes beside its pages.
    assert.not.match(fromLab, /<script\b[^>]*\bsrc\s*=/, "JupyterLab's export loads a script");
    const reference = `<script src="../${CHART_SCRIPT}"></script>`;
    assert.ok(fromScript.includes(reference), "run_notebooks.py's page does not refer to the shared script");
    const inlined = fromScript.replace(reference, () => `<script>${fs.readFileSync(path.join(dir, CHART_SCRIPT), "utf8")}</script>`);
    assert.ok(fromLab === inlined, "JupyterLab's export differs from run_notebooks.py's with the charts' script inline");

    // The download saved in a folder of its own, as a reader's browser would.
    if (chromium) {
      const download = path.join(dir, "download", "4.2-mnist-classifier.html");
      fs.mkdirSync(path.dirname(download));
      fs.writeFileSync(download, fromLab);
      const [report] = await readInChromium([download]);
      assert.equal(report.requests, [], "the download tried the network");
      assertChartsLive(report, countCharts(name), "JupyterLab's download");
      assert.ok(report.tooltip, "the download: no training curve");
      assert.match(report.tooltip.text ?? "", /스텝/, "the download's tooltip");
    } else {
      console.log("html-export.test.ts: JupyterLab's download not read in a browser: no chromium on PATH. To read it: apt-get install chromium");
    }
  } finally {
    killed = await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(killed, [], "processes that ignored SIGTERM");
});

exportTest("an output that would load a remote script makes the export fail and write nothing", async () => {
  const remoteScript = { output_type: "display_data", metadata: {}, data: { "text/html": '<script src="https://cdn.example.org/widget.js"></script>' } };
  const { status, stderr, html } = await exportOne(notebookWith([remoteScript]));
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
