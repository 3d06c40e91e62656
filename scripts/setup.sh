#!/usr/bin/env bash
# Set-up for the chapter 4 notebooks. Every step checks whether its work is
# already done and skips it, so `npm start` and `npm test` can call this each time.
#
#   1. npm dependencies from package-lock.json (install scripts off: tfjs-node's
#      own script would download libtensorflow from a CDN; we build it ourselves)
#   2. tfjs-node's native addon, compiled against TensorFlow's C library taken
#      from the pinned TensorFlow wheel on PyPI (see environment.md)
#   3. the project's Python environment (.venv) with Jupyter, and the tslab kernel specs
#   4. the compiled `src` package (dist/) that the notebooks import (and the kernel preloads)
#
# Environment:
#   CNN_TF_WHEEL   path to a local tensorflow_cpu wheel (air-gapped machines)
#   CNN_CACHE_DIR  per-user cache (else $XDG_CACHE_HOME/cnn-chapter4, else ~/.cache/cnn-chapter4): the wheel, datasets
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

TF_VERSION="2.21.0"
TF_WHEEL_NAME="tensorflow_cpu-${TF_VERSION}-cp311-cp311-manylinux_2_27_x86_64.whl"
source "$ROOT/scripts/cache-dir.sh"
CACHE_DIR="$(cnn_cache_dir)"
TFJS_NODE="$ROOT/node_modules/@tensorflow/tfjs-node"
VENV="$ROOT/.venv"

step() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }
fail() {
  printf '\033[1;31m[setup] FAILED:\033[0m %s\n' "$1" >&2
  shift
  for hint in "$@"; do printf '         %s\n' "$hint" >&2; done
  exit 1
}
hash_of() { sha256sum "$@" | sha256sum | cut -c1-16; }

require_tools() {
  command -v node >/dev/null || fail "node is not on PATH" "Install Node.js 18 or newer."
  command -v python3 >/dev/null || fail "python3 is not on PATH" "Install Python 3.9 or newer (with the venv module)."
  command -v g++ >/dev/null || fail "g++ is not on PATH" "Install a C++ compiler (Debian/Ubuntu: apt-get install g++)."
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) ;;
    *) fail "this set-up supports Linux x86-64 only (found $(uname -s) $(uname -m))" \
         "See environment.md, 'Other platforms', for what another platform needs." ;;
  esac
}

