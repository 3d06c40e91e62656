/**
 * SVG to PNG with resvg: a picture's text drawn into its pixels, so that a viewer that shows
 * a notebook's PNG keeps the captions and labels. The text is set in Noto Sans KR (Hangul,
 * Latin and the symbols between them), from the @fontsource/noto-sans-kr package, the same
 * on every machine whatever fonts it has.
 */
import * as fs from "fs";
import * as path from "path";
import { renderAsync } from "@resvg/resvg-js";
import { cacheRoot, writeFileAtomic } from "../../cache";
import { tf } from "../../native/backend";
import { PngBytes } from "./image-grid";
import { sfntFromWoff } from "./woff";

const FONT_FAMILY = "Noto Sans KR";
const FONT_PACKAGE = "@fontsource/noto-sans-kr";

/**
 * Noto Sans KR's regular weight as TrueType files in `cache`/fonts, one per slice of Unicode
 * the package ships, written from its WOFF files the first time (resvg reads no WOFF).
 */
export function notoSansKrFiles(cache: string = cacheRoot()): string[] {
  // The package exports only its CSS; its folder is that of its main file.
  const packageDir = path.dirname(require.resolve(FONT_PACKAGE));
  const { version } = JSON.parse(fs.readFileSync(path.join(packageDir, "package.json"), "utf8")) as { version: string };
  const woffDir = path.join(packageDir, "files");
  const woffs = fs.readdirSync(woffDir).filter((name) => name.endsWith("-400-normal.woff"));
  if (woffs.length === 0) throw new Error(`${FONT_PACKAGE} has no regular-weight WOFF files in ${woffDir}; reinstall it (npm ci).`);
  return woffs.map((name) => {
    const file = path.join(cache, "fonts", `noto-sans-kr-${version}`, name.replace(/\.woff$/, ".ttf"));
    if (!fs.existsSync(file)) writeFileAtomic(file, sfntFromWoff(fs.readFileSync(path.join(woffDir, name))));
    return file;
  });
}

let fontFiles: string[] | undefined;

/**
 * The PNG of an opaque `svg` (one that paints its whole area), its text in Noto Sans KR
 * (whatever family it names), with `channels` colour channels: 1 for a grey-scale picture,
 * 3 for colour.
 */
export async function svgToPng(svg: string, channels: 1 | 3): Promise<PngBytes> {
  fontFiles ??= notoSansKrFiles();
  const rendered = await renderAsync(svg, {
    font: { loadSystemFonts: false, fontFiles, defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY },
    // resvg warns each time a character comes from another slice of the font.
    logLevel: "error",
  });
  // resvg's PNG is RGBA; the picture has no transparency and, grey-scale, no colour either.
  const pixels = tf.tidy(() => tf.tensor3d(rendered.pixels, [rendered.height, rendered.width, 4], "int32").slice([0, 0, 0], [-1, -1, channels]));
  try {
    const png = await tf.node.encodePng(pixels);
    return new PngBytes(png.buffer as ArrayBuffer, png.byteOffset, png.byteLength);
  } finally {
    pixels.dispose();
  }
}
