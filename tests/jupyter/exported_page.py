"""Opens exported HTML pages in headless Chromium with the network cut and reports how their
Korean text is drawn, for html-export.test.ts.

usage: exported_page.py --chromium PATH PAGE.html...
  ->  prints a JSON list, one object per page: its lang and title, the requests it tried that are
      not file: or data:, the computed font stacks of prose, code and printed output, the fonts
      of its first paragraph, the width of a run of Hangul in printed output against as many
      Latin columns, and a summary of its runs of Korean characters (and of each SVG image's).

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
from playwright.sync_api import sync_playwright

# scripts/html-export/korean_fonts.py's KOREAN_BLOCKS as a character class (JavaScript and Python).
KOREAN_RUN = r"[\u1100-\u11FF\u3000-\u303F\u3130-\u318F\u3200-\u32FF\uA960-\uA97F\uAC00-\uD7FF\uFF00-\uFFEF]+"
# How many failing runs a report lists.
LISTED = 20

# Wraps each run of Korean characters in an element of its own (a <span>, or a <tspan> in an SVG
# document) marked data-korean-run.
MARK_KOREAN_RUNS = """
(pattern) => {
  const svg = document.documentElement.namespaceURI === "http://www.w3.org/2000/svg";
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
      const run = svg ? document.createElementNS("http://www.w3.org/2000/svg", "tspan") : document.createElement("span");
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
  return { prose: family(".jp-RenderedMarkdown p"), code: family(".jp-InputArea .highlight pre"), output: family(".jp-RenderedText pre") };
}
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


def open_document(context, url: str, requests: list[str]):
    page = context.new_page()
    page.on("request", lambda request: None if request.url.startswith(("file:", "data:")) else requests.append(request.url))
    page.goto(url)
    page.evaluate("document.fonts.ready.then(() => true)")
    return page


def report(context, page_file: Path) -> dict:
    requests: list[str] = []
    page = open_document(context, page_file.resolve().as_uri(), requests)
    found = {
        "lang": page.evaluate("document.documentElement.lang"),
        "title": page.title(),
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
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", required=True, help="the Chromium executable")
    parser.add_argument("pages", nargs="+", type=Path)
    args = parser.parse_args()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, headless=True)
        try:
            context = browser.new_context(offline=True)  # the network cut
            reports = [report(context, page) for page in args.pages]
        finally:
            browser.close()
    print(json.dumps(reports, ensure_ascii=False))


if __name__ == "__main__":
    main()