# 1. npm dependencies ---------------------------------------------------------
npm_dependencies() {
  local stamp="$ROOT/node_modules/.cnn-setup-npm" want
  want="$(hash_of package-lock.json)"
  [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && return 0
  step "installing npm dependencies from package-lock.json"
  npm ci --ignore-scripts --no-audit --no-fund \
    || fail "npm ci failed" "Check that the npm registry is reachable (npm ping) and retry."
  echo "$want" > "$stamp"
}

# 2. native TensorFlow backend -------------------------------------------------
tensorflow_wheel() {
  if [[ -n "${CNN_TF_WHEEL:-}" ]]; then
    [[ -f "$CNN_TF_WHEEL" ]] || fail "CNN_TF_WHEEL=$CNN_TF_WHEEL does not exist" \
      "Point CNN_TF_WHEEL at a downloaded $TF_WHEEL_NAME, or unset it to download from PyPI."
    echo "$CNN_TF_WHEEL"
    return
  fi
  local wheel="$CACHE_DIR/wheels/$TF_WHEEL_NAME"
  if [[ ! -f "$wheel" ]]; then
    step "downloading $TF_WHEEL_NAME from PyPI (274 MB; only its C library is used)"
    mkdir -p "$CACHE_DIR/wheels"
    local tmp
    tmp="$(mktemp -d "$CACHE_DIR/wheels/download.XXXXXX")"
    python3 -m pip download --quiet --no-deps --only-binary=:all: \
        --python-version 3.11 --platform manylinux_2_27_x86_64 \
        --dest "$tmp" "tensorflow_cpu==$TF_VERSION" >&2 \
      || { rm -rf "$tmp"; fail "could not download tensorflow_cpu==$TF_VERSION from PyPI" \
             "Check your network or pip configuration, or download $TF_WHEEL_NAME" \
             "elsewhere and set CNN_TF_WHEEL=/path/to/$TF_WHEEL_NAME."; }
    mv "$tmp/$TF_WHEEL_NAME" "$wheel"
    rm -rf "$tmp"
  fi
  echo "$wheel"
}

native_backend() {
  [[ -d "$TFJS_NODE/binding" ]] || fail "$TFJS_NODE/binding is missing" "Re-run: rm -rf node_modules && npm run setup"
  ADDON="$(node -p "require('@mapbox/node-pre-gyp').find('$TFJS_NODE/package.json')")"
  TF_LIBRARY_WANT="tensorflow_cpu-$TF_VERSION"
  ADDON_WANT="tensorflow_cpu-$TF_VERSION $(hash_of "$TFJS_NODE"/binding/* "$ROOT"/addon/*.{cc,h,patch}) $ADDON"
  tensorflow_library_current && native_addon_current && return 0
  # One set-up at a time replaces the library and the addon (npm start and
  # npm test may run set-up side by side); the other waits, then finds them done.
  local lock
  exec {lock}>"$TFJS_NODE/.cnn-setup-native.lock"
  flock "$lock"
  tensorflow_library_current || tensorflow_library
  native_addon_current || native_addon
  exec {lock}>&-
}

tensorflow_library_current() {
  local stamp="$TFJS_NODE/deps/.cnn-setup-tensorflow"
  [[ -f "$stamp" && "$(cat "$stamp")" == "$TF_LIBRARY_WANT" ]]
}

native_addon_current() {
  local stamp="$TFJS_NODE/deps/.cnn-setup-native"
  [[ -f "$stamp" && -f "$ADDON" && "$(cat "$stamp")" == "$ADDON_WANT" ]]
}

# TensorFlow's C library and headers, extracted once per TensorFlow version.
tensorflow_library() {
  local wheel
  wheel="$(tensorflow_wheel)"
  step "extracting TensorFlow's C library and headers from $(basename "$wheel")"
  rm -rf "$TFJS_NODE/deps" "$TFJS_NODE/deps.partial"
  python3 "$ROOT/scripts/extract_tensorflow.py" "$wheel" "$TFJS_NODE/deps.partial" \
    || { rm -rf "$TFJS_NODE/deps.partial"; fail "could not extract $wheel" \
           "The file may be truncated: delete it and run set-up again."; }
  echo "$TF_LIBRARY_WANT" > "$TFJS_NODE/deps.partial/.cnn-setup-tensorflow"
  mv "$TFJS_NODE/deps.partial" "$TFJS_NODE/deps"
}

# tfjs-node's binding with the project's graph API (addon/) compiled in. The
# binding's sources are patched in a copy, never in node_modules; the working
# addon is replaced only by a new one that loads.
native_addon() {
  local addon="$ADDON"
  command -v patch >/dev/null || fail "patch is not on PATH (needed to add addon/ to tfjs-node's binding)" \
    "Install it (Debian/Ubuntu: apt-get install patch)."
  local build
  build="$(mktemp -d)"
  mkdir "$build/binding"
  cp "$TFJS_NODE"/binding/* "$build/binding/"
  patch --batch --forward --fuzz=0 --quiet -p1 -d "$build" < "$ROOT/addon/tfjs-binding.patch" \
    || { rm -rf "$build"; fail "addon/tfjs-binding.patch does not apply to tfjs-node's binding (see the output above)" \
         "The patch fits @tensorflow/tfjs-node as pinned in package-lock.json; if tfjs-node was upgraded," \
         "update the patch (see addon/README.md) to the new binding/tfjs_backend.h, tfjs_backend.cc and tfjs_binding.cc."; }

  step "compiling tfjs-node's addon with addon/ against TensorFlow $TF_VERSION (about 20 s)"
  local napi_version
  napi_version="$(basename "$(dirname "$addon")" | sed 's/napi-v//')"
  mkdir -p "$(dirname "$addon")"
  # The N-API headers come with Node itself (include/node under its prefix).
  local node_include
  node_include="$(node -p "require('path').join(process.execPath, '../../include/node')")"
  [[ -f "$node_include/node_api.h" ]] || fail "Node's headers are missing ($node_include/node_api.h)" \
    "Install Node.js with its development headers (Debian: apt-get install libnode-dev), or a Node.js build from nodejs.org."
  g++ -shared -fPIC -O2 -std=c++17 -DNAPI_VERSION="$napi_version" \
      -I"$node_include" -I"$TFJS_NODE" -I"$TFJS_NODE/deps/include" -I"$ROOT/addon" \
      "$build/binding/tfjs_backend.cc" "$build/binding/tfjs_binding.cc" "$ROOT/addon/graph_api.cc" \
      -L"$TFJS_NODE/deps/lib" -ltensorflow -ltensorflow_framework \
      -Wl,-rpath,'$ORIGIN/../../deps/lib' -o "$addon.partial" \
    || { rm -rf "$addon.partial" "$build"; fail "compiling tfjs-node's addon failed (see the compiler output above)" \
           "The previous addon is still in place."; }
  rm -rf "$build"
  TF_CPP_MIN_LOG_LEVEL=2 node -e "const m = { exports: {} }; process.dlopen(m, process.argv[1]); if (!m.exports.graphApi) process.exit(1);" \
      "$addon.partial" \
    || { rm -f "$addon.partial"; fail "the new addon does not load or lacks graphApi (see above)" \
           "The previous addon is still in place."; }
  mv "$addon.partial" "$addon"

  local backend
  backend="$(TF_CPP_MIN_LOG_LEVEL=2 node -e "const tf=require('@tensorflow/tfjs-node'); console.log(tf.getBackend())" 2>&1 | tail -1)"
  [[ "$backend" == "tensorflow" ]] || fail "the addon was built but tfjs-node does not load it (got: $backend)"
  echo "$ADDON_WANT" > "$TFJS_NODE/deps/.cnn-setup-native"
  step "native backend ready: tf.getBackend() = tensorflow, with the graph API"
}

# 3. Python environment with Jupyter and the TypeScript kernel --------------------
# requirements-test.txt adds the browser-test driver (playwright, no browser download).
python_environment() {
  local stamp="$VENV/.cnn-setup" want
  want="$(hash_of requirements.txt requirements-test.txt) $ROOT"
  [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && return 0
  step "creating the Python environment .venv with Jupyter (requirements.txt, requirements-test.txt)"
  [[ -x "$VENV/bin/python" ]] || python3 -m venv "$VENV" \
    || fail "python3 -m venv failed" "Install Python's venv module (Debian: apt-get install python3-venv)."
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-test.txt \
    || fail "pip could not install requirements.txt and requirements-test.txt into .venv" "Check that PyPI is reachable and retry."
  echo "$want" > "$stamp"
}

# $1 as a JSON string (a project path may hold quotes or backslashes).
json_string() {
  local text="${1//\\/\\\\}"
  printf '"%s"' "${text//\"/\\\"}"
}

# The kernel specs in .venv (what `tslab install --sys-prefix` writes), except that node loads
# dist/output/kernel-preload.js before tslab: it makes tslab's zeromq sends wait for a busy
# socket, for every cell, before the package is imported too (environment.md, "Many outputs").
# The spec files are their own stamp: rewritten whenever they differ (new spec, moved project).
kernel_specs() {
  local name language display flag spec folder
  for name in tslab jslab; do
    if [[ "$name" == tslab ]]; then language=typescript display=TypeScript flag=""
    else language=javascript display=JavaScript flag=', "--js"'; fi
    spec="{\"argv\": [\"node\", \"--require\", $(json_string "$ROOT/dist/output/kernel-preload.js"), $(json_string "$ROOT/node_modules/tslab/bin/tslab"), \"kernel\", \"--config-path\", \"{connection_file}\"$flag], \"display_name\": \"$display\", \"language\": \"$language\"}"
    folder="$VENV/share/jupyter/kernels/$name"
    [[ -f "$folder/kernel.json" && "$(cat "$folder/kernel.json")" == "$spec" ]] && continue
    step "registering the $name ($display) kernel inside .venv, with the kernel's output fix preloaded"
    mkdir -p "$folder" || fail "could not create $folder"
    printf '%s\n' "$spec" > "$folder/kernel.json.partial" && mv "$folder/kernel.json.partial" "$folder/kernel.json" \
      || fail "could not write $folder/kernel.json"
  done
}

# 4. compiled src package -----------------------------------------------------
compiled_package() {
  local stamp="$ROOT/dist/.cnn-setup-build"
  if [[ -f "$stamp" && -L "$ROOT/node_modules/cnn-chapter4" ]] \
     && [[ -z "$(find src tsconfig.json tsconfig.build.json -newer "$stamp" -print -quit)" ]]; then
    return 0
  fi
  step "compiling src/ into dist/ (the package the notebooks import)"
  # Into a new folder first: a failed compile leaves the previous dist/ whole, and a kernel
  # starting meanwhile still finds its preload.
  rm -rf dist.partial
  node_modules/.bin/tsc -p tsconfig.build.json --outDir dist.partial \
    || { rm -rf dist.partial; fail "src/ does not compile (errors above)"; }
  touch dist.partial/.cnn-setup-build
  rm -rf dist.old
  [[ -d dist ]] && mv dist dist.old
  mv dist.partial dist
  rm -rf dist.old
  # Notebooks import the package by name: `import { ... } from "cnn-chapter4"`.
  ln -sfn .. "$ROOT/node_modules/cnn-chapter4"
}

require_tools
npm_dependencies
native_backend
python_environment
kernel_specs
compiled_package
