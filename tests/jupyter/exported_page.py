"""Opens exported HTML pages in headless Chromium with the network cut and reports how their
charts and Korean text are drawn, for html-export.test.ts.

usage: exported_page.py --chromium PATH [--hover REGEX] PAGE.html...
  ->  prints a JSON list, one object per page: its lang and title, the requests it tried that are
      not file: or data:, its console errors, its live charts (how many specs it carries, how
      many were drawn live, how many static copies still show, and how many show with
      JavaScript off), the computed font stacks of prose, code, printed output and live chart
      text, the fonts of its first paragraph, the width of a run of Hangul in printed output
      against as many Latin columns, and a summary of its runs of Korean characters (and of each
      SVG image's). With --hover, the pointer rests on the first point of the first live chart
      whose description matches REGEX and that has points, and the report gives the tooltip that
      shows (its text and font stack); the summary of Korean runs then includes the tooltip's.

Each run of Korean characters is wrapped in an element of its own and checked two ways: the
fonts Chromium drew it with (the DevTools protocol's CSS.getPlatformFontsForNode: each is a web
font the page embeds or a font of the system, and a system font draws Hangul as boxes on a
machine without a Korean font), and whether the embedded faces its style selects have all its
characters (read from the faces' own character maps: a character no font has is drawn with the
first font's empty glyph, which the protocol still reports as that font). document.fonts.check()
proves nothing here: it answers true for a family the page does not have either.
"""
import argparse
import base64
import io
import json
import re
import tempfile
from pathlib import Path

from fontTools.ttLib import TTFont
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

# scripts/html-export/korean_fonts.py's KOREAN_BLOCKS as a character class (JavaScript and Python).
KOREAN_RUN = r"[\u1100-\u11FF\u3000-\u303F\u3130-\u318F\u3200-\u32FF\uA960-\uA97F\uAC00-\uD7FF\uFF00-\uFFEF]+"
# How many failing runs a report lists.
LISTED = 20

# How long a page's live charts may take to settle, and a tooltip to show: hang guards, far above
# a busy machine's time.
SETTLE_TIMEOUT_MS = 120_000
TOOLTIP_TIMEOUT_MS = 20_000
SPEC = 'script[type="application/vnd.vegalite.v5+json"]'

# Wraps each run of Korean characters in an element of its own (a <span>, or a <tspan> in SVG
# text) marked data-korean-run.
MARK_KOREAN_RUNS = """
(pattern) => {
  const SVG = "http://www.w3.org/2000/svg";
  const walker = document.createTreeWalker(document.documentElement, NodeFilter.SHOW_TEXT);
  const texts = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (parent && !parent.closest("style, script, title") && new RegExp(pattern).test(node.data)) texts.push(node);
  }
  for (const node of texts) {
    const fragment = document.createDocumentFragment();
    let last = 0;
    for (const match of node.data.matchAll(new RegExp(pattern, "g"))) {
      fragment.append(node.data.slice(last, match.index));
      const run = node.parentElement.namespaceURI === SVG ? document.createElementNS(SVG, "tspan") : document.createElement("span");
      run.setAttribute("data-korean-run", "");
      run.textContent = match[0];
      fragment.append(run);
      last = match.index + match[0].length;
    }
    fragment.append(node.data.slice(last));
    node.replaceWith(fragment);
  }
}
"""

RUN_STYLES = """
() => [...document.querySelectorAll("[data-korean-run]")].map((run) => {
  const style = getComputedStyle(run);
  return { text: run.textContent, weight: Number(style.fontWeight), family: style.fontFamily.split(",")[0].trim().replace(/^["']|["']$/g, "") };
})
"""

# The document's @font-face rules (in the page, or in an SVG document's own <style>).
FONT_FACE_RULES = """
() => [...document.styleSheets].flatMap((sheet) => [...sheet.cssRules])
  .filter((rule) => rule instanceof CSSFontFaceRule)
  .map((rule) => ({ family: rule.style.getPropertyValue("font-family"), weight: rule.style.getPropertyValue("font-weight"),
                    range: rule.style.getPropertyValue("unicode-range"), src: rule.style.getPropertyValue("src") }))
"""

STYLES = """
() => {
  const family = (selector) => {
    const element = document.querySelector(selector);
    return element ? getComputedStyle(element).fontFamily : null;
  };
  return {
    prose: family(".jp-RenderedMarkdown p"),
    code: family(".jp-InputArea .highlight pre"),
    output: family(".jp-RenderedText pre"),
    chart: family(".vega-embed svg text"),
  };
}
"""

