/** Showing image grids in a notebook, optionally with a caption under each tile. */
import { tf } from "../../backend";
import { displayBundle } from "../../output/output";
import { encodeGrid, gridLayout, tileOrigin, type GridLayout, type ImageGridOptions } from "./image-grid";

export interface ShowImageGridOptions extends ImageGridOptions {
  /** A caption per image (e.g. its class), written under its tile. */
  captions?: readonly string[];
}

const CAPTION_FONT_PIXELS = 11;
const CAPTION_HEIGHT = CAPTION_FONT_PIXELS + 5;

/**
 * Displays `images` (float32 [N, H, W, C] in [0, 1]) as a grid and returns its PNG
 * bytes. With captions the notebook shows an SVG (the grid picture plus text) and the
 * returned PNG has blank strips where the captions go. In a terminal it prints a
 * one-line summary instead.
 */
export async function showImageGrid(images: tf.Tensor4D, options: ShowImageGridOptions = {}): Promise<Uint8Array> {
  const captions = options.captions;
  if (captions !== undefined && captions.length !== images.shape[0]) {
    throw new Error(
      `showImageGrid: got ${captions.length} captions for ${images.shape[0]} images; pass one caption per image.`,
    );
  }
  const layout = gridLayout(images, options, captions ? CAPTION_HEIGHT : 0);
  const png = await encodeGrid(images, layout);
  const [count, height, width, channels] = images.shape;
  const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;
  const summary =
    `[image grid] ${plural(count, `${height}×${width} ${channels === 3 ? "RGB" : "gray"} image`)}, ` +
    `${plural(layout.rows, "row")} × ${plural(layout.cols, "column")}`;
  const pngBase64 = Buffer.from(png).toString("base64");
  displayBundle({
    ...(captions ? { "image/svg+xml": captionedSvg(pngBase64, layout, captions) } : {}),
    "image/png": pngBase64,
    "text/plain": summary,
  });
  return png;
}

function captionedSvg(pngBase64: string, layout: GridLayout, captions: readonly string[]): string {
  const texts = captions.map((caption, index) => {
    const { x, y } = tileOrigin(layout, index);
    const centerX = x + layout.tileWidth / 2;
    const baseline = y + layout.tileHeight + CAPTION_FONT_PIXELS + 1;
    return `<text x="${centerX}" y="${baseline}">${escapeXml(caption)}</text>`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" ` +
      `width="${layout.width}" height="${layout.height}" viewBox="0 0 ${layout.width} ${layout.height}">`,
    `<image width="${layout.width}" height="${layout.height}" style="image-rendering:pixelated" ` +
      `xlink:href="data:image/png;base64,${pngBase64}"/>`,
    `<g font-family="sans-serif" font-size="${CAPTION_FONT_PIXELS}" text-anchor="middle" ` +
      `fill="${layout.background < 0.5 ? "white" : "black"}">`,
    ...texts,
    "</g>",
    "</svg>",
  ].join("\n");
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
