import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/native/backend";
import { conv2d } from "../../src/layers/layers";
import { setLanguage } from "../../src/language";
import { chartToSvg } from "../../src/display/chart-svg";
import { connectivityChart } from "../../src/display/charts/connectivity";
import { countMarks, svgTexts } from "../output/recorder";

/** The texts of the rendered figure, each line of a multi-line title on its own. */
function textLines(svg: string): string[] {
  return [...svgTexts(svg), ...[...svg.matchAll(/<tspan[^>]*>([^<]*)<\/tspan>/g)].map((match) => match[1])];
}

interface Connection {
  input: number;
  output: number;
  weight: string;
}
interface Panel {
  layer: [{ data: { values: Connection[] } }, ...unknown[]];
}

function connectionsOf(spec: unknown): [Connection[], Connection[]] {
  const [dense, local] = (spec as { hconcat: [Panel, Panel] }).hconcat;
  return [dense.layer[0].data.values, local.layer[0].data.values];
}

/**
 * The package's conv2d as a matrix: entry [output][input] is the weight by which
 * `input` enters `output`, read off by convolving each one-pixel image of a row of
 * `units` with a 1×k filter of weights 1, 2, …, k (0: no connection).
 */
function convolutionMatrix(units: number, filterWidth: number): number[][] {
  return tf.tidy(() => {
    const onePixelImages = tf.oneHot(tf.range(0, units, 1, "int32"), units).toFloat().reshape([units, 1, units, 1]) as tf.Tensor4D;
    const filter = tf.range(1, filterWidth + 1).reshape([1, filterWidth, 1, 1]) as tf.Tensor4D;
    const byInput = conv2d(onePixelImages, filter).reshape([units, units]).arraySync() as number[][];
    return byInput[0].map((_, output) => byInput.map((outputs) => outputs[output]));
  });
}

/** How many rules (lines) vega drew in each panel of the rendered figure. */
function rulesPerPanel(svg: string): number[] {
  return svg
    .split(/class="mark-group role-scope concat_\d_group"/)
    .slice(1)
    .map((panel) => countMarks(panel, "rule mark"));
}

for (const [units, filterWidth] of [[8, 3], [6, 5], [5, 1]]) {
  test(`${units} units, filter width ${filterWidth}: the lines drawn are the connections of each layer type`, async () => {
    const spec = connectivityChart({ units, filterWidth });
    const [dense, local] = connectionsOf(spec);

    // Fully connected: every (input, output) pair once, each through a weight of its own.
    assert.is(dense.length, units * units);
    assert.is(new Set(dense.map(({ input, output }) => `${input}→${output}`)).size, units * units);
    assert.is(new Set(dense.map(({ weight }) => weight)).size, units * units);

    // Convolutional: exactly the pairs conv2d connects, each through the filter weight it uses there.
    const matrix = convolutionMatrix(units, filterWidth);
    const expected = matrix.flatMap((inputs, output) => inputs.flatMap((weight, input) => (weight === 0 ? [] : [`${input}→${output}: w${weight}`])));
    assert.equal(local.map(({ input, output, weight }) => `${input}→${output}: ${weight}`).sort(), expected.sort());
    assert.is(new Set(local.map(({ weight }) => weight)).size, filterWidth, "the filter's weights, shared by every output");

    // The rendered figure draws one line per connection in each panel, and its titles give the counts.
    const svg = await chartToSvg(spec);
    assert.equal(rulesPerPanel(svg), [dense.length, local.length]);
    const texts = textLines(svg);
    for (const title of [`${dense.length} connections, ${dense.length} weights`, `${local.length} connections, ${filterWidth} weights`]) {
      assert.ok(texts.includes(title), `missing title ${title} in ${texts.join(" | ")}`);
    }
  });
}

test("the chapter's first layer counted the same way: a 5-wide filter over 28 units", () => {
  const [dense, local] = connectionsOf(connectivityChart({ units: 28, filterWidth: 5 }));
  assert.is(dense.length, 28 * 28);
  // 5 per output, less the windows' parts that fall on the padding: 2 + 1 at each border.
  assert.is(local.length, 28 * 5 - 2 * (2 + 1));
});

test("in Korean, the panels are titled in Korean", async () => {
  setLanguage("ko");
  try {
    const texts = textLines(await chartToSvg(connectivityChart()));
    for (const text of ["완전연결 계층과 합성곱 계층", "완전연결", "연결 64개, 가중치 64개", "합성곱", "연결 22개, 가중치 3개", "입력", "출력"]) {
      assert.ok(texts.includes(text), `missing ${text} in ${texts.join(" | ")}`);
    }
  } finally {
    setLanguage(undefined);
  }
});

test("rejects filter widths that are even, zero or wider than the layer, and empty layers", () => {
  assert.throws(() => connectivityChart({ filterWidth: 4 }), /filterWidth must be an odd whole number from 1 to units \(8\), got 4/);
  assert.throws(() => connectivityChart({ units: 3, filterWidth: 5 }), /from 1 to units \(3\), got 5/);
  assert.throws(() => connectivityChart({ filterWidth: 0 }), /got 0/);
  assert.throws(() => connectivityChart({ units: 0 }), /units must be a whole number ≥ 1, got 0/);
});

test.run();
