import { test } from "uvu";
import * as assert from "uvu/assert";
import { functionChart } from "../../src/display/charts/function-lines";
import type { TrainingPoint } from "../../src/display/charts/training-curves";
import { LiveChart, LiveTrainingCurves } from "../../src/display/live-chart";
import { VEGA_LITE_MIME } from "../../src/display/show-chart";
import { capturedConsole, countMarks, recordOutputs, simulateTerminal, stopRecording, svgTexts } from "../output/recorder";

test.after.each(stopRecording);

/** A clock the test moves by hand. */
function fakeClock(): { now: () => number; advance: (ms: number) => void } {
  let time = 0;
  return { now: () => time, advance: (ms) => void (time += ms) };
}

test("LiveChart redraws at most once per interval and finish() draws the last data", async () => {
  const messages = recordOutputs();
  const clock = fakeClock();
  const points = [{ x: 0, y: 0 }];
  const chart = new LiveChart(() => functionChart({ f: [...points] }, { title: `${points.length} points` }), {
    minIntervalMs: 1000,
    now: clock.now,
  });
  chart.refresh(); // drawn: first refresh
  for (let i = 1; i <= 5; i++) {
    clock.advance(100);
    points.push({ x: i, y: i });
    chart.refresh(); // within the interval: not drawn
  }
  clock.advance(1000);
  points.push({ x: 6, y: 6 });
  chart.refresh(); // interval passed: drawn
  points.push({ x: 7, y: 7 });
  chart.refresh(); // within the interval again: not drawn
  await chart.finish(); // draws the 8 points
  assert.equal(
    messages.map((message) => message.type),
    ["display_data", "update_display_data", "update_display_data"],
  );
  assert.equal(new Set(messages.map((message) => message.content.transient.display_id)).size, 1);
  const titles = messages.map((message) => (message.content.data[VEGA_LITE_MIME] as { title: string }).title);
  assert.equal(titles, ["1 points", "7 points", "8 points"]);
  // Redraws while running leave the rendering to JupyterLab; the final chart carries the static SVG.
  assert.equal(messages.map((message) => "image/svg+xml" in message.content.data), [false, false, true]);
  assert.ok(svgTexts(String(messages[2].content.data["image/svg+xml"])).includes(titles[2]));
});

test("LiveChart.finish() always sends the chart with its SVG, also when nothing changed since a redraw", async () => {
  const messages = recordOutputs();
  const chart = new LiveChart(() => functionChart({ f: [{ x: 0, y: 1 }] }));
  chart.refresh();
  await chart.finish();
  assert.equal(messages.map((message) => message.type), ["display_data", "update_display_data"]);
  assert.ok(String(messages[1].content.data["image/svg+xml"]).startsWith("<svg"));
});

test("LiveTrainingCurves: the final update holds every point of every model, the log points as dots", async () => {
  const messages = recordOutputs();
  const curves = new LiveTrainingCurves({ title: "Live" });
  const mnist: TrainingPoint[] = [];
  const cifar: TrainingPoint[] = [];
  const logged: TrainingPoint[] = [];
  for (let step = 0; step < 50; step++) {
    mnist.push({ step, cost: 2 / (step + 1), accuracy: step / 50 });
    if ((step + 1) % 10 === 0) logged.push({ step: step + 1, cost: 2 / (step + 1), accuracy: step / 50 });
    curves.update("mnist", { points: mnist, logged });
    cifar.push({ step, cost: 3 / (step + 1) });
    curves.update("cifar-3conv", { points: cifar });
  }
  await curves.finish();
  const last = messages[messages.length - 1];
  const spec = last.content.data[VEGA_LITE_MIME] as { data: { values: { model: string; kind: string }[] } };
  assert.is(spec.data.values.length, 105);
  assert.is(spec.data.values.filter((value) => value.model === "cifar-3conv").length, 50);
  assert.is(spec.data.values.filter((value) => value.kind === "logged").length, 5);
  const svg = String(last.content.data["image/svg+xml"]);
  assert.ok(svgTexts(svg).includes("Training accuracy"));
  // 5 log points in each of the two panels.
  assert.is(countMarks(svg, "point"), 10);
});

test("LiveTrainingCurves in a terminal renders nothing until finish, which prints a line", async () => {
  simulateTerminal();
  const printed = await capturedConsole(async () => {
    const curves = new LiveTrainingCurves();
    curves.update("cifar-3conv", { points: [{ step: 0, cost: 2.3 }] });
    await curves.finish();
  });
  assert.equal(printed, ["[chart] Training curves (cost against step) for cifar-3conv"]);
});

test.run();
