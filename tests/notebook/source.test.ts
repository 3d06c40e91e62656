import { test } from "uvu";
import * as assert from "uvu/assert";
import { setDisplayWriter, type DisplayContent } from "../../src/display";
import { showSource } from "../../src/notebook/source";

test("showSource displays a model's code as a TypeScript listing without imports", () => {
  const sent: DisplayContent[] = [];
  setDisplayWriter((content) => sent.push(content));
  try {
    const listing = showSource("models/mnist.ts");
    assert.not.match(listing, /^import /m);
    assert.match(listing, /convLayer\(x, \[5, 5, 1, 32\]\)/);
    assert.is(sent.length, 1);
    assert.match(String(sent[0].data["text/markdown"]), /^`src\/models\/mnist.ts`\n\n```ts\n/);
  } finally {
    setDisplayWriter(undefined);
  }
});

test("showSource can show only the named declarations, with their doc comments", () => {
  setDisplayWriter(() => {});
  try {
    const listing = showSource("layers/layers.ts", ["conv2d", "maxPool2x2"]);
    assert.match(listing, /^\/\*\* 2-D convolution/);
    assert.match(listing, /export function conv2d\(x: tf.Tensor4D, W: tf.Tensor4D\): tf.Tensor4D \{/);
    assert.match(listing, /export function maxPool2x2/);
    assert.not.match(listing, /export function maxPool\(/);
    assert.not.match(listing, /fullLayer/);
    assert.throws(() => showSource("layers/layers.ts", ["nothing"]), /has no exported declaration named nothing/);
  } finally {
    setDisplayWriter(undefined);
  }
});

test("showSource names the missing file and the expected form", () => {
  assert.throws(() => showSource("models/nope.ts"), /src\/models\/nope.ts does not exist; give a path under src\//);
});

test.run();
