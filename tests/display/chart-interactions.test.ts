/**
 * What the live charts (JupyterLab, exported pages) let a reader do, read from vega's own run of
 * the specs in Node: tooltips, zoom and pan of the training curves' step axis, legends that pick
 * series. A selection is set as a pointer or a click would set it (vega-lite's store of it, and
 * for the zoom the signal the wheel drives), and the test reads what vega then draws.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { setLanguage } from "../../src/language";
import { chartToSvg } from "../../src/display/chart-svg";
import { comparisonChart } from "../../src/display/charts/comparison";
import { epochAccuracyChart } from "../../src/display/charts/epoch-accuracy";
import { functionChart } from "../../src/display/charts/function-lines";
import { confusionMatrixChart } from "../../src/display/charts/heatmap";
import { trainingCurvesChart, type TrainingPoint } from "../../src/display/charts/training-curves";

interface Item {
  datum: Record<string, unknown> & { datum?: Record<string, unknown> };
  opacity?: number;
  tooltip?: Record<string, string>;
  bounds: { x1: number; x2: number; y1: number; y2: number };
}
interface Mark {
  marktype: string;
  name?: string;
  items: (Item & { items?: Mark[] })[];
}

async function liveView(spec: TopLevelSpec): Promise<vega.View> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  await view.runAsync();
  return view;
}

/** The items of the marks named `name`, in every group that draws them. */
function itemsOf(view: vega.View, name: string): Item[] {
  const find = (mark: Mark): Item[] =>
    mark.marktype === "group" ? mark.items.flatMap((group) => (group.items ?? []).flatMap(find)) : mark.name === name ? mark.items : [];
  return find((view.scenegraph() as unknown as { root: Mark }).root);
}

/** Selects, as vega-lite's point selection `param` would on a pointer or a click, the datum with this id. */
function pointAt(view: vega.View, param: string, unit: string, id: unknown): void {
  view.change(`${param}_store`, vega.changeset().insert({ unit, fields: [{ type: "E", field: "_vgsid_" }], values: [id], _vgsid_: id }));
}

const curve = (start: number): TrainingPoint[] => [0, 50, 100, 150].map((step, i) => ({ step, cost: start / (i + 1), accuracy: 0.2 * (i + 1) }));

test("training curves: the point of a line nearest the pointer shows, with a tooltip giving its model, step and value", async () => {
  const spec = trainingCurvesChart({ mnist: { points: curve(2.4) }, cifar: { points: curve(4.8) } });
  const view = await liveView(spec);
  // vega-lite's voronoi cells: each holds the places nearest one point of a line, and together they tile the plot.
  const cells = itemsOf(view, "concat_0_layer_1_voronoi");
  assert.is(cells.length, 8);
  assert.equal(cells.find((cell) => cell.tooltip?.Model === "cifar" && cell.tooltip.Step === "50")?.tooltip, { Model: "cifar", Step: "50", "Cost (log scale)": "2.4000" });
  assert.ok(Math.min(...cells.map((cell) => cell.bounds.x1)) <= 0 && Math.max(...cells.map((cell) => cell.bounds.x2)) >= 320, "the cells span the plot's width");
  assert.ok(Math.min(...cells.map((cell) => cell.bounds.y1)) <= 0 && Math.max(...cells.map((cell) => cell.bounds.y2)) >= 220, "the cells span the plot's height");
  const accuracyCell = itemsOf(view, "concat_1_layer_1_voronoi").find((cell) => cell.tooltip?.Model === "mnist" && cell.tooltip.Step === "150");
  assert.equal(accuracyCell?.tooltip, { Model: "mnist", Step: "150", "Training accuracy": "0.8000" });

  // Until a pointer is near, the points are transparent; the one nearest it shows.
  assert.ok(itemsOf(view, "concat_0_layer_1_marks").every((point) => point.opacity === 0));
  const target = itemsOf(view, "concat_0_layer_1_marks").find((point) => point.datum.model === "mnist" && point.datum.step === 100);
  pointAt(view, "costHover", "concat_0_layer_1", target?.datum._vgsid_);
  await view.runAsync();
  const shown = itemsOf(view, "concat_0_layer_1_marks").filter((point) => point.opacity === 1);
  assert.equal(shown.map((point) => [point.datum.model, point.datum.step]), [["mnist", 100]]);
});

