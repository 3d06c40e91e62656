import type { TopLevelSpec } from "vega-lite";
import { VEGA_LITE_SCHEMA } from "./common";
import { gridPanel, type CellOutline, type GridColors } from "./heatmap";
import { localized } from "../../language";

export interface SlidingFilterOptions {
  title?: string;
  /**
   * The window positions to draw, numbered from 0 in reading order (left to
   * right, then top to bottom). Default: the first three, the first of the
   * second row, the middle one and the last.
   */
  steps?: readonly number[];
}

/** Colour of the window on the input and of the value it has just produced. */
const WINDOW_COLOR = "#d6006f";

/** Side of a cell in pixels, and steps per row of the figure. */
const CELL_SIZE = 20;
const STEPS_PER_ROW = 3;

/** d3-format of the numbers written in the cells: at most 2 decimals. */
const VALUE_FORMAT = ".2~f";

/** A value as a step's title writes it: as in the cells, with their minus sign. */
function asWritten(value: number): string {
  return String(Number(value.toFixed(2))).replace("-", "−");
}

function checkedMatrix(matrix: readonly (readonly number[])[], name: string): [number, number] {
  const rows = matrix.length;
  const columns = rows === 0 ? 0 : matrix[0].length;
  if (rows === 0 || columns === 0 || matrix.some((row) => row.length !== columns)) {
    throw new Error(`slidingFilterChart: the ${name} must be a non-empty rectangular matrix, got row lengths [${matrix.map((row) => row.length).join(", ")}].`);
  }
  return [rows, columns];
}

/**
 * The image with rows of zeros added above and below and columns of zeros on
 * the left and right, as SAME padding does for a filter of odd sides.
 */
function zeroPadded(image: readonly (readonly number[])[], rowPadding: number, columnPadding: number): number[][] {
  const width = image[0].length + 2 * columnPadding;
  const zeros = () => new Array<number>(width).fill(0);
  const sides = new Array<number>(columnPadding).fill(0);
  return [
    ...Array.from({ length: rowPadding }, zeros),
    ...image.map((row) => [...sides, ...row, ...sides]),
    ...Array.from({ length: rowPadding }, zeros),
  ];
}

/**
 * What the chapter's conv2d computes for one image and one filter: stride 1,
 * SAME padding (zeros around the image, the output as large as the image), and,
 * as in TensorFlow, the filter not flipped: each output value is the sum of the
 * window's pixels times the filter's weights at the same places.
 */
export function slidingFilterOutput(image: readonly (readonly number[])[], filter: readonly (readonly number[])[]): number[][] {
  const [rows, columns] = checkedMatrix(image, "image");
  const [filterRows, filterColumns] = checkedMatrix(filter, "filter");
  if (filterRows % 2 === 0 || filterColumns % 2 === 0) {
    throw new Error(`slidingFilterChart: the filter's sides must be odd, so that it has a centre pixel; got ${filterRows}×${filterColumns}.`);
  }
  const padded = zeroPadded(image, (filterRows - 1) / 2, (filterColumns - 1) / 2);
  return Array.from({ length: rows }, (_, i) =>
    Array.from({ length: columns }, (_, j) =>
      filter.reduce((sum, filterRow, a) => filterRow.reduce((rowSum, weight, b) => rowSum + weight * padded[i + a][j + b], sum), 0),
    ),
  );
}

/**
 * A filter sliding over a small image, as a grid of steps: in each step, the
 * zero-padded image with the filter's window outlined (the padding faded) and,
 * beside it, the output map filled in up to this window, its newest value
 * outlined. The output is slidingFilterOutput(image, filter), the chapter's
 * conv2d.
 */
export function slidingFilterChart(
  image: readonly (readonly number[])[],
  filter: readonly (readonly number[])[],
  options: SlidingFilterOptions = {},
): TopLevelSpec {
  const output = slidingFilterOutput(image, filter);
  const [rows, columns] = [image.length, image[0].length];
  const [filterRows, filterColumns] = [filter.length, filter[0].length];
  const [rowPadding, columnPadding] = [(filterRows - 1) / 2, (filterColumns - 1) / 2];
  const positions = rows * columns;
  const steps = options.steps ?? [0, 1, 2, columns, Math.floor(positions / 2), positions - 1];
  const outside = steps.filter((step) => !(Number.isInteger(step) && step >= 0 && step < positions));
  if (outside.length > 0) {
    throw new Error(`slidingFilterChart: steps must be whole numbers from 0 to ${positions - 1} (one per output value); got ${outside.join(", ")}.`);
  }
  const imageValues = image.flat();
  const inputColors: GridColors = { kind: "sequential", domain: [Math.min(0, ...imageValues), Math.max(...imageValues)] };
  const largestOutput = Math.max(...output.flat().map(Math.abs)) || 1;
  const outputColors: GridColors = { kind: "diverging", domain: [-largestOutput, largestOutput] };
  const padded = zeroPadded(image, rowPadding, columnPadding);
  const outline = (row: number, column: number, height: number, width: number): CellOutline => ({
    block: { row, column, height, width },
    color: WINDOW_COLOR,
    strokeWidth: 3,
  });

  const stepViews = steps.map((step) => {
    const [row, column] = [Math.floor(step / columns), step % columns];
    const filledIn = output.map((outputRow, i) => outputRow.map((value, j) => (i * columns + j <= step ? value : null)));
    return {
      title: { text: localized({ en: `step ${step + 1}/${positions}: output (${row}, ${column}) = ${asWritten(output[row][column])}`, ko: `${step + 1}/${positions}단계: 출력 (${row}, ${column}) = ${asWritten(output[row][column])}` }), fontSize: 11 },
      hconcat: [
        gridPanel(padded, {
          colors: inputColors,
          cellSize: CELL_SIZE,
          valueFormat: VALUE_FORMAT,
          outlines: [outline(row, column, filterRows, filterColumns)],
          highlighted: { row: rowPadding, column: columnPadding, height: rows, width: columns },
        }),
        gridPanel(filledIn, { colors: outputColors, cellSize: CELL_SIZE, valueFormat: VALUE_FORMAT, outlines: [outline(row, column, 1, 1)] }),
      ],
      spacing: 12,
      // Input and output have their own colours; every step draws them alike (fixed domains).
      resolve: { scale: { color: "independent" as const } },
    };
  });
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: options.title ?? localized({ en: `A ${filterRows}×${filterColumns} filter sliding over a ${rows}×${columns} image`, ko: `${rows}×${columns} 이미지 위를 움직이는 ${filterRows}×${filterColumns} 필터` }),
      subtitle: [
        `${localized({ en: "filter", ko: "필터" })}: ${filter.map((filterRow) => `[${filterRow.join(" ")}]`).join(" ")}`,
        localized({ en: "left: the image in its zero padding (faded), the window outlined", ko: "왼쪽: 0으로 채운 테두리(흐리게) 안의 이미지, 윈도우에 테두리" }),
        localized({ en: "right: the output map so far; positions are (row, column)", ko: "오른쪽: 지금까지의 출력 맵; 위치는 (행, 열)" }),
      ],
    },
    description: localized({
      en: `A ${filterRows}×${filterColumns} filter at ${steps.length} positions over a ${rows}×${columns} image, with the output map filling in`,
      ko: `${rows}×${columns} 이미지의 ${steps.length}개 위치를 지나는 ${filterRows}×${filterColumns} 필터와 채워져 가는 출력 맵`,
    }),
    concat: stepViews,
    columns: STEPS_PER_ROW,
    spacing: 24,
    resolve: { scale: { color: "independent" } },
  };
}
