/**
 * Sending rich outputs to the notebook. tslab's public `display` sends one MIME
 * type per output, so bundles (vega-lite + SVG + text) go through tslab's own
 * display writer. Outside a kernel (ts-node, tests, scripts) there is no writer
 * and callers fall back to plain text.
 */
import { randomBytes } from "crypto";

/** One output: a value per MIME type. Strings, or JSON objects (vega-lite); binary data as base64. */
export type MimeBundle = Record<string, string | object>;

/** The message content of Jupyter's display_data / update_display_data. */
export interface DisplayContent {
  data: MimeBundle;
  metadata: Record<string, unknown>;
  transient: { display_id?: string };
}

/** Sends one output; `update` = true replaces the earlier output with the same display_id. */
export type DisplayWriter = (content: DisplayContent, update: boolean) => void;

interface TslabJupyterModule {
  lastWriteDisplayData: DisplayWriter | null;
}

// `undefined`: look up tslab's writer; `null`: force "no notebook" (terminal fallback).
let injectedWriter: DisplayWriter | null | undefined;

/**
 * Replaces the writer used by every display function (tests, or other front ends).
 * Pass `undefined` to go back to tslab's writer.
 */
export function setDisplayWriter(writer: DisplayWriter | null | undefined): void {
  injectedWriter = writer;
}

/** The writer of the running notebook cell, or null outside a tslab kernel. */
export function currentDisplayWriter(): DisplayWriter | null {
  if (injectedWriter !== undefined) return injectedWriter;
  return loadedTslabJupyter()?.lastWriteDisplayData ?? null;
}

/**
 * tslab's jupyter module as loaded by the running kernel. Looked up in the module
 * cache rather than required: requiring it outside a kernel would load a TypeScript
 * compiler for nothing, and the kernel's tslab may be a different install (global)
 * from the one next to this package.
 */
function loadedTslabJupyter(): TslabJupyterModule | undefined {
  for (const [filename, cached] of Object.entries(require.cache)) {
    if (/[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(filename) && cached?.loaded) {
      return cached.exports as TslabJupyterModule;
    }
  }
  return undefined;
}

/** True when outputs go to a notebook (rich display), false in a terminal. */
export function inNotebook(): boolean {
  return currentDisplayWriter() !== null;
}

/** The MIME types of a bundle that are pictures, which a reader who cannot see them needs described. */
const IMAGE_MIME_TYPES = ["image/png", "image/jpeg", "image/svg+xml"];

/**
 * Output metadata that gives each picture of `bundle` an alt text under
 * `metadata[mimeType].alt` (where the HTML export's template, scripts/html-export/, and other
 * notebook renderers look for it): `description`, else the bundle's text/plain.
 */
export function imageDescriptions(bundle: MimeBundle, description?: string): Record<string, { alt: string }> {
  const text = bundle["text/plain"];
  const alt = description ?? (typeof text === "string" ? text : "");
  const images = alt === "" ? [] : IMAGE_MIME_TYPES.filter((mimeType) => mimeType in bundle);
  return Object.fromEntries(images.map((mimeType) => [mimeType, { alt }]));
}

/**
 * Shows `bundle` as a new output, its pictures described by `description` (their alt text;
 * default: the bundle's text/plain); in a terminal prints its text/plain (if any) instead.
 */
export function displayBundle(bundle: MimeBundle, description?: string): void {
  const writer = currentDisplayWriter();
  if (writer === null) {
    const text = bundle["text/plain"];
    if (typeof text === "string" && text !== "") console.log(text);
    return;
  }
  writer({ data: bundle, metadata: imageDescriptions(bundle, description), transient: {} }, false);
}

/** One output that can be replaced in place, e.g. a progress line or a chart redrawn while training. */
export interface LiveDisplay {
  readonly displayId: string;
  /**
   * Replaces the output's content (the first call creates the output). A string is
   * sent as text/plain; `description` is the alt text of its pictures (default: its text/plain). Does nothing
   * outside a notebook: callers that want terminal output print it themselves.
   */
  update(content: MimeBundle | string, description?: string): void;
}

export function liveDisplay(): LiveDisplay {
  const displayId = randomBytes(8).toString("hex");
  let shown = false;
  return {
    displayId,
    update(content, description) {
      const writer = currentDisplayWriter();
      if (writer === null) return;
      const data = typeof content === "string" ? { "text/plain": content } : content;
      writer({ data, metadata: imageDescriptions(data, description), transient: { display_id: displayId } }, shown);
      shown = true;
    },
  };
}
