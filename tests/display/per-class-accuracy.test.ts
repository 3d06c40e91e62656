import { test } from "uvu";
import * as assert from "uvu/assert";
import { chartToSvg } from "../../src/display/chart-svg";
import { perClassAccuracyChart } from "../../src/display/charts/per-class-accuracy";
import { countMarks, svgTexts } from "../output/recorder";

interface Bar {
  name: string;
  value: number;
  text: string;
  highlighted: boolean;
}

function bars(spec: object): Bar[] {
  const layers = (spec as { layer: Array<{ mark: { type: string }; data: { values: Bar[] } }> }).layer;
  return layers.find((layer) => layer.mark.type === "bar")!.data.values;
}

// cat: 8 of 10 right, dog: 3 of 4, ship: all 6.
const counts = [
  [8, 2, 0],
  [1, 3, 0],
  [0, 0, 6],
];

test("per-class accuracy: each class's diagonal over its row, the worst class highlighted, overall accuracy as the rule", async () => {
  const spec = perClassAccuracyChart(counts, ["cat", "dog", "ship"]);
  assert.equal(bars(spec).map((bar) => [bar.name, bar.value, bar.highlighted]), [["cat", 80, false], ["dog", 75, true], ["ship", 100, false]]);
  const svg = await chartToSvg(spec);
  assert.is(countMarks(svg, "bar"), 3);
  assert.is(countMarks(svg, "rule mark"), 1);
  const texts = svgTexts(svg);
  // 17 right of 20 images.
  for (const expected of ["Test accuracy per class", "cat", "dog", "ship", "80.0%", "75.0%", "100.0%", "all classes: 85.00%"]) {
    assert.ok(texts.includes(expected), `missing text ${expected} in ${texts}`);
  }
});

test("per-class accuracy refuses a matrix that does not match the class names", () => {
  assert.throws(() => perClassAccuracyChart(counts, ["cat", "dog"]), /expected a 2×2 confusion matrix.*\[3, 3, 3\]/);
});

test.run();
