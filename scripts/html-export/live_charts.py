"""The script that makes an exported page's charts live: vega, vega-lite and vega-embed from the
installed npm packages (the versions that drew the charts' static SVG copies, package.json), then
live-charts.js, which draws each chart's vega-lite spec and puts it in place of the static copy.

`npm run notebooks` writes the script once, as live-charts.js in the English edition's html/
folder, and every page of both editions refers to it by a relative path; a page exported on its
own (JupyterLab's File > Save and Export Notebook As > HTML, a download with nothing beside it)
carries it inline. Either way the page loads nothing from the network. The libraries are under
the BSD 3-Clause license, whose notices head the script (environment.md, "Offline HTML")."""
import json
from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
NODE_MODULES = HERE.parent.parent / "node_modules"
VEGA_LITE_MIME = "application/vnd.vegalite.v5+json"
# The file name of the shared copy, beside the English edition's pages.
SCRIPT_NAME = "live-charts.js"
# Each library's browser build, in the order they load: vega-lite needs vega, vega-embed both.
LIBRARIES = (("vega", "build/vega.min.js"), ("vega-lite", "build/vega-lite.min.js"), ("vega-embed", "build/vega-embed.min.js"))
# vega-embed's menu on a Korean page (its i18n option); the menu offers saving the chart only.
MENU_LABELS = {
    "ko": {"CLICK_TO_VIEW_ACTIONS": "눌러서 메뉴 보기", "PNG_ACTION": "PNG로 저장", "SVG_ACTION": "SVG로 저장"},
}


class MissingChartPackage(Exception):
    """An npm package the live charts' script is built from is not installed."""


def _package(name: str) -> Path:
    folder = NODE_MODULES / name
    if not (folder / "package.json").is_file():
        raise MissingChartPackage(f"{folder} is missing: the HTML export's live charts come from it; run `npm run setup`")
    return folder


def _without_source_map(code: str) -> str:
    """The build without its sourceMappingURL comment: the map is not shipped beside the page."""
    return "\n".join(line for line in code.splitlines() if not line.startswith("//# sourceMappingURL="))


@lru_cache(maxsize=None)
def chart_script() -> str:
    """The script's text: the libraries' license notices, their builds and live-charts.js."""
    notices, builds = [], []
    for name, build in LIBRARIES:
        folder = _package(name)
        version = json.loads((folder / "package.json").read_text(encoding="utf-8"))["version"]
        notices.append(f"{name} {version}:\n\n{(folder / 'LICENSE').read_text(encoding='utf-8').strip()}")
        builds.append(_without_source_map((folder / build).read_text(encoding="utf-8")))
    header = "/*! The live charts of the exported notebook pages: vega, vega-lite and vega-embed, then the page's own code.\n\n"
    script = header + "\n\n".join(notices).replace("*/", "* /") + "\n*/\n" + "\n".join(builds) + "\n" + (HERE / "live-charts.js").read_text(encoding="utf-8")
    # The script may be inlined in a <script> element, which ends at the first "</script".
    lowered = script.lower()
    if "</script" in lowered or "<!--" in lowered:
        raise ValueError("the live charts' script holds '</script' or '<!--', which would end or confuse an inline <script>")
    return script


def write_script(folder: Path) -> Path:
    """Writes the shared copy into `folder` (unless it is there already, byte for byte)."""
    path = folder / SCRIPT_NAME
    if not path.is_file() or path.read_text(encoding="utf-8") != chart_script():
        path.write_text(chart_script(), encoding="utf-8")
    return path


def script_json(value) -> str:
    """`value` as JSON that can stand inside a <script> element: no "<" (so no "</script" or
    "<!--"), which JSON writes as \\u003c inside its strings, the only place it can be."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


def embed_options(language: str) -> dict:
    """The page's options for vega-embed: the menu in the page's language. (live-charts.js sets
    the charts' font: the prose's font stack, read from the page's style.)"""
    return {"i18n": MENU_LABELS[language]} if language in MENU_LABELS else {}


def chart_strings(spec) -> list[str]:
    """Every string in a chart's spec (titles, labels, tooltip fields, data): the text the live
    chart can show, tooltips included."""
    if isinstance(spec, str):
        return [spec]
    if isinstance(spec, dict):
        return [text for key, value in spec.items() for text in (key, *chart_strings(value))]
    if isinstance(spec, list):
        return [text for value in spec for text in chart_strings(value)]
    return []
