import { promises as fs } from "fs";
import * as path from "path";
import * as tar from "tar";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Checksum, DatasetError, loadCifar10, loadMnist, writeTinyDatasets } from "../../src/data";
import { formatProgress, startProgress } from "../../src/data/download-progress";
import { CAN_MAKE_UNWRITABLE, CLEAN_ENV, MNIST_FILE_NAMES as MNIST_FILES, Route, TestServer, listFiles, makeUnwritable, md5, rejection, sha256, startServer, tempDir, testIf, unreachableUrl, UNWRITABLE_REQUIREMENT, withEnv } from "./helpers";

const test = suite("downloads from a loopback HTTP server");

const ARCHIVE = "cifar-10-binary.tar.gz";

interface Fixtures {
  server: TestServer;
  mnistChecksums: Record<string, Checksum>;
  cifarChecksums: Record<string, Checksum>;
  /** Other training images (another seed) served under /mirror/, with their checksum. */
  mirrorTrainImages: Checksum;
}
let fixtures: Fixtures;

test.before(async () => {
  const source = tempDir();
  await writeTinyDatasets(source, { mnistTrain: 30, mnistTest: 10, cifarTrain: 10, cifarTest: 5 });
  // The official archive also holds a readme, which the loader must skip.
  await fs.writeFile(path.join(source, "cifar-10-batches-bin", "readme.html"), "<p>readme</p>");
  const archivePath = path.join(source, ARCHIVE);
  await tar.c({ gzip: true, file: archivePath, cwd: source }, ["cifar-10-batches-bin"]);
  const archive = await fs.readFile(archivePath);

  const routes: Record<string, Route> = {};
  const mnistChecksums: Record<string, Checksum> = {};
  for (const file of MNIST_FILES) {
    const body = await fs.readFile(path.join(source, "mnist", file));
    mnistChecksums[file] = { algorithm: "sha256", digest: sha256(body) };
    routes[`/mnist/${file}`] = { kind: "file", body };
    routes[`/moved/${file}`] = { kind: "redirect", location: `/mnist/${file}` };
    routes[`/broken/${file}`] = { kind: "breaks-off", body, sendBytes: Math.floor(body.length / 2) };
  }
  const mirror = tempDir();
  await writeTinyDatasets(mirror, { mnistTrain: 30, mnistTest: 10, cifarTrain: 10, cifarTest: 5, seed: 2 });
  const mirrorTrainImages = await fs.readFile(path.join(mirror, "mnist", "train-images-idx3-ubyte.gz"));
  routes["/mirror/train-images-idx3-ubyte.gz"] = { kind: "file", body: mirrorTrainImages };
  routes[`/cifar/${ARCHIVE}`] = { kind: "file", body: archive };
  routes[`/broken/${ARCHIVE}`] = { kind: "breaks-off", body: archive, sendBytes: 1000 };
  fixtures = {
    server: await startServer(routes),
    mnistChecksums,
    cifarChecksums: { [ARCHIVE]: { algorithm: "md5", digest: md5(archive) } },
    mirrorTrainImages: { algorithm: "sha256", digest: sha256(mirrorTrainImages) },
  };
});

test.after(async () => {
  await fixtures.server.close();
});

/** loadMnist with no data folder, a fresh cache and the given download source. */
function downloadMnist(cacheDir: string, baseUrl: string, checksums?: Record<string, Checksum>) {
  return withEnv(CLEAN_ENV, () => loadMnist({ cacheDir, baseUrl, checksums, progress: false }));
}

function requestsSince(start: number): string[] {
  return fixtures.server.requests.slice(start);
}

test("MNIST: downloads the four files into the cache, verified, then loads from the cache only", async () => {
  const cache = tempDir();
  const { train, test: testSet, folder } = await downloadMnist(cache, `${fixtures.server.url}mnist`, fixtures.mnistChecksums);
  assert.is(folder, path.join(cache, "datasets", "mnist"));
  assert.is(train.count, 30);
  assert.is(testSet.count, 10);
  // Beside the files: the record of their verification.
  assert.equal(await listFiles(cache), [...MNIST_FILES, ".verified.json"].map((f) => path.join("datasets", "mnist", f)).sort());

  const before = fixtures.server.requests.length;
  const again = await downloadMnist(cache, `${fixtures.server.url}mnist`, fixtures.mnistChecksums);
  assert.is(again.train.count, 30);
  assert.equal(requestsSince(before), []);
});

