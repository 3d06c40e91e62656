import { test } from "uvu";
import * as assert from "uvu/assert";
import { functionChart } from "../../src/display/charts/function-lines";
import { chartDescription, showChart, VEGA_LITE_MIME } from "../../src/display/show-chart";
import { capturedConsole, recordOutputs, simulateTerminal, stopRecording } from "../output/recorder";

test.after.each(stopRecording);

const spec = functionChart({ ReLU: [{ x: -1, y: 0 }, { x: 0, y: 0 }, { x: 1, y: 1 }] }, { title: "ReLU" });

test("showChart sends one bundle: vega-lite v5 spec, rendered SVG and a description", async () => {
  const messages = recordOutputs();
  await showChart(spec);
  assert.is(messages.length, 1);
  assert.is(messages[0].type, "display_data");
  const data = messages[0].content.data;
  assert.equal(Object.keys(data).sort(), ["application/vnd.vegalite.v5+json", "image/svg+xml", "text/plain"]);
  assert.is(VEGA_LITE_MIME, "application/vnd.vegalite.v5+json");
  assert.equal(data[VEGA_LITE_MIME], spec);
  assert.is((data[VEGA_LITE_MIME] as { $schema: string }).$schema, "https://vega.github.io/schema/vega-lite/v5.json");
  assert.ok(String(data["image/svg+xml"]).startsWith("<svg"));
  assert.match(String(data["text/plain"]), /ReLU/);
  assert.equal(messages[0].content.metadata, { "image/svg+xml": { alt: "Line chart of ReLU" } });
});

test("a chart's description (its alt text) is its title and its description, the title once", () => {
  const titled = functionChart({ ReLU: [{ x: 0, y: 0 }] }, { title: "Activation functions" });
  assert.is(chartDescription(titled), "Activation functions: Line chart of ReLU");
  assert.is(chartDescription(spec), "Line chart of ReLU", "the description already names the title");
  assert.is(chartDescription({ ...spec, description: undefined }), "ReLU");
  assert.is(chartDescription({ ...spec, title: { text: ["two", "lines"] } }), "two lines: Line chart of ReLU");
});

test("showChart in a terminal prints the description and does not throw", async () => {
  simulateTerminal();
  const printed = await capturedConsole(() => showChart(spec));
  assert.equal(printed, ["[chart] Line chart of ReLU"]);
});

test.run();
