import type { TopLevelSpec } from "vega-lite";
import { VEGA_LITE_SCHEMA, type ChartOptions } from "./common";
import { localized } from "../../language";

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
  /** A tooltip on each cell (live charts): its row, its column and its value, under these titles. */
  tooltip?: HeatmapTooltip;
}

export interface HeatmapTooltip {
  /** What the values are, e.g. "Images". */
  valueTitle: string;
  /** When given, the tooltip also shows the value as a share of its row's total, under this title. */
  rowShareTitle?: string;
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
  const valueFormat = options.valueFormat === undefined ? ".2~f" : options.valueFormat;
  // On the numbers too: they sit on top of the cells, and a pointer on one would show nothing.
  const tooltip = options.tooltip ? { tooltip: heatmapTooltip(options.tooltip, options, valueFormat) } : {};
  const cells = {
    mark: { type: "rect" as const },
    encoding: { x, y, color: { field: "value", type: "quantitative" as const, title: null, scale: { scheme: "blues" } }, ...tooltip },
  };
  const numbers = {
    mark: { type: "text" as const, fontSize: 11 },
    encoding: {
      x,
      y,
      ...tooltip,
      text: { field: "value", type: "quantitative" as const, format: valueFormat ?? undefined },
      // Light text on the dark cells of the "blues" scheme.
      color: { condition: { test: `datum.value > ${midpoint}`, value: "white" }, value: "black" },
    },
  };
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: options.title ?? `${rowCount}×${columnCount} matrix`,
    description: localized({ en: `Heatmap of a ${rowCount}×${columnCount} matrix`, ko: `${rowCount}×${columnCount} 행렬의 히트맵` }),
    width: { step: cellSize },
    height: { step: cellSize },
    data: { values },
    ...(options.tooltip?.rowShareTitle === undefined ? {} : { transform: ROW_SHARE }),
    layer: valueFormat === null ? [cells] : [cells, numbers],
  };
}

/** Each cell's value as a share of its row's total (none when the row sums to 0). */
const ROW_SHARE = [
  { joinaggregate: [{ op: "sum" as const, field: "value", as: "rowTotal" }], groupby: ["row"] },
  { calculate: "datum.rowTotal > 0 ? datum.value / datum.rowTotal : null", as: "rowShare" },
];

function heatmapTooltip(tooltip: HeatmapTooltip, options: HeatmapOptions, valueFormat: string | null) {
  return [
    { field: "row", type: "ordinal" as const, title: options.rowTitle ?? localized({ en: "Row", ko: "행" }) },
    { field: "column", type: "ordinal" as const, title: options.columnTitle ?? localized({ en: "Column", ko: "열" }) },
    { field: "value", type: "quantitative" as const, title: tooltip.valueTitle, ...(valueFormat === null ? {} : { format: valueFormat }) },
    ...(tooltip.rowShareTitle === undefined ? [] : [{ field: "rowShare", type: "quantitative" as const, title: tooltip.rowShareTitle, format: ".1%" }]),
  ];
}

/**
 * Confusion matrix: `counts[i][j]` = test images of true class i predicted as class j,
 * with the class names on both axes and the counts in the cells. Live, a cell's tooltip
 * names its true and predicted class and gives its count and its share of the true class's images.
 */
export function confusionMatrixChart(
  counts: readonly (readonly number[])[],
  classNames: readonly string[],
  options: Pick<HeatmapOptions, "title" | "cellSize"> = {},
): TopLevelSpec {
  const spec = heatmapChart(counts, {
    title: options.title ?? localized({ en: "Confusion matrix", ko: "혼동 행렬" }),
    rowLabels: classNames,
    columnLabels: classNames,
    rowTitle: localized({ en: "True class", ko: "실제 클래스" }),
    columnTitle: localized({ en: "Predicted class", ko: "예측 클래스" }),
    valueFormat: "d",
    cellSize: options.cellSize ?? 36,
    tooltip: {
      valueTitle: localized({ en: "Images", ko: "이미지 수" }),
      rowShareTitle: localized({ en: "Share of the true class's images", ko: "실제 클래스 이미지 중 비율" }),
    },
  });
  return {
    ...spec,
    description: localized({
      en: `Confusion matrix of ${classNames.length} classes (rows: true class, columns: predicted)`,
      ko: `클래스 ${classNames.length}개의 혼동 행렬 (행: 실제 클래스, 열: 예측 클래스)`,
    }),
  };
}

