import type { TopLevelSpec } from "vega-lite";
import { tf } from "../../native/backend";
import { layerOutputs, type LayerKind, type LayerOutput } from "../../layers/layer-outputs";
import type { TrainableModel } from "../../models/model";
import { localized } from "../../language";
import { VEGA_LITE_SCHEMA } from "./common";

/** One step of a forward pass, as the figure draws it. */
export interface ArchitectureStage {
  /** "flatten": the reshape of feature maps into one vector before a fully connected layer. */
  kind: "input" | "flatten" | LayerKind;
  /** What the stage gives for one image: [height, width, channels] or [values]. */
  shape: number[];
  /** The layer's filters, window or weights (LayerOutput.weightsShape); empty for input and flatten. */
  weightsShape: number[];
}

type ArchitectureModel = Pick<TrainableModel, "key" | "title" | "inputShape" | "logits">;

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((dim, i) => dim === b[i]);
}

function valueCount(shape: readonly number[]): number {
  return shape.reduce((product, dim) => product * dim, 1);
}

/**
 * The stages of `model`'s forward pass: its input, then each of the chapter's
 * layers it runs (convolution, max pooling, fully connected) with the shape it
 * gives, as recorded while one blank image goes through model.logits. A
 * fully connected layer that takes the feature maps as one vector gets a
 * "flatten" stage before it. ReLU and dropout change no shape and are not stages.
 */
export function architectureStages(model: ArchitectureModel): ArchitectureStage[] {
  const layers = layerOutputs(() => tf.tidy(() => void model.logits(tf.zeros([1, ...model.inputShape]))));
  if (layers.length === 0) {
    throw new Error(`architectureStages: model '${model.key}' runs none of the chapter's layers (convLayer, maxPool, fullLayer), so there is nothing to draw.`);
  }
  const stages: ArchitectureStage[] = [{ kind: "input", shape: [...model.inputShape], weightsShape: [] }];
  layers.forEach((layer: LayerOutput, i) => {
    const given = stages[stages.length - 1].shape;
    const [, ...taken] = layer.inputShape;
    if (layer.kind === "fully connected" && taken.length === 1 && given.length > 1 && taken[0] === valueCount(given)) {
      stages.push({ kind: "flatten", shape: taken, weightsShape: [] });
    } else if (!sameShape(taken, given)) {
      throw new Error(
        `architectureStages: layer ${i + 1} of model '${model.key}' (${layer.kind}) takes [${taken}], but the stage before it gives [${given}]: ` +
          "something between them that the figure cannot draw changed the shape.",
      );
    }
    const [, ...shape] = layer.outputShape;
    stages.push({ kind: layer.kind, shape, weightsShape: layer.weightsShape });
  });
  return stages;
}

/** Tallest box, width of a stage's column and of a vector's bar, in pixels. */
const TALLEST = 140;
const COLUMN = 104;
const WIDEST_MAPS = 72;
const THINNEST = 4;
const VECTOR_WIDTH = 12;
/** Where the boxes' band starts, below the two lines of labels. */
const BAND_TOP = 36;

const FILLS: Record<ArchitectureStage["kind"], string> = {
  input: "#9e9e9e",
  convolution: "#4c78a8",
  "max pooling": "#f58518",
  flatten: "#bab0ac",
  "fully connected": "#54a24b",
};

/** The two lines written above a stage: what it is, and its size in the layer's own terms. */
function labels(stage: ArchitectureStage, last: boolean): [string, string] {
  const [first, second, , out] = stage.weightsShape;
  switch (stage.kind) {
    case "input":
      return [localized({ en: "input", ko: "입력" }), ""];
    case "convolution":
      return [localized({ en: `conv ${first}×${second}`, ko: `합성곱 ${first}×${second}` }), localized({ en: `${out} filters`, ko: `필터 ${out}개` })];
    case "max pooling":
      return [localized({ en: `max pool ${first}×${second}`, ko: `맥스 풀링 ${first}×${second}` }), ""];
    case "flatten":
      return [localized({ en: "flatten", ko: "평탄화" }), ""];
    case "fully connected": {
      const units = stage.weightsShape[1];
      return [
        localized({ en: "fully connected", ko: "완전연결" }),
        last ? localized({ en: `${units} logits`, ko: `로짓 ${units}개` }) : localized({ en: `${units} units`, ko: `유닛 ${units}개` }),
      ];
    }
  }
}

/** A box's size in pixels: feature maps by their height and their number, vectors by their length. */
function boxSize(shape: readonly number[], tallestSide: number, mostMaps: number, longestVector: number): [number, number] {
  if (shape.length === 3) {
    const [height, , maps] = shape;
    return [THINNEST + (WIDEST_MAPS - THINNEST) * (maps / mostMaps), Math.max(2, (TALLEST * height) / tallestSide)];
  }
  return [VECTOR_WIDTH, Math.max(2, (TALLEST * shape[0]) / longestVector)];
}

