import { test } from "uvu";
import * as assert from "uvu/assert";
import { chartToSvg } from "../../src/display/chart-svg";
import { comparisonChart, type ComparisonRow } from "../../src/display/charts/comparison";
import { cornersOf, functionChart, type Point } from "../../src/display/charts/function-lines";
import { AIRBENCH_SCHEDULE } from "../../src/recipes/airbench/recipe";
import { triangularMultiplier } from "../../src/training/schedule";
import { confusionMatrixChart, heatmapChart, poolingChart } from "../../src/display/charts/heatmap";
import { trainingCurvesChart, type TrainingPoint } from "../../src/display/charts/training-curves";
import { countMarks, svgTexts } from "../output/recorder";

const history = (steps: number, start: number): TrainingPoint[] =>
  Array.from({ length: steps }, (_, i) => ({ step: i * 10, cost: start / (i + 1), accuracy: 1 - 0.5 / (i + 1) }));

test("training curves: cost and accuracy panels, one line per model in each, log points as dots", async () => {
  const mnist = history(20, 2.3);
  const logged = mnist.filter((point) => point.step % 50 === 0);
  const svg = await chartToSvg(
    trainingCurvesChart({ mnist: { points: mnist, logged }, "cifar-3conv": { points: history(20, 2.0) } }),
  );
  assert.ok(svg.startsWith("<svg"));
  const texts = svgTexts(svg);
  for (const expected of ["Training curves", "Step", "Cost (log scale)", "Training accuracy", "mnist", "cifar-3conv"]) {
    assert.ok(texts.includes(expected), `missing text ${expected}`);
  }
  assert.is(countMarks(svg, "line mark"), 4);
  assert.is(countMarks(svg, "point"), 2 * logged.length);
});

test("training curves: the cost axis is logarithmic, so the descent after a high start stays readable", async () => {
  // From 10 down to 0.01: on a linear axis everything after the first points would sit on the floor.
  const points = [10, 1, 0.1, 0.01].map((cost, i) => ({ step: i * 100, cost }));
  const svg = await chartToSvg(trainingCurvesChart({ mnist: { points } }));
  const ticks = svgTexts(svg).filter((text) => /^[\d.]+$/.test(text));
  for (const decade of ["0.01", "0.1", "1", "10"]) assert.ok(ticks.includes(decade), `no ${decade} tick in ${ticks}`);
  // The axis' tick labels are a log scale's: no evenly spaced linear ticks such as 2, 4, 6, 8.
  assert.not.ok(ticks.includes("4") || ticks.includes("6"), `linear ticks in ${ticks}`);
});

test("training curves without accuracy have only the cost panel", async () => {
  const svg = await chartToSvg(trainingCurvesChart({ mnist: { points: [{ step: 0, cost: 2.3 }, { step: 1, cost: 1.9 }] } }));
  const texts = svgTexts(svg);
  assert.ok(texts.includes("Cost (log scale)"));
  assert.not.ok(texts.includes("Training accuracy"));
  assert.is(countMarks(svg, "line mark"), 1);
});

test("function chart: one line per function with the given axis titles", async () => {
  const sample = (f: (x: number) => number) => Array.from({ length: 9 }, (_, i) => ({ x: i - 4, y: f(i - 4) }));
  const spec = functionChart(
    { ReLU: sample((x) => Math.max(0, x)), sigmoid: sample((x) => 1 / (1 + Math.exp(-x))), tanh: sample(Math.tanh) },
    { title: "Activation functions", yTitle: "activation" },
  );
  const svg = await chartToSvg(spec);
  const texts = svgTexts(svg);
  for (const expected of ["Activation functions", "x", "activation", "ReLU", "sigmoid", "tanh"]) {
    assert.ok(texts.includes(expected), `missing text ${expected}`);
  }
  assert.is(countMarks(svg, "line mark"), 3);
});

test("function chart: the data holds only the points a line needs, its ends and corners", () => {
  // Notebook 4.4's learning-rate schedule, sampled at 1,001 steps: up to the peak at 23%, then down.
  const schedule = Array.from({ length: 1001 }, (_, step) => ({ x: step / 1000, y: triangularMultiplier(step, 1000, AIRBENCH_SCHEDULE) }));
  const values = (functionChart({ multiplier: schedule }).data as { values: Point[] }).values;
  assert.equal(values.map(({ x, y }) => [x, Number(y.toFixed(12))]), [[0, 0.2], [0.23, 1], [1, 0.07]]);
  // A curve keeps every sample; a line that turns back keeps its turning point; so do repeated corners.
  const parabola = Array.from({ length: 21 }, (_, i) => ({ x: i / 10 - 1, y: (i / 10 - 1) ** 2 }));
  assert.equal(cornersOf(parabola), parabola);
  assert.equal(cornersOf([{ x: 0, y: 0 }, { x: 2, y: 2 }, { x: 1, y: 1 }]), [{ x: 0, y: 0 }, { x: 2, y: 2 }, { x: 1, y: 1 }]);
  assert.equal(cornersOf([{ x: -2, y: 0 }, { x: -1, y: 0 }, { x: 0, y: 0 }, { x: 1, y: 1 }, { x: 2, y: 2 }]), [{ x: -2, y: 0 }, { x: 0, y: 0 }, { x: 2, y: 2 }]);
  assert.equal(cornersOf([{ x: 0, y: 1 }]), [{ x: 0, y: 1 }]);
});

