import { execFileSync } from "child_process";
import { readFileSync } from "fs";
import * as os from "os";
import * as path from "path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { cacheRoot, displayPath } from "../src/cache";

const test = suite("cache root and displayed paths");

const ROOT = path.resolve(__dirname, "..");
const HOME_CACHE = path.join(os.homedir(), ".cache", "cnn-chapter4");

test("CNN_CACHE_DIR wins over XDG_CACHE_HOME", () => {
  assert.is(cacheRoot({ CNN_CACHE_DIR: "/srv/cnn", XDG_CACHE_HOME: "/xdg" }), "/srv/cnn");
});

test("an empty or blank CNN_CACHE_DIR counts as unset", () => {
  assert.is(cacheRoot({ CNN_CACHE_DIR: "", XDG_CACHE_HOME: "/xdg" }), "/xdg/cnn-chapter4");
  assert.is(cacheRoot({ CNN_CACHE_DIR: " \t" }), HOME_CACHE);
});

test("XDG_CACHE_HOME gets a cnn-chapter4 folder", () => {
  assert.is(cacheRoot({ XDG_CACHE_HOME: "/xdg" }), "/xdg/cnn-chapter4");
});

test("an empty XDG_CACHE_HOME counts as unset", () => {
  assert.is(cacheRoot({ XDG_CACHE_HOME: "" }), HOME_CACHE);
});

test("without either, ~/.cache/cnn-chapter4", () => {
  assert.is(cacheRoot({}), HOME_CACHE);
});

test("a relative CNN_CACHE_DIR counts from the working folder", () => {
  assert.is(cacheRoot({ CNN_CACHE_DIR: "build/cache/" }), path.join(process.cwd(), "build", "cache"));
  assert.is(cacheRoot({ XDG_CACHE_HOME: "xdg" }), path.join(process.cwd(), "xdg", "cnn-chapter4"));
});

/** The cache root as scripts/cache-dir.sh computes it, with exactly `env` (and HOME) set. */
function shellCacheRoot(env: Record<string, string>): string {
  const script = `source "${path.join(ROOT, "scripts", "cache-dir.sh")}" && cnn_cache_dir`;
  return execFileSync("bash", ["--norc", "-euc", script], { stdio: ["ignore", "pipe", "pipe"], env: { PATH: process.env.PATH, HOME: os.homedir(), ...env }, encoding: "utf8", timeout: 60_000 }).trim();
}

test("the set-up scripts' shell rule gives the same folder as cacheRoot() for every rule", () => {
  const environments: Record<string, string>[] = [
    { CNN_CACHE_DIR: "/srv/cnn", XDG_CACHE_HOME: "/xdg" },
    { CNN_CACHE_DIR: "", XDG_CACHE_HOME: "/xdg" },
    { CNN_CACHE_DIR: "  ", XDG_CACHE_HOME: "" },
    { XDG_CACHE_HOME: "/xdg/" },
    { XDG_CACHE_HOME: "" },
    {},
    { CNN_CACHE_DIR: "build/../cache/" },
    { CNN_CACHE_DIR: "/srv/with space" },
  ];
  for (const env of environments) {
    assert.is(shellCacheRoot(env), cacheRoot(env), JSON.stringify(env));
  }
});

test("scripts/setup.sh and bench/python/setup.sh take their CACHE_DIR from that shell rule", () => {
  for (const script of ["scripts/setup.sh", "bench/python/setup.sh"]) {
    const text = readFileSync(path.join(ROOT, script), "utf8");
    assert.match(text, /^source "\$ROOT\/scripts\/cache-dir\.sh"$/m, script);
    assert.match(text, /^CACHE_DIR="\$\(cnn_cache_dir\)"$/m, script);
    assert.is(text.match(/^\s*CACHE_DIR=/gm)?.length, 1, `${script} sets CACHE_DIR once`);
  }
});

test("displayPath: under the home folder as ~/..., the home folder as ~", () => {
  assert.is(displayPath("/home/ada/.cache/cnn-chapter4/weights", "/home/ada"), "~/.cache/cnn-chapter4/weights");
  assert.is(displayPath("/home/ada", "/home/ada"), "~");
  assert.is(displayPath("/home/ada/", "/home/ada"), "~");
  assert.is(displayPath("/home/ada/..notes", "/home/ada"), "~/..notes");
});

test("displayPath: outside the home folder unchanged, also a sibling whose name starts with the home folder's", () => {
  assert.is(displayPath("/srv/data", "/home/ada"), "/srv/data");
  assert.is(displayPath("/home/adam/file", "/home/ada"), "/home/adam/file");
  assert.is(displayPath("/home", "/home/ada"), "/home");
});

test.run();
