import * as fs from "fs";
import * as path from "path";
import type * as TypeScript from "typescript";
import { displayPath } from "../cache";
import { displayBundle } from "../output";

/** The package's TypeScript sources (the notebooks import the compiled dist/, which sits beside src/). */
const SOURCE_ROOT = path.resolve(__dirname, "../../src");

/** The name a top-level statement declares, if it declares exactly one. */
function declaredName(ts: typeof TypeScript, statement: TypeScript.Statement): string | undefined {
  if (ts.isVariableStatement(statement)) {
    const [only, ...others] = statement.declarationList.declarations;
    return others.length === 0 && ts.isIdentifier(only.name) ? only.name.text : undefined;
  }
  if (
    ts.isFunctionDeclaration(statement) ||
    ts.isClassDeclaration(statement) ||
    ts.isInterfaceDeclaration(statement) ||
    ts.isTypeAliasDeclaration(statement) ||
    ts.isEnumDeclaration(statement)
  ) {
    return statement.name?.text;
  }
  return undefined;
}

function isExported(ts: typeof TypeScript, statement: TypeScript.Statement): boolean {
  return ts.canHaveModifiers(statement) && (ts.getModifiers(statement) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

/**
 * The exported top-level declaration `name` of the TypeScript source `text`, whole,
 * with the doc comment above it; a function's overload signatures come with its
 * implementation. `file` names the source in the error for a missing name.
 */
export function declarationText(text: string, name: string, file: string): string {
  // Only listings need the compiler, and loading it takes a fifth of a second.
  const ts = require("typescript") as typeof TypeScript;
  const sourceFile = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const parts = sourceFile.statements.filter((statement) => isExported(ts, statement) && declaredName(ts, statement) === name);
  if (parts.length === 0) throw new Error(`showSource: ${displayPath(file)} has no exported declaration named ${name}.`);
  // getStart with its JSDoc: from the doc comment's "/**" (other leading comments stay out).
  const start = parts[0].getStart(sourceFile, true);
  return text.slice(start, parts[parts.length - 1].getEnd());
}

/** A source file's listing: its exported declarations `names`, or the whole file without its import lines. */
function sourceListing(relativePath: string, names?: readonly string[]): string {
  const file = path.join(SOURCE_ROOT, relativePath);
  if (!fs.existsSync(file)) {
    throw new Error(`showSource: ${displayPath(file)} does not exist; give a path under src/, e.g. "models/mnist.ts".`);
  }
  const text = fs.readFileSync(file, "utf8");
  return names === undefined
    ? text.replace(/^import [^;]+;\n/gm, "").trim()
    : names.map((name) => declarationText(text, name, file)).join("\n\n");
}

/**
 * Shows a source file of this package as a TypeScript listing, without its import
 * lines, or only the declarations named in `names`: the notebooks show the real
 * code instead of a copy that could drift. Returns nothing, so a cell ending with
 * the call shows the listing once.
 */
export function showSource(relativePath: string, names?: readonly string[]): void {
  const listing = sourceListing(relativePath, names);
  displayBundle({
    "text/markdown": `\`src/${relativePath}\`\n\n\`\`\`ts\n${listing}\n\`\`\``,
    "text/plain": listing,
  });
}
