import type { TopLevelSpec } from "vega-lite";
import { VEGA_LITE_SCHEMA, type ChartOptions } from "./common";
import { localized } from "../../language";

/** One bar: its name on the y axis, its length, the text written after it, and whether it stands out in colour. */
export interface LabelledBar {
  name: string;
  value: number;
  text: string;
  highlighted?: boolean;
}

export interface PercentBarsOptions extends ChartOptions {
  /** Title of the value axis. */
  valueTitle: string;
  /** A vertical rule across the bars, e.g. the overall accuracy. */
  rule?: { label: string; value: number };
}

/**
 * Horizontal bars of percentages, top to bottom in the order given, each with
 * its text after it; the highlighted ones in a second colour. Names stay
 * readable however long they are, which vertical bars with slanted labels
 * would not. The axis runs between round tens at least 2 points beyond the
 * values (within 0 to 100): bars of 85–93% starting from 0 would all look alike.
 * When it does not start at 0, its title says where it starts, so that bar
 * lengths are not read as ratios.
 */
export function percentBarsChart(bars: readonly LabelledBar[], options: PercentBarsOptions): TopLevelSpec {
  const values = bars.map((bar) => ({ name: bar.name, value: bar.value, text: bar.text, highlighted: bar.highlighted === true }));
  const names = bars.map((bar) => bar.name);
  const lowest = Math.min(...bars.map((bar) => bar.value), options.rule?.value ?? Infinity);
  const highest = Math.max(...bars.map((bar) => bar.value), options.rule?.value ?? -Infinity);
  const y = { field: "name", type: "nominal" as const, title: null, sort: names, axis: { labelLimit: 300 } };
  const domain = [Math.max(0, 10 * Math.floor((lowest - 2) / 10)), Math.min(100, 10 * Math.ceil((highest + 2) / 10))];
  const x = {
    field: "value",
    type: "quantitative" as const,
    title: domain[0] > 0 ? localized({ en: `${options.valueTitle} (the axis starts at ${domain[0]}%, not 0)`, ko: `${options.valueTitle} (축이 0이 아니라 ${domain[0]}%에서 시작)` }) : options.valueTitle,
    // clamp: a bar starts at the axis's left end, not at 0 far off the chart.
    scale: { domain, clamp: true },
  };
  const rule = options.rule;
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: options.title ?? options.valueTitle,
    description: `${options.title ?? options.valueTitle}: ${bars.map((bar) => `${bar.name} ${bar.text}`).join(", ")}`,
    width: options.width ?? 360,
    height: options.height ?? { step: 22 },
    layer: [
      // The rule first, so that the bars and their texts are drawn over it.
      ...(rule
        ? [
            {
              data: { values: [rule] },
              mark: { type: "rule" as const, strokeDash: [4, 4], color: "gray" },
              encoding: { x },
            },
            {
              data: { values: [rule] },
              mark: { type: "text" as const, align: "left" as const, baseline: "bottom" as const, dx: 3, y: -2, fontSize: 10 },
              encoding: { x, text: { field: "label", type: "nominal" as const } },
            },
          ]
        : []),
      {
        data: { values },
        mark: { type: "bar" },
        encoding: {
          y,
          x,
          color: { field: "highlighted", type: "nominal", scale: { domain: [false, true], range: ["#9ecae1", "#3182bd"] }, legend: null },
        },
      },
      {
        data: { values },
        mark: { type: "text", align: "left", dx: 4, fontSize: 10 },
        encoding: { y, x, text: { field: "text", type: "nominal" } },
      },
    ],
  };
}