function checkedLabels(labels: readonly string[] | undefined, count: number, name: string): string[] {
  const result = labels ? [...labels] : Array.from({ length: count }, (_, i) => String(i));
  if (result.length !== count || new Set(result).size !== count) {
    throw new Error(`heatmapChart: ${name} must be ${count} distinct labels, one per ${name.startsWith("row") ? "row" : "column"}; got ${result.length} (${result.join(", ")}).`);
  }
  return result;
}

/** A rectangle of cells: its top-left cell and its size in cells. */
export interface CellBlock {
  row: number;
  column: number;
  height: number;
  width: number;
}

/** A rectangle drawn around cells of a grid panel. */
export interface CellOutline {
  block: CellBlock;
  color: string;
  strokeWidth: number;
}

/**
 * Colours of a grid panel. "sequential": light to dark blue from low to high;
 * "diverging": blue for negative, orange for positive (the domain should be
 * symmetric about 0).
 */
export interface GridColors {
  kind: "sequential" | "diverging";
  domain: readonly [number, number];
}

export interface GridPanelOptions {
  colors: GridColors;
  cellSize: number;
  /** d3-format of the numbers written in the cells. */
  valueFormat: string;
  title?: string;
  outlines?: readonly CellOutline[];
  /** Cells outside this block are drawn faded, e.g. the zero padding around an image. */
  highlighted?: CellBlock;
  /** Title of the colour legend; no legend when undefined. */
  legendTitle?: string;
}

/** The vega scheme of each kind of grid colours. */
const GRID_SCHEMES = { sequential: "blues", diverging: "blueorange" } as const;

/** Whether a cell of this value is dark enough under `colors` to need white numbers. */
function needsLightInk(value: number, { kind, domain: [low, high] }: GridColors): boolean {
  const position = high === low ? 0.5 : (value - low) / (high - low);
  return kind === "sequential" ? position > 0.6 : Math.abs(position - 0.5) > 0.3;
}

function inBlock(row: number, column: number, block: CellBlock | undefined): boolean {
  return block === undefined || (row >= block.row && row < block.row + block.height && column >= block.column && column < block.column + block.width);
}

/**
 * One matrix as a grid of square cells with its numbers written in them, on a
 * colour scale fixed by `options.colors`, for figures made of several grids (a
 * pooling example, a filter sliding over an image). A null entry is a cell not
 * filled in yet: drawn empty, without a number. The panel has no $schema; put
 * it in a concat.
 */
export function gridPanel(matrix: readonly (readonly (number | null)[])[], options: GridPanelOptions) {
  const rowCount = matrix.length;
  const columnCount = rowCount === 0 ? 0 : matrix[0].length;
  if (rowCount === 0 || columnCount === 0 || matrix.some((row) => row.length !== columnCount)) {
    throw new Error(`gridPanel: expected a non-empty rectangular matrix, got row lengths [${matrix.map((row) => row.length).join(", ")}].`);
  }
  const cells = matrix.flatMap((row, i) =>
    row.map((value, j) => ({
      x0: j,
      x1: j + 1,
      y0: i,
      y1: i + 1,
      value,
      ink: value !== null && needsLightInk(value, options.colors) ? "white" : "black",
      opacity: inBlock(i, j, options.highlighted) ? 1 : 0.35,
    })),
  );
  const x = { field: "x0", type: "quantitative" as const, scale: { domain: [0, columnCount], nice: false, zero: false }, axis: null };
  const y = { field: "y0", type: "quantitative" as const, scale: { domain: [0, rowCount], nice: false, zero: false, reverse: true }, axis: null };
  const area = { x, y, x2: { field: "x1" }, y2: { field: "y1" } };
  const filled = { filter: "datum.value !== null" };
  const outlines = (options.outlines ?? []).map(({ block, color, strokeWidth }) => ({
    x0: block.column,
    x1: block.column + block.width,
    y0: block.row,
    y1: block.row + block.height,
    color,
    strokeWidth,
  }));
  return {
    ...(options.title === undefined ? {} : { title: options.title }),
    width: columnCount * options.cellSize,
    height: rowCount * options.cellSize,
    data: { values: cells },
    layer: [
      // Every cell: an empty square, so cells not filled in yet still show the grid.
      { mark: { type: "rect" as const, fill: "white", stroke: "#d0d0d0", strokeWidth: 1 }, encoding: area },
      {
        transform: [filled],
        mark: { type: "rect" as const, stroke: "white", strokeWidth: 1 },
        encoding: {
          ...area,
          color: {
            field: "value",
            type: "quantitative" as const,
            scale: { scheme: GRID_SCHEMES[options.colors.kind], domain: [...options.colors.domain] },
            ...(options.legendTitle === undefined ? { legend: null } : { title: options.legendTitle }),
          },
          opacity: { field: "opacity", type: "quantitative" as const, scale: null, legend: null },
        },
      },
      {
        transform: [filled, { calculate: "datum.x0 + 0.5", as: "xMid" }, { calculate: "datum.y0 + 0.5", as: "yMid" }],
        mark: { type: "text" as const, fontSize: 11, baseline: "middle" as const },
        encoding: {
          x: { ...x, field: "xMid" },
          y: { ...y, field: "yMid" },
          text: { field: "value", type: "quantitative" as const, format: options.valueFormat },
          fill: { field: "ink", type: "nominal" as const, scale: null, legend: null },
          opacity: { field: "opacity", type: "quantitative" as const, scale: null, legend: null },
        },
      },
      ...(outlines.length === 0
        ? []
        : [
            {
              data: { values: outlines },
              mark: { type: "rect" as const, fill: null, fillOpacity: 0 },
              encoding: {
                ...area,
                stroke: { field: "color", type: "nominal" as const, scale: null, legend: null },
                strokeWidth: { field: "strokeWidth", type: "quantitative" as const, scale: null, legend: null },
              },
            },
          ]),
    ],
  };
}

