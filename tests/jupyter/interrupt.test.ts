/**
 * Jupyter's interrupt button on a training cell, in a real tslab kernel: the cell
 * stops at once, the training loop stops too (tslab itself only stops awaiting the
 * cell), no tensor is left behind, and training again in the same kernel works.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { runProcess } from "../wait";
import { assertCompiledPackageCurrent } from "./compiled-package";

const root = path.resolve(__dirname, "../..");

type Step = [status: string, printed: string, seconds: number];
interface InterruptRun {
  setup: Step;
  train: Step;
  kernel_alive: boolean;
  /** CPU seconds per second the kernel used while training, before the interrupt */
  cpu_rate_while_training: number;
  /** the same over a few short windows after the interrupt */
  cpu_rates_after_interrupt: number[];
  after: Step;
}

// Bounds relative to this machine's speed at the time, so that a loaded CI machine slows
// both sides: the loop checks for the interrupt before every step, so it stops within a few
// steps (plus a fixed allowance for the messages), and once stopped the kernel is idle.
const STOP_ALLOWANCE_SECONDS = 2;
const STOP_WITHIN_STEPS = 20;
const IDLE_FRACTION_OF_TRAINING = 0.25;
const TRAINING_AT_LEAST = 0.2;
// A hang guard for the whole driver (it bounds each cell's reply itself), far above a busy machine's time.
const DRIVER_TIMEOUT_MS = 5 * 60 * 1000;

test("interrupting a training cell stops training, frees its tensors and leaves the kernel usable", async () => {
  assertCompiledPackageCurrent();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "cnn-interrupt-"));
  try {
    fs.symlinkSync(path.join(root, "node_modules"), path.join(work, "node_modules"));
    const driver = await runProcess(path.join(root, ".venv/bin/python"), [path.join(__dirname, "interrupt_kernel.py"), work], { timeoutMs: DRIVER_TIMEOUT_MS });
    assert.is(driver.status, 0, `interrupt_kernel.py exited with ${driver.status ?? driver.signal}:\n${driver.stderr}`);
    const run = JSON.parse(driver.stdout) as InterruptRun;
    assert.is(run.setup[0], "idle");
    const before = /tensors before: (\d+)/.exec(run.setup[1]);
    const msPerStep = /ms per step: ([\d.]+)/.exec(run.setup[1]);
    assert.ok(before && msPerStep, `setup printed: ${run.setup[1]}`);

    assert.is(run.train[0], "idle", "the interrupted cell never finished");
    const stopBound = STOP_ALLOWANCE_SECONDS + (STOP_WITHIN_STEPS * Number(msPerStep[1])) / 1000;
    assert.ok(run.train[2] < stopBound, `the cell took ${run.train[2].toFixed(2)} s to stop after the interrupt (bound ${stopBound.toFixed(2)} s)`);
    assert.match(run.train[1], /Interrupted/);
    assert.ok(run.kernel_alive, "the kernel died on the interrupt");

    const training = run.cpu_rate_while_training;
    assert.ok(training > TRAINING_AT_LEAST, `the kernel used only ${training.toFixed(2)} CPU-s/s while training: nothing to compare with`);
    const idlest = Math.min(...run.cpu_rates_after_interrupt);
    assert.ok(
      idlest < IDLE_FRACTION_OF_TRAINING * training,
      `training went on after the interrupt: ${run.cpu_rates_after_interrupt.map((rate) => rate.toFixed(2)).join(", ")} CPU-s/s (while training: ${training.toFixed(2)})`,
    );

    assert.is(run.after[0], "idle");
    assert.match(run.after[1], new RegExp(`tensors after: ${before[1]}\\n`));
    assert.match(run.after[1], /retrained: 3 steps/);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});

test.run();