# Each chart spec the page carries, and what follows it: the live chart that took the static
# copy's place, or the static copy, shown or not.
LIVE_CHARTS = """
(spec) => {
  const shown = (element) => element.getClientRects().length > 0 && getComputedStyle(element).visibility !== "hidden";
  const followers = [...document.querySelectorAll(spec)].map((source) => source.nextElementSibling);
  return {
    specs: followers.length,
    live: followers.filter((element) => element && element.matches(".vega-embed") && element.querySelector("svg.marks")).length,
    static_shown: followers.filter((element) => element && element.matches(".jp-RenderedSVG") && [...element.querySelectorAll("img")].some(shown)).length,
  };
}
"""

# The live charts' descriptions (vega sets the chart's description as its container's aria-label).
CHART_DESCRIPTIONS = """
() => [...document.querySelectorAll('.vega-embed [aria-roledescription="visualization"]')].map((chart) => chart.getAttribute("aria-label") || "")
"""

# The first run of Hangul in printed output, and the width of as many Latin columns (two per
# character) beside it: a text table lines up when the two are equal.
COLUMNS = """
() => {
  const run = document.querySelector(".jp-RenderedText pre [data-korean-run]");
  if (!run) return null;
  const latin = document.createElement("span");
  latin.textContent = "0".repeat(2 * [...run.textContent].length);
  run.after(latin);
  const widths = { text: run.textContent, korean: run.getBoundingClientRect().width, latin: latin.getBoundingClientRect().width };
  latin.remove();
  return widths;
}
"""


def _unicode_range(text: str) -> set[str]:
    characters = set()
    for part in filter(None, (part.strip() for part in text.split(","))):
        first, _, last = part.upper().removeprefix("U+").partition("-")
        characters.update(chr(code) for code in range(int(first, 16), int(last or first, 16) + 1))
    return characters


def nearest_weight(weights: list[int], desired: int) -> int:
    """The weight among `weights` a browser draws `desired` with (CSS Fonts, font-weight matching)."""
    if 400 <= desired <= 500:
        order = sorted(w for w in weights if desired <= w <= 500) + sorted((w for w in weights if w < desired), reverse=True)
        order += sorted(w for w in weights if w > 500)
    elif desired < 400:
        order = sorted((w for w in weights if w <= desired), reverse=True) + sorted(w for w in weights if w > desired)
    else:
        order = sorted(w for w in weights if w >= desired) + sorted((w for w in weights if w < desired), reverse=True)
    return order[0]


def embedded_characters(page) -> dict[tuple[str, int], set[str]]:
    """The characters the document's embedded faces have, by family and weight."""
    faces: dict[tuple[str, int], set[str]] = {}
    for rule in page.evaluate(FONT_FACE_RULES):
        data = re.search(r"base64,([A-Za-z0-9+/=]+)", rule["src"])
        if data is None:
            continue
        characters = {chr(code) for code in TTFont(io.BytesIO(base64.b64decode(data.group(1)))).getBestCmap()}
        if rule["range"]:
            characters &= _unicode_range(rule["range"])
        faces.setdefault((rule["family"].strip("\"'"), int(rule["weight"] or 400)), set()).update(characters)
    return faces


def korean_runs(page) -> dict:
    """A summary of the document's runs of Korean characters: how many, the embedded faces
    (PostScript names) that drew the regular and the bold ones, and those drawn with a font of the
    system or with characters no embedded face has."""
    page.evaluate(MARK_KOREAN_RUNS, KOREAN_RUN)
    runs = page.evaluate(RUN_STYLES)
    faces = embedded_characters(page)
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
    node_ids = cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": "[data-korean-run]"})["nodeIds"]
    summary = {"runs": len(runs), "regular_faces": set(), "bold_faces": set(), "system_fonts": [], "missing": []}
    for node_id, run in zip(node_ids, runs):
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node_id})["fonts"]
        embedded = {font["postScriptName"] for font in fonts if font["isCustomFont"]}
        summary["bold_faces" if run["weight"] > 500 else "regular_faces"].update(embedded)
        system = [font["familyName"] for font in fonts if not font["isCustomFont"]]
        if system:
            summary["system_fonts"].append({"text": run["text"], "fonts": system})
        weights = [weight for family, weight in faces if family == run["family"]]
        has = faces[(run["family"], nearest_weight(weights, run["weight"]))] if weights else set()
        missing = "".join(sorted(set(run["text"]) - has))
        if missing:
            summary["missing"].append({"text": run["text"], "family": run["family"], "weight": run["weight"], "missing": missing})
    cdp.detach()
    summary["regular_faces"] = sorted(summary["regular_faces"])
    summary["bold_faces"] = sorted(summary["bold_faces"])
    summary["system_fonts"] = summary["system_fonts"][:LISTED]
    summary["missing"] = summary["missing"][:LISTED]
    return summary


