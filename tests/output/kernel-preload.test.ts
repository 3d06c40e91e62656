/**
 * Which zeromq the kernel's preload fixes, and that importing the package fixes nothing itself
 * (the kernel installs the fix at start: src/output/kernel-preload.ts).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { kernelZeromqPath } from "../../src/output/kernel-sends";

const root = path.resolve(__dirname, "../..");
const projectZeromq = require.resolve("zeromq", { paths: [root] });

function withFolder(run: (dir: string) => void): void {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "cnn-preload-")));
  try {
    run(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function writeFile(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

test("outside any project the kernel's zeromq is the one beside the tslab that was started", () => {
  withFolder((dir) => {
    assert.is(kernelZeromqPath(dir, path.join(root, "node_modules/.bin/tslab")), projectZeromq);
  });
});

test("in the project (or a folder linking its node_modules) it is the project's zeromq", () => {
  withFolder((dir) => {
    fs.symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"), "dir");
    fs.mkdirSync(path.join(dir, "notebooks"));
    assert.is(kernelZeromqPath(path.join(dir, "notebooks"), "/elsewhere/bin/tslab"), projectZeromq);
  });
  assert.is(kernelZeromqPath(path.join(root, "notebooks"), "/elsewhere/bin/tslab"), projectZeromq);
});

test("in another project with its own tslab it is that project's zeromq, which tslab hands the kernel to", () => {
  withFolder((dir) => {
    writeFile(path.join(dir, "node_modules/tslab/dist/main.js"), "");
    writeFile(path.join(dir, "node_modules/zeromq/package.json"), JSON.stringify({ name: "zeromq", main: "lib/index.js" }));
    writeFile(path.join(dir, "node_modules/zeromq/lib/index.js"), "");
    const expected = path.join(dir, "node_modules/zeromq/lib/index.js");
    assert.is(kernelZeromqPath(path.join(dir, "notebooks/chapter"), path.join(root, "node_modules/.bin/tslab")), expected);
  });
});

test("importing the package neither loads zeromq nor changes its sockets' send", () => {
  const check = [
    'require("./src");',
    "const loaded = Object.keys(require.cache).some((file) => /[\\\\/]zeromq[\\\\/]/.test(file));",
    'const zeromq = require("zeromq");',
    "const own = [zeromq.Publisher, zeromq.Router].some((socket) => Object.prototype.hasOwnProperty.call(socket.prototype, 'send'));",
    "console.log(JSON.stringify({ loaded, own }));",
  ].join("\n");
  const output = execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", check], {
    cwd: root,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: "2" },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 120_000,
  });
  assert.equal(JSON.parse(output.trim().split("\n").pop() as string), { loaded: false, own: false });
});

test.run();
