/**
 * Bounded waits for tests: child processes and conditions. A lost message or a process that
 * never ends then fails its test, saying what it waited for, instead of hanging the run.
 * The bounds are hang guards, not speed checks: set them many times above a busy machine's time.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import type { Callback, Test } from "uvu";

/**
 * Whether this is the full suite, `npm run test:all` (it sets CNN_TEST_ALL=1), rather than
 * `npm test`'s fast one. The full suite adds what takes minutes and proves what the fast one
 * does again in another setting: the Korean notebooks run twice, JupyterLab in Chromium, the
 * HTML exports, the numerics tests with oneDNN off, a kernel without the output fix.
 */
export const FULL_SUITE = process.env.CNN_TEST_ALL === "1";

/**
 * `test` in the full suite; in the fast suite the test is registered as skipped (uvu counts it
 * in "Skipped"), and the file prints once which command runs it.
 */
export function fullSuiteTest<T>(test: Test<T>, file: string): (name: string, body: Callback<T>) => void {
  if (FULL_SUITE) return test;
  let told = false;
  return (name, body) => {
    if (!told) console.log(`  ${file}: skipping the full suite's tests; \`npm run test:all\` runs them`);
    told = true;
    test.skip(name, body);
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

/** `promise`'s outcome, or an error "`what` within N s" once `ms` have passed. */
export async function withDeadline<T>(promise: Promise<T>, ms: number, what: string | (() => string)): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${typeof what === "function" ? what() : what} within ${seconds(ms)}`)), ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Checks `condition` every `everyMs` until it holds; throws "`what` within N s" after `ms`. */
export async function waitUntil(condition: () => boolean | Promise<boolean>, ms: number, what: string | (() => string), everyMs = 20): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${typeof what === "function" ? what() : what} within ${seconds(ms)}`);
    await sleep(everyMs);
  }
}

/** Processes (pid → command line) whose environment has `variable=value`, read from /proc. */
export function processesMarked(variable: string, value: string): Map<number, string> {
  const found = new Map<number, string>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!fs.readFileSync(`/proc/${entry}/environ`, "utf8").split("\0").includes(`${variable}=${value}`)) continue;
      found.set(Number(entry), fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ").trim());
    } catch {
      // The process ended while being read, or belongs to another user.
    }
  }
  return found;
}

function signal(pids: Iterable<number>, name: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, name);
    } catch {
      // Ended meanwhile.
    }
  }
}

export interface Finished {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const CHILD_MARKER = "CNN_TEST_CHILD";
let children = 0;

/**
 * Runs `command args` to its end: its exit status and output. If it has not ended within
 * `timeoutMs`, it and every process started from it are ended (found by a marker in the
 * environment they inherit: Jupyter starts kernels in sessions of their own) and this throws,
 * with the end of what it printed.
 */
export async function runProcess(
  command: string,
  args: string[],
  options: { timeoutMs: number; cwd?: string; env?: NodeJS.ProcessEnv },
): Promise<Finished> {
  const marker = `${process.pid}-${++children}-${Date.now()}`;
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...(options.env ?? process.env), [CHILD_MARKER]: marker },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const ended = new Promise<Finished>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (status, name) => resolve({ status, signal: name, stdout, stderr }));
  });
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, options.timeoutMs, undefined)));
  const finished = await Promise.race([ended, expired]).finally(() => clearTimeout(timer));
  if (finished) return finished;
  const started = () => processesMarked(CHILD_MARKER, marker);
  signal(started().keys(), "SIGTERM");
  await waitUntil(() => started().size === 0, 10_000, "").catch(() => signal(started().keys(), "SIGKILL"));
  await withDeadline(ended, 10_000, "").catch(() => undefined);
  const tail = `${stdout}\n${stderr}`.trim().split("\n").slice(-20).join("\n");
  throw new Error(`\`${[command, ...args].join(" ")}\` did not end within ${seconds(options.timeoutMs)}, so it was stopped. Its last lines:\n${tail}`);
}
