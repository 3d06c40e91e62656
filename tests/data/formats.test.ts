import { promises as fs } from "fs";
import * as path from "path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import * as zlib from "zlib";
import {
  CIFAR_IMAGE_BYTES,
  CIFAR_RECORD_BYTES,
  encodeCifarRecords,
  parseCifarClassNames,
  readCifarFiles,
} from "../../src/data/cifar-format";
import { DatasetError } from "../../src/data/errors";
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, encodeIdx, parseIdx, readIdxGz } from "../../src/data/idx";
import { rejection, tempDir } from "./helpers";

const test = suite("file formats");

test("IDX: header dimensions and data survive an encode/parse round trip", () => {
  const data = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => i * 10);
  const bytes = encodeIdx([2, 3, 4], data);
  // Big-endian header: 00 00 08 03, then 2, 3, 4 as uint32.
  assert.equal(Array.from(bytes.subarray(0, 8)), [0, 0, 8, 3, 0, 0, 0, 2]);
  const parsed = parseIdx(bytes, IDX_IMAGES_MAGIC, "images.idx");
  assert.equal(parsed.dims, [2, 3, 4]);
  assert.equal(Array.from(parsed.data), Array.from(data));
});

test("IDX: a label file is refused where images are expected (wrong magic number)", () => {
  const labels = encodeIdx([3], Uint8Array.of(1, 2, 3));
  assert.throws(
    () => parseIdx(labels, IDX_IMAGES_MAGIC, "x/train-images-idx3-ubyte"),
    (error: Error) =>
      error instanceof DatasetError && /x\/train-images-idx3-ubyte has the wrong magic number 2049 \(expected 2051\)/.test(error.message),
  );
});

test("IDX: missing data bytes, extra bytes and a cut header are errors", () => {
  const bytes = encodeIdx([4], Uint8Array.of(1, 2, 3, 4));
  assert.throws(() => parseIdx(bytes.subarray(0, bytes.length - 1), IDX_LABELS_MAGIC, "f"), /f is truncated: .* 4 data bytes, but 3 follow/);
  assert.throws(() => parseIdx(Buffer.concat([bytes, Buffer.of(9)]), IDX_LABELS_MAGIC, "f"), /f is too long/);
  assert.throws(() => parseIdx(bytes.subarray(0, 6), IDX_LABELS_MAGIC, "f"), /f is truncated: 6 bytes, too short for its 8-byte header/);
  assert.throws(() => parseIdx(bytes.subarray(0, 2), IDX_LABELS_MAGIC, "f"), /f is truncated: 2 bytes/);
});

test("IDX: a truncated or non-gzip .gz file is an error naming the file", async () => {
  const dir = tempDir();
  const whole = zlib.gzipSync(encodeIdx([100], new Uint8Array(100).fill(7)));
  const cut = path.join(dir, "cut.gz");
  await fs.writeFile(cut, whole.subarray(0, whole.length - 10));
  const error = await rejection(readIdxGz(cut, IDX_LABELS_MAGIC));
  assert.instance(error, DatasetError);
  assert.match(error.message, `${cut} is truncated or not valid gzip`);

  const plain = path.join(dir, "plain.gz");
  await fs.writeFile(plain, encodeIdx([1], Uint8Array.of(1)));
  assert.match((await rejection(readIdxGz(plain, IDX_LABELS_MAGIC))).message, `${plain} is truncated or not valid gzip`);

  const missing = path.join(dir, "missing.gz");
  assert.match((await rejection(readIdxGz(missing, IDX_LABELS_MAGIC))).message, `Cannot read ${missing} (ENOENT)`);
});

test("CIFAR: records are planar RGB on disk and HWC in memory", async () => {
  const dir = tempDir();
  // One record by hand: label 7, red plane all 1, green all 2, blue = pixel index mod 256.
  const record = Buffer.alloc(CIFAR_RECORD_BYTES);
  record[0] = 7;
  record.fill(1, 1, 1 + 1024);
  record.fill(2, 1 + 1024, 1 + 2048);
  for (let p = 0; p < 1024; p++) record[1 + 2048 + p] = p % 256;
  const file = path.join(dir, "one.bin");
  await fs.writeFile(file, record);
  const { pixels, labels } = await readCifarFiles([file]);
  assert.equal(Array.from(labels), [7]);
  // Pixel (row 0, col 5) is p = 5; pixel (row 1, col 0) is p = 32.
  assert.equal(Array.from(pixels.subarray(5 * 3, 5 * 3 + 3)), [1, 2, 5]);
  assert.equal(Array.from(pixels.subarray(32 * 3, 32 * 3 + 3)), [1, 2, 32]);
  assert.equal(encodeCifarRecords(pixels, labels).equals(record), true);
});

