/** The committed notebooks of both editions, read without a kernel. */
import * as fs from "fs";
import * as path from "path";

export const NOTEBOOKS_DIR = path.resolve(__dirname, "../../notebooks");

export interface NotebookCell {
  cell_type: string;
  source: string | string[];
  metadata?: Record<string, unknown>;
  outputs?: { output_type?: string; text?: string | string[]; data?: Record<string, unknown> }[];
}

export interface NotebookFile {
  cells: NotebookCell[];
  metadata: Record<string, unknown>;
}

/** Every .ipynb of notebooks/ and its edition folders (notebooks/ko/), relative to notebooks/, sorted. */
export function notebookNames(dir = NOTEBOOKS_DIR, prefix = ""): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      if (entry.isDirectory() && entry.name !== "html" && !entry.name.startsWith(".")) return notebookNames(path.join(dir, entry.name), `${prefix}${entry.name}/`);
      return entry.isFile() && entry.name.endsWith(".ipynb") ? [`${prefix}${entry.name}`] : [];
    })
    .sort();
}

export function readNotebook(name: string): NotebookFile {
  return JSON.parse(fs.readFileSync(path.join(NOTEBOOKS_DIR, name), "utf8")) as NotebookFile;
}

export function textOf(value: unknown): string {
  return Array.isArray(value) ? value.join("") : typeof value === "string" ? value : "";
}
