import * as fs from "fs";
import * as path from "path";
import { displayBundle } from "../display";

/** The package's TypeScript sources (the notebooks import the compiled dist/, which sits beside src/). */
const SOURCE_ROOT = path.resolve(__dirname, "../../src");

/**
 * Shows a source file of this package as a TypeScript listing, without its import
 * lines: the notebooks show the real model code instead of a copy that could drift.
 */
export function showSource(relativePath: string): string {
  const file = path.join(SOURCE_ROOT, relativePath);
  if (!fs.existsSync(file)) {
    throw new Error(`showSource: ${file} does not exist; give a path under src/, e.g. "models/mnist.ts".`);
  }
  const listing = fs
    .readFileSync(file, "utf8")
    .replace(/^import [^;]+;\n/gm, "")
    .trim();
  displayBundle({
    "text/markdown": `\`src/${relativePath}\`\n\n\`\`\`ts\n${listing}\n\`\`\``,
    "text/plain": listing,
  });
  return listing;
}
