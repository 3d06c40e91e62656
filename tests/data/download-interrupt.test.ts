/**
 * Ctrl-C during a download, and what killed downloads leave behind: the
 * partial file (`NAME.part-PID`) and CIFAR-10's temporary folder
 * (`.cifar-10-batches-bin.extracting-PID`, which also holds the archive).
 */
import { promises as fs } from "fs";
import * as path from "path";
import * as tar from "tar";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Checksum, DatasetError, loadCifar10, loadMnist, writeTinyDatasets } from "../../src/data";
import { CLEAN_ENV, deadPid, listFiles, md5, MNIST_FILE_NAMES, rejection, sha256, startServer, startTsChild, tempDir, TestServer, TsChild, waitFor, withEnv } from "./helpers";

const test = suite("interrupted downloads leave nothing behind");

const ARCHIVE = "cifar-10-binary.tar.gz";
const STAGING_PREFIX = ".cifar-10-batches-bin.extracting-";
/** What the stalling routes send before they stop sending. */
const SENT_BYTES = 1000;

let server: TestServer;
let mnistChecksums: Record<string, Checksum>;
let cifarChecksums: Record<string, Checksum>;

test.before(async () => {
  const source = tempDir();
  await writeTinyDatasets(source, { mnistTrain: 30, mnistTest: 10, cifarTrain: 10, cifarTest: 5 });
  await tar.c({ gzip: true, file: path.join(source, ARCHIVE), cwd: source }, ["cifar-10-batches-bin"]);
  const archive = await fs.readFile(path.join(source, ARCHIVE));
  const routes: Parameters<typeof startServer>[0] = {
    [`/cifar/${ARCHIVE}`]: { kind: "file", body: archive },
    // Its first SENT_BYTES arrive, the rest never does.
    [`/stalls/${ARCHIVE}`]: { kind: "stalls", body: archive, sendBytes: SENT_BYTES },
  };
  mnistChecksums = {};
  for (const file of MNIST_FILE_NAMES) {
    const body = await fs.readFile(path.join(source, "mnist", file));
    mnistChecksums[file] = { algorithm: "sha256", digest: sha256(body) };
    routes[`/mnist/${file}`] = { kind: "file", body };
    routes[`/stalls/${file}`] = { kind: "stalls", body, sendBytes: Math.min(SENT_BYTES, body.length - 1) };
  }
  cifarChecksums = { [ARCHIVE]: { algorithm: "md5", digest: md5(archive) } };
  server = await startServer(routes);
});

test.after(async () => {
  await server.close();
});

/** The partial download files of process `pid` under `dir` that have received data. */
async function partsWithData(dir: string, pid: number): Promise<string[]> {
  const parts = (await listFiles(dir)).filter((file) => file.endsWith(`.part-${pid}`));
  const sizes = await Promise.all(parts.map((file) => fs.stat(path.join(dir, file)).then((stat) => stat.size, () => 0)));
  return parts.filter((_, i) => sizes[i] > 0);
}

/**
 * Waits until a partial file of process `pid` under `dir` has received bytes
 * from the server (the download is under way) and returns its path relative
 * to `dir`; fails if `child`, the process downloading, ends first.
 */
async function downloadUnderWay(dir: string, pid: number, child?: TsChild): Promise<string> {
  let ended = false;
  void child?.exited.then(() => (ended = true), () => (ended = true));
  const found = await waitFor(`a partial file of pid ${pid} under ${dir} to receive data`, async () => {
    if (ended) return "ended";
    const parts = await partsWithData(dir, pid);
    return parts.length > 0 && parts[0];
  });
  if (found === "ended") {
    const { code, signal, stdout, stderr } = await child!.exited;
    assert.unreachable(`the child ended (code ${code}, signal ${signal}) before its download received data: ${stdout}${stderr}`);
  }
  return found;
}

/** Entries of `dir` (not recursive) whose names mark them as a download's temporaries. */
async function temporaries(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir).catch(() => [] as string[]);
  return entries.filter((name) => name.includes(".part-") || name.startsWith(STAGING_PREFIX));
}

/** Starts `loader` in a child process (the only SIGINT handler there is the download's own). */
function loadInChild(loader: "loadMnist" | "loadCifar10", cacheDir: string, baseUrl: string, checksums: Record<string, Checksum>) {
  return startTsChild(
    `require("./src/data").${loader}(JSON.parse(process.env.LOAD_OPTIONS))` +
      `.then(() => console.log("loaded"), (error) => { console.log(error.message); process.exitCode = 1; });`,
    { env: { ...CLEAN_ENV, LOAD_OPTIONS: JSON.stringify({ cacheDir, baseUrl, checksums, progress: false }) } },
  );
}

