import { test } from "uvu";
import * as assert from "uvu/assert";
import { chartToSvg } from "../../src/display/chart-svg";
import { epochAccuracyChart } from "../../src/display/charts/epoch-accuracy";
import { countMarks, svgTexts } from "../output/recorder";
import { setLanguage } from "../../src/language";

const chapter = [
  { label: "chapter, MNIST model", accuracy: 0.7076 },
  { label: "chapter, 3 conv + dropout", accuracy: 0.7202 },
  { label: "chapter, reduced model (a second run of the 3-conv model, see 4.3)", accuracy: 0.713 },
];
const epochs = [
  { epoch: 1, testAccuracy: 0.6512, seconds: 88.4 },
  { epoch: 2, testAccuracy: 0.7831, seconds: 176.9 },
  { epoch: 3, testAccuracy: 0.8405, seconds: 265.2 },
];

interface Layer {
  mark: { type: string };
  data: { values: Array<Record<string, unknown>> };
}

function layerOf(spec: object, markType: string): Layer {
  const layers = (spec as { layer: Layer[] }).layer;
  const found = layers.filter((layer) => layer.mark.type === markType);
  assert.is(found.length, 1, `one ${markType} layer`);
  return found[0];
}

test("epoch accuracy: one point per epoch in percent, and one rule per reference at its value", async () => {
  const spec = epochAccuracyChart(epochs, chapter, { plannedEpochs: 8 });
  const line = layerOf(spec, "line");
  assert.equal(line.data.values.map((point) => [point.epoch, point.accuracy]), [[1, 65.12], [2, 78.31], [3, 84.05]]);
  const rules = layerOf(spec, "rule");
  assert.equal(rules.data.values.map((rule) => rule.accuracy), [70.76, 72.02, 71.3]);

  const svg = await chartToSvg(spec);
  assert.is(countMarks(svg, "point"), 3);
  assert.is(countMarks(svg, "rule mark"), 3);
  const texts = svgTexts(svg);
  for (const expected of ["Test accuracy per epoch", "Epoch", "Test accuracy (%)", "this run", "chapter, 3 conv + dropout: 72.02%", "chapter, reduced model (a second run of the 3-conv model, see 4.3): 71.30%"]) {
    assert.ok(texts.includes(expected), `missing text ${expected} in ${texts}`);
  }
  // The planned epochs fix the x axis: a live chart does not rescale as epochs arrive.
  assert.ok(texts.includes("8"), `no tick at the planned 8 epochs in ${texts}`);
});

test("epoch accuracy before the first epoch: the references alone, no run points", async () => {
  const svg = await chartToSvg(epochAccuracyChart([], chapter, { plannedEpochs: 10, runLabel: "airbench93" }));
  assert.is(countMarks(svg, "point"), 0);
  assert.is(countMarks(svg, "rule mark"), 3);
  assert.ok(svgTexts(svg).includes("10"));
});

test("epoch accuracy on held-out images: the axis, title and tooltip say validation, in the reader's language", async () => {
  const spec = epochAccuracyChart(epochs, chapter, { measuredOn: "validation" });
  const texts = svgTexts(await chartToSvg(spec));
  for (const expected of ["Validation accuracy per epoch", "Validation accuracy (%)"]) {
    assert.ok(texts.includes(expected), `missing text ${expected} in ${texts}`);
  }
  assert.not.ok(texts.some((text) => /test accuracy/i.test(text)), `a test-accuracy label on a validation chart: ${texts}`);
  assert.ok(JSON.stringify(layerOf(spec, "line")).includes('"title":"validation accuracy (%)"'), "tooltip names the validation accuracy");
  setLanguage("ko");
  try {
    assert.ok(svgTexts(await chartToSvg(epochAccuracyChart(epochs, [], { measuredOn: "validation" }))).includes("검증 정확도 (%)"));
  } finally {
    setLanguage(undefined);
  }
});

test.run();
