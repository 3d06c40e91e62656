import type { TopLevelSpec } from "vega-lite";
import type { AblationRun } from "../ablation-results";
import type { ChartOptions } from "./common";
import { percentBarsChart } from "./percent-bars";

/** How a run is named in the chart: "full recipe", or "without " and the ingredient taken out. */
export function ablationRunName(run: Pick<AblationRun, "removed">): string {
  return run.removed === null ? "full recipe" : `without ${run.removed}`;
}

/**
 * The ablation as bars: each run's final test accuracy (with its own test-time
 * augmentation, the figure the recipe reports), the full recipe highlighted
 * and drawn as a rule, each other bar labelled with what removing its
 * ingredient costs in points.
 */
export function ablationChart(runs: readonly AblationRun[], options: ChartOptions = {}): TopLevelSpec {
  const full = runs.find((run) => run.removed === null);
  if (full === undefined) {
    throw new Error(`ablationChart: no full-recipe run (removed: null) among the ${runs.length} runs; it is what the others are compared with.`);
  }
  const accuracies = runs.map((run) => 100 * run.testAccuracyTta);
  const fullAccuracy = 100 * full.testAccuracyTta;
  const signed = (points: number) => `${points < 0 ? "−" : "+"}${Math.abs(points).toFixed(2)}`;
  return percentBarsChart(
    runs.map((run, i) => ({
      name: ablationRunName(run),
      value: accuracies[i],
      text: run === full ? `${accuracies[i].toFixed(2)}%` : `${accuracies[i].toFixed(2)}% (${signed(accuracies[i] - fullAccuracy)})`,
      highlighted: run === full,
    })),
    {
      title: options.title ?? "Each ingredient taken out in turn",
      valueTitle: "Test accuracy (%)",
      rule: { label: `full recipe: ${fullAccuracy.toFixed(2)}%`, value: fullAccuracy },
      width: options.width,
      height: options.height,
    },
  );
}
