import type { TopLevelSpec } from "vega-lite";
import { VEGA_LITE_SCHEMA, legendPicksSeries, type ChartOptions } from "./common";
import { localized } from "../../language";

/**
 * One bar: a model's value of a metric from one series, e.g.
 * `{ model: "cifar-3conv", metric: "test accuracy (%)", series: "chapter (printed)", value: 72.02 }`.
 */
export interface ComparisonRow {
  model: string;
  metric: string;
  series: string;
  value: number;
  /**
   * Why this bar is not quite what its series says, e.g. "the chapter's figure for
   * cifar-reduced is a second run of the 3-conv model": the bar is drawn light with a
   * dashed outline, its value gets a mark (*, **, …) and the note is printed under
   * the chart after the same mark.
   */
  note?: string;
}

/** Width of each panel's plot area, in pixels: with the model names and value labels the chart stays within 900 px. */
const PANEL_WIDTH = 560;
/** Height of one bar, in pixels. */
const BAR_HEIGHT = 15;

/** Characters per footnote line: vega estimates a text's width without a browser, 0.8 em a character, and the lines must fit the panel. */
const FOOTNOTE_LINE = 70;

/** `text` broken into lines of at most `limit` characters, at spaces (a longer word stays whole). */
function wrap(text: string, limit: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(/\s+/)) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last].length + 1 + word.length <= limit) lines[last] += ` ${word}`;
    else lines.push(word);
  }
  return lines;
}

/** "4,259,274" for large counts, 4 significant digits for the rest ("70.41", "0.9912"). */
function formatValue(value: number): string {
  return Math.abs(value) >= 1000 ? Math.round(value).toLocaleString("en") : String(Number(value.toPrecision(4)));
}

/**
 * Horizontal grouped bars comparing models: one panel per metric, stacked top to
 * bottom, each with its own value axis (accuracy, seconds and parameter counts do
 * not share units); in each, one group of bars per model, one bar per series (e.g.
 * "this notebook" beside "chapter"), coloured by series, with its value written
 * after it. The legend sits at the top, so the chart stays narrow enough for a
 * notebook page (about 700 px with the default width). Bars with a `note` are
 * drawn light and dashed and footnoted. Models, metrics and series keep the order
 * in which they first appear in `rows`. With several series, the legend picks the
 * ones to show (see {@link legendPicksSeries}).
 */
export function comparisonChart(rows: readonly ComparisonRow[], options: ChartOptions = {}): TopLevelSpec {
  const inOrder = (key: "model" | "metric" | "series") => [...new Set(rows.map((row) => row[key]))];
  const models = inOrder("model");
  const metrics = inOrder("metric");
  const series = inOrder("series");
  const notes = [...new Set(rows.flatMap((row) => (row.note === undefined ? [] : [row.note])))];
  const mark = (note: string) => "*".repeat(notes.indexOf(note) + 1);
  const values = rows.map((row) => ({
    model: row.model,
    metric: row.metric,
    series: row.series,
    value: row.value,
    noted: row.note !== undefined,
    label: row.note === undefined ? formatValue(row.value) : `${formatValue(row.value)} ${mark(row.note)}`,
  }));
  const width = options.width ?? PANEL_WIDTH;
  const y = { field: "model", type: "nominal" as const, title: null, sort: models };
  const yOffset = { field: "series", type: "nominal" as const, sort: series };
  const x = { field: "value", type: "quantitative" as const, title: null };
  const legend = series.length > 1 ? legendPicksSeries("series") : undefined;
  const opacity = legend ? { opacity: legend.opacity } : {};
  const panels = metrics.map((metric, index) => ({
    title: { text: metric, anchor: "start" as const, fontSize: 12 },
    transform: [{ filter: { field: "metric", equal: metric } }],
    width,
    height: options.height ?? { step: BAR_HEIGHT, for: "offset" as const },
    encoding: { y, yOffset, x },
    layer: [
      {
        // The legend's selection, declared once (in the first panel), is read by every panel.
        ...(legend && index === 0 ? { params: [legend.param] } : {}),
        // Noted bars: a light fill and a dashed outline.
        mark: { type: "bar" as const, stroke: "#444", strokeDash: [4, 2] },
        encoding: {
          color: { field: "series", type: "nominal" as const, title: null, sort: series, legend: { orient: "top" as const, labelLimit: 0 } },
          fillOpacity: { condition: { test: "datum.noted", value: 0.3 }, value: 1 },
          strokeWidth: { condition: { test: "datum.noted", value: 1 }, value: 0 },
          ...opacity,
        },
      },
      {
        mark: { type: "text" as const, align: "left" as const, baseline: "middle" as const, dx: 3, fontSize: 10 },
        encoding: { text: { field: "label", type: "nominal" as const }, ...opacity },
      },
    ],
  }));
  // Each note after its mark, continued on further lines if long.
  const footnotes = notes
    .flatMap((note) => wrap(`${mark(note)} ${note}`, Math.floor((FOOTNOTE_LINE * width) / PANEL_WIDTH)))
    .map((line, index) => ({ index, line }));
  const footnotePanel = {
    data: { values: footnotes },
    width,
    height: { step: 14 },
    view: { stroke: null },
    mark: { type: "text" as const, align: "left" as const, baseline: "middle" as const, fontSize: 10 },
    encoding: {
      y: { field: "index", type: "ordinal" as const, axis: null },
      x: { value: 0 },
      text: { field: "line", type: "nominal" as const },
    },
  };
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: options.title ?? localized({ en: "Comparison", ko: "비교" }),
    description: localized({
      en: `Comparison of ${models.join(", ")} by ${metrics.join(", ")} (${series.join(" vs ")})`,
      ko: `${models.join(", ")}의 ${metrics.join(", ")} 비교 (${series.join(" 대 ")})`,
    }),
    data: { values },
    vconcat: [...panels, ...(footnotes.length > 0 ? [footnotePanel] : [])],
    spacing: 18,
    resolve: { scale: { x: "independent", y: "independent", yOffset: "independent" } },
  };
}
