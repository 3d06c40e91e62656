import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/native/backend";
import { conv2d } from "../../src/layers/layers";
import { chartToSvg } from "../../src/display/chart-svg";
import { slidingFilterChart, slidingFilterOutput } from "../../src/display/charts/sliding-filter";
import { svgTexts } from "../output/recorder";

interface Cell {
  x0: number;
  y0: number;
  value: number | null;
}
interface Outline {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}
interface Panel {
  data: { values: Cell[] };
  layer: { data?: { values: Outline[] } }[];
}
interface Step {
  title: { text: string };
  hconcat: [Panel, Panel];
}

/** The matrix a panel shows, rebuilt from its cells (null: not filled in yet). */
function shown(panel: Panel): (number | null)[][] {
  const rows = Math.max(...panel.data.values.map((cell) => cell.y0)) + 1;
  const columns = Math.max(...panel.data.values.map((cell) => cell.x0)) + 1;
  const matrix = Array.from({ length: rows }, () => new Array<number | null>(columns).fill(null));
  for (const cell of panel.data.values) matrix[cell.y0][cell.x0] = cell.value;
  return matrix;
}

function outlines(panel: Panel): Outline[] {
  return panel.layer.flatMap((layer) => layer.data?.values ?? []);
}

function stepsOf(spec: unknown): Step[] {
  return (spec as { concat: Step[] }).concat;
}

/** The chapter's conv2d (stride 1, SAME padding) of one image with one filter. */
function realConv2d(image: number[][], filter: number[][]): number[][] {
  return tf.tidy(() => {
    const x = tf.tensor4d(image.flat(), [1, image.length, image[0].length, 1]);
    const W = tf.tensor4d(filter.flat(), [filter.length, filter[0].length, 1, 1]);
    return conv2d(x, W).reshape([image.length, image[0].length]).arraySync() as number[][];
  });
}

function assertClose(actual: (number | null)[][], expected: number[][]): void {
  assert.is(actual.length, expected.length);
  actual.forEach((row, i) =>
    row.forEach((value, j) => assert.ok(value !== null && Math.abs(value - expected[i][j]) < 1e-5, `(${i}, ${j}): ${value} ≠ ${expected[i][j]}`)),
  );
}

const image = [
  [0, 0, 1, 1, 0, 0],
  [0, 0, 1, 1, 0, 0],
  [0, 0, 1, 1, 1, 1],
  [0.5, 0, 1, 1, 0, 0],
  [0, 0, 0, 0, 0, 0.25],
];
const filter = [
  [-1, 0, 1],
  [-2, 0.5, 2],
  [-1, 0, 3],
];

test("the output values shown are the chapter's conv2d of the image, the filter unflipped", () => {
  const expected = realConv2d(image, filter);
  assertClose(slidingFilterOutput(image, filter), expected);
  const steps = stepsOf(slidingFilterChart(image, filter));
  assertClose(shown(steps[steps.length - 1].hconcat[1]), expected);
  // A non-square filter too: 1×3, padding only on the left and right.
  assertClose(slidingFilterOutput(image, [[1, -2, 4]]), realConv2d(image, [[1, -2, 4]]));
});

test("each step shows the output filled in up to its window, in reading order, and outlines window and value", () => {
  const expected = realConv2d(image, filter);
  const chosen = [0, 4, 7, 29];
  const steps = stepsOf(slidingFilterChart(image, filter, { steps: chosen }));
  assert.is(steps.length, chosen.length);
  steps.forEach((step, k) => {
    const position = chosen[k];
    const [row, column] = [Math.floor(position / 6), position % 6];
    const [input, output] = step.hconcat;
    // The input is the image inside one ring of zeros.
    const padded = shown(input);
    assert.is(padded.length, 7);
    assert.equal(padded[0], new Array(8).fill(0));
    assert.equal(padded[row + 1].slice(1, 7), image[row]);
    // The window covers the 3×3 padded cells whose weighted sum is the new value.
    const [window] = outlines(input);
    assert.equal([window.y0, window.y1, window.x0, window.x1], [row, row + 3, column, column + 3]);
    const sum = filter.reduce((total, filterRow, a) => filterRow.reduce((s, weight, b) => s + weight * (padded[row + a][column + b] as number), total), 0);
    assert.ok(Math.abs(sum - expected[row][column]) < 1e-5);
    const { x0, y0 } = outlines(output)[0];
    assert.equal([y0, x0], [row, column]);
    // Filled in: every value up to this window, none after it.
    shown(output).forEach((outputRow, i) =>
      outputRow.forEach((value, j) => {
        if (i * 6 + j <= position) assert.ok(value !== null && Math.abs(value - expected[i][j]) < 1e-5, `(${i}, ${j}) at step ${position}`);
        else assert.is(value, null, `(${i}, ${j}) filled in before its step ${i * 6 + j}, at step ${position}`);
      }),
    );
    assert.match(step.title.text, new RegExp(`^step ${position + 1}/30: output \\(${row}, ${column}\\)`));
  });
});

test("renders: a title per step, the filter in the subtitle", async () => {
  const svg = await chartToSvg(slidingFilterChart([[0, 1, 0], [1, 1, 1], [0, 1, 0]], [[1, 0, -1], [1, 0, -1], [1, 0, -1]], { steps: [0, 8] }));
  const texts = svgTexts(svg);
  for (const expected of ["A 3×3 filter sliding over a 3×3 image", "step 1/9: output (0, 0) = −2", "step 9/9: output (2, 2) = 2"]) {
    assert.ok(texts.includes(expected), `missing text ${expected} in ${texts.join(" | ")}`);
  }
  assert.ok(svg.includes(">filter: [1 0 -1] [1 0 -1] [1 0 -1]<"), "the subtitle shows the filter");
});

test("rejects even filter sides, ragged matrices and steps beyond the output", () => {
  assert.throws(() => slidingFilterChart(image, [[1, 0], [0, 1]]), /sides must be odd.*2×2/);
  assert.throws(() => slidingFilterChart([[1, 2], [3]], filter), /image must be a non-empty rectangular matrix.*\[2, 1\]/);
  assert.throws(() => slidingFilterChart(image, filter, { steps: [0, 30] }), /steps must be whole numbers from 0 to 29.*30/);
});

test.run();
