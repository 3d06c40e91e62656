/**
 * A write that fails midway leaves the previous file byte for byte and no temporary file:
 * writeFileAtomic (src/cache.ts) and the three writers built on it, weights files
 * (src/training/weights-file.ts), airbench's run records (src/recipes/airbench/runs.ts) and
 * ablation results (src/recipes/airbench/ablation-results.ts). The failures are made through
 * the writers' real inputs and the filesystem, never through a hook in src/:
 * - data that cannot be serialised (a cycle, a BigInt, a disposed model's values);
 * - the disk write throwing: the temporary file's name leads to /dev/full (ENOSPC, as on a
 *   full disk); a file-size limit (RLIMIT_FSIZE) that stops the write after its first 16 KiB
 *   (EFBIG); a folder this user may not write to;
 * - the rename failing: the previous file is immutable (chattr +i, as root).
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { writeFileAtomic } from "../src/cache";
import { readAblationResults, writeAblationResults, type AblationResults } from "../src/recipes/airbench/ablation-results";
import { readAirbenchRuns, recordAirbenchRun, type AirbenchRunRecord } from "../src/recipes/airbench/runs";
import { readWeightsFile, saveWeights } from "../src/training/weights-file";
import { CAN_MAKE_UNWRITABLE, makeUnwritable, testIf, UNWRITABLE_REQUIREMENT } from "./data/helpers";
import { tinyModel } from "./training/fixtures";

const ROOT = path.resolve(__dirname, "..");
const folders: string[] = [];

function scratchFolder(): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "cnn-atomic-write-"));
  folders.push(folder);
  return folder;
}

process.on("exit", () => {
  for (const folder of folders) fs.rmSync(folder, { recursive: true, force: true });
});

/** The files in `folder`: after a failed write, only the previous file. */
const filesIn = (folder: string) => fs.readdirSync(folder).sort();

/** The temporary file writeFileAtomic writes `file` through, in this process (`${file}.${pid}.tmp`). */
const temporaryOf = (file: string) => `${file}.${process.pid}.tmp`;

/**
 * Makes the next write of `file` in this process fail on the disk with ENOSPC: its temporary
 * file's name is a link to /dev/full. Whether the writer went through that temporary file
 * shows in the error (a writer that wrote `file` directly would succeed).
 */
function fullDiskFor(file: string): void {
  fs.symlinkSync("/dev/full", temporaryOf(file));
}

/** Runs `write`, which must throw; the error. */
function failure(write: () => void, what: string): NodeJS.ErrnoException {
  try {
    write();
  } catch (error) {
    return error as NodeJS.ErrnoException;
  }
  throw new Error(`${what}: the write succeeded, but it should have failed`);
}

/** `file` is exactly `before`, and the folder holds nothing else. */
function assertUntouched(file: string, before: Buffer, what: string): void {
  assert.ok(fs.readFileSync(file).equals(before), `${what}: the previous file changed`);
  assert.equal(filesIn(path.dirname(file)), [path.basename(file)], `${what}: a temporary file was left`);
}

const run = (seed: number, testAccuracy: number): AirbenchRunRecord => ({
  name: "recipe",
  seed,
  epochs: 8,
  trainSeconds: 600,
  msPerStep: 190,
  testAccuracy,
  testAccuracyTta: testAccuracy + 0.01,
  peakResidentMiB: 900,
  command: "npm run train -- --model airbench --record recipe",
  finishedAt: "2026-01-01T00:00:00.000Z",
  cpuClass: "AVX2",
  machine: "test machine",
});

// Every field an epoch's record has had (a variable, not a literal in place, so that either form of the type takes it).
const ablationEpoch = { epoch: 1, steps: 49, seconds: 100, trainCost: 1.3, trainAccuracy: 0.75, testAccuracy: 0.8 };

const ablation: AblationResults = {
  command: "npm run ablation -- --epochs 1",
  startedAt: "2026-01-01T00:00:00.000Z",
  finishedAt: "2026-01-01T01:00:00.000Z",
  epochs: 1,
  seed: 42,
  evaluatedOn: "test",
  validationSet: null,
  blockWidths: [64, 192, 192],
  batchSize: 1024,
  trainSet: "cifar10-train:test",
  testSet: "cifar10-test:test",
  machine: "test machine",
  runs: [{ removed: null, seed: 42, precision: "float32", testAccuracy: 0.8, testAccuracyTta: 0.81, trainSeconds: 100, epochs: [ablationEpoch] }],
};