test("training curves: the tooltip's titles are the axes', in Korean in the Korean edition", async () => {
  setLanguage("ko");
  try {
    const view = await liveView(trainingCurvesChart({ 모델: { points: curve(2.4), logged: curve(2.4).slice(1, 2) } }));
    for (const name of ["concat_0_layer_1_voronoi", "concat_0_layer_2_marks"]) {
      assert.equal(Object.keys(itemsOf(view, name)[0].tooltip ?? {}), ["모델", "스텝", "비용 (로그 눈금)"], name);
    }
  } finally {
    setLanguage(undefined);
  }
});

test("training curves: shift + wheel and a drag zoom and pan each panel's step axis only, and dots beyond it are left out", async () => {
  const spec = trainingCurvesChart({ mnist: { points: curve(2.4), logged: curve(2.4) } });
  const params = (spec as { hconcat: { layer: { params?: object[] }[] }[] }).hconcat.map((panel) => panel.layer.flatMap((layer) => layer.params ?? []));
  for (const [index, field] of ["cost", "accuracy"].entries()) {
    assert.ok(params[index].some((param) => JSON.stringify(param) === JSON.stringify({ name: `${field}Zoom`, select: { type: "interval", encodings: ["x"], zoom: "wheel![event.shiftKey]" }, bind: "scales" })), `${field} panel: shift + wheel zooms, the wheel alone scrolls the page`);
  }
  const view = await liveView(spec);
  const [yBefore, accuracyStepsBefore] = [view.scale("concat_0_y").domain(), view.scale("concat_1_x").domain()];
  // What a shift + wheel turn over the cost panel sets: the interval's signal and its stored tuple.
  view.signal("costZoom_step", [40, 120]);
  await view.runAsync();
  view.change("costZoom_store", vega.changeset().insert({ unit: "concat_0_layer_0", fields: [{ field: "step", channel: "x", type: "R" }], values: [[40, 120]] }));
  await view.runAsync();
  assert.equal(view.scale("concat_0_x").domain(), [40, 120]);
  assert.equal(view.scale("concat_0_y").domain(), yBefore, "the cost axis stays");
  assert.equal(view.scale("concat_1_x").domain(), accuracyStepsBefore, "the accuracy panel keeps its own step axis");
  assert.equal(itemsOf(view, "concat_0_layer_2_marks").map((dot) => dot.datum.step), [50, 100]);
  assert.is(itemsOf(view, "concat_1_layer_2_marks").length, 4);
});

/** Clicks the legend entry `value`, as vega-lite's legend binding of `pickedSeries` on `field` hears it. */
async function clickLegend(view: vega.View, field: string, value: string | null): Promise<void> {
  view.signal(`pickedSeries_${field}_legend`, value);
  await view.runAsync();
}

/** Opacity of each series' items among `marks`, e.g. { mnist: [1], cifar: [0.15] }. */
function opacities(view: vega.View, marks: string[], field: string): Record<string, number[]> {
  const found: Record<string, number[]> = {};
  for (const item of marks.flatMap((mark) => itemsOf(view, mark))) {
    const series = String(item.datum[field]);
    found[series] = [...new Set([...(found[series] ?? []), item.opacity ?? 1])];
  }
  return found;
}

