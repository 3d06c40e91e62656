/**
 * The PyTorch reference of the benchmarks (bench/torch/): its set-up into .venv-torch on first
 * use, and one timed repetition of a model's training step in a child process, so that the
 * TypeScript benches can interleave its repetitions with their own.
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { cpuFlags, hasBfloat16Compute } from "../../src/native/cpu";

const root = path.resolve(__dirname, "../..");
export const torchPython = path.join(root, ".venv-torch/bin/python");
const trainStep = path.join(root, "bench/torch/train_step.py");

export type TorchPrecision = "float32" | "bfloat16";
export type TorchModel = "mnist" | "cifar-simple" | "cifar-3conv" | "cifar-reduced" | "airbench";

/** What bench/torch/train_step.py --json prints for one model (the fields read here). */
export interface TorchResult {
  model: string;
  batch: number;
  precision: TorchPrecision;
  ms_per_step_median: number;
  params: number;
  gflop_per_step: number;
  optimizer: string;
  torch_version: string;
  threads: { intra_op: number; inter_op: number };
}

/** Creates .venv-torch with PyTorch (bench/torch/setup.sh) unless done; skips in about a second when it is. */
export function setUpTorch(): void {
  execFileSync("bash", [path.join(root, "bench/torch/setup.sh")], { stdio: "inherit" });
}

/**
 * The precisions PyTorch is timed in here: bfloat16 only on a CPU that computes it natively,
 * as our compiled-bfloat16 step requires (elsewhere oneDNN emulates it, slower than float32);
 * `skipped` says why it is left out.
 */
export function torchPrecisions(flags: ReadonlySet<string> = cpuFlags()): { precisions: TorchPrecision[]; skipped: string | null } {
  return hasBfloat16Compute(flags)
    ? { precisions: ["float32", "bfloat16"], skipped: null }
    : { precisions: ["float32"], skipped: "PyTorch bfloat16 not timed: this CPU has neither avx512_bf16 nor amx_bf16 (oneDNN would emulate it)" };
}

/** One repetition of `steps` timed steps after `warmupSteps` untimed ones, in a fresh process (its start-up excluded from the figure). */
export function timeTorchRepetition(model: TorchModel, precision: TorchPrecision, steps: number, warmupSteps: number, batchSize?: number): TorchResult {
  const args = [trainStep, "--model", model, "--precision", precision, "--steps", String(steps), "--warmup", String(warmupSteps), "--repeats", "1", "--json"];
  if (batchSize !== undefined) args.push("--batch", String(batchSize));
  let output: string;
  try {
    output = execFileSync(torchPython, args, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  } catch (error) {
    const status = (error as { status?: number | null }).status;
    throw new Error(
      `the PyTorch reference failed (${model}, ${precision}, exit status ${status ?? "none"}; its message is above): ` +
        `.venv-torch/bin/python bench/torch/train_step.py ${args.slice(1).join(" ")}`,
    );
  }
  return JSON.parse(output.trim().split("\n").pop() ?? "") as TorchResult;
}

/** "PyTorch 2.15.0+cu132 (eager, channels-last, 2 threads, fused Adam)", from one of its results. */
export function describeTorch(result: TorchResult): string {
  const optimizer = result.model === "airbench" ? "Nesterov SGD" : "Adam";
  return `PyTorch ${result.torch_version} (eager, channels-last, ${result.threads.intra_op} threads, ${result.optimizer} ${optimizer})`;
}
