/** Static SVG rendering of vega-lite specs in Node: no canvas, no network. */
import { randomBytes } from "crypto";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

function refuseToLoad(uri: string): Promise<never> {
  return Promise.reject(
    new Error(
      `Chart tried to load '${uri}'. Charts are rendered offline: put the data inline ` +
        "(`data: { values: [...] }`) instead of referring to a URL or file.",
    ),
  );
}

// Charts carry their data inline; anything else would be a silent network or disk access.
const offlineLoader: vega.Loader = {
  load: refuseToLoad,
  sanitize: refuseToLoad,
  http: refuseToLoad,
  file: refuseToLoad,
};

/**
 * Renders a vega-lite spec to an SVG string. Works outside notebooks (scripts, tests,
 * saving figures). Element ids (clip paths, gradients) are made unique so several
 * charts can sit inline in one HTML page without clipping or colouring each other.
 */
export async function chartToSvg(spec: TopLevelSpec): Promise<string> {
  const vegaSpec = compile(spec).spec;
  // Vega only warns about a failed load and renders an empty chart; say what is wrong instead.
  for (const data of vegaSpec.data ?? []) if ("url" in data) await refuseToLoad(String(data.url));
  const view = new vega.View(vega.parse(vegaSpec), { renderer: "none", loader: offlineLoader });
  try {
    return uniquifySvgIds(await view.toSVG(), `c${randomBytes(4).toString("hex")}-`);
  } finally {
    view.finalize();
  }
}

function uniquifySvgIds(svg: string, prefix: string): string {
  return svg
    .replace(/\bid="([^"]+)"/g, `id="${prefix}$1"`)
    .replace(/url\(#([^)]+)\)/g, `url(#${prefix}$1)`)
    .replace(/href="#([^"]+)"/g, `href="#${prefix}$1"`);
}
