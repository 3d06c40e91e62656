/**
 * Starts a Jupyter server for a test and stops everything it started. The server runs in its
 * own process group; kernels start in sessions of their own, so what is left after stopping is
 * found by a marker in the environment every process started from the server inherits.
 */
import { ChildProcess, spawn } from "child_process";
import * as net from "net";
import { processesMarked, waitUntil } from "../wait";

const ADDRESS = /http:\/\/127\.0\.0\.1:(\d+)\/lab\?token=([0-9a-f]+)/;
const MARKER_VARIABLE = "CNN_TEST_JUPYTER_SERVER";

export interface JupyterServer {
  /** e.g. http://127.0.0.1:8891/ */
  baseUrl: string;
  token: string;
  /** What the server printed so far (stdout and stderr). */
  output(): string;
  /**
   * Stops the process group with SIGTERM (Jupyter then shuts its kernels down) and waits for
   * every process started from the server to end. Returns the command lines of those that did
   * not end within the grace period and had to be killed.
   */
  stop(): Promise<string[]>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** What is still running of the processes marked with `marker`, once they are gone or after `ms`. */
async function waitUntilGone(marker: string, ms: number): Promise<Map<number, string>> {
  await waitUntil(() => processesMarked(MARKER_VARIABLE, marker).size === 0, ms, "", 200).catch(() => undefined);
  return processesMarked(MARKER_VARIABLE, marker);
}

/**
 * Runs `command args` (a command that ends up running a Jupyter server) in a new process group
 * and resolves once it prints its http://127.0.0.1:PORT/lab?token=… address. Rejects, after
 * stopping it, if it exits or prints no address within `startupMs`.
 */
export async function startJupyterServer(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; startupMs?: number },
): Promise<JupyterServer> {
  const marker = `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const child: ChildProcess = spawn(command, args, {
    cwd: options.cwd,
    env: { ...(options.env ?? process.env), [MARKER_VARIABLE]: marker },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let printed = "";
  child.stdout?.on("data", (chunk: Buffer) => (printed += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (printed += chunk.toString()));

  let stopped: Promise<string[]> | undefined;
  const stop = (): Promise<string[]> => {
    stopped ??= (async () => {
      try {
        process.kill(-(child.pid as number), "SIGTERM");
      } catch {
        // The group has ended already.
      }
      const survivors = await waitUntilGone(marker, 20_000);
      for (const pid of survivors.keys()) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // Ended meanwhile.
        }
      }
      const unkillable = await waitUntilGone(marker, 5_000);
      if (unkillable.size > 0) throw new Error(`processes still running after SIGKILL: ${[...unkillable.values()].join("; ")}`);
      return [...survivors.values()];
    })();
    return stopped;
  };

  const startupMs = options.startupMs ?? 120_000;
  const address = await new Promise<RegExpExecArray | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), startupMs);
    const check = () => {
      const match = ADDRESS.exec(printed);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    };
    child.stdout?.on("data", check);
    child.stderr?.on("data", check);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(ADDRESS.exec(printed) ?? undefined);
    });
    child.once("error", (error) => {
      printed += `${error.message}\n`;
      clearTimeout(timer);
      resolve(undefined);
    });
  });
  if (!address) {
    await stop();
    throw new Error(`\`${command} ${args.join(" ")}\` printed no http://127.0.0.1:PORT/lab?token=… address within ${startupMs / 1000} s. It printed:\n${printed}`);
  }
  return { baseUrl: `http://127.0.0.1:${address[1]}/`, token: address[2], output: () => printed, stop };
}
