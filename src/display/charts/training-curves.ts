import type { TopLevelSpec } from "vega-lite";
import { VEGA_LITE_SCHEMA, type ChartOptions } from "./common";

/** One logged training step. `accuracy` is the training accuracy on the step's batch, if measured. */
export interface TrainingPoint {
  step: number;
  cost: number;
  accuracy?: number;
}

/**
 * Training curves: cost and training accuracy against step, side by side, one
 * colour per model. `curves` maps a model name to its logged points, e.g.
 * `trainingCurvesChart({ "LeNet-5": history })`. The accuracy panel is left out
 * when no point has an accuracy.
 */
export function trainingCurvesChart(
  curves: Record<string, readonly TrainingPoint[]>,
  options: ChartOptions = {},
): TopLevelSpec {
  const models = Object.keys(curves);
  const values = models.flatMap((model) =>
    curves[model].map((point) => ({ model, step: point.step, cost: point.cost, accuracy: point.accuracy ?? null })),
  );
  const width = options.width ?? 320;
  const height = options.height ?? 220;
  const panel = (field: "cost" | "accuracy", title: string) => ({
    width,
    height,
    transform: [{ filter: { field, valid: true } }],
    mark: { type: "line" as const, strokeWidth: 1.5 },
    encoding: {
      x: { field: "step", type: "quantitative" as const, title: "Step" },
      y: { field, type: "quantitative" as const, title, scale: { zero: false } },
      color: { field: "model", type: "nominal" as const, title: "Model", sort: models },
    },
  });
  const hasAccuracy = values.some((value) => value.accuracy !== null);
  const panels = hasAccuracy ? [panel("cost", "Cost"), panel("accuracy", "Training accuracy")] : [panel("cost", "Cost")];
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: options.title ?? "Training curves",
    description: `Training curves (cost${hasAccuracy ? " and training accuracy" : ""} against step) for ${models.join(", ")}`,
    data: { values },
    hconcat: panels,
  };
}