test("CIFAR: several files concatenate in order", async () => {
  const dir = tempDir();
  const files: string[] = [];
  for (let f = 0; f < 3; f++) {
    const labels = Uint8Array.of(f, f + 1);
    const pixels = new Uint8Array(2 * CIFAR_IMAGE_BYTES).fill(10 * f);
    files.push(path.join(dir, `b${f}.bin`));
    await fs.writeFile(files[f], encodeCifarRecords(pixels, labels));
  }
  const { pixels, labels } = await readCifarFiles(files);
  assert.equal(Array.from(labels), [0, 1, 1, 2, 2, 3]);
  assert.is(pixels.length, 6 * CIFAR_IMAGE_BYTES);
  assert.is(pixels[5 * CIFAR_IMAGE_BYTES], 20);
});

test("CIFAR: a wrong record size, a bad label and a missing file are errors naming the file", async () => {
  const dir = tempDir();
  const good = encodeCifarRecords(new Uint8Array(2 * CIFAR_IMAGE_BYTES), Uint8Array.of(1, 2));
  const short = path.join(dir, "short.bin");
  await fs.writeFile(short, good.subarray(0, good.length - 100));
  const sizeError = await rejection(readCifarFiles([short]));
  assert.instance(sizeError, DatasetError);
  assert.match(sizeError.message, `${short} has the wrong record size: 6046 bytes is not a whole number of 3073-byte records`);

  const empty = path.join(dir, "empty.bin");
  await fs.writeFile(empty, "");
  assert.match((await rejection(readCifarFiles([empty]))).message, "has the wrong record size: 0 bytes");

  const badLabel = path.join(dir, "bad-label.bin");
  const corrupt = Buffer.from(good);
  corrupt[CIFAR_RECORD_BYTES] = 200;
  await fs.writeFile(badLabel, corrupt);
  assert.match((await rejection(readCifarFiles([badLabel]))).message, `${badLabel}: record 1 has label 200`);

  const missing = path.join(dir, "missing.bin");
  assert.match((await rejection(readCifarFiles([missing]))).message, `Cannot read ${missing} (ENOENT)`);
});

test("CIFAR: with recordsPerFile, a file of whole records but another count is an error saying by how much", async () => {
  const dir = tempDir();
  const write = async (name: string, count: number) => {
    const file = path.join(dir, name);
    await fs.writeFile(file, encodeCifarRecords(new Uint8Array(count * CIFAR_IMAGE_BYTES), new Uint8Array(count)));
    return file;
  };
  const [three, two, four] = [await write("three.bin", 3), await write("two.bin", 2), await write("four.bin", 4)];
  assert.is((await readCifarFiles([three, three], { recordsPerFile: 3 })).labels.length, 6);
  // Without it, any count is fine (the tiny stand-ins).
  assert.is((await readCifarFiles([three, two, four])).labels.length, 9);

  const short = await rejection(readCifarFiles([three, two], { recordsPerFile: 3 }));
  assert.instance(short, DatasetError);
  assert.is(
    short.message,
    `${two} holds 2 records (6146 bytes), but every batch file of the official CIFAR-10 holds exactly 3 records (9219 bytes): ` +
      "it is 1 record (3073 bytes) too short, an incomplete copy.",
  );
  const long = await rejection(readCifarFiles([four], { recordsPerFile: 3 }));
  assert.match(long.message, `${four} holds 4 records (12292 bytes)`);
  assert.match(long.message, "it is 1 record (3073 bytes) too long, not an intact copy.");
});

test("CIFAR: batches.meta.txt gives ten class names, blank lines ignored", () => {
  const names = parseCifarClassNames("airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n", "meta");
  assert.is(names.length, 10);
  assert.is(names[9], "truck");
  assert.throws(() => parseCifarClassNames("cat\ndog\n", "dir/batches.meta.txt"), /dir\/batches.meta.txt lists 2 class names; CIFAR-10 has 10/);
});

test.run();
