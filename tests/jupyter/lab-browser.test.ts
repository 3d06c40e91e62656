/**
 * What a reader sees in JupyterLab: notebook 4.2 of both editions (copies, on the tiny generated
 * dataset at a tiny step scale) opened in headless Chromium, all cells run from the browser, and
 * JupyterLab's own renderers showing the charts and image grids; the Korean one after the
 * English one, loading the weights it saved. Needs Debian's `chromium`; skipped without it.
 * In the full suite only (`npm run test:all`): notebooks.test.ts runs the same notebooks through
 * Jupyter's own client in `npm test`.
 * CNN_LAB_SCREENSHOT=/some/file.png keeps a screenshot of the browser at the first chart of each
 * (the Korean one with "-ko" before ".png").
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { writeTinyDatasets } from "../../src/data";
import { fullSuiteTest, runProcess } from "../wait";
import { chromiumOnPath } from "./chromium";
import { assertCompiledPackageCurrent } from "./compiled-package";
import { freePort, startJupyterServer } from "./jupyter-server";

const root = path.resolve(__dirname, "../..");
const NOTEBOOK = "4.2-mnist-classifier.ipynb";
const KOREAN = `ko/${NOTEBOOK}`;
const TITLE = "notebook 4.2, English and Korean, runs in JupyterLab in Chromium: every cell executes without errors, the charts and image grids render";

interface CodeCellReport {
  index: number;
  execution_count: number | null;
  outputs: { output_type: string; name?: string; ename?: string; evalue?: string; text?: string | string[] }[];
}
interface BrowserReport {
  kernel: string | null;
  run: "finished" | "stopped at an error" | "timed out";
  run_seconds: number;
  /** vega-lite outputs in the notebook, and how many of them the page shows drawn */
  vega_outputs: number;
  vega_drawn: number;
  /** PNG and SVG outputs in the notebook, and how many of them the page shows decoded */
  image_outputs: number;
  images_shown: number;
  code_cells: CodeCellReport[];
  /** The text of the notebook's first rendered heading. */
  first_heading: string | null;
}

/**
 * What a reader sees as an error: error outputs, and text on stderr (tslab prints a thrown
 * exception there) or a TypeScript compile error (stream text like "3:7 - Cannot find name 'x'.").
 */
function errorsIn(cell: CodeCellReport): string[] {
  return cell.outputs.flatMap((output) => {
    if (output.output_type === "error") return [`${output.ename}: ${output.evalue}`];
    const text = [output.text ?? ""].flat().join("");
    if (output.output_type === "stream" && (output.name === "stderr" || /^\d+:\d+ - /m.test(text))) return [text];
    return [];
  });
}

const chromium = chromiumOnPath();
if (!chromium) {
  console.log(`lab-browser.test.ts: SKIPPED "${TITLE}": no chromium on PATH. To run it: apt-get install chromium`);
  test.skip(TITLE, () => {});
} else {
  fullSuiteTest(test, "lab-browser.test.ts")(TITLE, async () => {
    assertCompiledPackageCurrent();
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "cnn-lab-browser-"));
    try {
      const notebooks = path.join(work, "notebooks");
      fs.mkdirSync(notebooks);
      fs.mkdirSync(path.join(notebooks, "ko"));
      for (const name of [NOTEBOOK, KOREAN]) fs.copyFileSync(path.join(root, "notebooks", name), path.join(notebooks, name));
      // tslab resolves the notebook's imports from its folder upwards.
      fs.symlinkSync(path.join(root, "node_modules"), path.join(work, "node_modules"));
      const dataDir = path.join(work, "data");
      await writeTinyDatasets(dataDir);

      const port = await freePort();
      const args = [
        "lab",
        `--notebook-dir=${notebooks}`,
        `--port=${port}`,
        "--ServerApp.ip=127.0.0.1",
        "--no-browser",
        "--LabApp.expose_app_in_browser=True",
        `--LabApp.workspaces_dir=${path.join(work, "workspaces")}`,
        `--LabApp.user_settings_dir=${path.join(work, "settings")}`,
        ...(process.geteuid?.() === 0 ? ["--allow-root"] : []),
      ];
      const env = {
        ...process.env,
        JUPYTER_RUNTIME_DIR: path.join(work, "runtime"),
        CNN_DATA_DIR: dataDir,
        CNN_CACHE_DIR: path.join(work, "cache"),
        CNN_STEP_SCALE: "0.004",
        CNN_SEED: "42",
        CNN_RETRAIN: "0",
      };
      const server = await startJupyterServer(path.join(root, ".venv/bin/jupyter"), args, { cwd: work, env });
      const reports: Record<string, BrowserReport> = {};
      let killed: string[];
      try {
        for (const name of [NOTEBOOK, KOREAN]) {
          const browserArgs = ["--lab", server.baseUrl, "--token", server.token, "--notebook", name, "--chromium", chromium, "--timeout", "90"];
          const screenshot = process.env.CNN_LAB_SCREENSHOT;
          if (screenshot) browserArgs.push("--screenshot", name === KOREAN ? screenshot.replace(/(\.png)?$/, "-ko.png") : screenshot);
          const browser = await runProcess(path.join(root, ".venv/bin/python"), [path.join(__dirname, "lab_browser.py"), ...browserArgs], {
            timeoutMs: 3 * 60 * 1000,
          });
          assert.is(browser.status, 0, `lab_browser.py exited with ${browser.status ?? browser.signal} on ${name}:\n${browser.stderr}`);
          reports[name] = JSON.parse(browser.stdout) as BrowserReport;
        }
      } finally {
        killed = await server.stop();
      }
      assert.equal(killed, [], "processes that ignored SIGTERM");
      assert.match(reports[NOTEBOOK].first_heading ?? "", /^4\.2 /);
      assert.match(reports[KOREAN].first_heading ?? "", /^4\.2 MNIST 분류기/, "the Korean edition's title");
      for (const [name, report] of Object.entries(reports)) assertRanAndRendered(name, report);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
}

/** Every cell ran in order without an error, and JupyterLab drew every chart and image. */
function assertRanAndRendered(name: string, report: BrowserReport): void {
  assert.is(report.kernel, "tslab");
  assert.ok(report.code_cells.length > 0);
  for (const cell of report.code_cells) {
    assert.equal(errorsIn(cell), [], `${name}: cell ${cell.index} shows an error`);
    assert.type(cell.execution_count, "number", `${name}: cell ${cell.index} did not run`);
  }
  assert.is(report.run, "finished", `${name}: running all cells, after ${report.run_seconds} s (limit 90 s)`);
  const counts = report.code_cells.map((cell) => cell.execution_count);
  assert.equal(counts, [...counts].sort((a, b) => (a as number) - (b as number)), `${name}: the cells ran out of order`);

  // The training chart and the confusion matrix; filters, feature maps and sample digits.
  assert.ok(report.vega_outputs >= 2, `${report.vega_outputs} vega-lite outputs`);
  assert.is(report.vega_drawn, report.vega_outputs, `${name}: charts JupyterLab's vega renderer drew`);
  assert.ok(report.image_outputs >= 3, `${report.image_outputs} image outputs`);
  assert.is(report.images_shown, report.image_outputs, `${name}: images the page shows`);
}

test.run();
