import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { compiledPackageProblem } from "./compiled-package";

/** A minimal project: two sources, their outputs one second newer, the configs and the package link. */
function builtProject(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "cnn-compiled-"));
  const sourceTime = new Date(Date.now() - 60_000);
  const buildTime = new Date(sourceTime.getTime() + 1000);
  const write = (file: string, time: Date) => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), "");
    fs.utimesSync(path.join(root, file), time, time);
  };
  for (const file of ["src/index.ts", "src/training/train.ts", "src/types.d.ts", "tsconfig.json", "tsconfig.build.json"]) write(file, sourceTime);
  for (const file of ["dist/index.js", "dist/training/train.js"]) write(file, buildTime);
  fs.mkdirSync(path.join(root, "node_modules"));
  fs.symlinkSync("..", path.join(root, "node_modules/cnn-chapter4"));
  return root;
}

function touch(file: string): void {
  const now = new Date();
  fs.utimesSync(file, now, now);
}

test("a dist/ built after its sources is current", () => {
  const root = builtProject();
  try {
    assert.is(compiledPackageProblem(root), undefined);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test("a source edited after the build, a missing output, a changed tsconfig or a missing package link make dist/ stale", () => {
  const cases: [string, (root: string) => void, RegExp][] = [
    ["edited source", (root) => touch(path.join(root, "src/training/train.ts")), /src\/training\/train\.ts changed after dist\/ was built/],
    ["missing output", (root) => fs.rmSync(path.join(root, "dist/training/train.js")), /dist\/training\/train\.js is missing/],
    ["changed tsconfig", (root) => touch(path.join(root, "tsconfig.build.json")), /tsconfig\.build\.json changed after dist\/ was built/],
    ["no package link", (root) => fs.rmSync(path.join(root, "node_modules/cnn-chapter4")), /node_modules\/cnn-chapter4/],
  ];
  for (const [what, change, expected] of cases) {
    const root = builtProject();
    try {
      change(root);
      assert.match(compiledPackageProblem(root) ?? "", expected, what);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  }
});

test.run();
