/**
 * The README's main command, `npm start`, as a reader runs it (as root in containers and CI,
 * as a normal user elsewhere): JupyterLab comes up, prints its address, and offers the
 * TypeScript kernel.
 */
import * as path from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { freePort, startJupyterServer } from "./jupyter-server";

const root = path.resolve(__dirname, "../..");

interface KernelSpecs {
  kernelspecs: Record<string, { spec: { language: string; argv: string[] } }>;
}

test("`npm start` serves JupyterLab with the tslab TypeScript kernel, and stopping its process group leaves nothing running", async () => {
  const port = await freePort();
  const server = await startJupyterServer("npm", ["start", "--", "--port", String(port), "--no-browser"], { cwd: root });
  let killed: string[];
  try {
    assert.is(server.baseUrl, `http://127.0.0.1:${port}/`);
    const asRoot = process.geteuid?.() === 0;
    assert.is(/Running as root, so with --allow-root/.test(server.output()), asRoot, `start-up line:\n${server.output()}`);

    // A hang guard: a server that accepts the request but never answers fails the test.
    const response = await fetch(`${server.baseUrl}api/kernelspecs?token=${server.token}`, { signal: AbortSignal.timeout(60_000) });
    assert.is(response.status, 200);
    const { kernelspecs } = (await response.json()) as KernelSpecs;
    assert.ok(kernelspecs.tslab, `kernels offered: ${Object.keys(kernelspecs).join(", ")}`);
    assert.is(kernelspecs.tslab.spec.language, "typescript");
    // The project's tslab, with the kernel's output fix loaded before any cell runs.
    assert.equal(kernelspecs.tslab.spec.argv.slice(0, 4), [
      "node",
      "--require",
      path.join(root, "dist", "output", "kernel-preload.js"),
      path.join(root, "node_modules", "tslab", "bin", "tslab"),
    ]);
  } finally {
    killed = await server.stop();
  }
  assert.equal(killed, [], "processes that ignored SIGTERM");
});

test.run();
