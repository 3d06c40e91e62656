import { test } from "uvu";
import * as assert from "uvu/assert";
import { notebookSettings, scaledSteps } from "../../src/notebook/settings";

test("defaults are the chapter's runs", () => {
  assert.equal(notebookSettings({}, {}), { stepScale: 1, seed: 42, retrain: false });
});

test("the environment sets the defaults and explicit values win", () => {
  const env = { CNN_STEP_SCALE: "0.01", CNN_SEED: "7", CNN_RETRAIN: "1" };
  assert.equal(notebookSettings({}, env), { stepScale: 0.01, seed: 7, retrain: true });
  assert.equal(notebookSettings({ seed: 3, retrain: false }, env), { stepScale: 0.01, seed: 3, retrain: false });
});

test("bad values give one clear error naming the setting", () => {
  assert.throws(() => notebookSettings({}, { CNN_STEP_SCALE: "fast" }), /CNN_STEP_SCALE="fast" is not a number/);
  assert.throws(() => notebookSettings({}, { CNN_STEP_SCALE: "0" }), /stepScale 0 is not valid/);
  assert.throws(() => notebookSettings({}, { CNN_SEED: "1.5" }), /seed 1.5 is not valid/);
  assert.throws(() => notebookSettings({}, { CNN_RETRAIN: "maybe" }), /CNN_RETRAIN="maybe"/);
});

test("scaled step counts round and never reach zero", () => {
  assert.is(scaledSteps(5000, { stepScale: 1 }), 5000);
  assert.is(scaledSteps(10000, { stepScale: 0.1 }), 1000);
  assert.is(scaledSteps(5000, { stepScale: 0.0001 }), 1);
});

test.run();
