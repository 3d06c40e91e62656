import { test } from "uvu";
import * as assert from "uvu/assert";
import { currentDisplayWriter, displayBundle, liveDisplay, type DisplayWriter } from "../../src/output/output";
import { capturedConsole, recordOutputs, simulateTerminal, stopRecording } from "./recorder";

test.after.each(stopRecording);

test("displayBundle sends one display_data with every MIME type of the bundle", () => {
  const messages = recordOutputs();
  displayBundle({ "image/svg+xml": "<svg/>", "text/plain": "a chart" });
  assert.is(messages.length, 1);
  assert.is(messages[0].type, "display_data");
  assert.equal(messages[0].content.data, { "image/svg+xml": "<svg/>", "text/plain": "a chart" });
});

test("displayBundle describes each picture of the bundle in its metadata (alt text): the description given, else its text/plain", () => {
  const messages = recordOutputs();
  displayBundle({ "image/png": "AAAA", "image/svg+xml": "<svg/>", "text/plain": "[image grid] 4 images" }, "four digits");
  displayBundle({ "image/png": "AAAA", "text/plain": "[image grid] 4 images" });
  displayBundle({ "text/markdown": "**bold**", "text/plain": "bold" }, "not a picture");
  assert.equal(messages[0].content.metadata, { "image/png": { alt: "four digits" }, "image/svg+xml": { alt: "four digits" } });
  assert.equal(messages[1].content.metadata, { "image/png": { alt: "[image grid] 4 images" } });
  assert.equal(messages[2].content.metadata, {}, "only pictures get alt text");
});

test("liveDisplay sends display_data once, then update_display_data with the same display_id", () => {
  const messages = recordOutputs();
  const live = liveDisplay();
  live.update("first");
  live.update({ "text/plain": "second" });
  live.update("third");
  assert.equal(
    messages.map((message) => message.type),
    ["display_data", "update_display_data", "update_display_data"],
  );
  assert.ok(live.displayId.length > 0);
  for (const message of messages) assert.is(message.content.transient.display_id, live.displayId);
  assert.equal(messages[2].content.data, { "text/plain": "third" });
  live.update({ "image/svg+xml": "<svg/>", "text/plain": "a chart" }, "accuracy against epoch");
  assert.equal(messages[3].content.metadata, { "image/svg+xml": { alt: "accuracy against epoch" } });
});

test("two live displays have different display_ids", () => {
  assert.is.not(liveDisplay().displayId, liveDisplay().displayId);
});

test("in a terminal displayBundle prints the text and liveDisplay stays silent", async () => {
  simulateTerminal();
  const printed = await capturedConsole(() => {
    displayBundle({ "image/png": "AAAA", "text/plain": "[image grid] 4 images" });
    liveDisplay().update("progress");
  });
  assert.equal(printed, ["[image grid] 4 images"]);
});

test("without an injected writer the kernel's tslab writer is found in the module cache", () => {
  stopRecording();
  assert.is(currentDisplayWriter(), null, "no tslab kernel in this process");
  const writer: DisplayWriter = () => undefined;
  const fakeModule = "/nowhere/node_modules/tslab/dist/jupyter.js";
  require.cache[fakeModule] = { loaded: true, exports: { lastWriteDisplayData: writer } } as unknown as NodeJS.Module;
  try {
    assert.is(currentDisplayWriter(), writer);
  } finally {
    delete require.cache[fakeModule];
  }
});

test.run();
