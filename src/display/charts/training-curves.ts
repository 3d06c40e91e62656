import type { TopLevelSpec } from "vega-lite";
import { VEGA_LITE_SCHEMA, legendPicksSeries, type ChartOptions } from "./common";
import { accuracyName, type MeasuredOn } from "../../training/evaluate";
import { localized } from "../../language";

/** One point of a training curve. `accuracy` is the training accuracy on the step's batch(es), if measured. */
export interface TrainingPoint {
  step: number;
  cost: number;
  accuracy?: number;
}

/** One model's training run as drawn: a dense curve, and the points the log printed, marked on it. */
export interface TrainingCurve {
  /** The line, from the start point at step 0 (e.g. the mean cost over each 50 steps). */
  points: readonly TrainingPoint[];
  /** The printed log lines' points, drawn as dots. */
  logged?: readonly TrainingPoint[];
  /** Accuracy on images kept out of training, measured after each epoch: a dashed line of squares on the accuracy panel, beside the training accuracy. */
  tested?: readonly { step: number; accuracy: number }[];
}

export interface TrainingCurvesOptions extends ChartOptions {
  /** A line under the title, e.g. what the lines and the dots measure. */
  subtitle?: string;
  /** What the curves' `tested` points were measured on, named in their tooltip (default "test"). */
  measuredOn?: MeasuredOn;
}

/** The cost axis's title (tests look for it in the static SVG). */
const COST_TITLE = () => localized({ en: "Cost (log scale)", ko: "비용 (로그 눈금)" });
const TRAINING_ACCURACY_TITLE = () => localized({ en: "Training accuracy", ko: "학습 정확도" });

/**
 * Training curves: cost (on a logarithmic axis, so the start's high cost does not
 * flatten the rest of the descent) and training accuracy against step, side by
 * side, one colour per model; the printed log points are dots on the lines, e.g.
 * `trainingCurvesChart({ mnist: { points: run.curve, logged: run.history } })`.
 * Accuracy measured on held-out or test images after each epoch (`tested`) is a
 * dashed line beside the training accuracy: where the two part, the model
 * overfits. The accuracy panel is left out when no point has an accuracy.
 *
 * Live (JupyterLab, exported pages), each panel shows the line's point nearest the
 * pointer, with a tooltip; shift + wheel zooms its step axis and a drag pans it (double-click
 * resets); with several models, the legend picks the models to show (see {@link legendPicksSeries}).
 */