test("comparison chart: one bar and one value label per row, one panel per metric", async () => {
  const rows: ComparisonRow[] = [
    { model: "mnist", metric: "Test accuracy", series: "ours", value: 0.9912 },
    { model: "mnist", metric: "Test accuracy", series: "chapter", value: 0.99 },
    { model: "MLP", metric: "Test accuracy", series: "ours", value: 0.9781 },
    { model: "mnist", metric: "Parameters", series: "ours", value: 61706 },
    { model: "MLP", metric: "Parameters", series: "ours", value: 266610 },
  ];
  const svg = await chartToSvg(comparisonChart(rows, { title: "Ours vs the chapter" }));
  assert.is(countMarks(svg, "bar"), rows.length);
  const texts = svgTexts(svg);
  for (const expected of ["Ours vs the chapter", "Test accuracy", "Parameters", "ours", "chapter", "0.9912", "61,706", "266,610"]) {
    assert.ok(texts.includes(expected), `missing text ${expected}`);
  }
});

/** The 4.3 notebook's comparison: three models, three series of accuracies, wall time and parameters, one note. */
function cifarComparison(): ComparisonRow[] {
  const runs: [string, number, number, number, number, number][] = [
    ["cifar-simple", 68.98, 70.76, 70.48, 365, 4259274],
    ["cifar-3conv", 70.41, 72.02, 71.41, 409, 1312842],
    ["cifar-reduced", 51.53, 71.3, 54.32, 781, 272700],
  ];
  return runs.flatMap(([model, ours, chapter, python, seconds, parameters]) => [
    { model, metric: "test accuracy (%)", series: "this notebook", value: ours },
    {
      model,
      metric: "test accuracy (%)",
      series: "chapter (printed)",
      value: chapter,
      ...(model === "cifar-reduced" ? { note: "the chapter's figure for cifar-reduced is a second run of the 3-conv model, as the text explains" } : {}),
    },
    { model, metric: "test accuracy (%)", series: "chapter's code, Python TF 2.21", value: python },
    { model, metric: "training wall time (s)", series: "this notebook", value: seconds },
    { model, metric: "parameters", series: "this notebook", value: parameters },
  ]);
}

test("comparison chart: panels stacked and the legend on top, so the whole chart fits a 900 px page", async () => {
  const svg = await chartToSvg(comparisonChart(cifarComparison(), { title: "CIFAR-10 models" }));
  const width = Number(/^<svg[^>]*\bwidth="([\d.]+)"/.exec(svg)?.[1]);
  assert.ok(width > 0 && width <= 900, `the chart is ${width} px wide`);
  const texts = svgTexts(svg);
  for (const expected of ["this notebook", "chapter (printed)", "chapter's code, Python TF 2.21", "4,259,274", "781"]) {
    assert.ok(texts.includes(expected), `missing text ${expected}`);
  }
});

test("comparison chart: a noted bar is light and dashed, its value marked, its note under the chart", async () => {
  const svg = await chartToSvg(comparisonChart(cifarComparison(), { title: "CIFAR-10 models" }));
  const bars = [...svg.matchAll(/<path [^>]*aria-roledescription="bar"[^>]*>/g)].map((match) => match[0]);
  const noted = bars.filter((bar) => /fill-opacity="0.3"/.test(bar));
  assert.is(noted.length, 1);
  assert.match(noted[0], /model: cifar-reduced; series: chapter \(printed\)/);
  assert.match(noted[0], /stroke-width="1"/);
  assert.ok(bars.filter((bar) => bar !== noted[0]).every((bar) => /stroke-width="0"/.test(bar)), "only the noted bar has an outline");
  const texts = svgTexts(svg);
  assert.ok(texts.includes("71.3 *"), `no marked value in ${texts}`);
  // The note, after its mark, wrapped over lines that stay within the panel.
  const start = texts.findIndex((text) => text.startsWith("* "));
  const note = "* the chapter's figure for cifar-reduced is a second run of the 3-conv model, as the text explains";
  const footnote = texts.slice(start, start + 2);
  assert.ok(footnote.every((line) => line.length <= 70), `footnote lines: ${footnote.join(" | ")}`);
  assert.is(footnote.join(" "), note);
});

