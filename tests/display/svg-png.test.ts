import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/native/backend";
import { notoSansKrFiles, svgToPng } from "../../src/display/images/svg-png";
import { sfntFromWoff } from "../../src/display/images/woff";

const fontFiles = path.join(path.dirname(require.resolve("@fontsource/noto-sans-kr")), "files");

/** OpenType's table checksum: the sum of the table's big-endian 32-bit words (zero-padded), modulo 2^32. */
function tableChecksum(table: Buffer): number {
  const padded = Buffer.alloc(Math.ceil(table.length / 4) * 4);
  table.copy(padded);
  let sum = 0;
  for (let offset = 0; offset < padded.length; offset += 4) sum = (sum + padded.readUInt32BE(offset)) >>> 0;
  return sum;
}

test("sfntFromWoff gives the font's tables back whole: each matches the checksum the font recorded for it", () => {
  const woff = fs.readFileSync(path.join(fontFiles, "noto-sans-kr-latin-400-normal.woff"));
  const font = sfntFromWoff(woff);
  assert.is(font.readUInt32BE(0), woff.readUInt32BE(4), "the font's own signature (TrueType outlines: 0x00010000)");
  const tableCount = font.readUInt16BE(4);
  assert.is(tableCount, woff.readUInt16BE(12));
  const tags: string[] = [];
  for (let index = 0; index < tableCount; index++) {
    const entry = 12 + 16 * index;
    const tag = font.toString("latin1", entry, entry + 4);
    const [checksum, offset, length] = [4, 8, 12].map((field) => font.readUInt32BE(entry + field));
    assert.is(offset % 4, 0, `${tag} starts at a 4-byte boundary`);
    const table = Buffer.from(font.subarray(offset, offset + length));
    // head's checksum is taken with its checksumAdjustment field (bytes 8 to 11) as zero.
    if (tag === "head") table.writeUInt32BE(0, 8);
    assert.is(tableChecksum(table), checksum, `${tag}'s data`);
    tags.push(tag);
  }
  for (const tag of ["cmap", "glyf", "head", "hmtx", "loca"]) assert.ok(tags.includes(tag), `a ${tag} table`);
  assert.throws(() => sfntFromWoff(font), /not a WOFF 1\.0 font/);
});

test("notoSansKrFiles writes the font's TrueType files into the cache once and finds them there afterwards", () => {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), "cnn-fonts-"));
  try {
    const files = notoSansKrFiles(cache);
    const woffs = fs.readdirSync(fontFiles).filter((name) => name.endsWith("-400-normal.woff"));
    assert.is(files.length, woffs.length);
    for (const file of files) {
      assert.ok(file.startsWith(path.join(cache, "fonts")), file);
      assert.is(fs.readFileSync(file).readUInt32BE(0), 0x00010000, `${path.basename(file)} is a TrueType font`);
    }
    const written = files.map((file) => fs.statSync(file).mtimeMs);
    assert.equal(notoSansKrFiles(cache), files);
    assert.equal(files.map((file) => fs.statSync(file).mtimeMs), written, "not written again");
  } finally {
    fs.rmSync(cache, { recursive: true, force: true });
  }
});

test("svgToPng draws the SVG's shapes and text, in as many channels as asked", async () => {
  const svg = (text: string) =>
    `<svg xmlns="http://www.w3.org/2000/svg" width="60" height="20"><rect width="60" height="20" fill="white"/>` +
    `<rect width="10" height="20" fill="rgb(255,0,0)"/><text x="14" y="15" font-size="12" font-family="sans-serif">${text}</text></svg>`;
  const decoded = async (png: Uint8Array) => {
    const image = tf.node.decodePng(png);
    try {
      return image.arraySync() as number[][][];
    } finally {
      image.dispose();
    }
  };
  const colour = await decoded(await svgToPng(svg("에포크"), 3));
  assert.equal([colour.length, colour[0].length], [20, 60]);
  assert.equal(colour[10][5], [255, 0, 0], "the red square, in colour");
  assert.ok(Math.min(...colour.flatMap((row) => row.slice(14).map((pixel) => pixel[1]))) < 100, "the text, dark");
  const gray = await decoded(await svgToPng(svg("epoch"), 1));
  assert.equal(gray[0][30], [255], "one channel");
});

test.run();
