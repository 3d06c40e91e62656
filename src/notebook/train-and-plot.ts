import { epochAccuracyChart, LiveChart, LiveTrainingCurves, type AccuracyReference, type EpochAccuracy } from "../display";
import { modelName, type TrainableModel } from "../models";
import {
  accuracyName,
  trainOrLoad,
  type BatchSource,
  type CurvePoint,
  type EpochRecord,
  type HistoryEntry,
  type MeasuredOn,
  type TrainOrLoadOptions,
  type TrainOrLoadResult,
} from "../training";
import { localized } from "../language";

/** What the chart's lines (the dots of a run that prints log lines, the dashed line of one with a testSet) are, under its title. */
function curvesSubtitle(options: TrainOrLoadOptions, measuredOn: MeasuredOn): string {
  const parts = [localized({ en: "line: means over the training steps (as trained)", ko: "선: 학습 스텝의 평균 (학습한 그대로)" })];
  if (options.logEvery !== undefined && options.logEvery !== null) {
    const dropout = options.keepProb !== undefined && options.keepProb < 1;
    parts.push(
      dropout
        ? localized({ en: "dots: the log lines (no dropout)", ko: "점: 로그 줄 (드롭아웃 없이)" })
        : localized({ en: "dots: the log lines", ko: "점: 로그 줄" }),
    );
  }
  if (options.testSet !== undefined) {
    parts.push(localized({ en: `dashed: ${accuracyName(measuredOn)} after each epoch`, ko: `점선: 에포크마다 잰 ${accuracyName(measuredOn)}` }));
  }
  return parts.join("; ");
}

/** The accuracy after each epoch on the testSet, placed at the step the epoch ended on. */
function testedPoints(epochs: readonly EpochRecord[]): { step: number; accuracy: number }[] {
  return epochs.flatMap(({ steps, testAccuracy }) => (testAccuracy === null ? [] : [{ step: steps, accuracy: testAccuracy }]));
}

export interface TrainAndPlotOptions extends TrainOrLoadOptions {
  /** Results to beat: a run with a testSet then also gets a chart of its accuracy after each epoch against them, drawn as horizontal lines. */
  references?: AccuracyReference[];
  /** What the testSet measured after each epoch is, as its chart names it: "validation" for images held out of the training set (default "test"). */
  measuredOn?: MeasuredOn;
}

function evaluated(epochs: readonly EpochRecord[]): EpochAccuracy[] {
  return epochs.flatMap(({ epoch, testAccuracy, seconds }) => (testAccuracy === null ? [] : [{ epoch, testAccuracy, seconds }]));
}

/**
 * trainOrLoad() with the log lines, a live progress line and live training
 * curves (cost on a log axis and training accuracy against step, the log
 * lines marked) in the cell; with a testSet, the accuracy on it after each
 * epoch beside the training accuracy, and with references too, a chart of it
 * against them. A cached run is loaded instead, and the charts of the run
 * that made it drawn.
 */
export async function trainAndPlot(model: TrainableModel, batches: BatchSource, options: TrainAndPlotOptions = {}): Promise<TrainOrLoadResult> {
  // The curves' legend and tooltips name the model as the reader's edition does.
  const name = modelName(model.key);
  const measuredOn = options.measuredOn ?? "test";
  const curves = new LiveTrainingCurves({
    title: localized({ en: `${model.title}: training`, ko: `${model.title}: 학습` }),
    subtitle: curvesSubtitle(options, measuredOn),
    measuredOn,
  });
  // The callbacks hand over the run's growing arrays; the charts read them at each redraw.
  let curve: readonly CurvePoint[] = [];
  let logged: readonly HistoryEntry[] = [];
  let epochs: readonly EpochRecord[] = [];
  let tested = testedPoints(epochs);
  const epochChart =
    options.testSet === undefined || options.references === undefined
      ? null
      : new LiveChart(() =>
          epochAccuracyChart(evaluated(epochs), options.references ?? [], {
            title: localized({ en: `${model.title}: ${accuracyName(measuredOn)} after each epoch`, ko: `${model.title}: 에포크마다 잰 ${accuracyName(measuredOn)}` }),
            measuredOn,
            plannedEpochs: batches.stepsPerEpoch === undefined || options.steps === undefined ? undefined : options.steps / batches.stepsPerEpoch,
            runLabel: localized({ en: "this notebook", ko: "이 노트북" }),
          }),
        );
  let result: TrainOrLoadResult;
  try {
    result = await trainOrLoad(model, batches, {
      ...options,
      onCurve: (point, curveSoFar) => {
        curve = curveSoFar;
        curves.update(name, { points: curve, logged, tested });
        options.onCurve?.(point, curveSoFar);
      },
      onLog: (entry, history) => {
        logged = history;
        curves.update(name, { points: curve, logged, tested });
        options.onLog?.(entry, history);
      },
      onEpoch: (record, all) => {
        epochs = all;
        tested = testedPoints(epochs);
        curves.update(name, { points: curve, logged, tested });
        epochChart?.refresh();
        options.onEpoch?.(record, all);
      },
    });
    epochs = result.epochs;
    tested = testedPoints(epochs);
    curves.update(name, { points: result.curve, logged: result.history, tested });
  } finally {
    // Also when training stops early (an interrupt): the charts keep what they have, with their static copies.
    await curves.finish();
    await epochChart?.finish();
  }
  console.log(result.message);
  return result;
}