test("comparison chart without notes has no footnote", async () => {
  const rows = cifarComparison().map(({ note: _note, ...row }) => row);
  const texts = svgTexts(await chartToSvg(comparisonChart(rows)));
  assert.ok(texts.includes("71.3"));
  assert.not.ok(texts.some((text) => text.startsWith("*") || text.endsWith("*")));
});

test("heatmap: a cell and a number per matrix entry, labels on both axes", async () => {
  const svg = await chartToSvg(
    heatmapChart([[1, 3.25], [0.5, -2]], { title: "Feature map", rowLabels: ["r0", "r1"], columnLabels: ["c0", "c1"] }),
  );
  assert.is(countMarks(svg, "rect mark"), 4);
  const texts = svgTexts(svg);
  for (const expected of ["Feature map", "r0", "r1", "c0", "c1", "3.25", "0.5", "−2"]) {
    assert.ok(texts.includes(expected), `missing text ${expected}`);
  }
});

test("heatmap rejects ragged matrices and mismatched labels with a clear message", () => {
  assert.throws(() => heatmapChart([[1, 2], [3]]), /rectangular matrix.*\[2, 1\]/);
  assert.throws(() => heatmapChart([[1, 2]], { columnLabels: ["a"] }), /columnLabels must be 2 distinct labels/);
});

test("pooling chart: input and pooled map on one colour scale (one legend), the pooling windows outlined", async () => {
  const input = [[1, 3, 2, 0], [5, 6, 1, 2], [7, 2, 9, 4], [0, 1, 3, 8]];
  const pooled = [[6, 2], [7, 9]];
  const spec = poolingChart(input, pooled, { valueFormat: "d" }) as unknown as {
    hconcat: { layer: { data?: { values: { x0: number; y0: number; x1: number; y1: number }[] }; encoding?: { color?: { scale: { domain: number[] } } } }[] }[];
  };
  const [inputPanel, pooledPanel] = spec.hconcat;
  const domainOf = (panel: typeof inputPanel) => panel.layer.flatMap((layer) => (layer.encoding?.color ? [layer.encoding.color.scale.domain] : []));
  assert.equal(domainOf(inputPanel), [[0, 9]]);
  assert.equal(domainOf(pooledPanel), [[0, 9]]);
  const windows = inputPanel.layer.flatMap((layer) => layer.data?.values ?? []);
  assert.equal(
    windows.map(({ x0, y0, x1, y1 }) => [y0, x0, y1, x1]),
    [[0, 0, 2, 2], [0, 2, 2, 4], [2, 0, 4, 2], [2, 2, 4, 4]],
  );
  const svg = await chartToSvg(poolingChart(input, pooled, { valueFormat: "d" }));
  assert.is(countMarks(svg, "legend"), 1);
  assert.is(countMarks(svg, "text mark"), 16 + 4);
  const texts = svgTexts(svg);
  for (const expected of ["2×2 max pooling, stride 2", "input 4×4", "pooled 2×2", "9"]) {
    assert.ok(texts.includes(expected), `missing text ${expected}`);
  }
  assert.throws(() => poolingChart(input, [[6, 2]]), /4×4 input pooled over 2×2 windows gives 2×2, got 1×2/);
});

test("confusion matrix: 10×10 cells with counts and class names as axis labels", async () => {
  const classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];
  const counts = classes.map((_, i) => classes.map((_, j) => (i === j ? 900 + i : i + j)));
  const svg = await chartToSvg(confusionMatrixChart(counts, classes));
  assert.is(countMarks(svg, "rect mark"), 100);
  assert.is(countMarks(svg, "text mark"), 100);
  const texts = svgTexts(svg);
  for (const expected of ["Confusion matrix", "True class", "Predicted class", "airplane", "truck", "909", "17"]) {
    assert.ok(texts.includes(expected), `missing text ${expected}`);
  }
});

test("chartToSvg refuses data behind a URL instead of loading it", async () => {
  const spec = trainingCurvesChart({ mnist: { points: history(2, 1) } });
  const linked = { ...spec, data: { url: "https://example.com/history.csv" } };
  try {
    await chartToSvg(linked);
    assert.unreachable("should have refused");
  } catch (error) {
    assert.match((error as Error).message, /tried to load 'https:\/\/example.com\/history.csv'.*inline/);
  }
});

test("ids in the SVG differ between renders and references follow them", async () => {
  const spec = heatmapChart([[1, 2], [3, 4]]); // its colour legend uses a gradient definition
  const [first, second] = [await chartToSvg(spec), await chartToSvg(spec)];
  const ids = (svg: string) => [...svg.matchAll(/\bid="([^"]+)"/g)].map((match) => match[1]);
  assert.ok(ids(first).length > 0);
  assert.not.ok(ids(first).some((id) => ids(second).includes(id)));
  for (const match of first.matchAll(/url\(#([^)]+)\)/g)) assert.ok(ids(first).includes(match[1]));
});

test.run();
