/**
 * Jupyter's interrupt button on a training cell, in a real tslab kernel: the cell
 * stops at once, the training loop stops too (tslab itself only stops awaiting the
 * cell), no tensor is left behind, and training again in the same kernel works.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { assertCompiledPackageCurrent } from "./compiled-package";

const root = path.resolve(__dirname, "../..");

type Step = [status: string, printed: string, seconds: number];
interface InterruptRun {
  setup: Step;
  train: Step;
  kernel_alive: boolean;
  cpu_seconds_in_the_second_after: number;
  after: Step;
}

test("interrupting a training cell stops training, frees its tensors and leaves the kernel usable", () => {
  assertCompiledPackageCurrent();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "cnn-interrupt-"));
  try {
    fs.symlinkSync(path.join(root, "node_modules"), path.join(work, "node_modules"));
    const output = execFileSync(path.join(root, ".venv/bin/python"), [path.join(__dirname, "interrupt_kernel.py"), work], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 5 * 60 * 1000,
    });
    const run = JSON.parse(output) as InterruptRun;
    assert.is(run.setup[0], "idle");
    const before = /tensors before: (\d+)/.exec(run.setup[1]);
    assert.ok(before, `setup printed: ${run.setup[1]}`);

    assert.is(run.train[0], "idle", "the interrupted cell never finished");
    assert.ok(run.train[2] < 2, `the cell took ${run.train[2]} s to stop after the interrupt`);
    assert.match(run.train[1], /Interrupted/);
    assert.ok(run.kernel_alive, "the kernel died on the interrupt");
    assert.ok(run.cpu_seconds_in_the_second_after < 0.3, `training went on: ${run.cpu_seconds_in_the_second_after} s of CPU in the second after`);

    assert.is(run.after[0], "idle");
    assert.match(run.after[1], new RegExp(`tensors after: ${before[1]}\\n`));
    assert.match(run.after[1], /retrained: 3 steps/);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});

test.run();
