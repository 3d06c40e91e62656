/** Charts redrawn in place while something runs, e.g. training curves during training. */
import type { TopLevelSpec } from "vega-lite";
import { trainingCurvesChart, type TrainingPoint } from "./charts/training-curves";
import type { ChartOptions } from "./charts/common";
import { inNotebook, liveDisplay } from "./output";
import { chartBundle, chartSummary } from "./show-chart";

export interface LiveChartOptions {
  /** Least time between two redraws in ms (default 1000); stretched to 10× the last render time when rendering is slow. */
  minIntervalMs?: number;
  /** Clock in ms; tests pass a fake one. */
  now?: () => number;
}

/**
 * One chart output, redrawn in place (vega-lite + SVG each time) when `refresh()` is
 * called, at most once per interval. `finish()` always draws the final chart, so an
 * exported notebook shows it. Outside a notebook nothing is rendered and `finish()`
 * prints the chart's description.
 */
export class LiveChart {
  private readonly output = liveDisplay();
  private readonly minIntervalMs: number;
  private readonly now: () => number;
  private rendering: Promise<void> | undefined;
  private changedSinceShown = true;
  private lastShownAt = -Infinity;
  private lastRenderMs = 0;
  private renderError: unknown;

  /** `buildSpec` is called only when a redraw happens, so data can change cheaply in between. */
  constructor(
    private readonly buildSpec: () => TopLevelSpec,
    options: LiveChartOptions = {},
  ) {
    this.minIntervalMs = options.minIntervalMs ?? 1000;
    this.now = options.now ?? Date.now;
  }

  /** Marks the data as changed; redraws now unless a redraw is running or was less than an interval ago. */
  refresh(): void {
    this.changedSinceShown = true;
    const interval = Math.max(this.minIntervalMs, 10 * this.lastRenderMs);
    if (this.rendering || this.now() - this.lastShownAt < interval || !inNotebook()) return;
    this.rendering = this.redraw().finally(() => (this.rendering = undefined));
  }

  /** Draws the final chart and resolves once it was sent; rethrows a rendering error, if any. */
  async finish(): Promise<void> {
    await this.rendering;
    if (!inNotebook()) {
      console.log(chartSummary(this.buildSpec()));
    } else if (this.changedSinceShown) {
      await this.redraw();
    }
    if (this.renderError !== undefined) throw this.renderError;
  }

  private async redraw(): Promise<void> {
    const startedAt = this.now();
    this.lastShownAt = startedAt;
    this.changedSinceShown = false;
    try {
      this.output.update(await chartBundle(this.buildSpec()));
    } catch (error) {
      // Kept for finish(): a failing chart must not break the training loop that refreshes it.
      this.renderError ??= error;
    }
    this.lastRenderMs = this.now() - startedAt;
  }
}

/**
 * Live training curves (cost and training accuracy against step, one colour per
 * model), redrawn about once a second:
 * `const curves = new LiveTrainingCurves(); ... curves.add("LeNet-5", { step, cost, accuracy }); ... await curves.finish();`
 */
export class LiveTrainingCurves {
  private readonly curves: Record<string, TrainingPoint[]> = {};
  private readonly chart: LiveChart;

  constructor(options: ChartOptions & LiveChartOptions = {}) {
    this.chart = new LiveChart(() => trainingCurvesChart(this.curves, options), options);
  }

  add(model: string, point: TrainingPoint): void {
    (this.curves[model] ??= []).push({ ...point });
    this.chart.refresh();
  }

  /** Draws the final curves; await it before the cell ends. */
  finish(): Promise<void> {
    return this.chart.finish();
  }
}
