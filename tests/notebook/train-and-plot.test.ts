import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { VEGA_LITE_MIME } from "../../src/display/show-chart";
import { trainAndPlot } from "../../src/notebook/train-and-plot";
import { silentProgress } from "../../src/output";
import { capturedConsole, recordOutputs, stopRecording, svgTexts, type RecordedMessage } from "../output/recorder";
import { lineCollector, TinyBatches, tinyModel, tinyTestSet } from "../training/fixtures";
import { chapterStepSettings } from "../../src/recipes";

interface ChartRow {
  model: string;
  kind: "line" | "logged" | "tested";
  step: number;
  cost: number;
  accuracy: number | null;
}

/** The last chart the cell showed: its data rows and its static SVG. */
function lastChart(messages: RecordedMessage[]): { rows: ChartRow[]; svg: string } {
  const charts = messages.filter((message) => VEGA_LITE_MIME in message.content.data);
  assert.ok(charts.length > 0, "no chart was drawn");
  const data = charts[charts.length - 1].content.data;
  const spec = data[VEGA_LITE_MIME] as { data: { values: ChartRow[] } };
  return { rows: spec.data.values, svg: String(data["image/svg+xml"]) };
}

/** Whether the cell showed a chart of the test accuracy per epoch (epochAccuracyChart). */
function epochCharts(messages: RecordedMessage[]): boolean {
  return messages
    .filter((message) => VEGA_LITE_MIME in message.content.data)
    .some((message) => String((message.content.data[VEGA_LITE_MIME] as { description?: string }).description).startsWith("Test accuracy per epoch"));
}

test.after.each(stopRecording);

test("trainAndPlot trains and draws the curve and log points, then loads and draws the same run", async () => {
  const weightsDir = fs.mkdtempSync(path.join(os.tmpdir(), "train-and-plot-"));
  const options = { steps: 40, logEvery: 10, curveEvery: 5, weightsDir, progress: silentProgress };
  try {
    const firstRun = async () => {
      const messages = recordOutputs();
      const model = tinyModel(3);
      const logLines = lineCollector();
      let result: Awaited<ReturnType<typeof trainAndPlot>> | undefined;
      const printed = await capturedConsole(async () => {
        result = await trainAndPlot(model, new TinyBatches(8, "tiny:0001"), { ...chapterStepSettings(model), ...options, log: logLines.log });
      });
      model.dispose();
      return { result: result!, messages, printed, logLines: logLines.lines };
    };

    const trained = await firstRun();
    assert.is(trained.result.outcome, "trained");
    assert.equal(trained.printed, [trained.result.message]);
    assert.match(trained.result.message, /^trained tiny for 40 steps/);
    assert.equal(trained.logLines.map((line) => line.split(",")[0]), ["step 10", "step 20", "step 30", "step 40"]);
    const drawn = lastChart(trained.messages);
    const line = drawn.rows.filter((row) => row.kind === "line");
    // The start point, then every 5 steps.
    assert.equal(line.map((row) => row.step), [0, 5, 10, 15, 20, 25, 30, 35, 40]);
    assert.equal(line.map((row) => row.cost), trained.result.curve.map((point) => point.cost));
    assert.equal(
      drawn.rows.filter((row) => row.kind === "logged").map((row) => [row.step, row.cost]),
      trained.result.history.map((entry) => [entry.step, entry.cost]),
    );
    assert.ok(svgTexts(drawn.svg).includes("Cost (log scale)"), "the final chart carries its SVG");

    const loaded = await firstRun();
    assert.is(loaded.result.outcome, "loaded");
    assert.equal(loaded.printed, [loaded.result.message]);
    assert.match(loaded.result.message, /^loaded tiny \(\d+ steps, seed \d+, trained in [\d.]+ s\) from the weights cache; pass retrain: true to train again$/);
    assert.equal(loaded.logLines, trained.logLines, "loading prints the log of the run that made the weights");
    assert.equal(lastChart(loaded.messages).rows, drawn.rows, "the loaded run's chart is the trained run's");
  } finally {
    fs.rmSync(weightsDir, { recursive: true, force: true });
  }
});

