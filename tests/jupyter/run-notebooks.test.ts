/**
 * What scripts/run_notebooks.py does to a notebook's outputs when it saves and exports it,
 * on notebooks written here (no kernel): a cell's consecutive printed lines are joined into
 * one output per stream, and each image of the HTML export has the alt text its output's
 * metadata gives it.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { runProcess } from "../wait";

const root = path.resolve(__dirname, "../..");
const python = path.join(root, ".venv/bin/python");
// A hang guard for one Python process (no kernel), far above a busy machine's time.
const TIMEOUT_MS = 3 * 60 * 1000;

type Output = Record<string, unknown>;

const stream = (name: string, text: string): Output => ({ output_type: "stream", name, text });
/** A 2×2 grey-scale PNG. */
const PNG_BASE64 = "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAAAAABX3VL4AAAADklEQVR4nGNgsGFgsAEAATIAeZ93AScAAAAASUVORK5CYII=";

function notebookWith(outputs: Output[]): object {
  return {
    cells: [{ id: "cell", cell_type: "code", source: "", metadata: {}, outputs, execution_count: 1 }],
    metadata: { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" } },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

/** The outputs of `notebook`'s cell after run_notebooks.py's coalesce_streams (the step between running a notebook and saving it). */
async function coalesced(notebook: object): Promise<Output[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cnn-run-notebooks-"));
  try {
    const file = path.join(dir, "in.ipynb");
    fs.writeFileSync(file, JSON.stringify(notebook));
    const script = [
      "import sys, json, nbformat",
      `sys.path.insert(0, ${JSON.stringify(path.join(root, "scripts"))})`,
      "from run_notebooks import coalesce_streams",
      "nb = nbformat.read(sys.argv[1], as_version=4)",
      "coalesce_streams(nb)",
      "print(json.dumps(nb.cells[0].outputs))",
    ].join("\n");
    const { status, stdout, stderr } = await runProcess(python, ["-c", script, file], { timeoutMs: TIMEOUT_MS });
    assert.is(status, 0, stderr);
    return JSON.parse(stdout) as Output[];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test("a cell's consecutive printed lines are saved as one output per stream, in their place among its other outputs", async () => {
  const chart: Output = { output_type: "display_data", metadata: {}, data: { "text/plain": "[chart] accuracy" } };
  const outputs = await coalesced(
    notebookWith([
      stream("stdout", "model    parameters\n"),
      stream("stdout", "mnist     3,274,634\n"),
      stream("stderr", "a warning\n"),
      stream("stdout", "after the warning\n"),
      chart,
      stream("stdout", "under the chart\n"),
      stream("stdout", "and again\n"),
    ]),
  );
  assert.equal(outputs, [
    stream("stdout", "model    parameters\nmnist     3,274,634\n"),
    stream("stderr", "a warning\n"),
    stream("stdout", "after the warning\n"),
    chart,
    stream("stdout", "under the chart\nand again\n"),
  ]);
});

test("the HTML export gives each image its output's description (metadata[mime type].alt) as alt text", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cnn-run-notebooks-"));
  try {
    const source = path.join(dir, "images.ipynb");
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>';
    fs.writeFileSync(
      source,
      JSON.stringify(
        notebookWith([
          { output_type: "display_data", metadata: { "image/png": { alt: 'Two "digits" <7, 1>' } }, data: { "image/png": PNG_BASE64, "text/plain": "grid" } },
          { output_type: "display_data", metadata: { "image/svg+xml": { alt: "Accuracy against epoch" } }, data: { "image/svg+xml": svg, "text/plain": "chart" } },
        ]),
      ),
    );
    const htmlDir = path.join(dir, "html");
    const { status, stderr } = await runProcess(python, [path.join(root, "scripts/run_notebooks.py"), "--export-only", "--html", htmlDir, source], {
      timeoutMs: TIMEOUT_MS,
    });
    assert.is(status, 0, stderr);
    const html = fs.readFileSync(path.join(htmlDir, "images.html"), "utf8");
    const alts = [...html.matchAll(/<img [^>]*?alt=(["'])(.*?)\1/g)].map((match) => match[2]);
    assert.equal(alts, ['Two "digits" &lt;7, 1&gt;', "Accuracy against epoch"]);
    assert.not.match(html, /No description has been provided/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
