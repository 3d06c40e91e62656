import type { TopLevelSpec } from "vega-lite";
import { VEGA_LITE_SCHEMA, type ChartOptions } from "./common";

export interface HeatmapOptions extends Omit<ChartOptions, "width" | "height"> {
  /** Labels of the rows (top to bottom) and columns (left to right); default 0, 1, 2, ... */
  rowLabels?: readonly string[];
  columnLabels?: readonly string[];
  rowTitle?: string;
  columnTitle?: string;
  /** d3-format of the numbers written in the cells (default ".2~f"); null writes none. */
  valueFormat?: string | null;
  /** Side of a cell in pixels (default 32). */
  cellSize?: number;
}

/**
 * Heatmap of a small matrix with its numbers written in the cells, e.g. a
 * feature map or a max-pooling example.
 */
export function heatmapChart(matrix: readonly (readonly number[])[], options: HeatmapOptions = {}): TopLevelSpec {
  const rowCount = matrix.length;
  const columnCount = rowCount === 0 ? 0 : matrix[0].length;
  if (rowCount === 0 || columnCount === 0 || matrix.some((row) => row.length !== columnCount)) {
    throw new Error(
      `heatmapChart: expected a non-empty rectangular matrix (rows of equal length), got row lengths [${matrix
        .map((row) => row.length)
        .join(", ")}].`,
    );
  }
  const rowLabels = checkedLabels(options.rowLabels, rowCount, "rowLabels");
  const columnLabels = checkedLabels(options.columnLabels, columnCount, "columnLabels");
  const values = matrix.flatMap((row, i) => row.map((value, j) => ({ row: rowLabels[i], column: columnLabels[j], value })));
  const all = matrix.flat();
  const midpoint = (Math.min(...all) + Math.max(...all)) / 2;
  const cellSize = options.cellSize ?? 32;
  // Slanted column labels when they are wider than a cell (about 6 px per character).
  const labelAngle = Math.max(...columnLabels.map((label) => label.length)) * 6 > cellSize ? -45 : 0;
  const x = { field: "column", type: "ordinal" as const, sort: columnLabels, title: options.columnTitle ?? null, axis: { labelAngle } };
  const y = { field: "row", type: "ordinal" as const, sort: rowLabels, title: options.rowTitle ?? null };
  const cells = {
    mark: { type: "rect" as const },
    encoding: { x, y, color: { field: "value", type: "quantitative" as const, title: null, scale: { scheme: "blues" } } },
  };
  const valueFormat = options.valueFormat === undefined ? ".2~f" : options.valueFormat;
  const numbers = {
    mark: { type: "text" as const, fontSize: 11 },
    encoding: {
      x,
      y,
      text: { field: "value", type: "quantitative" as const, format: valueFormat ?? undefined },
      // Light text on the dark cells of the "blues" scheme.
      color: { condition: { test: `datum.value > ${midpoint}`, value: "white" }, value: "black" },
    },
  };
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: options.title ?? `${rowCount}×${columnCount} matrix`,
    description: `Heatmap of a ${rowCount}×${columnCount} matrix`,
    width: { step: cellSize },
    height: { step: cellSize },
    data: { values },
    layer: valueFormat === null ? [cells] : [cells, numbers],
  };
}

/**
 * Confusion matrix: `counts[i][j]` = test images of true class i predicted as class j,
 * with the class names on both axes and the counts in the cells.
 */
export function confusionMatrixChart(
  counts: readonly (readonly number[])[],
  classNames: readonly string[],
  options: Pick<HeatmapOptions, "title" | "cellSize"> = {},
): TopLevelSpec {
  const spec = heatmapChart(counts, {
    title: options.title ?? "Confusion matrix",
    rowLabels: classNames,
    columnLabels: classNames,
    rowTitle: "True class",
    columnTitle: "Predicted class",
    valueFormat: "d",
    cellSize: options.cellSize ?? 36,
  });
  return { ...spec, description: `Confusion matrix of ${classNames.length} classes (rows: true class, columns: predicted)` };
}

function checkedLabels(labels: readonly string[] | undefined, count: number, name: string): string[] {
  const result = labels ? [...labels] : Array.from({ length: count }, (_, i) => String(i));
  if (result.length !== count || new Set(result).size !== count) {
    throw new Error(`heatmapChart: ${name} must be ${count} distinct labels, one per ${name.startsWith("row") ? "row" : "column"}; got ${result.length} (${result.join(", ")}).`);
  }
  return result;
}
