#!/usr/bin/env bash
# Throughput benchmark (not a test): raw rdkafka pipe vs Ferry standalone
# file-source → topic → file-sink, on one Tansu broker with memory:// storage.
# Usage: scripts/bench.sh [--lines N]   (default 200,000)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh

bash scripts/setup.sh
bash scripts/build-plugins.sh
cargo build --release -p ferry -p ferry-tests --bin ferry --bin bench
exec "${CARGO_TARGET_DIR:-target}/release/bench" "$@"