test("MNIST: a partly filled cache fetches only the missing files", async () => {
  const cache = tempDir();
  await downloadMnist(cache, `${fixtures.server.url}mnist`, fixtures.mnistChecksums);
  await fs.rm(path.join(cache, "datasets", "mnist", "t10k-images-idx3-ubyte.gz"));
  const before = fixtures.server.requests.length;
  await downloadMnist(cache, `${fixtures.server.url}mnist/`, fixtures.mnistChecksums);
  assert.equal(requestsSince(before), ["/mnist/t10k-images-idx3-ubyte.gz"]);

  // A failure names just the missing file.
  await fs.rm(path.join(cache, "datasets", "mnist", "t10k-labels-idx1-ubyte.gz"));
  const error = await rejection(downloadMnist(cache, `${fixtures.server.url}gone/`, fixtures.mnistChecksums));
  assert.match(error.message, `the cache ${path.join(cache, "datasets", "mnist")} lacks t10k-labels-idx1-ubyte.gz.)`);
});

test("MNIST: a file downloaded again is verified afresh, not against the record of the file it replaces", async () => {
  const cache = tempDir();
  const first = await downloadMnist(cache, `${fixtures.server.url}mnist/`, fixtures.mnistChecksums);
  await fs.rm(path.join(cache, "datasets", "mnist", "train-images-idx3-ubyte.gz"));
  const checksums = { ...fixtures.mnistChecksums, "train-images-idx3-ubyte.gz": fixtures.mirrorTrainImages };
  const again = await downloadMnist(cache, `${fixtures.server.url}mirror/`, checksums);
  assert.is(again.train.count, 30);
  assert.is.not(again.train.datasetId, first.train.datasetId);
  assert.is(again.test.datasetId, first.test.datasetId);
});

test("MNIST: CNN_MNIST_BASE_URL sets the source, and redirects are followed", async () => {
  const cache = tempDir();
  const before = fixtures.server.requests.length;
  const { train } = await withEnv({ ...CLEAN_ENV, CNN_MNIST_BASE_URL: `${fixtures.server.url}moved/` }, () =>
    loadMnist({ cacheDir: cache, checksums: fixtures.mnistChecksums, progress: false }),
  );
  assert.is(train.count, 30);
  assert.ok(requestsSince(before).includes("/moved/train-images-idx3-ubyte.gz"));
  assert.ok(requestsSince(before).includes("/mnist/train-images-idx3-ubyte.gz"));
});

test("CIFAR-10: downloads the archive, extracts only the batches and the meta file, keeps no archive", async () => {
  const cache = tempDir();
  const { train, test: testSet, folder } = await withEnv(CLEAN_ENV, () =>
    loadCifar10({ cacheDir: cache, baseUrl: `${fixtures.server.url}cifar/`, checksums: fixtures.cifarChecksums, progress: false }),
  );
  assert.is(folder, path.join(cache, "datasets", "cifar-10-batches-bin"));
  assert.is(train.count, 10);
  assert.is(testSet.count, 5);
  const expected = [".verified.json", "batches.meta.txt", "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"];
  assert.equal(await listFiles(cache), expected.map((f) => path.join("datasets", "cifar-10-batches-bin", f)));
});

test("HTTP 404: one error with the URL, the status and the remedy; nothing left in the cache", async () => {
  const cache = tempDir();
  const url = `${fixtures.server.url}nothing-here/`;
  const error = await rejection(downloadMnist(cache, url, fixtures.mnistChecksums));
  assert.instance(error, DatasetError);
  assert.match(error.message, `Downloading ${url}train-images-idx3-ubyte.gz failed: HTTP 404 Not Found.`);
  assert.match(error.message, "Check the internet connection and retry, set CNN_DATA_DIR to a folder that contains mnist/ with");
  assert.match(error.message, "or set CNN_MNIST_BASE_URL to a mirror");
  assert.equal(await listFiles(cache), []);
});

test("a connection that breaks off mid-file is an error and leaves no partial file", async () => {
  const cache = tempDir();
  const error = await rejection(downloadMnist(cache, `${fixtures.server.url}broken/`, fixtures.mnistChecksums));
  assert.instance(error, DatasetError);
  assert.match(error.message, "train-images-idx3-ubyte.gz failed: the connection broke off after");
  assert.equal(await listFiles(cache), []);

  const cifarCache = tempDir();
  const cifarError = await rejection(
    withEnv(CLEAN_ENV, () => loadCifar10({ cacheDir: cifarCache, baseUrl: `${fixtures.server.url}broken/`, checksums: fixtures.cifarChecksums, progress: false })),
  );
  assert.match(cifarError.message, `${ARCHIVE} failed: the connection broke off after`);
  assert.equal(await listFiles(cifarCache), []);
});

