import { test } from "uvu";
import * as assert from "uvu/assert";
import { notebookSettings } from "../../src/notebook/settings";

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

test("a seed outside the seed range is refused where it is read, naming where it came from", () => {
  assert.throws(() => notebookSettings({}, { CNN_SEED: String(2 ** 31) }), /CNN_SEED: seed 2147483648 is not valid: use a whole number from 0 to 2147483647/);
  assert.throws(() => notebookSettings({ seed: 2 ** 31 }, {}), /notebookSettings\(\{ seed \}\): seed 2147483648 is not valid/);
  assert.throws(() => notebookSettings({}, { CNN_SEED: "-1" }), /CNN_SEED: seed -1 is not valid/);
  assert.is(notebookSettings({}, { CNN_SEED: String(2 ** 31 - 1) }).seed, 2 ** 31 - 1);
});

test("an explicit value wins over a bad environment value", () => {
  assert.is(notebookSettings({ seed: 3 }, { CNN_SEED: "not a number" }).seed, 3);
});

test.run();
