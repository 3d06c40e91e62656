import { test } from "uvu";
import * as assert from "uvu/assert";
import { setLanguage } from "../../src/language";
import type { TerminalStream } from "../../src/output/live-line";
import { formatDuration, ProgressReporter } from "../../src/output/progress-reporter";
import { recordOutputs, simulateTerminal, stopRecording } from "./recorder";

test.after.each(stopRecording);

function fakeClock(): { now: () => number; advance: (ms: number) => void } {
  let time = 0;
  return { now: () => time, advance: (ms) => void (time += ms) };
}

function fakeTerminal(isTTY: boolean): TerminalStream & { written: string[] } {
  const written: string[] = [];
  return { isTTY, written, write: (text: string) => written.push(text) };
}

test("in a TTY the line is rewritten with \\r, throttled, and ends with a newline", () => {
  simulateTerminal();
  const clock = fakeClock();
  const terminal = fakeTerminal(true);
  const progress = new ProgressReporter({ label: "mnist", minIntervalMs: 500, now: clock.now, terminal });
  progress.start(100);
  clock.advance(2000); // start-up before the first step is left out of the speed
  progress.tick(1, { cost: 2.3 });
  for (let step = 2; step <= 50; step++) {
    clock.advance(100); // 10 steps/s
    progress.tick(step, { cost: 2.3 / step });
  }
  progress.finish();
  const { written } = terminal;
  // start, first tick, then every 5th tick (500 ms apart), then the final line:
  // 50 steps in 2 s + 49 × 0.1 s = 6.9 s; at step 46, 45 steps took 4.5 s and 54 are left
  assert.is(written.length, 1 + 1 + 9 + 1);
  assert.ok(written.slice(0, -1).every((text) => text.startsWith("\r") && !text.includes("\n")));
  assert.is(written[0], "\rmnist: 0/100 steps (0%)\x1b[K");
  assert.is(written[written.length - 2], "\rmnist: 46/100 steps (46%) · 10.0 steps/s · ETA 0:05 · cost 0.0500\x1b[K");
  assert.is(written[written.length - 1], "\rmnist: 50/100 steps in 0:07 · 7.25 steps/s · cost 0.0460\x1b[K\n");
});

test("outside a TTY only the final line is printed", () => {
  simulateTerminal();
  const terminal = fakeTerminal(false);
  const progress = new ProgressReporter({ terminal, now: fakeClock().now });
  progress.start(3);
  progress.tick(1, { cost: 1, accuracy: 0.5 });
  progress.tick(3);
  progress.finish();
  assert.equal(terminal.written, ["Training: 3/3 steps in 0:00 · cost 1.0000 · accuracy 0.5000\n"]);
});

test("in Korean (notebookSettings({ language: \"ko\" })) the line reads in Korean", () => {
  simulateTerminal();
  const terminal = fakeTerminal(true);
  const clock = fakeClock();
  const progress = new ProgressReporter({ label: "mnist", terminal, now: clock.now });
  setLanguage("ko");
  try {
    progress.start(4);
    progress.tick(1, { cost: 2 });
    clock.advance(1000);
    progress.tick(2, { cost: 1, accuracy: 0.5 });
    progress.finish();
  } finally {
    setLanguage(undefined);
  }
  assert.is(terminal.written[0], "\rmnist: 0/4 스텝 (0%)\x1b[K");
  assert.is(terminal.written[terminal.written.length - 1], "\rmnist: 2/4 스텝, 0:01 걸림 · 초당 2.00 스텝 · 비용 1.0000 · 정확도 0.5000\x1b[K\n");
});

test("clear() erases the live terminal line so a log line can take its place", () => {
  const terminal = fakeTerminal(true);
  const progress = new ProgressReporter({ label: "mnist", minIntervalMs: 0, now: fakeClock().now, terminal });
  progress.start(10);
  const drawn = terminal.written.length;
  progress.clear();
  assert.is(terminal.written.length, drawn + 1);
  assert.is(terminal.written[drawn], "\r\x1b[K");
  progress.finish();
  progress.clear();
  assert.is(terminal.written.length, drawn + 2, "clear() after finish() must not erase the final line");
});

test("in a notebook one output is updated in place and the final update is the summary", () => {
  const messages = recordOutputs();
  const clock = fakeClock();
  const terminal = fakeTerminal(true);
  const progress = new ProgressReporter({ label: "MLP", minIntervalMs: 500, now: clock.now, terminal });
  progress.start(20);
  for (let step = 1; step <= 20; step++) {
    clock.advance(250);
    progress.tick(step, { cost: 1 / step });
  }
  progress.finish();
  assert.is(terminal.written.length, 0);
  assert.is(messages[0].type, "display_data");
  assert.ok(messages.slice(1).every((message) => message.type === "update_display_data"));
  assert.is(new Set(messages.map((message) => message.content.transient.display_id)).size, 1);
  assert.is(messages.length, 1 + 10 + 1);
  assert.is(messages[messages.length - 1].content.data["text/plain"], "MLP: 20/20 steps in 0:05 · 4.00 steps/s · cost 0.0500");
});

test("tick before start says what to do; a second start begins a new output", () => {
  const messages = recordOutputs();
  const progress = new ProgressReporter({ now: fakeClock().now });
  assert.throws(() => progress.tick(1), /call start\(total\) before tick/);
  assert.throws(() => progress.start(0), /positive whole number/);
  progress.start(2);
  progress.finish();
  progress.start(2);
  assert.is(messages.filter((message) => message.type === "display_data").length, 2);
});

test("formatDuration writes m:ss and h:mm:ss", () => {
  assert.is(formatDuration(0), "0:00");
  assert.is(formatDuration(75), "1:15");
  assert.is(formatDuration(3725), "1:02:05");
});

test.run();
