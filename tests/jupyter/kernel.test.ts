import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { runProcess, type Finished } from "../wait";
import { assertCompiledPackageCurrent } from "./compiled-package";
import { assertNoCellCutShort } from "./executed-notebook";

const root = path.resolve(__dirname, "../..");
const python = path.join(root, ".venv/bin/python");
// Hang guards, far above a busy machine's times: for one cell (nbclient stops the cell, shuts the
// kernel down and reports it), and for the whole run (kernel start-up, cells, HTML export).
const CELL_TIMEOUT_SECONDS = 300;
const RUN_TIMEOUT_MS = 10 * 60 * 1000;

/** scripts/run_notebooks.py with `args`, as `npm run notebooks` runs it. */
function runNotebooks(args: string[]): Promise<Finished> {
  return runProcess(python, [path.join(root, "scripts/run_notebooks.py"), "--timeout", String(CELL_TIMEOUT_SECONDS), ...args], { timeoutMs: RUN_TIMEOUT_MS });
}

function assertRanWell(run: Finished): void {
  assert.is(run.status, 0, `run_notebooks.py exited with ${run.status ?? run.signal}:\n${run.stdout}\n${run.stderr}`);
}

interface Cell {
  cell_type: "code";
  source: string;
  metadata: object;
  outputs: { output_type: string; text?: string | string[] }[];
  execution_count: null;
}

function notebook(sources: string[]): object {
  const cells: Cell[] = sources.map((source) => ({
    cell_type: "code",
    source,
    metadata: {},
    outputs: [],
    execution_count: null,
  }));
  return {
    cells,
    metadata: { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" } },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

function streamText(cell: Cell): string {
  return cell.outputs.map((o) => (Array.isArray(o.text) ? o.text.join("") : o.text ?? "")).join("");
}

test("the project's Jupyter runs a TypeScript notebook that imports the package and runs a tfjs op", async () => {
  assertCompiledPackageCurrent();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cnn-kernel-"));
  try {
    const source = path.join(dir, "tiny.ipynb");
    fs.writeFileSync(
      source,
      JSON.stringify(
        notebook([
          'import { tf, backendInfo } from "cnn-chapter4";\nconsole.log(backendInfo().backend);',
          "const product = tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]]));\nconsole.log(`product ${product.dataSync()[0]}`);",
        ]),
      ),
    );
    assertRanWell(await runNotebooks(["--out", path.join(dir, "out"), "--html", path.join(dir, "html"), source]));
    const executed = JSON.parse(fs.readFileSync(path.join(dir, "out/tiny.ipynb"), "utf8")) as { cells: Cell[] };
    assertNoCellCutShort(executed, "tiny.ipynb");
    assert.is(streamText(executed.cells[0]).trim(), "tensorflow");
    assert.is(streamText(executed.cells[1]).trim(), "product 11");
    assert.ok(fs.readFileSync(path.join(dir, "html/tiny.html"), "utf8").includes("product 11"));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a cell that sends a thousand outputs in one go gets them all, in order (zeromq's busy socket is waited out)", async () => {
  assertCompiledPackageCurrent();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cnn-kernel-"));
  try {
    const source = path.join(dir, "burst.ipynb");
    // Unpatched, tslab's socket refuses the 514th send of such a burst (src/output/kernel-sends.ts).
    const burst = [
      'import { displayBundle } from "cnn-chapter4";',
      "for (let i = 0; i < 600; i++) {",
      "  displayBundle({ \"text/plain\": `output ${i}` });",
      "  console.log(`line ${i}`);",
      "}",
    ].join("\n");
    fs.writeFileSync(source, JSON.stringify(notebook([burst, 'console.log("next cell");'])));
    const run = await runNotebooks(["--out", path.join(dir, "out"), "--html", path.join(dir, "html"), source]);
    assertRanWell(run);
    const executed = JSON.parse(fs.readFileSync(path.join(dir, "out/burst.ipynb"), "utf8")) as {
      cells: { outputs: { output_type: string; data?: Record<string, string | string[]>; text?: string | string[] }[] }[];
    };
    assertNoCellCutShort(executed as { cells: Cell[] }, "burst.ipynb");
    const outputs = executed.cells[0].outputs;
    const joined = (text: string | string[] | undefined) => (Array.isArray(text) ? text.join("") : text ?? "");
    const shown = outputs.filter((o) => o.output_type === "display_data").map((o) => joined(o.data?.["text/plain"]));
    const printed = outputs
      .filter((o) => o.output_type === "stream")
      .map((o) => joined(o.text))
      .join("")
      .trim()
      .split("\n");
    const numbered = (prefix: string) => Array.from({ length: 600 }, (_, i) => `${prefix} ${i}`);
    assert.equal(shown, numbered("output"), `the displayed outputs differ; run_notebooks.py's log:\n${run.stderr}`);
    assert.equal(printed, numbered("line"), `the printed lines differ; run_notebooks.py's log:\n${run.stderr}`);
    assert.is(outputs.filter((o) => o.output_type === "error").length, 0);
    assert.is(streamText(executed.cells[1] as Cell).trim(), "next cell");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a failed run leaves the notebook and its HTML as they were and saves what ran beside them", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cnn-kernel-"));
  try {
    const source = path.join(dir, "broken.ipynb");
    const html = path.join(dir, "html");
    fs.mkdirSync(html);
    fs.writeFileSync(path.join(html, "broken.html"), "the export of an earlier good run");
    const original = JSON.stringify(notebook(['const count: number = "three";']));
    fs.writeFileSync(source, original);
    const runInPlace = () => runNotebooks(["--html", html, source]);
    const { status, stderr } = await runInPlace();
    assert.is(status, 1, `run_notebooks.py's exit status on a notebook with a compile error:\n${stderr}`);
    assert.match(stderr, /not assignable to type 'number'/);
    assert.match(stderr, /broken\.ipynb and its HTML are unchanged, what ran is in .*broken\.failed\.ipynb/);
    assert.is(fs.readFileSync(source, "utf8"), original);
    assert.is(fs.readFileSync(path.join(html, "broken.html"), "utf8"), "the export of an earlier good run");
    const failed = JSON.parse(fs.readFileSync(path.join(dir, "broken.failed.ipynb"), "utf8")) as { cells: Cell[] };
    assert.match(streamText(failed.cells[0]), /not assignable to type 'number'/);
    assert.equal(fs.readdirSync(dir).filter((name) => name.includes("partial")), []);

    // Once the notebook runs, it is saved and the failed copy goes.
    fs.writeFileSync(source, JSON.stringify(notebook(['const count: number = 3;\nconsole.log(`count ${count}`);'])));
    assertRanWell(await runInPlace());
    const executed = JSON.parse(fs.readFileSync(source, "utf8")) as { cells: Cell[] };
    assertNoCellCutShort(executed, "broken.ipynb");
    assert.is(streamText(executed.cells[0]).trim(), "count 3");
    assert.ok(fs.readFileSync(path.join(html, "broken.html"), "utf8").includes("count 3"));
    assert.not.ok(fs.existsSync(path.join(dir, "broken.failed.ipynb")));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