/** A writer of one kind of file: how to make a previous file, and how to write over it. */
interface Writer {
  name: string;
  /** Writes the previous file into a new folder; its path. */
  previous(): string;
  /** Writes `file` again, with good data. */
  write(file: string): void;
  /** Writes `file` again with data that cannot be serialised. */
  writeUnserialisable(file: string): void;
}

const writers: Writer[] = [
  {
    name: "writeFileAtomic",
    previous() {
      const file = path.join(scratchFolder(), "data.bin");
      writeFileAtomic(file, Buffer.from("the previous contents\n"));
      return file;
    },
    write: (file) => writeFileAtomic(file, Buffer.alloc(64 * 1024, 7)),
    // Its callers serialise; a value that is neither a string nor bytes is refused before anything is written.
    writeUnserialisable: (file) => writeFileAtomic(file, { length: 3 } as unknown as Uint8Array),
  },
  {
    name: "saveWeights (weights files)",
    previous() {
      const file = path.join(scratchFolder(), "tiny.weights");
      const model = tinyModel(1);
      saveWeights(model, file, { key: { seed: 1 } });
      model.dispose();
      return file;
    },
    write(file) {
      const model = tinyModel(2);
      try {
        saveWeights(model, file, { key: { seed: 2 } });
      } finally {
        model.dispose();
      }
    },
    writeUnserialisable(file) {
      // A model whose values are gone: reading them throws while the file's bytes are gathered.
      const model = tinyModel(3);
      model.dispose();
      saveWeights(model, file, { key: { seed: 3 } });
    },
  },
  {
    name: "recordAirbenchRun (results/airbench-runs.json)",
    previous() {
      const file = path.join(scratchFolder(), "airbench-runs.json");
      recordAirbenchRun(run(42, 0.9), file);
      return file;
    },
    write: (file) => recordAirbenchRun(run(7, 0.91), file),
    // A BigInt in an extra field passes the record's checks but not JSON.stringify.
    writeUnserialisable: (file) => recordAirbenchRun({ ...run(8, 0.92), note: 1n } as AirbenchRunRecord, file),
  },
  {
    name: "writeAblationResults (results/airbench-ablation.json)",
    previous() {
      const file = path.join(scratchFolder(), "airbench-ablation.json");
      writeAblationResults(ablation, file);
      return file;
    },
    write: (file) => writeAblationResults({ ...ablation, epochs: 2 }, file),
    writeUnserialisable(file) {
      const cyclic = { ...ablation, runs: [...ablation.runs] } as AblationResults & { self?: unknown };
      cyclic.self = cyclic;
      writeAblationResults(cyclic, file);
    },
  },
];

/** The previous file is still what its reader accepts. */
function assertStillReadable(file: string): void {
  if (file.endsWith(".weights")) readWeightsFile(file);
  else if (file.endsWith("airbench-runs.json")) assert.is(readAirbenchRuns(file).length, 1);
  else if (file.endsWith("airbench-ablation.json")) readAblationResults(file);
}

test("each writer, given good data, replaces the previous file and leaves no temporary file (the baseline for the failures below)", () => {
  for (const writer of writers) {
    const file = writer.previous();
    const before = fs.readFileSync(file);
    writer.write(file);
    assert.not.ok(fs.readFileSync(file).equals(before), `${writer.name}: the file was not replaced`);
    assert.equal(filesIn(path.dirname(file)), [path.basename(file)], `${writer.name}: a temporary file was left`);
  }
});

test("data that cannot be serialised: the write fails, the previous file stays byte for byte, no temporary file", () => {
  for (const writer of writers) {
    const file = writer.previous();
    const before = fs.readFileSync(file);
    const error = failure(() => writer.writeUnserialisable(file), writer.name);
    assert.instance(error, Error, writer.name);
    assertUntouched(file, before, writer.name);
    assertStillReadable(file);
  }
});

