#!/usr/bin/env bash
# THE test command (README's, and what .ci/run runs):
#   formatting and lints (fail fast), setup, plugin builds, the ferry binary, then every
#   test: `cargo test --release --workspace` (unit tests and the end-to-end tests in
#   tests/, which start real Apache Kafka brokers and ferry workers) and the Python SDK's
#   pytest suite. Ends with one summary line: "total: N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh

step() { echo "==> $*"; }
started=$SECONDS

step "cargo fmt --check"
cargo fmt --all --check
cargo fmt --manifest-path plugins/Cargo.toml --all --check

step "setup"
bash scripts/setup.sh

step "build plugins"
bash scripts/build-plugins.sh

step "cargo clippy"
cargo clippy --release --workspace --all-targets -- -D warnings
# The plugins' own workspace, natively (their tests run natively below).
cargo clippy --manifest-path plugins/Cargo.toml --workspace --all-targets \
    --target "$(rustc -vV | sed -n 's/^host: //p')" -- -D warnings

step "build ferry"
cargo build --release -p ferry

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

step "cargo test"
set +e
cargo test --release --workspace --no-fail-fast 2>&1 | tee "$logs/cargo.log"
cargo_rc=${PIPESTATUS[0]}
set -e

# The plugins' own unit and golden tests (the JsonConverter's Kafka vectors among
# them) run natively: the plugins workspace builds for wasm32-wasip2 by default.
step "cargo test (plugins, native)"
set +e
cargo test --manifest-path plugins/Cargo.toml --workspace --no-fail-fast \
    --target "$(rustc -vV | sed -n 's/^host: //p')" 2>&1 | tee -a "$logs/cargo.log"
plugins_rc=${PIPESTATUS[0]}
set -e
if ((plugins_rc != 0)); then
    cargo_rc=$plugins_rc
fi

py_rc=0
if [[ -d sdk/python/tests ]]; then
    step "pytest sdk/python/tests"
    set +e
    "$PYTHON" -m pytest sdk/python/tests 2>&1 | tee "$logs/pytest.log"
    py_rc=${PIPESTATUS[0]}
    set -e
    if ((py_rc == 5)); then
        echo "pytest: no tests collected in sdk/python/tests"
        py_rc=0
    fi
fi

# Sum cargo's "test result: ok. 12 passed; 0 failed; 3 ignored; ..." lines and pytest's
# "=== 4 passed, 1 skipped in 0.5s ===" line into one closing line.
read -r passed failed skipped < <(
    awk '
        /^test result: / {
            for (i = 1; i <= NF; i++) {
                n = $(i - 1) + 0
                if ($i ~ /^passed/) p += n
                else if ($i ~ /^failed/) f += n
                else if ($i ~ /^ignored/) s += n
            }
        }
        END { print p + 0, f + 0, s + 0 }
    ' "$logs/cargo.log"
)
if [[ -f "$logs/pytest.log" ]]; then
    summary=$(grep -E '^=+ .*(passed|failed|skipped|error|no tests ran).* in [0-9.]+s' "$logs/pytest.log" | tail -n 1 || true)
    for kind in passed failed skipped error errors; do
        n=$(grep -oE "[0-9]+ $kind\b" <<<"$summary" | head -n 1 | cut -d' ' -f1 || true)
        n=${n:-0}
        case "$kind" in
            passed) passed=$((passed + n)) ;;
            failed | error | errors) failed=$((failed + n)) ;;
            skipped) skipped=$((skipped + n)) ;;
        esac
    done
fi

echo
echo "test.sh: cargo test exit $cargo_rc, pytest exit $py_rc, $((SECONDS - started)) s in all"
echo "total: $passed passed, $failed failed, $skipped skipped"
if ((cargo_rc != 0 || py_rc != 0)); then
    exit 1
fi