test("trainAndPlot with a testSet draws its accuracy after each epoch beside the training accuracy, and a chart of its own only with references", async () => {
  const weightsDir = fs.mkdtempSync(path.join(os.tmpdir(), "train-and-plot-"));
  const epochBatches = Object.assign(new TinyBatches(8, "tiny:0001"), { stepsPerEpoch: 5 });
  try {
    const messages = recordOutputs();
    const model = tinyModel(3);
    let result: Awaited<ReturnType<typeof trainAndPlot>> | undefined;
    await capturedConsole(async () => {
      result = await trainAndPlot(model, epochBatches, { ...chapterStepSettings(model), steps: 12, curveEvery: 4, testSet: tinyTestSet(16), weightsDir, progress: silentProgress, log: () => {} });
    });
    model.dispose();
    const drawn = lastChart(messages);
    const tested = drawn.rows.filter((row) => row.kind === "tested");
    assert.equal(tested.map((row) => row.step), [5, 10, 12]);
    assert.equal(tested.map((row) => row.accuracy), result!.epochs.map((record) => record.testAccuracy));
    const texts = svgTexts(drawn.svg);
    assert.ok(texts.includes("Accuracy"), `the accuracy panel holds both: ${texts.join(" | ")}`);
    assert.ok(texts.some((text) => text.includes("dashed: test accuracy after each epoch")), `the subtitle says what the dashed line is: ${texts.join(" | ")}`);
    assert.not.ok(epochCharts(messages), "no epoch chart without references");

    // With references (4.4's), the accuracy after each epoch gets its own chart too.
    const withReferences = recordOutputs();
    const again = tinyModel(3);
    await capturedConsole(() =>
      trainAndPlot(again, epochBatches, { ...chapterStepSettings(again), steps: 12, curveEvery: 4, testSet: tinyTestSet(16), references: [{ label: "chance", accuracy: 0.5 }], weightsDir, progress: silentProgress, log: () => {} }),
    );
    again.dispose();
    assert.ok(epochCharts(withReferences), "an epoch chart beside the references");
  } finally {
    fs.rmSync(weightsDir, { recursive: true, force: true });
  }
});

test("trainAndPlot still draws the curve so far, with its SVG, when training stops early", async () => {
  const weightsDir = fs.mkdtempSync(path.join(os.tmpdir(), "train-and-plot-"));
  const messages = recordOutputs();
  const model = tinyModel(3);
  const failing = new TinyBatches(8);
  const nextBatch = failing.nextBatch.bind(failing);
  failing.nextBatch = () => {
    if (failing.handedOut === 12) throw new Error("no more batches");
    return nextBatch();
  };
  try {
    await trainAndPlot(model, failing, { ...chapterStepSettings(model), steps: 40, curveEvery: 5, weightsDir, progress: silentProgress, log: () => {} });
    assert.unreachable("training should have stopped");
  } catch (error) {
    assert.match((error as Error).message, /no more batches/);
  } finally {
    model.dispose();
    fs.rmSync(weightsDir, { recursive: true, force: true });
  }
  const drawn = lastChart(messages);
  assert.equal(drawn.rows.map((row) => row.step), [0, 5, 10]);
  assert.ok(drawn.svg.startsWith("<svg"), "the chart was finished");
});

test("the curves' subtitle names only what the chart has: dots for log lines, 'no dropout' only when training drops out", async () => {
  const subtitleOf = async (changes: { logEvery?: number | null; keepProb?: number }) => {
    const messages = recordOutputs();
    const model = tinyModel(3);
    await capturedConsole(() => trainAndPlot(model, new TinyBatches(8, "tiny:0001"), { ...chapterStepSettings(model), steps: 4, curveEvery: 2, progress: silentProgress, log: () => {}, ...changes }));
    model.dispose();
    stopRecording();
    const charts = messages.filter((message) => VEGA_LITE_MIME in message.content.data);
    const spec = charts[charts.length - 1].content.data[VEGA_LITE_MIME] as { title: { subtitle?: string } };
    return spec.title.subtitle;
  };
  assert.is(await subtitleOf({ logEvery: 2, keepProb: 0.5 }), "line: means over the training steps (as trained); dots: the log lines (no dropout)");
  assert.is(await subtitleOf({ logEvery: 2, keepProb: 1 }), "line: means over the training steps (as trained); dots: the log lines");
  assert.is(await subtitleOf({ logEvery: null, keepProb: 1 }), "line: means over the training steps (as trained)");
});

test.run();