export interface PoolingChartOptions {
  title?: string;
  /** Side of the pooling window and its stride (default 2). */
  poolSize?: number;
  /** d3-format of the numbers written in the cells (default ".2~f"). */
  valueFormat?: string;
  /** Side of a cell in pixels (default 32). */
  cellSize?: number;
}

/**
 * A pooling example: the input with its pooling windows outlined, and the
 * pooled map beside it, both on one colour scale (one legend), so that each
 * pooled cell has the colour of the value it kept.
 */
export function poolingChart(
  input: readonly (readonly number[])[],
  pooled: readonly (readonly number[])[],
  options: PoolingChartOptions = {},
): TopLevelSpec {
  const poolSize = options.poolSize ?? 2;
  const [rows, columns] = [input.length, input[0]?.length ?? 0];
  const [pooledRows, pooledColumns] = [pooled.length, pooled[0]?.length ?? 0];
  if (pooledRows !== Math.ceil(rows / poolSize) || pooledColumns !== Math.ceil(columns / poolSize)) {
    throw new Error(
      `poolingChart: a ${rows}×${columns} input pooled over ${poolSize}×${poolSize} windows gives ${Math.ceil(rows / poolSize)}×${Math.ceil(columns / poolSize)}, got ${pooledRows}×${pooledColumns}.`,
    );
  }
  const all = [...input.flat(), ...pooled.flat()];
  const colors: GridColors = { kind: "sequential", domain: [Math.min(...all), Math.max(...all)] };
  const common = { colors, cellSize: options.cellSize ?? 32, valueFormat: options.valueFormat ?? ".2~f", legendTitle: localized({ en: "value", ko: "값" }) };
  const windows = pooled.flatMap((row, i) =>
    row.map((_, j) => ({
      block: { row: i * poolSize, column: j * poolSize, height: Math.min(poolSize, rows - i * poolSize), width: Math.min(poolSize, columns - j * poolSize) },
      color: "#222222",
      strokeWidth: 3,
    })),
  );
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: options.title ?? localized({ en: `${poolSize}×${poolSize} max pooling, stride ${poolSize}`, ko: `${poolSize}×${poolSize} 맥스 풀링, 스트라이드 ${poolSize}` }),
    description: localized({ en: `Pooling of a ${rows}×${columns} input to ${pooledRows}×${pooledColumns}`, ko: `${rows}×${columns} 입력을 ${pooledRows}×${pooledColumns}로 풀링` }),
    hconcat: [
      gridPanel(input, { ...common, title: localized({ en: `input ${rows}×${columns}`, ko: `입력 ${rows}×${columns}` }), outlines: windows }),
      gridPanel(pooled, { ...common, title: localized({ en: `pooled ${pooledRows}×${pooledColumns}`, ko: `풀링 결과 ${pooledRows}×${pooledColumns}` }) }),
    ],
    spacing: 40,
    resolve: { scale: { color: "shared" } },
  };
}