test("a checksum mismatch (here: the official digests against generated files) keeps nothing", async () => {
  const cache = tempDir();
  const error = await rejection(downloadMnist(cache, `${fixtures.server.url}mnist/`));
  assert.instance(error, DatasetError);
  assert.match(
    error.message,
    `checksum mismatch: sha256 ${fixtures.mnistChecksums["train-images-idx3-ubyte.gz"].digest}, ` +
      "expected 440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
  );
  assert.equal(await listFiles(cache), []);

  const cifarCache = tempDir();
  const cifarError = await rejection(
    withEnv(CLEAN_ENV, () => loadCifar10({ cacheDir: cifarCache, baseUrl: `${fixtures.server.url}cifar/`, progress: false })),
  );
  assert.match(cifarError.message, "expected c32a1d4ab5d03f1284b67883e8d87530");
  assert.equal(await listFiles(cifarCache), []);
});

test("an unreachable host is one error naming the host and the remedy", async () => {
  const cache = tempDir();
  const url = await unreachableUrl();
  const error = await rejection(downloadMnist(cache, url, fixtures.mnistChecksums));
  assert.instance(error, DatasetError);
  assert.match(error.message, `failed: connection refused by ${new URL(url).host}.`);
  assert.match(error.message, "set CNN_DATA_DIR to a folder that contains mnist/");
  assert.equal(await listFiles(cache), []);
});

test("a cache that is not a writable folder is one error saying to set CNN_CACHE_DIR", async () => {
  const parent = tempDir();
  const notAFolder = path.join(parent, "a-file");
  await fs.writeFile(notAFolder, "");
  const error = await rejection(downloadMnist(notAFolder, `${fixtures.server.url}mnist/`, fixtures.mnistChecksums));
  assert.instance(error, DatasetError);
  assert.match(error.message, "Cannot write to the dataset cache at");
  assert.match(error.message, "Set CNN_CACHE_DIR (or the cacheDir option) to a writable folder");
});

testIf(test, CAN_MAKE_UNWRITABLE, UNWRITABLE_REQUIREMENT)("a read-only cache is one error saying to set CNN_CACHE_DIR, and nothing is downloaded", async () => {
  const cache = tempDir();
  const restore = await makeUnwritable(cache);
  const before = fixtures.server.requests.length;
  try {
    const error = await rejection(downloadMnist(cache, `${fixtures.server.url}mnist/`, fixtures.mnistChecksums));
    assert.instance(error, DatasetError);
    assert.match(error.message, `Cannot write to the dataset cache at ${path.join(cache, "datasets", "mnist")} (`);
    assert.match(error.message, "Set CNN_CACHE_DIR (or the cacheDir option) to a writable folder");
    assert.equal(requestsSince(before), []);
  } finally {
    await restore();
  }
  assert.equal(await listFiles(cache), []);
});

test("a base URL that is not a URL is refused", async () => {
  const error = await rejection(downloadMnist(tempDir(), "not a url"));
  assert.match(error.message, 'the baseUrl option is "not a url", which is not a URL');
});

test("progress text shows the bar, the percentage and the megabytes", () => {
  const mb = 1024 * 1024;
  assert.is(formatProgress("f.gz", 5 * mb, 10 * mb), `f.gz  [${"#".repeat(15)}${".".repeat(15)}] 50%  5.0 / 10.0 MB`);
  assert.is(formatProgress("f.gz", 3 * mb, undefined), "f.gz  3.0 MB");
});

test("in a terminal the progress line is rewritten in place, at most every 250 ms, and ends whole with a newline", () => {
  const mb = 1024 * 1024;
  const stderr = process.stderr as NodeJS.WriteStream & { isTTY: boolean };
  const { isTTY, write } = stderr;
  const written: string[] = [];
  stderr.isTTY = true;
  stderr.write = ((text: string) => written.push(text) > 0) as typeof stderr.write;
  try {
    const progress = startProgress("f.gz", 10 * mb, true);
    progress.advance(4 * mb);
    progress.advance(6 * mb);
    progress.stop();
  } finally {
    stderr.isTTY = isTTY;
    stderr.write = write;
  }
  assert.is(written[0], `\rf.gz  [${".".repeat(30)}] 0%  0.0 / 10.0 MB\x1b[K`);
  assert.is(written[written.length - 1], `\rf.gz  [${"#".repeat(30)}] 100%  10.0 / 10.0 MB\x1b[K\n`);
  // Chunks arriving faster than the redraw interval redraw nothing in between (unless the machine stalled that long).
  for (const line of written.slice(1, -1)) assert.match(line, /^\rf\.gz {2}\[[#.]{30}\] \d+% {2}[\d.]+ \/ 10\.0 MB\x1b\[K$/);
});

test.run();
