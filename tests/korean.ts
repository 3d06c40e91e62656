/**
 * What the Korean tests share: the Korean edition's term list (notebooks/ko/terms.json) and a
 * matcher for its refused variants; a finder for the English words a Korean reader should not
 * see in an output (code names, units and CPU names are allowed); and readers of what a chart
 * shows (the text its SVG draws, the field names its tooltips show).
 */
import * as fs from "fs";
import * as path from "path";

export const TERMS_FILE = path.resolve(__dirname, "../notebooks/ko/terms.json");

export interface TermEntry {
  concept: string;
  use: string;
  refuse: string[];
  fine: string[];
  why: string;
  /** For a model's name: the package's key of the model (createModel's argument). */
  modelKey?: string;
}

export function readTerms(file = TERMS_FILE): TermEntry[] {
  return (JSON.parse(fs.readFileSync(file, "utf8")) as { terms: TermEntry[] }).terms;
}

/** A refused variant found in a text, with the term to use instead. */
export interface TermFound {
  found: string;
  use: string;
  /** Up to 20 characters either side of the variant. */
  context: string;
}

/** `#` in a phrase of the list stands for a number: 12, 0.45, 1,024, −7.5. */
const NUMBER = String.raw`[+−-]?\d[\d,]*(?:\.\d+)?`;

function phrasePattern(phrase: string): RegExp {
  const escaped = phrase.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(escaped.split("#").join(NUMBER), "g");
}

function spans(text: string, phrase: string): [number, number][] {
  return [...text.matchAll(phrasePattern(phrase))].map((match) => [match.index ?? 0, (match.index ?? 0) + match[0].length]);
}

/**
 * Every refused variant in `text`, except where it lies inside its entry's term itself (윈도 in
 * 윈도우) or inside one of the entry's `fine` phrases (층 in 합성곱 3층).
 */
export function refusedTerms(text: string, terms: readonly TermEntry[]): TermFound[] {
  const found: TermFound[] = [];
  for (const entry of terms) {
    const fine = [entry.use, ...entry.fine].flatMap((phrase) => spans(text, phrase));
    for (const variant of entry.refuse) {
      for (const [start, end] of spans(text, variant)) {
        if (fine.some(([fineStart, fineEnd]) => fineStart <= start && end <= fineEnd)) continue;
        const context = text.slice(Math.max(0, start - 20), end + 20).replace(/\s+/g, " ");
        found.push({ found: text.slice(start, end), use: entry.use, context });
      }
    }
  }
  return found;
}

/**
 * English words a Korean output may show, each group with its reason. Besides these, a word
 * passes when it is a single letter (x, f, R), an acronym (TTA, AVX-512, CIFAR-10, UTC) or
 * written as code is (camelCase, snake_case, a path, a name with digits: weight1, float32).
 */
const ALLOWED_GROUPS: [string, string[]][] = [
  ["names of software, projects and methods, written as their makers write them", ["Python", "Node", "Jupyter", "tfjs", "tensorflow", "airbench", "linux", "Adam"]],
  ["functions of the chapter's mathematics, named as in code and in Korean texts", ["sigmoid", "tanh", "softmax"]],
  ["values and types as code prints them", ["true", "false", "float", "Tensor"]],
  ["units", ["ms", "s"]],
];

export const ALLOWED_ENGLISH: ReadonlySet<string> = new Set(ALLOWED_GROUPS.flatMap(([, words]) => words));

/**
 * Spans of a Korean output that are code, taken out before its words are read: code spans, a
 * quoted name ("compiled-bfloat16", 'ko'), a call written out (conv(shift(digit)), softmax([2, 1])),
 * a key of a printed object (`  retrain: false,`), and the chapter's own log line, which the
 * package prints as the chapter's code does so that it can be set beside the chapter's log
 * (`step 500, cost 0.1191, training accuracy 0.9600`).
 */
const CODE_SPANS: RegExp[] = [
  /`[^`\n]*`/g,
  /(["'])[\w.\-/]+\1/g,
  /\b[A-Za-z_]\w*\((?:[^()\n]|\([^()\n]*\))*\)/g,
  /^\s+[A-Za-z_$][\w$]*:/gm,
  /^step \d+(?:, cost \d+\.\d+)?, training accuracy \d\.\d+$/gm,
];

function isCodeOrAcronym(word: string): boolean {
  return (
    word.length === 1 ||
    /^[A-Z][A-Z0-9]*(?:[-.][A-Z0-9]+)*$/.test(word) ||
    /[_/.]/.test(word) ||
    /[a-z][A-Z]/.test(word) ||
    /^[A-Za-z]+\d[A-Za-z0-9]*$/.test(word)
  );
}

/** The English words of `text` that a Korean reader should not see: neither code nor on ALLOWED_ENGLISH. */
export function englishWords(text: string): string[] {
  const prose = CODE_SPANS.reduce((rest, pattern) => rest.replace(pattern, " "), text);
  return [...prose.matchAll(/(?<![\w.])[A-Za-z][\w\-./]*/g)]
    .map((match) => match[0].replace(/[-./]+$/, ""))
    .filter((word) => !isCodeOrAcronym(word) && !ALLOWED_ENGLISH.has(word));
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (entity, name: string) =>
    name.startsWith("#x") || name.startsWith("#X")
      ? String.fromCodePoint(parseInt(name.slice(2), 16))
      : name.startsWith("#")
        ? String.fromCodePoint(Number(name.slice(1)))
        : ENTITIES[name] ?? entity,
  );
}

/** The text an SVG draws, one entry per <text> element (its <tspan> lines joined). */
export function svgDrawnTexts(svg: string): string[] {
  return [...svg.matchAll(/<text\b[^>]*>([\s\S]*?)<\/text>/g)].map((match) => unescapeXml(match[1].replace(/<[^>]+>/g, " ").trim()));
}

/** What a chart's tooltips show as each field's name: its title, else the field itself. */
export function tooltipTitles(spec: unknown): string[] {
  if (Array.isArray(spec)) return spec.flatMap(tooltipTitles);
  if (spec === null || typeof spec !== "object") return [];
  return Object.entries(spec).flatMap(([key, value]) => {
    if (key !== "tooltip") return tooltipTitles(value);
    const entries = (Array.isArray(value) ? value : [value]) as { field?: string; title?: string | null }[];
    return entries.flatMap((entry) => (typeof entry === "object" && entry !== null ? [entry.title ?? entry.field ?? ""] : []));
  });
}
