import type { TopLevelSpec } from "vega-lite";
import { VEGA_LITE_SCHEMA, legendPicksSeries, type ChartOptions } from "./common";
import { accuracyName, type MeasuredOn } from "../../training/evaluate";
import { localized } from "../../language";

/** Accuracy (a fraction) after `epoch` epochs, on the set the chart's measuredOn names; `seconds` of training so far, when known, shows in the tooltip. */
export interface EpochAccuracy {
  epoch: number;
  testAccuracy: number;
  seconds?: number;
}

/** A result to beat, drawn as a horizontal line across the chart, e.g. `{ label: "chapter, 3 conv", accuracy: 0.7202 }`. */
export interface AccuracyReference {
  label: string;
  /** A fraction, like the run's accuracies. */
  accuracy: number;
}

export interface EpochAccuracyOptions extends ChartOptions {
  /** Epochs the run will train: fixes the x axis, so a live chart does not rescale as epochs arrive. */
  plannedEpochs?: number;
  /** Name of the run's line in the legend (default "this run"). */
  runLabel?: string;
  /** What the run's accuracies were measured on, named on the axis and in tooltips (default "test"). */
  measuredOn?: MeasuredOn;
}

const percent = (fraction: number) => +(100 * fraction).toFixed(2);

/**
 * Test (or validation) accuracy (%) against epoch, one dot per evaluated epoch joined by a line,
 * with each reference as a dashed horizontal rule named with its value in the
 * legend: how a run climbs past earlier results. Works with no epochs yet (the
 * rules alone), so a live chart can start before the first epoch ends.
 */
export function epochAccuracyChart(
  epochs: readonly EpochAccuracy[],
  references: readonly AccuracyReference[] = [],
  options: EpochAccuracyOptions = {},
): TopLevelSpec {
  const runLabel = options.runLabel ?? localized({ en: "this run", ko: "이 실행" });
  const measuredOn = options.measuredOn ?? "test";
  const points = epochs.map((record) => ({
    series: runLabel,
    epoch: record.epoch,
    accuracy: percent(record.testAccuracy),
    seconds: record.seconds === undefined ? null : +record.seconds.toFixed(0),
  }));
  const rules = references.map((reference) => ({
    series: `${reference.label}: ${percent(reference.accuracy).toFixed(2)}%`,
    accuracy: percent(reference.accuracy),
  }));
  const lastEpoch = Math.max(options.plannedEpochs ?? 0, ...epochs.map((record) => record.epoch), 1);
  const x = { field: "epoch", type: "quantitative" as const, title: localized({ en: "Epoch", ko: "에포크" }), scale: { domain: [0, lastEpoch] } };
  const y = { field: "accuracy", type: "quantitative" as const, title: `${accuracyName(measuredOn, { capital: true })} (%)`, scale: { zero: false } };
  // One legend for the run and the references (labels on the rules would overlap: 70.8, 71.3, 72.0%), its labels never cut short.
  const color = {
    field: "series",
    type: "nominal" as const,
    title: null,
    sort: [runLabel, ...rules.map((rule) => rule.series)],
    legend: { labelLimit: 0 },
  };
  // The legend picks what to compare: the run and any of the references.
  const legend = legendPicksSeries("series");
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: options.title ?? localized({ en: `${accuracyName(measuredOn, { capital: true })} per epoch`, ko: `에포크별 ${accuracyName(measuredOn)}` }),
    description: localized({
      en: `${accuracyName(measuredOn, { capital: true })} per epoch, ${points.length} epoch${points.length === 1 ? "" : "s"}` + (rules.length > 0 ? `, beside ${rules.map((rule) => rule.series).join("; ")}` : ""),
      ko: `에포크별 ${accuracyName(measuredOn)}, ${points.length} 에포크` + (rules.length > 0 ? `, 비교 대상: ${rules.map((rule) => rule.series).join("; ")}` : ""),
    }),
    width: options.width ?? 420,
    height: options.height ?? 260,
    layer: [
      {
        data: { values: rules },
        // In the first layer, where the merged legend looks for it (see legendPicksSeries).
        params: [legend.param],
        mark: { type: "rule", strokeDash: [4, 4] },
        encoding: { y, color, opacity: legend.opacity },
      },
      {
        data: { values: points },
        mark: { type: "line", point: { filled: true, size: 40 } },
        encoding: {
          x,
          y,
          color,
          opacity: legend.opacity,
          tooltip: [
            { field: "epoch", type: "quantitative", title: x.title },
            { field: "accuracy", type: "quantitative", title: `${accuracyName(measuredOn)} (%)` },
            { field: "seconds", type: "quantitative", title: localized({ en: "training seconds", ko: "학습 시간 (초)" }) },
          ],
        },
      },
    ],
  };
}
