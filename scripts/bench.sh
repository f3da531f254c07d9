#!/usr/bin/env bash
# Benchmark (not a test): Ferry side by side with Apache Kafka Connect 4.4.0 and a raw
# rdkafka pipe on one Apache Kafka 4.4.0 broker — standalone file → topic → file
# throughput, peak RSS, start-up and first-record latency, Ferry's cold and warm start,
# and three-worker clusters' rebalance and kill -9 failover times. Prints a markdown
# table (tests/src/bin/bench/); then a JSON-with-schemas sink through a chain of five of
# Kafka's transforms, Ferry vs Kafka Connect; then the PostgreSQL and HTTP sinks against
# PostgreSQL's COPY and native Rust clients. About 10–20 minutes on 2 cores.
# Usage: scripts/bench.sh [--lines N] [--chain-records N]   (defaults 1,000,000 and 200,000)
#        scripts/bench.sh --only-transforms [--chain-records N]   (only the transform chain)
#        scripts/bench.sh --only-connectors [--pg-rows N] [--http-records N]
#          only the PostgreSQL and HTTP sinks against COPY and native clients
#        scripts/bench.sh --baseline-ferry PATH [--baseline-plugins DIR] [--rounds N] [--lines N]
#          only the standalone pipeline, this build vs another ferry binary (a change's cost)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh

bash scripts/setup.sh
bash scripts/build-plugins.sh
cargo build --release -p ferry -p ferry-tests --bin ferry --bin bench
exec "${CARGO_TARGET_DIR:-target}/release/bench" "$@"
