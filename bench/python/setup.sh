#!/usr/bin/env bash
# Creates .venv-bench at the repo root with Python TensorFlow (requirements.txt beside
# this file) for the speed reference in bench/python/train_step.py. Skips in a second
# when already done. Separate from .venv, which holds only Jupyter and the TS kernel.
#
# Environment:
#   CNN_CACHE_DIR  per-user cache of scripts/setup.sh (else $XDG_CACHE_HOME/cnn-chapter4,
#                  else ~/.cache/cnn-chapter4): its TensorFlow wheel is reused here
#                  instead of downloading it again
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="$ROOT/.venv-bench"
REQUIREMENTS="$HERE/requirements.txt"
source "$ROOT/scripts/cache-dir.sh"
CACHE_DIR="$(cnn_cache_dir)"

step() { printf '\033[1m[bench setup]\033[0m %s\n' "$*" >&2; }
fail() {
  printf '\033[1;31m[bench setup] FAILED:\033[0m %s\n' "$1" >&2
  shift
  for hint in "$@"; do printf '               %s\n' "$hint" >&2; done
  exit 1
}

stamp="$VENV/.cnn-bench-setup"
want="$(sha256sum "$REQUIREMENTS" | cut -c1-16) $ROOT"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -x "$VENV/bin/python" ]]; then
  exit 0
fi

command -v python3 >/dev/null || fail "python3 is not on PATH" "Install Python 3.10-3.13 (with the venv module)."
if [[ ! -x "$VENV/bin/python" ]]; then
  step "creating $VENV"
  python3 -m venv "$VENV" \
    || fail "python3 -m venv $VENV failed" "Install Python's venv module (Debian: apt-get install python3-venv)."
fi

step "installing $(grep -v '^#' "$REQUIREMENTS" | xargs) into .venv-bench (about 1.6 GB on disk)"
# The notebooks' set-up already downloaded the same wheel: let pip take it from there.
find_links=()
[[ -d "$CACHE_DIR/wheels" ]] && find_links=(--find-links "$CACHE_DIR/wheels")
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${find_links[@]}" -r "$REQUIREMENTS" \
  || fail "pip could not install $REQUIREMENTS into $VENV" \
       "Check that PyPI is reachable (pip download tensorflow-cpu==2.21.0 --no-deps) and retry," \
       "or delete $VENV and run this script again."

version="$("$VENV/bin/python" -c 'import tensorflow as tf; print(tf.__version__)' 2>/dev/null)" \
  || fail "tensorflow is installed in $VENV but does not import" \
       "Run: $VENV/bin/python -c 'import tensorflow' to see why."
step "ready: $VENV/bin/python with TensorFlow $version"
echo "$want" > "$stamp"
