/** Showing image grids in a notebook, optionally with a caption under each tile. */
import { tf } from "../../native/backend";
import { localized } from "../../language";
import { displayBundle } from "../../output/output";
import { encodeGrid, gridLayout, tileOrigin, type GridLayout, type ImageGridOptions } from "./image-grid";
import { svgToPng } from "./svg-png";

export interface ShowImageGridOptions extends ImageGridOptions {
  /** A caption per image (e.g. its class), written under its tile. */
  captions?: readonly string[];
  /** A label per row (e.g. what the row shows), written left of it. */
  rowLabels?: readonly string[];
  /**
   * What the images are, e.g. "the first 32 misclassified test images": the start of the
   * grid's description for readers who cannot see it (its alt text), which goes on with the
   * grid's rows, columns, row labels and captions. Default: the images' count, size and colours.
   */
  description?: string;
}

const CAPTION_FONT_PIXELS = 11;
const CAPTION_HEIGHT = CAPTION_FONT_PIXELS + 5;
const ROW_LABEL_FONT_PIXELS = 13;

/**
 * Displays `images` (float32 [N, H, W, C] in [0, 1]) as a grid and returns its PNG
 * bytes. Captions and row labels are drawn into the picture (see {@link svgToPng}), so
 * every viewer of the notebook shows them. In a terminal it prints a one-line summary
 * instead.
 */
export async function showImageGrid(images: tf.Tensor4D, options: ShowImageGridOptions = {}): Promise<Uint8Array> {
  const captions = options.captions;
  if (captions !== undefined && captions.length !== images.shape[0]) {
    throw new Error(
      `showImageGrid: got ${captions.length} captions for ${images.shape[0]} images; pass one caption per image.`,
    );
  }
  const layout = gridLayout(images, options, captions ? CAPTION_HEIGHT : 0);
  const rowLabels = options.rowLabels;
  if (rowLabels !== undefined && rowLabels.length !== layout.rows) {
    throw new Error(`showImageGrid: got ${rowLabels.length} row labels for ${layout.rows} rows; pass one label per row.`);
  }
  const grid = await encodeGrid(images, layout);
  const [count, height, width, channels] = images.shape;
  const png = captions || rowLabels ? await svgToPng(labelledSvg(grid, layout, captions ?? [], rowLabels ?? []), channels === 1 ? 1 : 3) : grid;
  const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;
  const summary = localized({
    en: `[image grid] ${plural(count, `${height}×${width} ${channels === 3 ? "RGB" : "gray"} image`)}, ${plural(layout.rows, "row")} × ${plural(layout.cols, "column")}`,
    ko: `[이미지 격자] ${height}×${width} ${channels === 3 ? "컬러" : "흑백"} 이미지 ${count}장, ${layout.rows}행 × ${layout.cols}열`,
  });
  const pngBase64 = Buffer.from(png).toString("base64");
  displayBundle(
    {
      "image/png": pngBase64,
      "text/plain": summary,
    },
    gridDescription(images, layout, options),
  );
  return png;
}

/** The grid in words (its alt text): what the images are, how they are laid out, the row labels and the captions. */
function gridDescription(images: tf.Tensor4D, layout: GridLayout, options: ShowImageGridOptions = {}): string {
  const [count, height, width, channels] = images.shape;
  const what =
    options.description ??
    localized({
      en: `${count} ${channels === 3 ? "colour" : "grey-scale"} image${count === 1 ? "" : "s"} of ${height}×${width} pixels`,
      ko: `${height}×${width} 픽셀 ${channels === 3 ? "컬러" : "흑백"} 이미지 ${count}장`,
    });
  const parts = [
    `${what}, ${localized({ en: `in ${layout.rows} row${layout.rows === 1 ? "" : "s"} of ${layout.cols}`, ko: `${layout.rows}행 ${layout.cols}열 격자` })}`,
    ...(options.rowLabels ? [localized({ en: "rows: ", ko: "행: " }) + options.rowLabels.join(", ")] : []),
    ...(options.captions ? [localized({ en: "captions: ", ko: "이미지 아래 설명: " }) + options.captions.join(", ")] : []),
  ];
  return parts.join("; ");
}

/** Hangul and other CJK characters: about a full em wide, where Latin letters average 0.6. */
const WIDE_CHARACTER = /[\u1100-\u11ff\u3000-\u9fff\uac00-\ud7a3\uff00-\uffef]/;

/** Room left of the grid for the longest row label (an estimate of its width: the SVG has no font metrics). */
export function rowLabelWidth(rowLabels: readonly string[]): number {
  const ems = (label: string) => [...label.trimEnd()].reduce((sum, character) => sum + (WIDE_CHARACTER.test(character) ? 1 : 0.6), 0);
  const longest = Math.max(0, ...rowLabels.map(ems));
  return longest === 0 ? 0 : Math.ceil(longest * ROW_LABEL_FONT_PIXELS) + 10;
}

/** The grid picture `grid` (PNG) with its captions under the tiles and its row labels left of the rows, as SVG. */
function labelledSvg(grid: Uint8Array, layout: GridLayout, captions: readonly string[], rowLabels: readonly string[]): string {
  const left = rowLabelWidth(rowLabels);
  const width = left + layout.width;
  const gray = Math.round(255 * layout.background);
  // Text in black, or in white on a dark background.
  const fill = layout.background < 0.5 ? "white" : "black";
  const texts = captions.map((caption, index) => {
    const { x, y } = tileOrigin(layout, index);
    const centerX = left + x + layout.tileWidth / 2;
    const baseline = y + layout.tileHeight + CAPTION_FONT_PIXELS + 1;
    return `<text x="${centerX}" y="${baseline}">${escapeXml(caption)}</text>`;
  });
  const labels = rowLabels.map((label, row) => {
    const { y } = tileOrigin(layout, row * layout.cols);
    return `<text x="${left - 8}" y="${y + layout.tileHeight / 2}" dominant-baseline="middle">${escapeXml(label)}</text>`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" ` +
      `width="${width}" height="${layout.height}" viewBox="0 0 ${width} ${layout.height}">`,
    `<rect width="${width}" height="${layout.height}" fill="rgb(${gray},${gray},${gray})"/>`,
    `<image x="${left}" width="${layout.width}" height="${layout.height}" style="image-rendering:pixelated" ` +
      `xlink:href="data:image/png;base64,${Buffer.from(grid).toString("base64")}"/>`,
    ...(texts.length > 0
      ? [`<g font-family="sans-serif" font-size="${CAPTION_FONT_PIXELS}" text-anchor="middle" fill="${fill}">`, ...texts, "</g>"]
      : []),
    ...(labels.length > 0
      ? [`<g font-family="sans-serif" font-size="${ROW_LABEL_FONT_PIXELS}" text-anchor="end" fill="${fill}">`, ...labels, "</g>"]
      : []),
    "</svg>",
  ].join("\n");
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
