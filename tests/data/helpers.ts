/** Shared by the data-layer tests: temporary folders, environment overrides, a loopback HTTP server. */
import { ChildProcess, execFileSync, spawn, spawnSync } from "child_process";
import { createHash } from "crypto";
import { chmodSync, promises as fs, mkdtempSync, rmSync, writeFileSync } from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import type { Callback, Test } from "uvu";
import type { Checksum } from "../../src/data";

const createdDirs: string[] = [];

/** A new empty folder under the system temp folder, removed at process exit. */
export function tempDir(prefix = "cnn-data-test-"): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  createdDirs.push(dir);
  return dir;
}

process.on("exit", () => {
  for (const dir of createdDirs) rmSync(dir, { recursive: true, force: true });
});

/** Runs `body` with environment variables set (a value of undefined unsets one), then restores them. */
export async function withEnv<T>(vars: Record<string, string | undefined>, body: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  apply(vars);
  try {
    return await body();
  } finally {
    apply(saved);
  }
}

/**
 * No data folder or download URL from the environment (CI sets CNN_DATA_DIR to
 * the real data), and a cache of the tests' own instead of the user's.
 */
export const CLEAN_ENV = {
  CNN_DATA_DIR: undefined,
  CNN_CACHE_DIR: tempDir("cnn-data-test-cache-"),
  CNN_MNIST_BASE_URL: undefined,
  CNN_CIFAR10_BASE_URL: undefined,
};

/** Resolves with the error `promise` rejects with; fails if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection, but the promise resolved");
}

/** Every file under `dir`, as paths relative to it (empty if `dir` does not exist). */
export async function listFiles(dir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await fs.readdir(dir, { recursive: true });
  } catch {
    return [];
  }
  const files: string[] = [];
  for (const entry of entries) {
    if ((await fs.stat(path.join(dir, entry))).isFile()) files.push(entry);
  }
  return files.sort();
}

export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export function md5(bytes: Uint8Array): string {
  return createHash("md5").update(bytes).digest("hex");
}

export const MNIST_FILE_NAMES = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"];

/** The SHA-256 checksums of the MNIST files in `folder`, for the loaders' `checksums` option. */
export async function mnistChecksums(folder: string): Promise<Record<string, Checksum>> {
  const entries = await Promise.all(
    MNIST_FILE_NAMES.map(async (file) => [file, { algorithm: "sha256" as const, digest: sha256(await fs.readFile(path.join(folder, file))) }]),
  );
  return Object.fromEntries(entries);
}

/** How the test server answers one path. */
export type Route =
  | { kind: "file"; body: Buffer }
  /** Announces the whole body, sends `sendBytes` of it, then drops the connection. */
  | { kind: "breaks-off"; body: Buffer; sendBytes: number }
  /** Announces the whole body, sends `sendBytes` of it, then sends nothing more until the server closes. */
  | { kind: "stalls"; body: Buffer; sendBytes: number }
  | { kind: "redirect"; location: string };

