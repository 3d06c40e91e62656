import { test } from "uvu";
import * as assert from "uvu/assert";
import { functionChart } from "../../src/display/charts/function-lines";
import { LiveChart, LiveTrainingCurves } from "../../src/display/live-chart";
import { VEGA_LITE_MIME } from "../../src/display/show-chart";
import { capturedConsole, recordOutputs, simulateTerminal, stopRecording, svgTexts } from "./recorder";

test.after.each(stopRecording);

/** A clock the test moves by hand. */
function fakeClock(): { now: () => number; advance: (ms: number) => void } {
  let time = 0;
  return { now: () => time, advance: (ms) => void (time += ms) };
}

/** Resolves once `condition()` holds (rendering is asynchronous); fails after 5 s. */
async function waitUntil(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 5000) assert.unreachable("condition not reached within 5 s");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
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
  await waitUntil(() => messages.length === 1);
  for (let i = 1; i <= 5; i++) {
    clock.advance(100);
    points.push({ x: i, y: i });
    chart.refresh(); // within the interval: not drawn
  }
  clock.advance(1000);
  points.push({ x: 6, y: 6 });
  chart.refresh(); // interval passed: drawn
  points.push({ x: 7, y: 7 });
  chart.refresh(); // a redraw is running: not drawn
  await chart.finish(); // draws the 8 points
  assert.equal(
    messages.map((message) => message.type),
    ["display_data", "update_display_data", "update_display_data"],
  );
  assert.equal(new Set(messages.map((message) => message.content.transient.display_id)).size, 1);
  const titles = messages.map((message) => (message.content.data[VEGA_LITE_MIME] as { title: string }).title);
  assert.equal(titles, ["1 points", "7 points", "8 points"]);
  messages.forEach((message, i) => assert.ok(svgTexts(String(message.content.data["image/svg+xml"])).includes(titles[i])));
});

test("LiveChart.finish() does not redraw when nothing changed since the last drawing", async () => {
  const messages = recordOutputs();
  const chart = new LiveChart(() => functionChart({ f: [{ x: 0, y: 1 }] }));
  chart.refresh();
  await chart.finish();
  assert.is(messages.length, 1);
});

test("LiveTrainingCurves: the final update holds every point of every model", async () => {
  const messages = recordOutputs();
  const curves = new LiveTrainingCurves({ title: "Live" });
  for (let step = 0; step < 50; step++) {
    curves.add("LeNet-5", { step, cost: 2 / (step + 1), accuracy: step / 50 });
    curves.add("MLP", { step, cost: 3 / (step + 1) });
  }
  await curves.finish();
  const last = messages[messages.length - 1];
  const spec = last.content.data[VEGA_LITE_MIME] as { data: { values: { model: string }[] } };
  assert.is(spec.data.values.length, 100);
  assert.is(spec.data.values.filter((value) => value.model === "MLP").length, 50);
  assert.ok(svgTexts(String(last.content.data["image/svg+xml"])).includes("Training accuracy"));
});

test("LiveTrainingCurves in a terminal renders nothing until finish, which prints a line", async () => {
  simulateTerminal();
  const printed = await capturedConsole(async () => {
    const curves = new LiveTrainingCurves();
    curves.add("MLP", { step: 0, cost: 2.3 });
    await curves.finish();
  });
  assert.equal(printed, ["[chart] Training curves (cost against step) for MLP"]);
});

test.run();
