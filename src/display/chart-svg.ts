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
    await view.runAsync();
    // vega-typings call the scenegraph a Scene; at run time its marks hang from `root`.
    leaveOutWhatDrawsNothing((view.scenegraph() as unknown as { root: SceneMark }).root);
    return uniquifySvgIds(await view.toSVG(), `c${randomBytes(4).toString("hex")}-`);
  } finally {
    view.finalize();
  }
}

interface SceneMark {
  marktype: string;
  role: string;
  items: { opacity?: number; isVoronoi?: boolean; items?: SceneMark[] }[];
}

/**
 * Drops from the scene the data marks' items that a chart draws only for a reader's pointer:
 * points fully transparent until pointed at, and vega-lite's voronoi cells that find the point
 * nearest the pointer. They draw nothing, so the SVG copy looks the same without them, and is
 * smaller. (Axes and legends are left as vega draws them.)
 */
function leaveOutWhatDrawsNothing(mark: SceneMark): void {
  if (mark.marktype === "group") {
    for (const group of mark.items) for (const child of group.items ?? []) leaveOutWhatDrawsNothing(child);
  } else if (mark.role === "mark") {
    mark.items = mark.items.filter((item) => item.opacity !== 0 && item.isVoronoi !== true);
  }
}

function uniquifySvgIds(svg: string, prefix: string): string {
  return svg
    .replace(/\bid="([^"]+)"/g, `id="${prefix}$1"`)
    .replace(/url\(#([^)]+)\)/g, `url(#${prefix}$1)`)
    .replace(/href="#([^"]+)"/g, `href="#${prefix}$1"`);
}
