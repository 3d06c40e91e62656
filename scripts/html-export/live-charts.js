/* The exported page's live charts (live_charts.py puts this after vega, vega-lite and vega-embed).
   Each chart output carries its vega-lite spec in a <script type="application/vnd.vegalite.v5+json">
   just before its static SVG copy. The chart is drawn by vega-embed into an element outside the
   page, which then takes the static copy's place: the page shows one copy of each chart, the
   static one without JavaScript or when drawing fails (said in the console). When every chart
   has settled, <html> gets data-live-charts="settled". */
(function () {
  "use strict";
  const SPEC_TYPE = "application/vnd.vegalite.v5+json";

  // The charts carry their data inline; a chart that asked for a file or URL is refused.
  const refuse = (uri) => Promise.reject(new Error(`the chart tried to load ${uri}; an exported page loads nothing`));
  const offlineLoader = { load: refuse, sanitize: refuse, http: refuse, file: refuse };

  function pageOptions() {
    const element = document.getElementById("live-chart-options");
    return element ? JSON.parse(element.textContent) : {};
  }

  async function draw(source, options) {
    const staticCopy = source.nextElementSibling;
    const live = document.createElement("div");
    live.className = staticCopy.className.replace("jp-RenderedSVG", "jp-RenderedVegaLite");
    live.dataset.mimeType = SPEC_TYPE;
    // nbconvert makes each output focusable; so is the chart that replaces one.
    if (staticCopy.hasAttribute("tabindex")) live.setAttribute("tabindex", staticCopy.getAttribute("tabindex"));
    await vegaEmbed(live, JSON.parse(source.textContent), options);
    staticCopy.replaceWith(live);
  }

  async function drawAll() {
    // vega measures text as it lays a chart out: the page's fonts must be loaded by then.
    await Promise.allSettled([...document.fonts].map((face) => face.load()));
    // The charts' text in the prose's font stack (on a Korean page, the embedded Korean face first).
    const proseFont = getComputedStyle(document.body).getPropertyValue("--jp-content-font-family").trim();
    const options = {
      renderer: "svg",
      ...(proseFont ? { config: { font: proseFont } } : {}),
      // Saving the chart works offline; the Vega editor is a web site, and the source is in the notebook.
      actions: { export: true, source: false, compiled: false, editor: false },
      loader: offlineLoader,
      ...pageOptions(),
    };
    const sources = [...document.querySelectorAll(`script[type="${SPEC_TYPE}"]`)];
    const results = await Promise.allSettled(sources.map((source) => draw(source, options)));
    results.forEach((result, index) => {
      if (result.status === "rejected") console.error(`chart ${index + 1} of ${sources.length} was not drawn live; its static copy stays:`, result.reason);
    });
    document.documentElement.dataset.liveCharts = "settled";
  }

  drawAll();
})();
