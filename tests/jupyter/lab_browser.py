"""Opens a notebook in a running JupyterLab with headless Chromium, runs all its cells the way
the Run menu does, and reports what a reader sees, for lab-browser.test.ts.

usage: lab_browser.py --lab URL --token TOKEN --notebook NAME --chromium PATH [--timeout SECONDS] [--screenshot FILE]
  ->  prints one JSON object: whether the run finished, each code cell's execution count and
      error outputs, and for the vega-lite and image outputs how many the page shows rendered.

The server must run with --LabApp.expose_app_in_browser=True (window.jupyterapp).
--screenshot saves the browser window scrolled to the first chart, for a person to look at.
"""
import argparse
import json
import time

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

OPEN_NOTEBOOK = """
async () => {
  const app = window.jupyterapp;
  await app.restored;
  const panel = app.shell.currentWidget;
  await panel.context.ready;
  await panel.sessionContext.ready;
  return panel.sessionContext.session?.kernel?.name ?? null;
}
"""

# Resolves when every cell has run ("finished"), when the run stopped at a cell that failed
# ("stopped at an error"), or after the timeout ("timed out").
RUN_ALL = """
async (timeoutMs) => {
  const run = window.jupyterapp.commands
    .execute("notebook:run-all-cells")
    .then((allSucceeded) => (allSucceeded ? "finished" : "stopped at an error"));
  const timeout = new Promise((resolve) => setTimeout(() => resolve("timed out"), timeoutMs));
  return Promise.race([run, timeout]);
}
"""

CODE_CELLS = """
() => {
  const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
  const found = [];
  for (let index = 0; index < cells.length; index++) {
    const cell = cells.get(index);
    if (cell.type !== "code") continue;
    found.push({ index, execution_count: cell.executionCount, outputs: cell.outputs.toJSON() });
  }
  return found;
}
"""

# The vega-lite and image outputs in the notebook's model, and how many of them the page shows:
# a chart once vega-embed has drawn it into an <svg> or a non-empty <canvas>, an image once its
# <img> has decoded.
RENDERED = """
() => {
  const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
  let vegaOutputs = 0;
  let imageOutputs = 0;
  for (let index = 0; index < cells.length; index++) {
    const cell = cells.get(index);
    if (cell.type !== "code") continue;
    for (const output of cell.outputs.toJSON()) {
      const types = Object.keys(output.data ?? {});
      if (types.some((type) => type.startsWith("application/vnd.vegalite"))) vegaOutputs++;
      else if (types.includes("image/png") || types.includes("image/svg+xml")) imageOutputs++;
    }
  }
  const drawn = (chart) => {
    const canvas = chart.querySelector(".vega-embed canvas");
    return !!chart.querySelector(".vega-embed svg") || (!!canvas && canvas.width > 0 && canvas.height > 0);
  };
  const shown = (img) => img.src.startsWith("data:image/") && img.complete && img.naturalWidth > 0;
  // This notebook's panel only: JupyterLab may restore another notebook opened before it.
  const panel = window.jupyterapp.shell.currentWidget.node;
  const charts = [...panel.querySelectorAll(".jp-Notebook .jp-RenderedVegaLite")];
  const images = [...panel.querySelectorAll(".jp-Notebook .jp-OutputArea-output img")];
  const heading = panel.querySelector(".jp-Notebook .jp-RenderedMarkdown h1");
  return {
    vega_outputs: vegaOutputs,
    vega_drawn: charts.filter(drawn).length,
    image_outputs: imageOutputs,
    images_shown: images.filter(shown).length,
    first_heading: heading ? heading.textContent : null,
  };
}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab", required=True, help="the server's base URL, e.g. http://127.0.0.1:8888/")
    parser.add_argument("--token", required=True)
    parser.add_argument("--notebook", required=True, help="path of the notebook relative to the server's root")
    parser.add_argument("--chromium", required=True, help="the Chromium executable")
    parser.add_argument("--timeout", type=float, default=90, help="seconds for running all cells")
    parser.add_argument("--screenshot", help="PNG file for a screenshot of the first chart")
    args = parser.parse_args()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            # reset: a fresh workspace, without the notebooks an earlier session left open.
            page.goto(f"{args.lab}lab/tree/{args.notebook}?reset&token={args.token}")
            page.wait_for_function("() => window.jupyterapp?.shell?.currentWidget?.content?.model", timeout=60_000)
            report = {"kernel": page.evaluate(OPEN_NOTEBOOK)}
            started = time.monotonic()
            report["run"] = page.evaluate(RUN_ALL, args.timeout * 1000)
            report["run_seconds"] = round(time.monotonic() - started, 1)
            # Charts draw asynchronously after their output arrives.
            try:
                page.wait_for_function(f"() => {{ const r = ({RENDERED})(); return r.vega_drawn === r.vega_outputs && r.images_shown === r.image_outputs; }}", timeout=20_000)
            except PlaywrightTimeout:
                pass  # the counts below show what did not render
            report.update(page.evaluate(RENDERED))
            report["code_cells"] = page.evaluate(CODE_CELLS)
            if args.screenshot:
                chart = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .vega-embed").first
                if chart.count():
                    chart.scroll_into_view_if_needed()
                page.screenshot(path=args.screenshot)
        finally:
            browser.close()
    print(json.dumps(report))


if __name__ == "__main__":
    main()