test("legends pick series: a click on an entry fades the others in every view, a click elsewhere shows all again; the static copy draws all", async () => {
  const cases: [string, TopLevelSpec, string, string[], string, string[]][] = [
    [
      "training curves",
      trainingCurvesChart({ mnist: { points: curve(2.4), logged: curve(2.4) }, cifar: { points: curve(4.8) } }),
      "model",
      ["concat_0_layer_0_marks", "concat_0_layer_2_marks", "concat_1_layer_0_marks", "concat_1_layer_2_marks"],
      "cifar",
      ["mnist"],
    ],
    [
      "epoch accuracy",
      epochAccuracyChart([{ epoch: 1, testAccuracy: 0.6 }, { epoch: 2, testAccuracy: 0.7 }], [{ label: "chapter", accuracy: 0.72 }]),
      "series",
      ["layer_0_marks", "layer_1_layer_0_marks", "layer_1_layer_1_marks"],
      "this run",
      ["chapter: 72.00%"],
    ],
    ["function chart", functionChart({ ReLU: [{ x: -1, y: 0 }, { x: 0, y: 0 }, { x: 1, y: 1 }], tanh: [{ x: -1, y: -0.76 }, { x: 1, y: 0.76 }] }), "name", ["marks"], "tanh", ["ReLU"]],
    [
      "comparison chart",
      comparisonChart([
        { model: "mnist", metric: "accuracy", series: "ours", value: 99 },
        { model: "mnist", metric: "accuracy", series: "chapter", value: 98 },
        { model: "mnist", metric: "seconds", series: "ours", value: 60 },
      ]),
      "series",
      ["concat_0_layer_0_marks", "concat_0_layer_1_marks", "concat_1_layer_0_marks", "concat_1_layer_1_marks"],
      "ours",
      ["chapter"],
    ],
  ];
  for (const [what, spec, field, marks, picked, others] of cases) {
    const view = await liveView(spec);
    const all = opacities(view, marks, field);
    assert.equal(Object.keys(all).sort(), [picked, ...others].sort(), `${what}: series drawn`);
    assert.ok(Object.values(all).every((values) => values.join() === "1"), `${what}: all drawn in full before a click: ${JSON.stringify(all)}`);
    // The legend's own entries listen for the click, and a click on a picked entry lets it go (toggle).
    const legend = (compile(spec).spec.signals ?? []).find((signal) => signal.name === `pickedSeries_${field}_legend`);
    assert.match(JSON.stringify(legend), `"markname":"${field}_legend_labels"`, `${what}: legend binding`);
    assert.match(JSON.stringify(spec), /"toggle":"true"/, `${what}: toggle`);

    await clickLegend(view, field, picked);
    assert.equal(opacities(view, marks, field), { [picked]: [1], ...Object.fromEntries(others.map((other) => [other, [0.15]])) }, `${what}: after a click on ${picked}`);
    await clickLegend(view, field, null);
    assert.ok(Object.values(opacities(view, marks, field)).every((values) => values.join() === "1"), `${what}: all shown again`);
    assert.not.match(await chartToSvg(spec), /opacity="0.15"/, `${what}: the static copy fades nothing`);
  }
  // One series: nothing to pick.
  assert.not.match(JSON.stringify(trainingCurvesChart({ mnist: { points: curve(2.4) } })), /pickedSeries/);
  assert.not.match(JSON.stringify(functionChart({ ReLU: [{ x: 0, y: 0 }, { x: 1, y: 1 }] })), /pickedSeries/);
});

test("confusion matrix: a cell's tooltip, on its colour and on its number, names both classes and gives its count and its share of the true class", async () => {
  const spec = confusionMatrixChart([[3, 1], [0, 4]], ["cat", "dog"]);
  const view = await liveView(spec);
  const expected = { "True class": "cat", "Predicted class": "dog", Images: "1", "Share of the true class's images": "25.0%" };
  for (const mark of ["layer_0_marks", "layer_1_marks"]) {
    const tooltips = itemsOf(view, mark).map((cell) => cell.tooltip);
    assert.is(tooltips.length, 4, mark);
    assert.equal(tooltips.find((tooltip) => tooltip?.["True class"] === "cat" && tooltip["Predicted class"] === "dog"), expected, mark);
  }
  setLanguage("ko");
  try {
    const korean = await liveView(confusionMatrixChart([[3, 1], [0, 4]], ["고양이", "개"]));
    assert.equal(itemsOf(korean, "layer_0_marks")[3].tooltip, { "실제 클래스": "개", "예측 클래스": "개", "이미지 수": "4", "실제 클래스 이미지 중 비율": "100.0%" });
  } finally {
    setLanguage(undefined);
  }
});

test("the static SVG copy leaves out what only a pointer shows: no voronoi cells, no transparent points", async () => {
  const svg = await chartToSvg(trainingCurvesChart({ mnist: { points: curve(2.4), logged: curve(2.4).slice(0, 2) } }));
  assert.match(svg, /class="mark-path role-mark concat_0_layer_1_voronoi"[^>]*\/>/, "an empty voronoi group");
  assert.match(svg, /class="mark-symbol role-mark concat_0_layer_1_marks"[^>]*\/>/, "an empty group of hover points");
  assert.not.match(svg, /opacity="0"\/>/);
  // The logged dots are drawn, in both panels.
  assert.is((svg.match(/aria-roledescription="point"/g) ?? []).length, 4);
});

test.run();
