/**
 * The imports between the modules of src/ against the layers declared in src/README.md: none
 * may go to a later layer, and none may close a loop. Imports are read from the syntax tree,
 * so type-only imports, re-exports, import() and require() with a literal path all count.
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { test } from "uvu";
import * as assert from "uvu/assert";

const root = path.resolve(__dirname, "..");
const srcFolder = path.join(root, "src");
const declaration = path.join(srcFolder, "README.md");
const packageName = "cnn-chapter4";

interface Layer {
  /** 1 for the lowest layer. */
  rank: number;
  /** Top-level entries of src/: "seed.ts" for a file, "native/" for a folder. */
  entries: string[];
}

interface Import {
  /** Paths relative to the project, e.g. "src/data/pipeline.ts". */
  from: string;
  line: number;
  specifier: string;
  /** The module it resolves to, or undefined when nothing in src/ matches a relative path. */
  target: string | undefined;
  typeOnly: boolean;
}

/** The numbered list of src/README.md: "N. `entry`, `entry` — what the layer is for". */
function declaredLayers(): Layer[] {
  const layers: Layer[] = [];
  for (const text of fs.readFileSync(declaration, "utf8").split("\n")) {
    const item = /^(\d+)\.\s+(.*?)\s+—\s/.exec(text);
    if (!item) continue;
    const entries = [...item[2].matchAll(/`([^`]+)`/g)].map((match) => match[1]);
    assert.ok(entries.length > 0, `src/README.md: layer ${item[1]} names no file or folder in backquotes: ${text}`);
    layers.push({ rank: Number(item[1]), entries });
  }
  assert.ok(layers.length > 0, "src/README.md declares no layers (lines like \"1. `seed.ts`, `cache.ts` — what they are for\")");
  layers.forEach((layer, index) =>
    assert.is(layer.rank, index + 1, `src/README.md: the layers must be numbered 1, 2, 3, … in order; found ${layer.rank} at position ${index + 1}`),
  );
  return layers;
}

function typeScriptModules(folder: string): string[] {
  return fs
    .readdirSync(folder, { withFileTypes: true })
    .flatMap((entry) => {
      const file = path.join(folder, entry.name);
      if (entry.isDirectory()) return typeScriptModules(file);
      return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [file] : [];
    })
    .sort();
}

const relative = (file: string) => path.relative(root, file).split(path.sep).join("/");

/** The top-level entry of src/ a module belongs to: "data/" for src/data/pipeline.ts, "seed.ts" for src/seed.ts. */
function topLevelEntry(module: string): string {
  const [first, ...rest] = path.relative(srcFolder, path.join(root, module)).split(path.sep);
  return rest.length > 0 ? `${first}/` : first;
}

/** The module a specifier names; undefined for a path in src/ that matches no file; null for anything outside the layers. */
function resolveSpecifier(importer: string, specifier: string): string | undefined | null {
  let base: string;
  if (specifier === packageName || specifier.startsWith(`${packageName}/`)) {
    base = path.join(srcFolder, specifier.slice(packageName.length));
  } else if (specifier.startsWith(".")) {
    base = path.resolve(path.dirname(importer), specifier);
  } else {
    return null; // a package or a Node built-in: outside the layers
  }
  const candidates = [base, `${base}.ts`, path.join(base, "index.ts"), base.replace(/\.js$/, ".ts")];
  const found = candidates.find((file) => file.endsWith(".ts") && fs.statSync(file, { throwIfNoEntry: false })?.isFile());
  if (found) return relative(found);
  // Files outside src/, and files that are not TypeScript (JSON, say), are not in the layers.
  const outsideSrc = path.relative(srcFolder, base).startsWith("..");
  return outsideSrc || fs.existsSync(base) || fs.existsSync(`${base}.json`) ? null : undefined;
}

function literalText(node: ts.Node | undefined): string | undefined {
  return node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) ? node.text : undefined;
}

/** Every import of one file: declarations, re-exports, `import x = require()`, import(), require() and `import("…").T`. */
function importsOf(file: string): Import[] {
  const source = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const found: Import[] = [];
  const add = (node: ts.Node, specifier: string | undefined, typeOnly: boolean) => {
    if (specifier === undefined) return;
    const target = resolveSpecifier(file, specifier);
    if (target === null) return;
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    found.push({ from: relative(file), line, specifier, target, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const namedOnlyTypes =
        clause !== undefined &&
        clause.name === undefined &&
        clause.namedBindings !== undefined &&
        ts.isNamedImports(clause.namedBindings) &&
        clause.namedBindings.elements.length > 0 &&
        clause.namedBindings.elements.every((element) => element.isTypeOnly);
      add(node, literalText(node.moduleSpecifier), Boolean(clause?.isTypeOnly) || namedOnlyTypes);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      const namedOnlyTypes =
        node.exportClause !== undefined &&
        ts.isNamedExports(node.exportClause) &&
        node.exportClause.elements.length > 0 &&
        node.exportClause.elements.every((element) => element.isTypeOnly);
      add(node, literalText(node.moduleSpecifier), node.isTypeOnly || namedOnlyTypes);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, literalText(node.moduleReference.expression), node.isTypeOnly);
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const isImport = callee.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(callee) && callee.text === "require";
      // A computed path (require(variable)) cannot be checked here; only literal ones are.
      if (isImport || isRequire) add(node, literalText(node.arguments[0]), false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node, literalText(node.argument.literal), true);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Fails listing one finding per line, without the stack trace, which would only repeat them. */
function failIfAny(heading: string, findings: string[]): void {
  if (findings.length === 0) return;
  const error = new Error(`${heading}\n      ${findings.join("\n      ")}`);
  error.stack = error.name;
  throw error;
}

function describe(edge: Import): string {
  return `${edge.from}:${edge.line} imports ${edge.target}${edge.typeOnly ? " (type only)" : ""}`;
}

const layers = declaredLayers();
const layerOf = new Map(layers.flatMap((layer) => layer.entries.map((entry): [string, Layer] => [entry, layer])));
const modules = typeScriptModules(srcFolder).map(relative);
const imports = modules.flatMap((module) => importsOf(path.join(root, module)));

test("every module of src/ belongs to a layer of src/README.md, and every entry there exists", () => {
  const unplaced = modules.filter((module) => !layerOf.has(topLevelEntry(module)));
  failIfAny("modules in no layer (add their file or folder to the list in src/README.md):", unplaced);
  const missing = [...layerOf.keys()].filter((entry) => !fs.existsSync(path.join(srcFolder, entry)));
  failIfAny("src/README.md names entries that src/ does not have:", missing);
});

test("every relative import in src/ resolves to a module", () => {
  const broken = imports.filter((edge) => edge.target === undefined).map((edge) => `${edge.from}:${edge.line} "${edge.specifier}"`);
  failIfAny("imports that match no file:", broken);
});

test("no module imports from a later layer (src/README.md)", () => {
  const upward = imports
    .filter((edge) => edge.target !== undefined)
    .flatMap((edge) => {
      const from = layerOf.get(topLevelEntry(edge.from));
      const to = layerOf.get(topLevelEntry(edge.target as string));
      if (!from || !to || to.rank <= from.rank) return [];
      const name = (layer: Layer) => `layer ${layer.rank} (${layer.entries.join(", ")})`;
      return [`${describe(edge)}: ${name(from)} may not import from ${name(to)}`];
    });
  failIfAny(`${upward.length} import(s) going up the order of src/README.md:`, upward);
});

test("no modules import each other in a loop", () => {
  // One import per (module, target) pair is enough to find the loops: the first in the file.
  const edges = new Map<string, Import[]>();
  for (const edge of imports) {
    if (edge.target === undefined) continue;
    const out = edges.get(edge.from) ?? [];
    if (!out.some((known) => known.target === edge.target)) out.push(edge);
    edges.set(edge.from, out);
  }
  // Depth-first search; each import that leads back to a module still on the path closes one loop.
  const loops: string[] = [];
  const done = new Set<string>();
  const onPath: Import[] = [];
  const pathModules: string[] = [];
  const walk = (module: string): void => {
    pathModules.push(module);
    for (const edge of [...(edges.get(module) ?? [])].sort((a, b) => (a.target as string).localeCompare(b.target as string))) {
      const target = edge.target as string;
      const back = pathModules.indexOf(target);
      if (back >= 0) {
        const loop = [...onPath.slice(back), edge];
        loops.push(`a loop of ${loop.length} module(s):\n        ${loop.map(describe).join("\n        ")}`);
      } else if (!done.has(target)) {
        onPath.push(edge);
        walk(target);
        onPath.pop();
      }
    }
    pathModules.pop();
    done.add(module);
  };
  for (const module of modules) if (!done.has(module)) walk(module);
  failIfAny(`${loops.length} import loop(s) in src/:`, loops);
});

test.run();
