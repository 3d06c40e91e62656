/**
 * The README's main command, `npm start`, as a reader runs it (as root in containers and CI,
 * as a normal user elsewhere): JupyterLab comes up, prints its address, and offers the
 * TypeScript kernel; it does not ask to fetch Jupyter news, and its own HTML export
 * (File > Save and Export Notebook As > HTML) loads nothing from the network.
 */
import * as path from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { freePort, startJupyterServer } from "./jupyter-server";

const root = path.resolve(__dirname, "../..");

/** A script or linked resource the page would fetch from another host. */
const REMOTE_RESOURCE = /<script\b[^>]*\bsrc\s*=\s*["']?\s*(?:https?:)?\/\/[^>]*>|<link\b[^>]*\bhref\s*=\s*["']?\s*(?:https?:)?\/\/[^>]*>/gi;

interface PluginSettings {
  schema: { properties: Record<string, { default?: unknown }> };
}

interface KernelSpecs {
  kernelspecs: Record<string, { spec: { language: string; argv: string[] } }>;
}

test("`npm start` serves JupyterLab with the tslab TypeScript kernel, no news pop-up and an offline HTML export; stopping its process group leaves nothing running", async () => {
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

    const headers = { Authorization: `token ${server.token}` };
    const notifications = await fetch(`${server.baseUrl}lab/api/settings/@jupyterlab/apputils-extension:notification`, { headers, signal: AbortSignal.timeout(60_000) });
    assert.is(notifications.status, 200);
    const { schema } = (await notifications.json()) as PluginSettings;
    assert.is(schema.properties.fetchNews.default, "false", "JupyterLab would ask whether to fetch Jupyter news");

    const exported = await fetch(`${server.baseUrl}nbconvert/html/4.1-cnn-introduction.ipynb?download=false`, { headers, signal: AbortSignal.timeout(120_000) });
    assert.is(exported.status, 200);
    const page = await exported.text();
    assert.match(page, /<h1[^>]*>4\.1 /, "the export is the notebook's page");
    assert.equal(page.match(REMOTE_RESOURCE) ?? [], [], "JupyterLab's HTML export loads these from the network");
  } finally {
    killed = await server.stop();
  }
  assert.equal(killed, [], "processes that ignored SIGTERM");
});

test.run();