export function trainingCurvesChart(
  curves: Record<string, TrainingCurve>,
  options: TrainingCurvesOptions = {},
): TopLevelSpec {
  const models = Object.keys(curves);
  const rows = (model: string, kind: "line" | "logged", points: readonly TrainingPoint[]) =>
    points.map((point) => ({ model, kind, step: point.step, cost: point.cost as number | null, accuracy: point.accuracy ?? null }));
  const values = models.flatMap((model) => [
    ...rows(model, "line", curves[model].points),
    ...rows(model, "logged", curves[model].logged ?? []),
    ...(curves[model].tested ?? []).map(({ step, accuracy }) => ({ model, kind: "tested", step, cost: null, accuracy })),
  ]);
  const hasTested = values.some((value) => value.kind === "tested");
  const testedTitle = accuracyName(options.measuredOn ?? "test");
  const width = options.width ?? 320;
  const height = options.height ?? 220;
  const color = { field: "model", type: "nominal" as const, title: localized({ en: "Model", ko: "모델" }), sort: models };
  const stepTitle = localized({ en: "Step", ko: "스텝" });
  const legend = models.length > 1 ? legendPicksSeries("model") : undefined;
  const panel = (field: "cost" | "accuracy", title: string) => {
    // A log axis cannot show a cost of 0 (a batch classified perfectly with certainty).
    const valid = field === "cost" ? "isValid(datum.cost) && datum.cost > 0" : "isValid(datum.accuracy)";
    const encoding = {
      x: { field: "step", type: "quantitative" as const, title: stepTitle },
      y: {
        field,
        type: "quantitative" as const,
        title,
        scale: field === "cost" ? { type: "log" as const } : { domain: [0, 1] },
      },
      color,
      ...(legend ? { opacity: legend.opacity } : {}),
    };
    const tooltip = [
      { field: "model", type: "nominal" as const, title: color.title },
      { field: "step", type: "quantitative" as const, title: stepTitle },
      { field, type: "quantitative" as const, title: field === "accuracy" ? TRAINING_ACCURACY_TITLE() : title, format: ".4f" },
    ];
    // Param names are unique across the chart: each panel's names carry its field.
    const [zoom, hover] = [`${field}Zoom`, `${field}Hover`];
    // A zoomed panel clips its line at the plot's edges; its dots, unclipped so that one on an edge
    // is drawn whole, are left out beyond the edges instead.
    const inView = { filter: { param: zoom } };
    // The legend's selection is declared once, in the first panel's first layer (see legendPicksSeries); the second panel reads it.
    const legendParams = legend && field === "cost" ? [legend.param] : [];
    return {
      width,
      height,
      layer: [
        {
          transform: [{ filter: `datum.kind === 'line' && ${valid}` }],
          // Shift + wheel zooms, so that the wheel alone keeps scrolling the notebook past the chart.
          params: [{ name: zoom, select: { type: "interval" as const, encodings: ["x" as const], zoom: "wheel![event.shiftKey]" }, bind: "scales" as const }, ...legendParams],
          mark: { type: "line" as const, strokeWidth: 1.5 },
          encoding,
        },
        {
          // The line's points, drawn only where the pointer is: the nearest one shows, with its tooltip.
          transform: [{ filter: `datum.kind === 'line' && ${valid}` }, inView],
          params: [{ name: hover, select: { type: "point" as const, on: "pointerover", nearest: true, clear: "pointerout" } }],
          mark: { type: "point" as const, filled: true, size: 36, clip: false },
          encoding: { ...encoding, opacity: { condition: { param: hover, empty: false, value: 1 }, value: 0 }, tooltip },
        },
        {
          transform: [{ filter: `datum.kind === 'logged' && ${valid}` }, inView],
          mark: { type: "point" as const, filled: true, size: 36, opacity: 1, clip: false },
          encoding: { ...encoding, tooltip },
        },
        ...(field === "accuracy" && hasTested ? testedLayers(encoding, inView) : []),
      ],
    };
  };
  // On the accuracy panel: the accuracy after each epoch on images the model never trained on.
  const testedLayers = (encoding: object, inView: { filter: { param: string } }) => {
    const testedTooltip = [
      { field: "model", type: "nominal" as const, title: color.title },
      { field: "step", type: "quantitative" as const, title: stepTitle },
      { field: "accuracy", type: "quantitative" as const, title: testedTitle, format: ".4f" },
    ];
    return [
      { transform: [{ filter: "datum.kind === 'tested'" }], mark: { type: "line" as const, strokeWidth: 1.5, strokeDash: [5, 3] }, encoding },
      {
        transform: [{ filter: "datum.kind === 'tested'" }, inView],
        mark: { type: "square" as const, filled: true, size: 40, opacity: 1, clip: false },
        encoding: { ...encoding, tooltip: testedTooltip },
      },
    ];
  };
  const hasAccuracy = values.some((value) => value.accuracy !== null);
  const panels = hasAccuracy
    ? [panel("cost", COST_TITLE()), panel("accuracy", hasTested ? localized({ en: "Accuracy", ko: "정확도" }) : TRAINING_ACCURACY_TITLE())]
    : [panel("cost", COST_TITLE())];
  const measured = !hasAccuracy
    ? localized({ en: "cost", ko: "비용" })
    : hasTested
      ? localized({ en: `cost, training accuracy and ${testedTitle}`, ko: `비용, 학습 정확도와 ${testedTitle}` })
      : localized({ en: "cost and training accuracy", ko: "비용과 학습 정확도" });
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: { text: options.title ?? localized({ en: "Training curves", ko: "학습 곡선" }), ...(options.subtitle ? { subtitle: options.subtitle } : {}) },
    description: localized({ en: `Training curves (${measured} against step) for ${models.join(", ")}`, ko: `학습 곡선 (스텝에 따른 ${measured}): ${models.join(", ")}` }),
    data: { values },
    hconcat: panels,
  };
}
