#!/usr/bin/env bash
# Creates .venv-torch at the repo root with PyTorch (requirements.txt beside this file) for
# the speed reference in bench/torch/train_step.py. Skips in a second when already done.
# Separate from .venv (Jupyter, the TS kernel) and .venv-bench (Python TensorFlow).
#
# PyPI's torch wheel for Linux x86-64 depends on the CUDA libraries, so the environment is
# 5.4 GB although only the CPU is used (README, "Speed", has the measured size).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="$ROOT/.venv-torch"
REQUIREMENTS="$HERE/requirements.txt"

step() { printf '\033[1m[bench setup]\033[0m %s\n' "$*" >&2; }
fail() {
  printf '\033[1;31m[bench setup] FAILED:\033[0m %s\n' "$1" >&2
  shift
  for hint in "$@"; do printf '               %s\n' "$hint" >&2; done
  exit 1
}

stamp="$VENV/.cnn-torch-setup"
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

step "installing $(grep -v '^#' "$REQUIREMENTS" | xargs) into .venv-torch (5.4 GB on disk, 3 GB of it CUDA libraries that PyPI's wheel depends on; a minute or more)"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS" \
  || fail "pip could not install $REQUIREMENTS into $VENV" \
       "Check that PyPI is reachable (pip download torch==2.15.0 --no-deps) and that the disk has about 6 GB free," \
       "then retry, or delete $VENV and run this script again."

version="$("$VENV/bin/python" -c 'import torch; print(torch.__version__)' 2>/dev/null)" \
  || fail "torch is installed in $VENV but does not import" \
       "Run: $VENV/bin/python -c 'import torch' to see why."
step "ready: $VENV/bin/python with PyTorch $version"
echo "$want" > "$stamp"
