/**
 * The kernel spec that set-up writes starts tslab with dist/output/kernel-preload.js loaded first,
 * so a burst of more than 512 outputs gets through even in a cell that runs before the package
 * is imported (src/output/kernel-sends.ts). Runs real kernels through scripts/run_notebooks.py.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { fullSuiteTest, runProcess } from "../wait";
import { assertCompiledPackageCurrent } from "./compiled-package";
import { assertNoCellCutShort } from "./executed-notebook";

const root = path.resolve(__dirname, "../..");
const python = path.join(root, ".venv/bin/python");
const LINES = 1200;

interface Output {
  output_type: string;
  text?: string | string[];
}

/** Runs a notebook of `sources`: each cell's printed text, and the executed notebook. */
async function startCells(dir: string, sources: string[], env: NodeJS.ProcessEnv = process.env, runnerArgs: string[] = []) {
  const source = path.join(dir, "cells.ipynb");
  const cells = sources.map((text) => ({ cell_type: "code", source: text, metadata: {}, outputs: [], execution_count: null }));
  const kernelspec = { name: "tslab", display_name: "TypeScript", language: "typescript" };
  fs.writeFileSync(source, JSON.stringify({ cells, metadata: { kernelspec }, nbformat: 4, nbformat_minor: 5 }));
  // A hang guard, far above a busy machine's time (the kernel is stopped with it).
  return runProcess(python, [path.join(root, "scripts/run_notebooks.py"), "--out", path.join(dir, "out"), "--html", path.join(dir, "html"), ...runnerArgs, source], {
    env,
    timeoutMs: 300_000,
  });
}

/** Runs a notebook of `sources` that must succeed: each cell's printed text, and the executed notebook. */
async function runCells(dir: string, sources: string[]) {
  const run = await startCells(dir, sources);
  assert.is(run.status, 0, `run_notebooks.py exited with ${run.status ?? run.signal}:\n${run.stdout}\n${run.stderr}`);
  const executed = JSON.parse(fs.readFileSync(path.join(dir, "out/cells.ipynb"), "utf8")) as { cells: { cell_type: string; source: string; outputs: Output[] }[] };
  const text = (value: Output["text"]) => (Array.isArray(value) ? value.join("") : value ?? "");
  const printed = executed.cells.map((cell) => cell.outputs.filter((o) => o.output_type === "stream").map((o) => text(o.text)).join(""));
  return { printed, executed };
}

const burst = `for (let i = 0; i < ${LINES}; i++) console.log(\`line \${i}\`);`;
const numbered = Array.from({ length: LINES }, (_, i) => `line ${i}`);

test("the kernel spec preloads the output fix from dist/", () => {
  const spec = JSON.parse(fs.readFileSync(path.join(root, ".venv/share/jupyter/kernels/tslab/kernel.json"), "utf8")) as { argv: string[] };
  const preload = spec.argv.indexOf("--require");
  assert.ok(preload >= 0, `the kernel spec loads nothing first: ${spec.argv.join(" ")} (run \`npm run setup\`)`);
  assert.is(spec.argv[preload + 1], path.join(root, "dist/output/kernel-preload.js"));
  assert.ok(fs.existsSync(spec.argv[preload + 1]), `${spec.argv[preload + 1]} is missing (run \`npm run setup\`)`);
});

test(`a cell that prints ${LINES} lines before the package is imported gets them all, in order`, async () => {
  assertCompiledPackageCurrent();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cnn-kernel-"));
  try {
    const { printed, executed } = await runCells(dir, [burst, 'import { inNotebook } from "cnn-chapter4";\nconsole.log(`in a notebook: ${inNotebook()}`);']);
    assertNoCellCutShort(executed, "cells.ipynb");
    assert.equal(printed[0].trim().split("\n"), numbered);
    assert.is(printed[1].trim(), "in a notebook: true");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// A minute by design (the runner waits out its 60-s cell timeout): in the full suite only (`npm run test:all`).
fullSuiteTest(test, "kernel-preload.test.ts")("without the preload, the same cell never finishes (zeromq refuses its last lines and its idle status), and the runner says so", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cnn-kernel-"));
  try {
    // A kernel spec as `tslab install` writes it, found before the project's one through JUPYTER_PATH.
    const specFolder = path.join(dir, "jupyter/kernels/tslab");
    fs.mkdirSync(specFolder, { recursive: true });
    const argv = [path.join(root, "node_modules/tslab/bin/tslab"), "kernel", "--config-path", "{connection_file}"];
    fs.writeFileSync(path.join(specFolder, "kernel.json"), JSON.stringify({ argv, display_name: "TypeScript", language: "typescript" }));
    const jupyterPath = [path.join(dir, "jupyter"), process.env.JUPYTER_PATH].filter(Boolean).join(path.delimiter);
    // The runner waits this long for the cell, then fails: it never saves the cell cut short.
    const run = await startCells(dir, [burst], { ...process.env, JUPYTER_PATH: jupyterPath }, ["--timeout", "60"]);
    assert.is(run.status, 1, `all ${LINES} lines arrived without the preload? zeromq or tslab may no longer refuse a burst:\n${run.stdout}\n${run.stderr}`);
    assert.match(`${run.stdout}${run.stderr}`, /cells\.ipynb: FAILED/);
    assert.not.ok(fs.existsSync(path.join(dir, "out/cells.ipynb")), "no notebook saved as if it had run");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
