/** Charts redrawn in place while something runs, e.g. training curves during training. */
import type { TopLevelSpec } from "vega-lite";
import { trainingCurvesChart, type TrainingCurve, type TrainingCurvesOptions } from "./charts/training-curves";
import { inNotebook, liveDisplay } from "../output/output";
import { chartBundle, chartDescription, chartSummary, VEGA_LITE_MIME } from "./show-chart";

export interface LiveChartOptions {
  /** Least time between two redraws in ms (default 1000). */
  minIntervalMs?: number;
  /** Clock in ms; tests pass a fake one. */
  now?: () => number;
}

/**
 * One chart output, redrawn in place when `refresh()` is called, at most once per
 * interval. Redraws send only the vega-lite spec, which JupyterLab renders in the
 * browser, so they cost the running loop next to nothing; `finish()` draws the final
 * chart with its static SVG copy (for HTML export and viewers without JavaScript).
 * Outside a notebook nothing is drawn and `finish()` prints the chart's description.
 */
export class LiveChart {
  private readonly output = liveDisplay();
  private readonly minIntervalMs: number;
  private readonly now: () => number;
  private lastShownAt = -Infinity;

  /** `buildSpec` is called only when a redraw happens, so data can change cheaply in between. */
  constructor(
    private readonly buildSpec: () => TopLevelSpec,
    options: LiveChartOptions = {},
  ) {
    this.minIntervalMs = options.minIntervalMs ?? 1000;
    this.now = options.now ?? Date.now;
  }

  /** Redraws now, unless the last redraw was less than an interval ago. */
  refresh(): void {
    const now = this.now();
    if (now - this.lastShownAt < this.minIntervalMs || !inNotebook()) return;
    this.lastShownAt = now;
    const spec = this.buildSpec();
    this.output.update({ [VEGA_LITE_MIME]: spec, "text/plain": chartSummary(spec) }, chartDescription(spec));
  }

  /** Draws the final chart, with its SVG; resolves once it was sent. */
  async finish(): Promise<void> {
    const spec = this.buildSpec();
    if (inNotebook()) this.output.update(await chartBundle(spec), chartDescription(spec));
    else console.log(chartSummary(spec));
  }
}

/**
 * Live training curves (see {@link trainingCurvesChart}), one colour per model,
 * redrawn about once a second while training runs:
 *
 *     const curves = new LiveTrainingCurves({ title: "MNIST" });
 *     ... curves.update("mnist", { points: curve, logged: history }); ...
 *     await curves.finish();
 */
export class LiveTrainingCurves {
  private readonly curves: Record<string, TrainingCurve> = {};
  private readonly chart: LiveChart;

  constructor(options: TrainingCurvesOptions & LiveChartOptions = {}) {
    this.chart = new LiveChart(() => trainingCurvesChart(this.curves, options), options);
  }

  /** Sets a model's points so far (the arrays are read at each redraw, not copied) and redraws if due. */
  update(model: string, curve: TrainingCurve): void {
    this.curves[model] = curve;
    this.chart.refresh();
  }

  /** Draws the final curves; await it before the cell ends. */
  finish(): Promise<void> {
    return this.chart.finish();
  }
}
