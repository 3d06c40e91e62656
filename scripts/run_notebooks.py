"""Execute notebooks headlessly with the project's TypeScript kernel and export them to HTML.

usage: run_notebooks.py [--out DIR] [--html DIR] [--timeout SECONDS] [--export-only] NOTEBOOK...

Each notebook is executed by nbclient with the tslab kernel, saved (in place, or
into --out; a cell's consecutive printed lines as one output) and exported to HTML by nbconvert (into the html/ folder beside it, or
into --html). Notebooks of the Korean edition (metadata cnn_chapter4.language "ko")
go into a ko/ subfolder of --out and --html, as the two editions share file names. The kernel runs in the folder the
executed notebook is saved to, and inherits this process's environment
(CNN_DATA_DIR, CNN_STEP_SCALE, ...). Exits 1 on the first notebook whose cells
report an error: that notebook (and its HTML) is left as it was, and what ran is
saved beside it as NAME.failed.ipynb, so the failure can be read without losing
the outputs of an earlier good run.

The HTML loads nothing from the network (scripts/html-export/offline.html.j2); an
export that would is refused (exit 1). A page with Korean text carries its Korean fonts,
subset to the characters it uses (scripts/html-export/chapter_page.py). Its charts are live:
the script that draws them (vega, vega-lite and vega-embed, scripts/html-export/live_charts.py)
is written once, as live-charts.js in the English edition's html folder (--html itself, or
html/ beside the English notebooks), and the pages of both editions refer to it there.
--export-only exports the notebooks' saved outputs without executing them.
"""
import argparse
import os
import re
import sys
import time
from pathlib import Path
from typing import Optional

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbconvert import HTMLExporter
from nbconvert.preprocessors import CoalesceStreamsPreprocessor

ROOT = Path(__file__).resolve().parent.parent
HTML_EXPORT = ROOT / "scripts" / "html-export"
OFFLINE_TEMPLATE = HTML_EXPORT / "offline.html.j2"
sys.path.insert(0, str(HTML_EXPORT))
from chapter_page import ChapterPage  # noqa: E402  (the page's language, title, Korean fonts and live charts)
from live_charts import SCRIPT_NAME, write_script  # noqa: E402
# tslab reports TypeScript compile errors as stream text like "3:7 - Cannot find name 'x'."
COMPILE_ERROR = re.compile(r"^\d+:\d+ - ", re.MULTILINE)
# What would make a browser fetch from the network: a script, stylesheet or other linked
# resource, a module import, or a CSS url()/@import with a remote (or protocol-relative) address.
REMOTE = r"""["']?\s*(?:https?:)?//"""
REMOTE_RESOURCE = re.compile(
    rf"<script\b[^>]*\bsrc\s*=\s*{REMOTE}[^>]*>"
    rf"|<link\b[^>]*\bhref\s*=\s*{REMOTE}[^>]*>"
    rf"|\bimport\s*\(\s*{REMOTE}[^)]*\)"
    rf"|\bimport\s+[^;]*?\bfrom\s*{REMOTE}[^;]*"
    rf"|\burl\(\s*{REMOTE}[^)]*\)"
    rf"|@import\s*{REMOTE}[^;]*",
    re.IGNORECASE,
)


class RemoteResourceError(Exception):
    """An HTML export that would load something from the network."""


def error_outputs(nb: nbformat.NotebookNode) -> list[str]:
    found = []
    code_cells = [cell for cell in nb.cells if cell.cell_type == "code"]
    for index, cell in enumerate(code_cells, 1):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                found.append(f"cell {index}: {output.get('ename')}: {output.get('evalue')}")
            elif output.get("output_type") == "stream" and COMPILE_ERROR.search(output.get("text", "")):
                found.append(f"cell {index}: {output['text'].strip()}")
    return found


def coalesce_streams(nb: nbformat.NotebookNode) -> None:
    """Joins each run of a cell's consecutive stream outputs of one stream (stdout with stdout):
    the kernel sends each console.log as an output of its own, and a table printed line by line
    would be saved, and exported, as one block per line."""
    CoalesceStreamsPreprocessor().preprocess(nb, {})


class EchoingClient(NotebookClient):
    """Echoes the cells' printed lines (training logs, accuracies) to the terminal as they
    arrive, so a long training cell shows its progress."""

    def output(self, outs, msg, display_id, cell_index):
        if msg["msg_type"] == "stream":
            for line in msg["content"]["text"].splitlines():
                print(f"      | {line}", flush=True)
        return super().output(outs, msg, display_id, cell_index)


def export_html(nb: nbformat.NotebookNode, chart_script_src: str) -> tuple[str, bool]:
    """The notebook as an HTML page whose live charts are drawn by the script at
    `chart_script_src` (relative to the page), and whether the page has any; raises
    RemoteResourceError if the page would load anything from the network."""
    # The same exporter settings as JupyterLab's export (scripts/jupyter.sh), whose page carries the script inline.
    exporter = HTMLExporter(template_name="lab", template_file=str(OFFLINE_TEMPLATE), preprocessors=[ChapterPage])
    body, resources = exporter.from_notebook_node(nb, resources={"live_chart_script_src": chart_script_src})
    remote = sorted({match.group(0)[:200] for match in REMOTE_RESOURCE.finditer(body)})
    if remote:
        raise RemoteResourceError(
            f"the HTML export loads {len(remote)} resource(s) from the network:\n    "
            + "\n    ".join(remote)
            + f"\n  Keep the page offline: drop them in {OFFLINE_TEMPLATE.relative_to(ROOT)}"
            " or remove the notebook output that brings them."
        )
    return body, bool(resources.get("live_chart_options"))


