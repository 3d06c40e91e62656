import { test } from "uvu";
import * as assert from "uvu/assert";
import { setDisplayWriter, type DisplayContent } from "../../src/output";
import { declarationText, showSource } from "../../src/notebook/source";

/** Runs showSource with a recording writer; returns the one output's markdown and plain text. */
function shown(relativePath: string, names?: readonly string[]): { markdown: string; listing: string } {
  const sent: DisplayContent[] = [];
  setDisplayWriter((content) => sent.push(content));
  try {
    const result: unknown = showSource(relativePath, names);
    // A cell ending with the call would print a returned value after the listing.
    assert.is(result, undefined);
  } finally {
    setDisplayWriter(undefined);
  }
  assert.is(sent.length, 1);
  return { markdown: String(sent[0].data["text/markdown"]), listing: String(sent[0].data["text/plain"]) };
}

test("showSource displays a model's code as a TypeScript listing without imports", () => {
  const { markdown, listing } = shown("models/mnist.ts");
  assert.not.match(listing, /^import /m);
  assert.match(listing, /convLayer\(x, \[5, 5, 1, 32\]\)/);
  assert.match(markdown, /^`src\/models\/mnist.ts`\n\n```ts\n/);
});

test("showSource can show only the named declarations, with their doc comments", () => {
  const { listing } = shown("layers/layers.ts", ["conv2d", "maxPool2x2"]);
  assert.match(listing, /^\/\*\*\n \* 2-D convolution/);
  assert.match(listing, /export function conv2d\(x: tf.Tensor4D, W: tf.Tensor4D\): tf.Tensor4D \{/);
  assert.match(listing, /export function maxPool2x2/);
  assert.not.match(listing, /export function maxPool\(/);
  assert.not.match(listing, /fullLayer/);
  assert.throws(() => showSource("layers/layers.ts", ["nothing"]), /has no exported declaration named nothing/);
});

test("the chapter's helpers as notebook 4.2 lists them show the idea, without the multiply-add counting", () => {
  const { listing } = shown("layers/layers.ts", ["conv2d", "convLayer", "fullLayer"]);
  assert.match(listing, /return tf.conv2d\(x, W, \[1, 1\], "same"\);/);
  assert.not.match(listing, /record|multiply-adds|heap/i);
});

test("showSource shows a one-line constant alone, with its doc comment", () => {
  const { listing } = shown("native/ops.ts", ["ONEDNN_KERNEL_LABEL"]);
  assert.match(listing, /^\/\*\*\n \* The `_kernel` label/);
  assert.ok(listing.endsWith('export const ONEDNN_KERNEL_LABEL = "MklNameChangeOp";'), listing);
});

test("showSource names the missing file and the expected form", () => {
  assert.throws(() => showSource("models/nope.ts"), /src\/models\/nope.ts does not exist; give a path under src\//);
});

// Closing brackets at column 0 inside strings and nested literals: a listing must end where the declaration does.
const fixture = `import { thing } from "elsewhere";

/** The limit. */
export const LIMIT = 5;

// Not a doc comment: stays out of the listing.
/** Labels, over several lines. */
export const labels = {
  closing: \`
}\`,
  list: [1,
2],
};

export function scaled(value: number): number {
  const factor = { by: "]" };
  return value * factor.by.length;
}

/** Counts. */
export class Counter {
  count = 0;
  add(): void {
    this.count++;
  }
}

export const after = 1;
`;

test("a one-line constant ends at its own line", () => {
  assert.is(declarationText(fixture, "LIMIT", "fixture.ts"), "/** The limit. */\nexport const LIMIT = 5;");
});

test("a multi-line object literal is shown whole, past brackets at column 0 inside it", () => {
  const listing = declarationText(fixture, "labels", "fixture.ts");
  assert.ok(listing.startsWith("/** Labels, over several lines. */\nexport const labels = {"), listing);
  assert.ok(listing.endsWith("  list: [1,\n2],\n};"), listing);
});

test("a multi-line function and a class are shown whole, and nothing after them", () => {
  const fn = declarationText(fixture, "scaled", "fixture.ts");
  assert.ok(fn.startsWith("export function scaled(value: number): number {"), fn);
  assert.ok(fn.endsWith("  return value * factor.by.length;\n}"), fn);
  const cls = declarationText(fixture, "Counter", "fixture.ts");
  assert.ok(cls.startsWith("/** Counts. */\nexport class Counter {"), cls);
  assert.ok(cls.endsWith("    this.count++;\n  }\n}"), cls);
  assert.not.match(cls, /after/);
});

test.run();
