import type { TopLevelSpec } from "vega-lite";
import { VEGA_LITE_SCHEMA, type ChartOptions } from "./common";

/**
 * One bar: a model's value of a metric from one series, e.g.
 * `{ model: "cifar-3conv", metric: "test accuracy (%)", series: "chapter (printed)", value: 72.02 }`.
 */
export interface ComparisonRow {
  model: string;
  metric: string;
  series: string;
  value: number;
}

/**
 * Grouped bars comparing models: one panel per metric (each with its own y scale,
 * since accuracy, seconds and parameter counts do not share units), one bar per
 * series (e.g. "ours" beside "chapter") with its value written on top. Models,
 * metrics and series keep the order in which they first appear in `rows`.
 */
export function comparisonChart(rows: readonly ComparisonRow[], options: ChartOptions = {}): TopLevelSpec {
  const inOrder = (key: "model" | "metric" | "series") => [...new Set(rows.map((row) => row[key]))];
  const models = inOrder("model");
  const metrics = inOrder("metric");
  const series = inOrder("series");
  const x = { field: "model", type: "nominal" as const, title: null, sort: models, axis: { labelAngle: 0 } };
  const y = { field: "value", type: "quantitative" as const, title: null };
  const xOffset = { field: "series", type: "nominal" as const, sort: series };
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: options.title ?? "Comparison",
    description: `Comparison of ${models.join(", ")} by ${metrics.join(", ")} (${series.join(" vs ")})`,
    data: { values: rows.map((row) => ({ ...row })) },
    // Large counts with thousands separators, small values with 4 significant digits.
    transform: [
      { calculate: "abs(datum.value) >= 1000 ? format(datum.value, ',.0f') : format(datum.value, '.4~g')", as: "label" },
    ],
    facet: { column: { field: "metric", type: "nominal", title: null, sort: metrics } },
    spec: {
      // One bar slot wide enough for its value label.
      width: options.width ?? { step: 44, for: "offset" },
      height: options.height ?? 220,
      layer: [
        {
          mark: { type: "bar" },
          encoding: { x, y, xOffset, color: { field: "series", type: "nominal", title: "Series", sort: series } },
        },
        {
          mark: { type: "text", dy: -6, fontSize: 10 },
          encoding: { x, y, xOffset, text: { field: "label", type: "nominal" } },
        },
      ],
    },
    resolve: { scale: { y: "independent" } },
  };
}
