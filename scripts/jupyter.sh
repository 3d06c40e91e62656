#!/usr/bin/env bash
# JupyterLab on notebooks/ from the project's own Python environment (.venv), with the
# tslab TypeScript kernel registered there by scripts/setup.sh. Extra arguments go to
# `jupyter lab`, e.g. `npm start -- --port 9999`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

args=(--notebook-dir="$ROOT/notebooks" --ServerApp.ip=127.0.0.1)
# The project's JupyterLab defaults (scripts/jupyter-settings/overrides.json): no pop-up
# asking to fetch Jupyter news; a reader's own changes still apply on top.
args+=(--LabApp.app_settings_dir="$ROOT/scripts/jupyter-settings")
# File > Save and Export Notebook As > HTML exports as `npm run notebooks` does: the offline
# template, so the page loads nothing from a CDN, and the preprocessor that gives the page its
# language, title, Korean fonts and live charts (scripts/html-export/chapter_page.py, imported
# from there). The download has nothing beside it, so it carries the charts' script inline.
args+=(--HTMLExporter.template_name=lab --HTMLExporter.template_file="$ROOT/scripts/html-export/offline.html.j2")
args+=(--HTMLExporter.preprocessors=chapter_page.ChapterPage)
export PYTHONPATH="$ROOT/scripts/html-export${PYTHONPATH:+:$PYTHONPATH}"
# Only try to open a browser where one can appear.
if [[ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" && "$(uname -s)" != "Darwin" ]]; then
  args+=(--no-browser)
fi
# JupyterLab refuses to run as root unless told to; containers and CI commonly run as root.
as_root=""
if [[ "$EUID" -eq 0 ]]; then
  args+=(--allow-root)
  as_root=" Running as root, so with --allow-root."
fi
echo "[jupyter] JupyterLab on $ROOT/notebooks (kernel: TypeScript).$as_root Open the http://127.0.0.1:…/lab?token=… address printed below; Ctrl-C twice stops it." >&2
exec "$ROOT/.venv/bin/jupyter" lab "${args[@]}" "$@"
