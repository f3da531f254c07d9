#!/usr/bin/env bash
# Installs what building and testing Ferry needs beyond the Rust toolchain:
#   - the wasm32-wasip2 target (plugins are WebAssembly components),
#   - Tansu 0.6.0, the Kafka-compatible broker the tests and demo run against,
#   - componentize-py 0.25.1 (Python plugins) and, for the Python SDK tests, pytest,
#     cbor2 (cross-checks the SDK's CBOR codec) and wasmtime (runs the built
#     Python component in-process).
# Idempotent and quiet when everything is already there; non-interactive.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh
CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"

TANSU_VERSION=0.6.0
COMPONENTIZE_PY_VERSION=0.25.1

say() { echo "setup: $*" >&2; }

# --- Rust target for plugins -------------------------------------------------------
# (Outputs are captured before matching: `cmd | grep -q` can fail under pipefail when
# grep exits early and cmd gets SIGPIPE.)
targets=$(rustup target list --installed 2>/dev/null || true)
if ! grep -qx wasm32-wasip2 <<<"$targets"; then
    say "adding the wasm32-wasip2 target"
    rustup target add wasm32-wasip2
fi

# --- Tansu broker ------------------------------------------------------------------
# The default feature set has no storage engine: build with dynostore (memory://) and
# libsql (sqlite://). Takes several minutes once; cached in ~/.cargo/bin afterwards.
tansu_version() { "$CARGO_BIN/tansu" --version 2>/dev/null || true; }
if ! grep -qw "$TANSU_VERSION" <<<"$(tansu_version)"; then
    say "installing tansu $TANSU_VERSION (cargo install, several minutes)"
    cargo install tansu --version "$TANSU_VERSION" --locked \
        --no-default-features --features dynostore,libsql
    grep -qw "$TANSU_VERSION" <<<"$(tansu_version)" || {
        say "tansu $TANSU_VERSION did not install into $CARGO_BIN"
        exit 1
    }
fi

# --- Python tooling ----------------------------------------------------------------
installed=$("$PYTHON" -m pip show componentize-py 2>/dev/null || true)
if ! grep -qx "Version: $COMPONENTIZE_PY_VERSION" <<<"$installed"; then
    say "installing componentize-py $COMPONENTIZE_PY_VERSION"
    "$PYTHON" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
        "componentize-py==$COMPONENTIZE_PY_VERSION"
fi
# Test-only Python packages, pinned so every machine runs the same tests (without
# them the cross-check and component tests would be skipped, not failed).
# schemathesis fuzzes the REST API from its OpenAPI document (tests/tests/openapi_fuzz.rs).
for pinned in cbor2==6.2.1 wasmtime==50.0.1 schemathesis==4.32.5; do
    name=${pinned%%==*}
    have=$("$PYTHON" -m pip show "$name" 2>/dev/null || true)
    if ! grep -qx "Version: ${pinned##*==}" <<<"$have"; then
        say "installing $pinned"
        "$PYTHON" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore "$pinned"
    fi
done
if ! "$PYTHON" -c 'import pytest' 2>/dev/null; then
    say "installing pytest"
    "$PYTHON" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore pytest
fi