export interface ArchitectureChartOptions {
  title?: string;
}

/**
 * A model's architecture drawn from the model itself (architectureStages): one
 * box per stage, left to right, labelled with its layer and the shape it gives
 * one image. Feature maps are drawn as tall as their height in pixels and as wide
 * as their number, to one scale; vectors as tall as their number of values, to
 * another.
 */
export function architectureChart(model: ArchitectureModel, options: ArchitectureChartOptions = {}): TopLevelSpec {
  const stages = architectureStages(model);
  const maps = stages.filter((stage) => stage.shape.length === 3);
  const vectors = stages.filter((stage) => stage.shape.length !== 3);
  const tallestSide = Math.max(1, ...maps.map((stage) => stage.shape[0]));
  const mostMaps = Math.max(1, ...maps.map((stage) => stage.shape[2]));
  const longestVector = Math.max(1, ...vectors.map((stage) => valueCount(stage.shape)));
  const middle = BAND_TOP + TALLEST / 2;
  const boxes = stages.map((stage, i) => {
    const [width, height] = boxSize(stage.shape, tallestSide, mostMaps, longestVector);
    const centre = COLUMN * (i + 0.5);
    const [label, detail] = labels(stage, i === stages.length - 1);
    return {
      stage: i,
      kind: stage.kind,
      shape: stage.shape,
      shapeText: stage.shape.join("×"),
      label,
      detail,
      fill: FILLS[stage.kind],
      centre,
      x0: centre - width / 2,
      x1: centre + width / 2,
      y0: middle - height / 2,
      y1: middle + height / 2,
    };
  });
  const arrows = boxes.slice(1).map((box, i) => ({ from: boxes[i].x1 + 6, to: box.x0 - 6, y: middle }));
  const pixels = { scale: null };
  const text = (field: string, y: number, fontWeight: "normal" | "bold") => ({
    mark: { type: "text" as const, fontSize: 11, fontWeight, align: "center" as const, baseline: "middle" as const },
    encoding: { x: { field: "centre", type: "quantitative" as const, ...pixels }, y: { datum: y, type: "quantitative" as const, ...pixels }, text: { field } },
  });
  const title = options.title ?? localized({ en: `${model.title}: what each layer gives one image`, ko: `${model.title}: 이미지 한 장에 대해 각 계층이 내는 것` });
  const stageTexts = boxes.map(({ label, detail, shapeText }) => `${label}${detail === "" ? "" : `, ${detail}`} (${shapeText})`);
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: title,
      subtitle: [
        localized({ en: "feature maps: height to scale with their height in pixels, width with their number", ko: "특징 맵: 높이는 맵의 픽셀 높이에, 너비는 맵의 개수에 비례" }),
        localized({ en: "vectors: height to scale with their number of values; ReLU and dropout change no shape and are not drawn", ko: "벡터: 높이는 값의 개수에 비례; ReLU와 드롭아웃은 모양을 바꾸지 않으므로 그리지 않음" }),
      ],
    },
    description: `${title}: ${stageTexts.join(" → ")}`,
    width: COLUMN * stages.length,
    height: BAND_TOP + TALLEST + 24,
    layer: [
      {
        data: { values: arrows },
        mark: { type: "rule" as const, color: "#606060", strokeWidth: 1.5 },
        encoding: { x: { field: "from", type: "quantitative" as const, ...pixels }, x2: { field: "to" }, y: { field: "y", type: "quantitative" as const, ...pixels } },
      },
      {
        data: { values: arrows },
        mark: { type: "point" as const, shape: "triangle-right", size: 40, filled: true, color: "#606060" },
        encoding: { x: { field: "to", type: "quantitative" as const, ...pixels }, y: { field: "y", type: "quantitative" as const, ...pixels } },
      },
      {
        data: { values: boxes },
        layer: [
          {
            mark: { type: "rect" as const, stroke: "#333333", strokeWidth: 0.5 },
            encoding: {
              x: { field: "x0", type: "quantitative" as const, ...pixels },
              x2: { field: "x1" },
              y: { field: "y0", type: "quantitative" as const, ...pixels },
              y2: { field: "y1" },
              fill: { field: "fill", type: "nominal" as const, ...pixels },
              tooltip: [
                { field: "label", title: localized({ en: "layer", ko: "계층" }) },
                { field: "shapeText", title: localized({ en: "shape", ko: "모양" }) },
              ],
            },
          },
          text("label", 10, "bold"),
          text("detail", 24, "normal"),
          text("shapeText", BAND_TOP + TALLEST + 14, "normal"),
        ],
      },
    ],
  };
}
