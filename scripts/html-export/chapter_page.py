"""The nbconvert preprocessor both HTML exports run (`npm run notebooks` through
scripts/run_notebooks.py, and JupyterLab's File > Save and Export Notebook As > HTML through the
flags scripts/jupyter.sh passes): the page's language and title, the Korean fonts it carries
(korean_fonts.py), and its live charts (live_charts.py). It changes only nbconvert's copy of the
notebook, never the saved one."""
from dataclasses import dataclass, field

from bs4 import BeautifulSoup
from nbconvert.filters.markdown_mistune import markdown2html_mistune
from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode

from korean_fonts import BOLD, embed_in_svg, korean_characters, page_style, svg_text_by_weight
from live_charts import MENU_LABELS, VEGA_LITE_MIME, chart_script, chart_strings, embed_options, script_json

# Elements the theme sets in its code font, and those it sets bold in rendered markdown and HTML
# (its headings are weight 500, which the regular face serves).
CODE_ELEMENTS = {"code", "pre", "kbd", "samp"}
BOLD_ELEMENTS = {"strong", "b", "th", "dt"}


def page_language(nb: NotebookNode) -> str:
    """"ko" for a notebook of the Korean edition (metadata cnn_chapter4.language), else "en"."""
    return nb.metadata.get("cnn_chapter4", {}).get("language", "en")


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else value


@dataclass
class PageText:
    """The characters of a page: all of them, those in bold elements, and those in code."""

    every: set[str] = field(default_factory=set)
    bold: set[str] = field(default_factory=set)
    code: set[str] = field(default_factory=set)

    def add_code(self, text: str) -> None:
        self.every.update(text)
        self.code.update(text)

    def add_html(self, html: str) -> None:
        for string in BeautifulSoup(html, "html.parser").find_all(string=True):
            around = {parent.name for parent in string.parents}
            self.every.update(string)
            if around & CODE_ELEMENTS:
                self.code.update(string)
            if around & BOLD_ELEMENTS:
                self.bold.update(string)

    def add_markdown(self, source: str) -> None:
        self.add_html(markdown2html_mistune(source))


def first_heading(nb: NotebookNode) -> str:
    """The text of the notebook's first level-1 heading, "" if it has none."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        heading = BeautifulSoup(markdown2html_mistune(_text(cell.source)), "html.parser").find("h1")
        if heading is not None:
            for anchor in heading.select("a.anchor-link"):
                anchor.decompose()
            return heading.get_text().strip()
    return ""


class ChapterPage(Preprocessor):
    """Declares the page's language (`lang`) and titles it with its first heading; embeds the
    Korean faces its text needs, subset to the characters it uses (resources["chapter_page_style"],
    which the offline template writes after the theme's CSS); gives each SVG output with
    Korean text the face it needs inside the SVG; and makes the vega-lite charts live: each chart
    output's spec as script-safe JSON (output["live_chart_spec"], which the template writes before
    its static SVG copy), the page's vega-embed options (resources["live_chart_options"]) and the
    script that draws them: inline (resources["live_chart_script"]) unless the caller gave
    resources["live_chart_script_src"], the path of a shared copy (run_notebooks.py does)."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        language = page_language(nb)
        resources["language_code"] = language
        title = first_heading(nb)
        if title and "title" not in nb.metadata:
            nb.metadata["title"] = title

        text = PageText()
        charts = 0
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                text.add_markdown(_text(cell.source))
            elif cell.cell_type == "code":
                text.add_code(_text(cell.source))
                for output in cell.get("outputs", []):
                    charts += self._read_output(output, text)
        menu = "".join(MENU_LABELS.get(language, {}).values()) if charts else ""
        # vega-embed's menu is set in weight 600, which the bold face serves.
        text.every.update(menu)
        text.bold.update(menu)

        # The prose face holds every Korean character of the page, as the theme sets some code in
        # the prose font (a code block in a markdown output); the code face holds those of code
        # and printed output. On a Korean page the code face sets their Latin characters too, so
        # that a Hangul character is exactly two Latin columns wide and text tables line up.
        code = text.code if language == "ko" else korean_characters("".join(text.code))
        resources["chapter_page_style"] = page_style(
            prose=korean_characters("".join(text.every)),
            bold_prose=korean_characters("".join(text.bold)),
            code=code,
        )
        if charts:
            resources["live_chart_options"] = script_json(embed_options(language))
            if not resources.get("live_chart_script_src"):
                resources["live_chart_script"] = chart_script()
        return nb, resources

    @staticmethod
    def _read_output(output: NotebookNode, text: PageText) -> int:
        """Adds the output's text to `text`; 1 if it is a chart the page draws live, else 0."""
        if output.output_type == "stream":
            text.add_code(_text(output.text))
        elif output.output_type == "error":
            text.add_code("\n".join(output.get("traceback", [])))
        data = output.get("data", {})
        if "text/plain" in data:
            text.add_code(_text(data["text/plain"]))
        if "text/markdown" in data:
            text.add_markdown(_text(data["text/markdown"]))
        if "text/html" in data:
            text.add_html(_text(data["text/html"]))
        live = VEGA_LITE_MIME in data and "image/svg+xml" in data
        if live:
            # The live chart can show any of its spec's text (tooltips too); what it sets in bold,
            # its titles, is what vega set in bold in the static copy drawn from the same spec.
            text.every.update("".join(chart_strings(data[VEGA_LITE_MIME])))
            text.bold.update(svg_text_by_weight(_text(data["image/svg+xml"]))[BOLD])
            output["live_chart_spec"] = script_json(data[VEGA_LITE_MIME])
        if "image/svg+xml" in data:
            data["image/svg+xml"] = embed_in_svg(_text(data["image/svg+xml"]))
        return int(live)
