import { LiveTrainingCurves } from "../display";
import type { ChapterModel } from "../models";
import { trainOrLoad, type BatchSource, type TrainOrLoadOptions, type TrainOrLoadResult } from "../training";

/**
 * trainOrLoad() with the chapter's log lines, a live progress line and live
 * training curves (cost and training accuracy against step) in the cell; weights
 * saved by an identical earlier run are loaded instead, and their curves drawn.
 */
export async function trainAndPlot(
  model: ChapterModel,
  batches: BatchSource,
  options: TrainOrLoadOptions = {},
): Promise<TrainOrLoadResult> {
  const curves = new LiveTrainingCurves({ title: `${model.definition.title}: training` });
  const result = await trainOrLoad(model, batches, {
    ...options,
    onLog: (entry, history) => {
      curves.add(model.key, entry);
      options.onLog?.(entry, history);
    },
  });
  if (result.outcome === "loaded") {
    for (const entry of result.history) curves.add(model.key, entry);
  }
  await curves.finish();
  console.log(result.message);
  return result;
}
