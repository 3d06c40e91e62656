import { LiveTrainingCurves } from "../display";
import type { ChapterModel } from "../models";
import {
  trainOrLoad,
  type BatchSource,
  type CurvePoint,
  type HistoryEntry,
  type TrainOrLoadOptions,
  type TrainOrLoadResult,
} from "../training";

/** What the chart's lines and dots are, under its title. */
const CURVES_SUBTITLE = "line: means over the training steps (with dropout); dots: the log lines (keep probability 1)";

/**
 * trainOrLoad() with the chapter's log lines, a live progress line and live
 * training curves (cost on a log axis and training accuracy against step, the
 * log lines marked) in the cell; weights saved by an identical earlier run are
 * loaded instead, and the curves of the run that made them drawn.
 */
export async function trainAndPlot(
  model: ChapterModel,
  batches: BatchSource,
  options: TrainOrLoadOptions = {},
): Promise<TrainOrLoadResult> {
  const curves = new LiveTrainingCurves({ title: `${model.definition.title}: training`, subtitle: CURVES_SUBTITLE });
  // Both callbacks hand over the run's growing arrays; the chart reads them at each redraw.
  let curve: readonly CurvePoint[] = [];
  let logged: readonly HistoryEntry[] = [];
  let result: TrainOrLoadResult;
  try {
    result = await trainOrLoad(model, batches, {
      ...options,
      onCurve: (point, curveSoFar) => {
        curve = curveSoFar;
        curves.update(model.key, { points: curve, logged });
        options.onCurve?.(point, curveSoFar);
      },
      onLog: (entry, history) => {
        logged = history;
        curves.update(model.key, { points: curve, logged });
        options.onLog?.(entry, history);
      },
    });
    curves.update(model.key, { points: result.curve, logged: result.history });
  } finally {
    // Also when training stops early (an interrupt): the chart keeps the curve so far, with its static copy.
    await curves.finish();
  }
  console.log(result.message);
  return result;
}
