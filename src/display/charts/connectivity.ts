import type { TopLevelSpec } from "vega-lite";
import { VEGA_LITE_SCHEMA } from "./common";
import { localized } from "../../language";

export interface ConnectivityChartOptions {
  title?: string;
  /** Units in the input row, and in the output row (SAME padding keeps the size). Default 8. */
  units?: number;
  /** Width of the convolution's filter, odd so that it has a centre. Default 3. */
  filterWidth?: number;
}

/** One line of the figure: an input unit feeding an output unit through a weight. */
interface Connection {
  input: number;
  output: number;
  /** Which weight the connection multiplies by: its own (fully connected) or the filter's k-th (convolutional). */
  weight: string;
}

const PANEL_WIDTH = 260;
const PANEL_HEIGHT = 150;
const FULLY_CONNECTED_COLOR = "#7a7a7a";

function checkedSizes(options: ConnectivityChartOptions): [number, number] {
  const units = options.units ?? 8;
  const filterWidth = options.filterWidth ?? 3;
  if (!Number.isInteger(units) || units < 1) {
    throw new Error(`connectivityChart: units must be a whole number ≥ 1, got ${units}.`);
  }
  if (!Number.isInteger(filterWidth) || filterWidth < 1 || filterWidth % 2 === 0 || filterWidth > units) {
    throw new Error(`connectivityChart: filterWidth must be an odd whole number from 1 to units (${units}), got ${filterWidth}.`);
  }
  return [units, filterWidth];
}

/** Every output sees every input, each connection through a weight of its own. */
function fullyConnected(units: number): Connection[] {
  return Array.from({ length: units }, (_, output) =>
    Array.from({ length: units }, (_, input) => ({ input, output, weight: `${input},${output}` })),
  ).flat();
}

/**
 * Each output sees the inputs under its window, as conv2d computes it: output i
 * = Σ_k w_k · input[i + k − p] with p = (filterWidth − 1)/2 (a cross-correlation,
 * SAME padding). Inputs beyond the border are padding zeros, which are not drawn.
 */
function convolutional(units: number, filterWidth: number): Connection[] {
  const padding = (filterWidth - 1) / 2;
  return Array.from({ length: units }, (_, output) =>
    Array.from({ length: filterWidth }, (_, k) => ({ input: output + k - padding, output, weight: `w${k + 1}` })),
  )
    .flat()
    .filter(({ input }) => input >= 0 && input < units);
}

function panel(title: string[], connections: Connection[], units: number, color: object) {
  const x = { type: "quantitative" as const, scale: { domain: [-0.5, units - 0.5], nice: false, zero: false }, axis: null };
  const rowLabels = { inputs: localized({ en: "inputs", ko: "입력" }), outputs: localized({ en: "outputs", ko: "출력" }) };
  const y = {
    type: "quantitative" as const,
    scale: { domain: [-0.15, 1.15], nice: false, zero: false },
    axis: { values: [0, 1], labelExpr: `datum.value === 0 ? '${rowLabels.inputs}' : '${rowLabels.outputs}'`, title: null, grid: false, domain: false, ticks: false, labelFontSize: 11 },
  };
  const unitRows = [0, 1].flatMap((row) => Array.from({ length: units }, (_, position) => ({ position, row })));
  return {
    // Two short lines: without a canvas, vega estimates a text's width generously and would widen the panel.
    title: { text: title, fontSize: 12 },
    width: PANEL_WIDTH,
    height: PANEL_HEIGHT,
    layer: [
      {
        data: { values: connections },
        mark: { type: "rule" as const, strokeWidth: 1.5, opacity: 0.75 },
        encoding: {
          x: { ...x, field: "input" },
          y: { ...y, datum: 0 },
          x2: { field: "output" },
          y2: { datum: 1 },
          color,
        },
      },
      {
        data: { values: unitRows },
        mark: { type: "circle" as const, size: 140, color: "#333", opacity: 1 },
        encoding: { x: { ...x, field: "position" }, y: { ...y, field: "row" } },
      },
    ],
  };
}

/**
 * The chapter's comparison of the two kinds of layer, in one dimension: on the
 * left a fully connected layer, each output connected to every input through a
 * weight of its own; on the right a convolutional layer (stride 1, SAME padding,
 * as the chapter's conv2d), each output connected only to the inputs under its
 * window, through the filter's few weights, the same ones at every position
 * (one colour per weight).
 */
export function connectivityChart(options: ConnectivityChartOptions = {}): TopLevelSpec {
  const [units, filterWidth] = checkedSizes(options);
  const dense = fullyConnected(units);
  const local = convolutional(units, filterWidth);
  const sharedWeights = Array.from({ length: filterWidth }, (_, k) => `w${k + 1}`);
  const denseTitle = [
    localized({ en: "fully connected", ko: "완전연결" }),
    localized({ en: `${dense.length} connections, ${dense.length} weights`, ko: `연결 ${dense.length}개, 가중치 ${dense.length}개` }),
  ];
  const localTitle = [
    localized({ en: "convolutional", ko: "합성곱" }),
    localized({ en: `${local.length} connections, ${filterWidth} weights`, ko: `연결 ${local.length}개, 가중치 ${filterWidth}개` }),
  ];
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: options.title ?? localized({ en: "Fully connected and convolutional layers", ko: "완전연결 계층과 합성곱 계층" }),
      subtitle: [
        localized({ en: "each line: an input times a weight, added into an output", ko: "선 하나: 입력에 가중치를 곱해 출력에 더함" }),
        localized({ en: `right: filter width ${filterWidth}, stride 1, SAME padding`, ko: `오른쪽: 필터 폭 ${filterWidth}, 스트라이드 1, SAME 패딩` }),
      ],
    },
    description: localized({
      en: `A fully connected layer (${dense.length} connections) beside a convolutional layer with a filter of width ${filterWidth} (${local.length} connections), ${units} inputs and ${units} outputs each`,
      ko: `완전연결 계층(연결 ${dense.length}개)과 폭 ${filterWidth}인 필터의 합성곱 계층(연결 ${local.length}개), 각각 입력 ${units}개, 출력 ${units}개`,
    }),
    hconcat: [
      panel(denseTitle, dense, units, { value: FULLY_CONNECTED_COLOR }),
      panel(localTitle, local, units, {
        field: "weight",
        type: "nominal",
        scale: { domain: sharedWeights, scheme: "category10" },
        title: localized({ en: "shared weight", ko: "공유하는 가중치" }),
      }),
    ],
    spacing: 40,
    config: { view: { stroke: null } },
  };
}
