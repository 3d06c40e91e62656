import { test } from "uvu";
import * as assert from "uvu/assert";
import { millions, setLanguage } from "../src/language";

test.after.each(() => setLanguage(undefined));

test("millions: one decimal of a million in English, whole 만 (ten thousands) in Korean", () => {
  setLanguage("en");
  assert.is(millions(82_219_520), "82.2 million");
  assert.is(millions(54_000_000), "54.0 million");
  setLanguage("ko");
  assert.is(millions(82_219_520), "8,222만");
  assert.is(millions(54_000_000), "5,400만");
});

test.run();
