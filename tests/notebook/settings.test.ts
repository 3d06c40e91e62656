import { test } from "uvu";
import * as assert from "uvu/assert";
import { currentLanguage, localized, setLanguage } from "../../src/language";
import { notebookSettings } from "../../src/notebook/settings";

test("defaults are the chapter's runs", () => {
  assert.equal(notebookSettings({}, {}), { stepScale: 1, seed: 42, retrain: false, language: "en", timeBudgetMinutes: 15 });
});

test("the environment sets the defaults and explicit values win", () => {
  const env = { CNN_STEP_SCALE: "0.01", CNN_SEED: "7", CNN_RETRAIN: "1", CNN_LANG: "ko", CNN_TIME_BUDGET_MINUTES: "30" };
  assert.equal(notebookSettings({}, env), { stepScale: 0.01, seed: 7, retrain: true, language: "ko", timeBudgetMinutes: 30 });
  assert.equal(notebookSettings({ seed: 3, retrain: false, language: "en", timeBudgetMinutes: null }, env), {
    stepScale: 0.01,
    seed: 3,
    retrain: false,
    language: "en",
    timeBudgetMinutes: null,
  });
  assert.is(notebookSettings({}, { CNN_TIME_BUDGET_MINUTES: "none" }).timeBudgetMinutes, null, '"none": no budget');
});

test("bad values give one clear error naming the setting", () => {
  assert.throws(() => notebookSettings({}, { CNN_STEP_SCALE: "fast" }), /CNN_STEP_SCALE="fast" is not a number/);
  assert.throws(() => notebookSettings({}, { CNN_STEP_SCALE: "0" }), /stepScale 0 is not valid/);
  assert.throws(() => notebookSettings({}, { CNN_SEED: "1.5" }), /seed 1.5 is not valid/);
  assert.throws(() => notebookSettings({}, { CNN_RETRAIN: "maybe" }), /CNN_RETRAIN="maybe"/);
  assert.throws(() => notebookSettings({}, { CNN_LANG: "kr" }), /^CNN_LANG="kr" is not a language of these notebooks: use "en" or "ko"\.$/);
  assert.throws(() => notebookSettings({ language: "de" as "en" }, {}), /notebookSettings\(\{ language \}\)="de" is not a language/);
  assert.throws(() => notebookSettings({}, { CNN_TIME_BUDGET_MINUTES: "soon" }), /CNN_TIME_BUDGET_MINUTES="soon" is not a number/);
  assert.throws(() => notebookSettings({}, { CNN_TIME_BUDGET_MINUTES: "-5" }), /^CNN_TIME_BUDGET_MINUTES: timeBudgetMinutes -5 is not valid: expected a number of minutes > 0/);
  assert.throws(() => notebookSettings({ timeBudgetMinutes: 0 }, {}), /^notebookSettings\(\{ timeBudgetMinutes \}\): timeBudgetMinutes 0 is not valid/);
});

test("the language chosen in the settings is what the package shows from then on", () => {
  const text = { en: "test accuracy", ko: "테스트 정확도" };
  try {
    notebookSettings({ language: "ko" }, {});
    assert.is(currentLanguage({}), "ko");
    assert.is(localized(text), "테스트 정확도");
    notebookSettings({}, {});
    assert.is(localized(text), "test accuracy");
  } finally {
    setLanguage(undefined);
  }
  assert.is(currentLanguage({ CNN_LANG: "ko" }), "ko", "without a choice, CNN_LANG decides");
  assert.is(currentLanguage({}), "en");
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
