import type { TopLevelSpec } from "vega-lite";
import { VEGA_LITE_SCHEMA, legendPicksSeries, type ChartOptions } from "./common";
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
 * The points a line through `points` (in order) needs: its ends and its corners. A point
 * on the straight segment between its neighbours (up to rounding) draws nothing of its
 * own, so a piecewise-linear function sampled at a thousand steps keeps only its corners.
 */
export function cornersOf(points: readonly Point[]): Point[] {
  if (points.length <= 2) return [...points];
  const xs = points.map((point) => point.x);
  const ys = points.map((point) => point.y);
  // Rounding tolerance, relative to the extent of the data on each axis.
  const scaleX = Math.max(...xs) - Math.min(...xs) || 1;
  const scaleY = Math.max(...ys) - Math.min(...ys) || 1;
  const kept = [points[0]];
  for (let i = 1; i < points.length - 1; i++) {
    const before = kept[kept.length - 1];
    const [point, after] = [points[i], points[i + 1]];
    const [ax, ay] = [(point.x - before.x) / scaleX, (point.y - before.y) / scaleY];
    const [bx, by] = [(after.x - point.x) / scaleX, (after.y - point.y) / scaleY];
    // Drawn by the segment from `before` to `after`: in line with both, and not turning back.
    const onSegment = Math.abs(ax * by - ay * bx) <= 1e-9 * Math.hypot(ax, ay) * Math.hypot(bx, by) && ax * bx + ay * by >= 0;
    if (!onSegment) kept.push(point);
  }
  kept.push(points[points.length - 1]);
  return kept;
}

/**
 * Line chart of sampled functions, one colour per function, e.g. activation
 * functions: `functionChart({ ReLU: points, sigmoid: points, tanh: points })`.
 * The chart's data holds only the points each line needs (see {@link cornersOf}). With several
 * functions, the legend picks the ones to show (see {@link legendPicksSeries}).
 */
export function functionChart(
  functions: Record<string, readonly Point[]>,
  options: FunctionChartOptions = {},
): TopLevelSpec {
  const names = Object.keys(functions);
  const values = names.flatMap((name) => cornersOf(functions[name]).map((point) => ({ name, x: point.x, y: point.y })));
  const legend = names.length > 1 ? legendPicksSeries("name") : undefined;
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: options.title ?? names.join(", "),
    description: localized({ en: `Line chart of ${names.join(", ")}`, ko: `${names.join(", ")}의 선 그래프` }),
    width: options.width ?? 360,
    height: options.height ?? 240,
    data: { values },
    ...(legend ? { params: [legend.param] } : {}),
    mark: { type: "line", strokeWidth: 2 },
    encoding: {
      x: { field: "x", type: "quantitative", title: options.xTitle ?? "x" },
      y: { field: "y", type: "quantitative", title: options.yTitle ?? "f(x)" },
      color: { field: "name", type: "nominal", title: localized({ en: "Function", ko: "함수" }), sort: names },
      ...(legend ? { opacity: legend.opacity } : {}),
    },
  };
}