test("Ctrl-C during an MNIST download deletes the partial file and still ends the process (by SIGINT)", async () => {
  const cache = tempDir();
  const child = loadInChild("loadMnist", cache, `${server.url}stalls/`, mnistChecksums);
  const pid = child.process.pid!;
  assert.is(await downloadUnderWay(cache, pid, child), path.join("datasets", "mnist", `train-images-idx3-ubyte.gz.part-${pid}`));
  child.process.kill("SIGINT");
  const { code, signal, stdout, stderr } = await child.exited;
  // Ended as an unhandled SIGINT ends a process, without finishing the load.
  assert.equal({ code, signal }, { code: null, signal: "SIGINT" }, stdout + stderr);
  assert.not.match(stdout, "loaded");
  assert.equal(await listFiles(cache), []);
});

test("Ctrl-C during the CIFAR-10 archive download deletes its temporary folder, the partial archive with it", async () => {
  const cache = tempDir();
  const datasets = path.join(cache, "datasets");
  const child = loadInChild("loadCifar10", cache, `${server.url}stalls/`, cifarChecksums);
  const pid = child.process.pid!;
  // The partial archive, inside the temporary folder.
  assert.match(await downloadUnderWay(cache, pid, child), `${ARCHIVE}.part-${pid}`);
  child.process.kill("SIGINT");
  const { code, signal, stdout, stderr } = await child.exited;
  assert.equal({ code, signal }, { code: null, signal: "SIGINT" }, stdout + stderr);
  assert.equal(await temporaries(datasets), []);
  assert.equal(await listFiles(cache), []);
});

test("with another SIGINT handler (as in a notebook kernel) the process lives on: the download stops with an error and cleans up", async () => {
  let interrupts = 0;
  const kernel = () => interrupts++;
  process.on("SIGINT", kernel);
  try {
    const cache = tempDir();
    const loading = rejection(withEnv(CLEAN_ENV, () => loadMnist({ cacheDir: cache, baseUrl: `${server.url}stalls/`, checksums: mnistChecksums, progress: false })));
    await downloadUnderWay(cache, process.pid);
    process.kill(process.pid, "SIGINT");
    const error = await loading;
    assert.instance(error, DatasetError);
    assert.match(error.message, `Downloading ${server.url}stalls/train-images-idx3-ubyte.gz was interrupted (SIGINT) after ${SENT_BYTES} bytes; the partial file was deleted.`);
    assert.equal(await listFiles(cache), []);

    const cifarCache = tempDir();
    const datasets = path.join(cifarCache, "datasets");
    const cifarLoading = rejection(withEnv(CLEAN_ENV, () => loadCifar10({ cacheDir: cifarCache, baseUrl: `${server.url}stalls/`, checksums: cifarChecksums, progress: false })));
    await downloadUnderWay(cifarCache, process.pid);
    process.kill(process.pid, "SIGINT");
    assert.match((await cifarLoading).message, `${ARCHIVE} was interrupted (SIGINT)`);
    assert.equal(await temporaries(datasets), []);
    assert.equal(await listFiles(cifarCache), []);
    assert.is(interrupts, 2);
    // The downloads' handler is gone with them.
    assert.equal(process.listeners("SIGINT"), [kernel]);
  } finally {
    process.removeListener("SIGINT", kernel);
  }
});

test("the next download removes what killed downloads left (their pid has ended), and keeps a live process's", async () => {
  const cache = tempDir();
  const datasets = path.join(cache, "datasets");
  const mnistFolder = path.join(datasets, "mnist");
  const dead = deadPid();
  const deadPart = path.join(mnistFolder, `train-images-idx3-ubyte.gz.part-${dead}`);
  // This pid, reused by a new process after a restart, but no download of this process is writing it.
  const reusedPart = path.join(mnistFolder, `t10k-images-idx3-ubyte.gz.part-${process.pid}`);
  // Pid 1 is alive: that download may still be running.
  const livePart = path.join(mnistFolder, `train-labels-idx1-ubyte.gz.part-1`);
  const deadStaging = path.join(datasets, `${STAGING_PREFIX}${dead}`);
  await fs.mkdir(path.join(deadStaging, "cifar-10-batches-bin"), { recursive: true });
  await fs.writeFile(path.join(deadStaging, `${ARCHIVE}.part-${dead}`), "partial archive");
  await fs.writeFile(path.join(deadStaging, "cifar-10-batches-bin", "data_batch_1.bin"), "half-extracted");
  await fs.mkdir(mnistFolder, { recursive: true });
  for (const file of [deadPart, reusedPart, livePart]) await fs.writeFile(file, "partial");

  const { train } = await withEnv(CLEAN_ENV, () => loadMnist({ cacheDir: cache, baseUrl: `${server.url}mnist/`, checksums: mnistChecksums, progress: false }));
  assert.is(train.count, 30);
  assert.equal(await temporaries(mnistFolder), [path.basename(livePart)]);

  const cifar = await withEnv(CLEAN_ENV, () => loadCifar10({ cacheDir: cache, baseUrl: `${server.url}cifar/`, checksums: cifarChecksums, progress: false }));
  assert.is(cifar.train.count, 10);
  assert.equal(await temporaries(datasets), []);
});

test.run();
