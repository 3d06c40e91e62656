#!/usr/bin/env bash
# JupyterLab on notebooks/ from the project's own Python environment (.venv), with the
# tslab TypeScript kernel registered there by scripts/setup.sh. Extra arguments go to
# `jupyter lab`, e.g. `npm start -- --port 9999`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

args=(--notebook-dir="$ROOT/notebooks" --ServerApp.ip=127.0.0.1)
# Only try to open a browser where one can appear.
if [[ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" && "$(uname -s)" != "Darwin" ]]; then
  args+=(--no-browser)
fi
echo "[jupyter] JupyterLab on $ROOT/notebooks (kernel: TypeScript). Open the http://127.0.0.1:…/lab?token=… address printed below; Ctrl-C twice stops it." >&2
exec "$ROOT/.venv/bin/jupyter" lab "${args[@]}" "$@"
