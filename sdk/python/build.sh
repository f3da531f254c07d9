#!/usr/bin/env bash
# Build the Python example plugins into WebAssembly components.
#
#   sdk/python/build.sh OUT_DIR        -> OUT_DIR/py-uppercase.wasm, OUT_DIR/py-http-source.wasm
#
# Installs componentize-py (pinned) with pip when it is missing, and skips a plugin
# whose inputs (wit/, the SDK, the example, this script, the componentize-py version)
# hash to the value in the stamp file next to its output. Non-interactive; safe to
# run from any directory. Environment: PYTHON (default python3), FERRY_PY_FORCE=1 to
# rebuild regardless of the stamp.
set -euo pipefail

COMPONENTIZE_PY_VERSION=0.25.1

if [[ $# -ne 1 ]]; then
    echo "usage: $0 OUT_DIR" >&2
    exit 2
fi

SDK_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$SDK_DIR/../.." && pwd)
mkdir -p "$1"
OUT_DIR=$(cd "$1" && pwd)
PYTHON=${PYTHON:-python3}
TMP_ROOT=$(mktemp -d "${TMPDIR:-/tmp}/ferry-py-build.XXXXXX")
trap 'rm -rf "$TMP_ROOT"' EXIT

cpy_version() {
    "$PYTHON" -c 'import importlib.metadata as m; print(m.version("componentize-py"))' 2>/dev/null || true
}

ensure_componentize_py() {
    local have
    have=$(cpy_version)
    if [[ "$have" == "$COMPONENTIZE_PY_VERSION" ]]; then
        return
    fi
    echo "installing componentize-py==$COMPONENTIZE_PY_VERSION (found: ${have:-none})" >&2
    local pip=("$PYTHON" -m pip install --quiet --disable-pip-version-check
               --no-input "componentize-py==$COMPONENTIZE_PY_VERSION")
    # An "externally managed" system Python (PEP 668) refuses plain installs.
    "${pip[@]}" || "${pip[@]}" --user --break-system-packages
    have=$(cpy_version)
    if [[ "$have" != "$COMPONENTIZE_PY_VERSION" ]]; then
        echo "error: componentize-py $COMPONENTIZE_PY_VERSION not importable by $PYTHON" >&2
        exit 1
    fi
}

componentize_py() {
    # Run through the interpreter rather than the console script: works even when
    # pip's script directory is not on PATH.
    "$PYTHON" -c 'import sys, componentize_py; sys.argv[0] = "componentize-py"; componentize_py.script()' "$@"
}

# Hash of every input file (path + content) plus the tool version.
inputs_hash() {
    local example_dir=$1 world=$2
    (
        cd "$ROOT"
        echo "componentize-py $COMPONENTIZE_PY_VERSION world $world"
        find wit sdk/python/ferry_sdk sdk/python/glue "${example_dir#"$ROOT"/}" sdk/python/build.sh \
            -type f ! -path '*/__pycache__/*' ! -name '*.pyc' -print0 \
            | LC_ALL=C sort -z | xargs -0 sha256sum
    ) | sha256sum | cut -d' ' -f1
}

# build_plugin NAME EXAMPLE_DIR WORLD: OUT_DIR/NAME.wasm from EXAMPLE_DIR/app.py.
build_plugin() {
    local name=$1 example_dir=$2 world=$3
    local out="$OUT_DIR/$name.wasm" stamp="$OUT_DIR/$name.wasm.stamp"
    local hash
    hash=$(inputs_hash "$example_dir" "$world")
    if [[ "${FERRY_PY_FORCE:-0}" != 1 && -f "$out" && -f "$stamp" \
          && "$(cat "$stamp")" == "$hash" ]]; then
        echo "$name: up to date ($out)"
        return
    fi
    ensure_componentize_py

    local tmp="$TMP_ROOT/$name"
    mkdir -p "$tmp"

    # An empty virtualenv stops componentize-py from adding the host's site-packages
    # to the component's module path (keeps the output independent of the machine).
    mkdir -p "$tmp/venv/lib/python3/site-packages"

    local start=$SECONDS
    echo "$name: building with componentize-py $COMPONENTIZE_PY_VERSION (world $world)..."
    (
        cd "$tmp"
        VIRTUAL_ENV="$tmp/venv" componentize_py -q -d "$ROOT/wit" -w "$world" \
            componentize app \
            -p "$example_dir" -p "$SDK_DIR" -p "$SDK_DIR/glue" \
            -o "$tmp/$name.wasm"
    )
    mv -f "$tmp/$name.wasm" "$out"
    echo "$hash" > "$stamp"
    echo "$name: built $out ($(stat -c %s "$out") bytes, $((SECONDS - start)) s)"
}

build_plugin py-uppercase "$SDK_DIR/examples/uppercase" transform-plugin
build_plugin py-http-source "$SDK_DIR/examples/http_source" source-plugin
