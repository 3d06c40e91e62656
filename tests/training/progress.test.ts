import { test } from "uvu";
import * as assert from "uvu/assert";
import { silentProgress, terminalProgress } from "../../src/training";

function fakeStream(isTTY: boolean): NodeJS.WriteStream & { written: string[] } {
  const written: string[] = [];
  return { isTTY, written, write: (text: string) => written.push(text) } as unknown as NodeJS.WriteStream & { written: string[] };
}

test("terminalProgress is silent when the stream is not a terminal (e.g. in a notebook)", () => {
  const stream = fakeStream(false);
  const progress = terminalProgress(stream);
  assert.is(progress, silentProgress);
  progress.start(10);
  progress.tick(5, { stepsPerSecond: 2, etaSeconds: 2.5 });
  progress.finish();
  assert.equal(stream.written, []);
});

test("on a terminal it rewrites one line, clears it for log lines and ends it on finish", () => {
  const stream = fakeStream(true);
  const progress = terminalProgress(stream);
  progress.start(5000);
  progress.tick(1200, { stepsPerSecond: 16.25, etaSeconds: 234, cost: 0.23411 });
  progress.clear?.();
  progress.tick(1300, { stepsPerSecond: 16.3, etaSeconds: 42 });
  progress.finish();
  assert.equal(stream.written, [
    "\r\x1b[Kstep 1200/5000, 16.3 steps/s, ETA 3m54s, cost 0.2341",
    "\r\x1b[K",
    "\r\x1b[Kstep 1300/5000, 16.3 steps/s, ETA 42s",
    "\n",
  ]);
});

test.run();
