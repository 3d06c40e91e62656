import * as fs from "fs";
import * as path from "path";
import { displayBundle } from "../display";

/** The package's TypeScript sources (the notebooks import the compiled dist/, which sits beside src/). */
const SOURCE_ROOT = path.resolve(__dirname, "../../src");

/**
 * The top-level declaration `name` in `lines`, with the doc comment above it: from
 * its `export function|const|class name` line to the first line that closes it at column 0.
 */
function declaration(lines: string[], name: string, file: string): string {
  const start = lines.findIndex((line) => new RegExp(`^export (async )?(function|const|class) ${name}\\b`).test(line));
  if (start < 0) throw new Error(`showSource: ${file} has no exported declaration named ${name}.`);
  const end = lines.findIndex((line, i) => i >= start && /^[}\]]/.test(line));
  let first = start;
  if (lines[first - 1]?.trim().endsWith("*/")) {
    while (first > 0 && !lines[first - 1].trim().startsWith("/**")) first--;
    first--;
  }
  return lines.slice(first, end + 1).join("\n");
}

/**
 * Shows a source file of this package as a TypeScript listing, without its import
 * lines, or only the declarations named in `names`: the notebooks show the real
 * code instead of a copy that could drift.
 */
export function showSource(relativePath: string, names?: readonly string[]): string {
  const file = path.join(SOURCE_ROOT, relativePath);
  if (!fs.existsSync(file)) {
    throw new Error(`showSource: ${file} does not exist; give a path under src/, e.g. "models/mnist.ts".`);
  }
  const text = fs.readFileSync(file, "utf8");
  const listing =
    names === undefined
      ? text.replace(/^import [^;]+;\n/gm, "").trim()
      : names.map((name) => declaration(text.split("\n"), name, file)).join("\n\n");
  displayBundle({
    "text/markdown": `\`src/${relativePath}\`\n\n\`\`\`ts\n${listing}\n\`\`\``,
    "text/plain": listing,
  });
  return listing;
}
