#!/usr/bin/env bash
# Builds every plugin into the directories the demo and the tests load:
#   build/plugins/        first-party plugins (Rust from plugins/, Python from sdk/python)
#   build/test-plugins/   plugins that exist only to misbehave in tests (test_*.wasm)
# Rust plugins: skipped entirely while a content hash of plugins/, sdk/rust/, wit/ (and
# the toolchain) matches the last build's stamp; otherwise cargo builds incrementally.
# Python plugins: sdk/python/build.sh caches itself by content hash.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh

OUT=build/plugins
TEST_OUT=build/test-plugins
STAMP=build/.rust-plugins.stamp   # content hash of the last successful build
LIST=build/.rust-plugins.list     # files that build copied, to replace them next time
TARGET=plugins/target/wasm32-wasip2/release
mkdir -p "$OUT" "$TEST_OUT"

say() { echo "build-plugins: $*" >&2; }

inputs_hash() {
    {
        rustc -V
        sha256sum "${BASH_SOURCE[0]}"
        find plugins sdk/rust wit -type f \
            -not -path '*/target/*' -not -path '*/__pycache__/*' -print0 \
            | LC_ALL=C sort -z | xargs -0 -r sha256sum
    } | sha256sum | cut -d' ' -f1
}

outputs_present() {
    [[ -s "$LIST" ]] || return 1
    local f
    while IFS= read -r f; do
        [[ -f "$f" ]] || return 1
    done <"$LIST"
}

if [[ ! -f plugins/Cargo.toml ]]; then
    say "warning: plugins/Cargo.toml does not exist; no Rust plugins built"
else
    hash=$(inputs_hash)
    if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$hash" ]] && outputs_present; then
        : # up to date
    else
        say "building Rust plugins (cargo, wasm32-wasip2, release)"
        cargo build --release --target wasm32-wasip2 \
            --manifest-path plugins/Cargo.toml --target-dir plugins/target
        # Replace what the previous build copied (plugins may have been renamed/removed).
        if [[ -f "$LIST" ]]; then
            while IFS= read -r f; do rm -f -- "$f"; done <"$LIST"
        fi
        copied=()
        shopt -s nullglob
        for wasm in "$TARGET"/*.wasm; do
            name=$(basename "$wasm")
            case "$name" in
                test_* | test-*) dest="$TEST_OUT/$name" ;;
                *) dest="$OUT/$name" ;;
            esac
            cp -f "$wasm" "$dest"
            copied+=("$dest")
        done
        shopt -u nullglob
        if ((${#copied[@]} == 0)); then
            say "error: cargo built no .wasm files into $TARGET"
            exit 1
        fi
        printf '%s\n' "${copied[@]}" >"$LIST"
        echo "$hash" >"$STAMP"
        say "Rust plugins: ${copied[*]}"
    fi
fi

if [[ -f sdk/python/build.sh ]]; then
    bash sdk/python/build.sh "$OUT"
else
    say "warning: sdk/python/build.sh does not exist; no Python plugins built"
fi
