import type { TopLevelSpec } from "vega-lite";
import { VEGA_LITE_SCHEMA, type ChartOptions } from "./common";
import { localized } from "../../language";

export interface Point {
  x: number;
  y: number;
}

export interface FunctionChartOptions extends ChartOptions {
  xTitle?: string;
  yTitle?: string;
}

/**
 * Line chart of sampled functions, one colour per function, e.g. activation
 * functions: `functionChart({ ReLU: points, sigmoid: points, tanh: points })`.
 */
export function functionChart(
  functions: Record<string, readonly Point[]>,
  options: FunctionChartOptions = {},
): TopLevelSpec {
  const names = Object.keys(functions);
  const values = names.flatMap((name) => functions[name].map((point) => ({ name, x: point.x, y: point.y })));
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: options.title ?? names.join(", "),
    description: `Line chart of ${names.join(", ")}`,
    width: options.width ?? 360,
    height: options.height ?? 240,
    data: { values },
    mark: { type: "line", strokeWidth: 2 },
    encoding: {
      x: { field: "x", type: "quantitative", title: options.xTitle ?? "x" },
      y: { field: "y", type: "quantitative", title: options.yTitle ?? "f(x)" },
      color: { field: "name", type: "nominal", title: localized({ en: "Function", ko: "함수" }), sort: names },
    },
  };
}
