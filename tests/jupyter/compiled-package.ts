/**
 * The Jupyter tests run notebooks that import the compiled package (dist/), not src/:
 * a dist/ older than the sources would test yesterday's code while reporting on today's.
 */
import * as fs from "fs";
import * as path from "path";

const projectRoot = path.resolve(__dirname, "../..");
const REBUILD_HINT = "Run `npm run setup` (it rebuilds dist/ from src/), or `npm test`, which runs it first.";

function typeScriptSources(folder: string): string[] {
  return fs.readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(folder, entry.name);
    if (entry.isDirectory()) return typeScriptSources(file);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [file] : [];
  });
}

function modifiedAt(file: string): number | undefined {
  return fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs;
}

/** What makes `root`'s dist/ out of date with its src/ and tsconfigs, or undefined when it is current. */
export function compiledPackageProblem(root = projectRoot): string | undefined {
  if (!fs.existsSync(path.join(root, "node_modules/cnn-chapter4"))) {
    return "node_modules/cnn-chapter4 (the link notebooks import the package by) is missing.";
  }
  const compiled = typeScriptSources(path.join(root, "src")).map((source) => {
    const output = path.join(root, "dist", path.relative(path.join(root, "src"), source)).replace(/\.ts$/, ".js");
    return { source, output, outputTime: modifiedAt(output) };
  });
  const missing = compiled.find(({ outputTime }) => outputTime === undefined);
  if (missing) return `${path.relative(root, missing.output)} is missing (compiled from ${path.relative(root, missing.source)}).`;
  const stale = compiled.find(({ source, outputTime }) => fs.statSync(source).mtimeMs > (outputTime as number));
  if (stale) return `${path.relative(root, stale.source)} changed after dist/ was built.`;
  const oldestOutput = Math.min(...compiled.map(({ outputTime }) => outputTime as number));
  const changedConfig = ["tsconfig.json", "tsconfig.build.json"].find((config) => fs.statSync(path.join(root, config)).mtimeMs > oldestOutput);
  if (changedConfig) return `${changedConfig} changed after dist/ was built.`;
  return undefined;
}

/** Throws, saying what to run, when dist/ is older than the sources it is compiled from. */
export function assertCompiledPackageCurrent(): void {
  const problem = compiledPackageProblem();
  if (problem) throw new Error(`The Jupyter tests run the compiled package dist/, which is out of date: ${problem}\n${REBUILD_HINT}`);
}
