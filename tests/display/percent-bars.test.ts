import { test } from "uvu";
import * as assert from "uvu/assert";
import { percentBarsChart } from "../../src/display/charts/percent-bars";

interface XEncoding {
  title: string;
  scale: { domain: number[] };
}

function xOf(spec: ReturnType<typeof percentBarsChart>): XEncoding {
  const layers = (spec as { layer: { encoding: { x: XEncoding } }[] }).layer;
  return layers[layers.length - 1].encoding.x;
}

test("percentBarsChart: a zoomed axis runs between round tens and its title says where it starts", () => {
  const x = xOf(percentBarsChart([{ name: "a", value: 85.2, text: "85.2%" }, { name: "b", value: 93.1, text: "93.1%" }], { valueTitle: "test accuracy (%)" }));
  assert.equal(x.scale.domain, [80, 100]);
  assert.is(x.title, "test accuracy (%) (the axis starts at 80%, not 0)");
});

test("percentBarsChart: an axis from 0 keeps the plain title; a rule widens the axis", () => {
  const low = xOf(percentBarsChart([{ name: "a", value: 1, text: "1%" }, { name: "b", value: 55, text: "55%" }], { valueTitle: "share (%)" }));
  assert.equal(low.scale.domain, [0, 60]);
  assert.is(low.title, "share (%)");
  const ruled = xOf(percentBarsChart([{ name: "a", value: 91, text: "91%" }], { valueTitle: "v", rule: { label: "peer", value: 70 } }));
  assert.equal(ruled.scale.domain, [60, 100]);
});

test.run();