export interface TestServer {
  /** e.g. http://127.0.0.1:12345/ */
  url: string;
  /** Paths requested so far. */
  requests: string[];
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 (random port); unknown paths get 404. */
export async function startServer(routes: Record<string, Route>): Promise<TestServer> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const route = routes[req.url ?? ""];
    requests.push(req.url ?? "");
    if (route === undefined) {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
    } else if (route.kind === "redirect") {
      res.writeHead(302, { Location: route.location }).end();
    } else if (route.kind === "file") {
      res.writeHead(200, { "Content-Length": route.body.length }).end(route.body);
    } else if (route.kind === "stalls") {
      res.writeHead(200, { "Content-Length": route.body.length });
      res.write(route.body.subarray(0, route.sendBytes));
    } else {
      res.writeHead(200, { "Content-Length": route.body.length });
      res.write(route.body.subarray(0, route.sendBytes), () => res.destroy());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A loopback URL where nothing listens (a port that was just free). */
export async function unreachableUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/`;
}

function canWrite(dir: string): boolean {
  const probe = path.join(dir, ".write-probe");
  try {
    writeFileSync(probe, "");
    rmSync(probe);
    return true;
  } catch {
    return false;
  }
}

/**
 * How this machine makes a folder unwritable for this user: permission bits,
 * or (root ignores those) the immutable flag; null if neither works. Probed
 * once, synchronously, so tests can be registered as skipped.
 */
function probeUnwritable(): "chmod" | "chattr" | null {
  const dir = mkdtempSync(path.join(os.tmpdir(), "cnn-data-test-probe-"));
  try {
    chmodSync(dir, 0o555);
    const chmodWorks = !canWrite(dir);
    chmodSync(dir, 0o755);
    if (chmodWorks) return "chmod";
    try {
      execFileSync("chattr", ["+i", dir], { stdio: "ignore" });
    } catch {
      return null;
    }
    const chattrWorks = !canWrite(dir);
    execFileSync("chattr", ["-i", dir], { stdio: "ignore" });
    return chattrWorks ? "chattr" : null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const UNWRITABLE_METHOD = probeUnwritable();
export const CAN_MAKE_UNWRITABLE = UNWRITABLE_METHOD !== null;
export const UNWRITABLE_REQUIREMENT = "a folder this user cannot write to (permission bits, or chattr +i as root)";

/** Makes `dir` unwritable and returns the function that undoes it; only where CAN_MAKE_UNWRITABLE. */
export async function makeUnwritable(dir: string): Promise<() => Promise<void>> {
  if (UNWRITABLE_METHOD === "chmod") {
    await fs.chmod(dir, 0o555);
    return () => fs.chmod(dir, 0o755);
  }
  if (UNWRITABLE_METHOD === "chattr") {
    execFileSync("chattr", ["+i", dir], { stdio: "ignore" });
    return async () => {
      execFileSync("chattr", ["-i", dir], { stdio: "ignore" });
    };
  }
  throw new Error(`makeUnwritable: this machine cannot make ${dir} unwritable; register the test with testIf(CAN_MAKE_UNWRITABLE, ...)`);
}

/**
 * `test` when `enabled`, else uvu's `test.skip`, which the summary counts as
 * skipped, with one line saying what would enable the test.
 */
export function testIf<T>(test: Test<T>, enabled: boolean, enabledBy: string): (name: string, body: Callback<T>) => void {
  if (enabled) return test;
  let told = false;
  return (name, body) => {
    if (!told) console.log(`  skipping tests that need ${enabledBy}`);
    told = true;
    test.skip(name, body);
  };
}

/**
 * Resolves with `check()`'s first truthy result, checking every few
 * milliseconds; rejects, saying what was awaited, if `timeoutMs` passes first
 * (a bound against hanging, not a wait).
 */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | null | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result) return result;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The repository's root, where a child process can require ../src with ts-node. */
const REPO_ROOT = path.resolve(__dirname, "..", "..");

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface TsChild {
  process: ChildProcess;
  /** Resolves when the child has exited. */
  exited: Promise<ChildResult>;
}

/**
 * Runs `script` (JavaScript that may require("./src/...")) in a new Node
 * process at the repository's root, with ts-node, the given environment
 * (added to this one's; undefined unsets) and, if set, another user's ids;
 * killed with SIGKILL after `timeoutMs` so that a hang fails the test.
 */
export function startTsChild(
  script: string,
  options: { env?: Record<string, string | undefined>; uid?: number; gid?: number; timeoutMs?: number } = {},
): TsChild {
  const env: Record<string, string | undefined> = { ...process.env, TS_NODE_TRANSPILE_ONLY: "true", ...options.env };
  for (const name of Object.keys(env)) if (env[name] === undefined) delete env[name];
  const child = spawn(process.execPath, ["-r", "ts-node/register", "-e", script], {
    cwd: REPO_ROOT,
    env: env as NodeJS.ProcessEnv,
    uid: options.uid,
    gid: options.gid,
    timeout: options.timeoutMs ?? 120_000,
    killSignal: "SIGKILL",
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk) => (stdout += chunk));
  child.stderr?.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<ChildResult>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { process: child, exited };
}

/**
 * Root ignores permission bits, so tests that need a permission error run
 * their code in a child process under the unprivileged user "nobody"; null if
 * this process is root but cannot start one.
 */
function probeUnprivileged(): { uid?: number; gid?: number } | null {
  if (process.getuid?.() !== 0) return {};
  const ids = { uid: 65534, gid: 65534 };
  const probe = spawnSync(process.execPath, ["-e", "process.exit(process.getuid() === 65534 ? 0 : 1)"], { ...ids, stdio: "ignore" });
  return probe.status === 0 ? ids : null;
}

/** The user ids for a child that permission bits apply to: this user's (if not root) or nobody's. */
export const UNPRIVILEGED_IDS = probeUnprivileged();
export const UNPRIVILEGED_REQUIREMENT = "a user that permission bits apply to (not root, or root able to start a process as nobody)";

/** The pid of a process that has ended. */
export function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", ""], { stdio: "ignore" });
  if (child.pid === undefined || child.status !== 0) throw new Error("deadPid: could not run a child process");
  return child.pid;
}