def write_html(nb: nbformat.NotebookNode, source: Path, html_dir: Path, script_dir: Path) -> Optional[Path]:
    """Writes the HTML export of `nb` into `html_dir`, and the live charts' script into
    `script_dir` if the page has charts; None (and nothing written) if the export is refused."""
    try:
        body, has_charts = export_html(nb, Path(os.path.relpath(script_dir / SCRIPT_NAME, html_dir)).as_posix())
    except RemoteResourceError as error:
        print(f"  {source.name}: HTML export refused: {error}", file=sys.stderr)
        return None
    if has_charts:
        write_script(script_dir)
    html = html_dir / source.with_suffix(".html").name
    html.write_text(body, encoding="utf-8")
    return html


def make_node_modules_reachable(folder: Path) -> None:
    """tslab resolves imports from the notebook's folder upwards; a folder outside the
    project gets a link to the project's node_modules."""
    try:
        folder.resolve().relative_to(ROOT)
        return
    except ValueError:
        pass
    link = folder / "node_modules"
    if not link.exists():
        link.symlink_to(ROOT / "node_modules", target_is_directory=True)


def edition_folder(nb: nbformat.NotebookNode) -> str:
    """"" for the English edition, the language code ("ko") for another."""
    language = nb.metadata.get("cnn_chapter4", {}).get("language", "en")
    return "" if language == "en" else language


def run(source: Path, out_dir: Path, html_dir: Path, script_dir: Path, timeout: int) -> bool:
    nb = nbformat.read(source, as_version=4)
    target = out_dir / source.name
    make_node_modules_reachable(out_dir)
    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    started = time.monotonic()

    client = EchoingClient(
        nb,
        kernel_name="tslab",
        timeout=timeout,
        # After a cell's reply, wait as long for its last outputs (nbclient's 4 s drops them
        # on a busy machine), and fail rather than save a notebook with outputs missing.
        iopub_timeout=timeout,
        raise_on_iopub_timeout=True,
        resources={"metadata": {"path": str(out_dir)}},
    )

    def on_cell_start(cell, cell_index):
        if cell_index in code_cells:
            elapsed = time.monotonic() - started
            position = code_cells.index(cell_index) + 1
            print(f"  [{elapsed:7.1f} s] {source.name}: cell {position}/{len(code_cells)}", flush=True)

    client.on_cell_start = on_cell_start
    ok = True
    try:
        client.execute()
    except CellExecutionError as error:
        ok = False
        print(f"  {source.name}: a cell failed:\n{error}", file=sys.stderr)
    except Exception as error:  # kernel died, timeout: still save what ran
        ok = False
        print(f"  {source.name}: execution stopped: {type(error).__name__}: {error}", file=sys.stderr)

    coalesce_streams(nb)
    errors = error_outputs(nb)
    if errors:
        ok = False
        print(f"  {source.name}: error output(s):\n    " + "\n    ".join(errors), file=sys.stderr)

    failed_copy = target.with_suffix(".failed.ipynb")
    seconds = time.monotonic() - started
    if not ok:
        save(nb, failed_copy)
        print(
            f"  {source.name}: FAILED after {seconds:.1f} s; {target} and its HTML are unchanged,"
            f" what ran is in {failed_copy}",
            file=sys.stderr,
            flush=True,
        )
        return False
    html = write_html(nb, source, html_dir, script_dir)
    if html is None:
        save(nb, failed_copy)
        print(f"  {source.name}: FAILED (HTML export); {target} is unchanged, what ran is in {failed_copy}", file=sys.stderr, flush=True)
        return False
    save(nb, target)
    failed_copy.unlink(missing_ok=True)
    print(f"  {source.name}: ok in {seconds:.1f} s -> {target}, {html}", flush=True)
    return True


def save(nb: nbformat.NotebookNode, path: Path) -> None:
    """Writes `nb` to `path` in one step: a reader never sees half a notebook."""
    partial = path.with_suffix(".partial")
    nbformat.write(nb, partial)
    os.replace(partial, path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, help="folder for the executed notebooks (default: in place)")
    parser.add_argument("--html", type=Path, help="folder for the HTML exports (default: html/ beside each notebook)")
    parser.add_argument("--timeout", type=int, default=4 * 3600, help="seconds one cell may run")
    parser.add_argument("--export-only", action="store_true", help="export the saved outputs to HTML without executing")
    args = parser.parse_args()

    for notebook in args.notebooks:
        if not notebook.is_file():
            parser.error(f"{notebook} is not a notebook file")

    def folders(notebook: Path) -> tuple[Path, Path, Path]:
        """Where the executed notebook and its HTML go, and the live charts' script: the English
        edition's html folder (the Korean notebooks sit in a ko/ folder beside the English ones)."""
        edition = edition_folder(nbformat.read(notebook, as_version=4))
        folder = notebook.resolve().parent
        out_dir = args.out / edition if args.out else folder
        html_dir = args.html / edition if args.html else folder / "html"
        english_folder = folder.parent if edition and folder.name == edition else folder
        script_dir = args.html if args.html else english_folder / "html"
        for made in (out_dir, html_dir, script_dir):
            made.mkdir(parents=True, exist_ok=True)
        return out_dir.resolve(), html_dir.resolve(), script_dir.resolve()

    if args.export_only:
        exported = [write_html(nbformat.read(notebook, as_version=4), notebook, *folders(notebook)[1:]) for notebook in args.notebooks]
        for html in filter(None, exported):
            print(f"  exported {html}", flush=True)
        return 0 if all(exported) else 1
    for index, notebook in enumerate(args.notebooks, 1):
        out_dir, html_dir, script_dir = folders(notebook)
        print(f"[{index}/{len(args.notebooks)}] executing {notebook}", flush=True)
        if not run(notebook.resolve(), out_dir, html_dir, script_dir, args.timeout):
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