def first_paragraph_fonts(page) -> list[dict]:
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": ".jp-RenderedMarkdown p"})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"] if node else []
    cdp.detach()
    return [{"family": font["familyName"], "embedded": font["isCustomFont"]} for font in fonts]


def svg_images(html: str) -> list[str]:
    return [base64.b64decode(data).decode("utf-8") for data in re.findall(r'<img [^>]*src="data:image/svg\+xml;base64,([^"]+)"', html)]


def open_document(context, url: str, requests: list[str], errors: list[str] | None = None):
    page = context.new_page()
    page.on("request", lambda request: None if request.url.startswith(("file:", "data:")) else requests.append(request.url))
    if errors is not None:
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    page.goto(url)
    page.evaluate("document.fonts.ready.then(() => true)")
    return page


def live_charts(page) -> dict:
    """Waits for the page's live charts to settle (the page marks <html data-live-charts>), and
    counts them (LIVE_CHARTS); "settled" is false if they did not in time."""
    settled = True
    if page.locator(SPEC).count():
        try:
            page.wait_for_selector("html[data-live-charts=settled]", state="attached", timeout=SETTLE_TIMEOUT_MS)
        except PlaywrightTimeout:
            settled = False
    return {"settled": settled, **page.evaluate(LIVE_CHARTS, SPEC)}


def static_charts_without_javascript(browser, page_file: Path) -> int:
    """How many static chart copies show when the page is read with JavaScript off."""
    context = browser.new_context(offline=True, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(page_file.resolve().as_uri())
        return page.evaluate(LIVE_CHARTS, SPEC)["static_shown"]
    finally:
        context.close()


def hover_tooltip(page, description: re.Pattern) -> dict | None:
    """Rests the pointer on the first data point of the first live chart whose description
    matches and that has points; the tooltip that shows (its text, or None if none did, and its
    font stack). None if no chart matches."""
    charts = page.locator('.vega-embed [aria-roledescription="visualization"]')
    for index, label in enumerate(page.evaluate(CHART_DESCRIPTIONS)):
        # A point mark's symbols (a legend's symbols have role-legend-symbol).
        points = charts.nth(index).locator("g.mark-symbol.role-mark path")
        if not description.search(label) or points.count() == 0:
            continue
        point = points.first
        point.scroll_into_view_if_needed()
        box = point.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        tooltip = page.locator("#vg-tooltip-element.visible")
        try:
            tooltip.wait_for(state="visible", timeout=TOOLTIP_TIMEOUT_MS)
        except PlaywrightTimeout:
            return {"chart": label, "text": None, "font": None}
        return {"chart": label, "text": tooltip.inner_text(), "font": tooltip.evaluate("(element) => getComputedStyle(element).fontFamily")}
    return None


def report(browser, context, page_file: Path, hover: re.Pattern | None) -> dict:
    requests: list[str] = []
    errors: list[str] = []
    page = open_document(context, page_file.resolve().as_uri(), requests, errors)
    found = {
        "lang": page.evaluate("document.documentElement.lang"),
        "title": page.title(),
        "live_charts": {**live_charts(page), "static_shown_without_javascript": static_charts_without_javascript(browser, page_file)},
        "tooltip": hover_tooltip(page, hover) if hover else None,
        "styles": page.evaluate(STYLES),
        "first_paragraph_fonts": first_paragraph_fonts(page),
        "korean": korean_runs(page),
        "columns": page.evaluate(COLUMNS),
        "charts": [],
    }
    page.close()
    # An SVG image's text, opened as a document of its own: inside <img> it cannot be inspected.
    with tempfile.TemporaryDirectory() as folder:
        for index, svg in enumerate(svg_images(page_file.read_text(encoding="utf-8"))):
            if not re.search(KOREAN_RUN, svg):
                continue
            image = Path(folder) / f"chart-{index}.svg"
            image.write_text(svg, encoding="utf-8")
            chart = open_document(context, image.as_uri(), requests)
            found["charts"].append(korean_runs(chart))
            chart.close()
    found["requests"] = requests
    found["console_errors"] = errors
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", required=True, help="the Chromium executable")
    parser.add_argument("--hover", type=re.compile, help="hover the first point of the first live chart with points whose description matches")
    parser.add_argument("pages", nargs="+", type=Path)
    args = parser.parse_args()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, headless=True)
        try:
            context = browser.new_context(offline=True)  # the network cut
            reports = [report(browser, context, page, args.hover) for page in args.pages]
        finally:
            browser.close()
    print(json.dumps(reports, ensure_ascii=False))


if __name__ == "__main__":
    main()