test("the disk write fails (ENOSPC, a full disk): the error comes through, the previous file stays byte for byte, no temporary file", () => {
  for (const writer of writers) {
    const file = writer.previous();
    const before = fs.readFileSync(file);
    fullDiskFor(file);
    const error = failure(() => writer.write(file), writer.name);
    assert.is(error.code, "ENOSPC", `${writer.name}: ${error.message}`);
    assertUntouched(file, before, writer.name);
    assertStillReadable(file);
  }
});

test("the disk write stops after its first 16 KiB (a file-size limit, EFBIG): the previous file stays byte for byte, no temporary file", () => {
  const folder = scratchFolder();
  const file = path.join(folder, "data.bin");
  const before = Buffer.from("the previous contents\n");
  fs.writeFileSync(file, before);
  // In a child whose file-size limit (bash's ulimit -f, in KiB) lets the temporary file grow to 16 KiB of 64:
  // the kernel writes that much, then refuses the rest (EFBIG; SIGXFSZ is ignored so the process lives to report it).
  const script = [
    'process.on("SIGXFSZ", () => {});',
    'const { writeFileAtomic } = require("./src/cache");',
    "try {",
    "  writeFileAtomic(process.env.FILE, Buffer.alloc(64 * 1024, 7));",
    '  console.log("written");',
    "} catch (error) {",
    "  console.log(error.code);",
    "}",
  ].join("\n");
  const child = spawnSync("bash", ["-c", 'ulimit -f 16 && exec "$0" -r ts-node/register/transpile-only -e "$1"', process.execPath, script], {
    cwd: ROOT,
    env: { ...process.env, FILE: file },
    encoding: "utf8",
    // A hang guard, far above a busy machine's time to start node with ts-node.
    timeout: 120_000,
    killSignal: "SIGKILL",
  });
  assert.is(child.status, 0, `the child ended with ${child.status ?? child.signal}:\n${child.stdout}\n${child.stderr}`);
  assert.is(child.stdout.trim(), "EFBIG", child.stderr);
  assertUntouched(file, before, "a write stopped by the file-size limit");
});

testIf(test, CAN_MAKE_UNWRITABLE, UNWRITABLE_REQUIREMENT)(
  "a folder this user may not write to: the write fails, the previous file stays byte for byte, no temporary file",
  async () => {
    for (const writer of writers) {
      const file = writer.previous();
      const before = fs.readFileSync(file);
      const restore = await makeUnwritable(path.dirname(file));
      try {
        const error = failure(() => writer.write(file), writer.name);
        assert.ok(error.code === "EACCES" || error.code === "EPERM", `${writer.name}: ${error.message}`);
      } finally {
        await restore();
      }
      assertUntouched(file, before, writer.name);
    }
  },
);

/** Whether this user can make a file immutable (chattr +i needs root and a filesystem that has the flag), so that a rename over it fails. */
function canMakeImmutable(): boolean {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "cnn-atomic-write-probe-"));
  const file = path.join(folder, "file");
  try {
    fs.writeFileSync(file, "");
    execFileSync("chattr", ["+i", file], { stdio: "ignore" });
  } catch {
    fs.rmSync(folder, { recursive: true, force: true });
    return false;
  }
  try {
    fs.writeFileSync(`${file}.new`, "");
    fs.renameSync(`${file}.new`, file);
    return false;
  } catch {
    return true;
  } finally {
    execFileSync("chattr", ["-i", file], { stdio: "ignore" });
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

testIf(test, canMakeImmutable(), "an immutable file (chattr +i: root, on a filesystem with the flag)")(
  "the rename fails (the previous file is immutable): the temporary file was written whole, yet the previous file stays byte for byte and the temporary file goes",
  () => {
    for (const writer of writers) {
      const file = writer.previous();
      const before = fs.readFileSync(file);
      execFileSync("chattr", ["+i", file]);
      try {
        const error = failure(() => writer.write(file), writer.name);
        assert.is(error.code, "EPERM", `${writer.name}: ${error.message}`);
        assert.is(error.syscall, "rename", `${writer.name}: the failure came from ${error.syscall}, not from the rename`);
      } finally {
        execFileSync("chattr", ["-i", file]);
      }
      assertUntouched(file, before, writer.name);
      assertStillReadable(file);
    }
  },
);

test.run();
