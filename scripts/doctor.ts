/**
 * `npm run doctor`: what the notebooks will run on. Fails (exit 1) unless tfjs
 * runs on the native TensorFlow backend.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { backendInfo, describeOneDnn } from "../src/native/backend";
import { formatCpu } from "../src/native/cpu";
import { nativeKernelReport } from "../src/layers";

const root = path.resolve(__dirname, "..");

function diskUsage(target: string): string {
  if (!fs.existsSync(target)) return "missing";
  return execFileSync("du", ["-sh", target], { encoding: "utf8" }).split("\t")[0];
}

function pythonVersion(): string {
  const python = path.join(root, ".venv/bin/python");
  return execFileSync(python, ["--version"], { encoding: "utf8" }).trim();
}

function main(): void {
  const info = backendInfo();
  const kernelSpec = path.join(root, ".venv/share/jupyter/kernels/tslab/kernel.json");
  const rows: [string, string][] = [
    ["backend", info.backend],
    ["TensorFlow library", info.tensorflowVersion],
    ["tfjs", info.tfjsVersion],
    ["Node.js", info.nodeVersion],
    ["Python (.venv)", pythonVersion()],
    ["CPU", formatCpu(info.cpu)],
    ["TF_NUM_INTRAOP_THREADS", info.intraOpThreads],
    ["TF_NUM_INTEROP_THREADS", info.interOpThreads],
    ["oneDNN", describeOneDnn(info.oneDnn)],
    ...nativeKernelReport().map(({ name, kernel, fallbackReason }): [string, string] => [
      `kernel: ${name}`,
      fallbackReason === undefined ? kernel : `${kernel} (fallback: ${fallbackReason})`,
    ]),
    ["kernel spec", fs.existsSync(kernelSpec) ? kernelSpec : "MISSING: run `npm run setup`"],
    ["CNN_DATA_DIR", process.env.CNN_DATA_DIR ?? "(unset: cache or download)"],
    ["disk: TensorFlow library", diskUsage(path.join(root, "node_modules/@tensorflow/tfjs-node/deps"))],
    ["disk: node_modules", diskUsage(path.join(root, "node_modules"))],
    ["disk: .venv", diskUsage(path.join(root, ".venv"))],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  for (const [name, value] of rows) console.log(`${name.padEnd(width)}  ${value}`);
}

try {
  main();
} catch (error) {
  console.error(`doctor: ${(error as Error).message}`);
  process.exit(1);
}
