#!/usr/bin/env bash
# Ferry quickstart: builds everything, starts a Tansu broker and a standalone Ferry
# worker in a temp dir, and copies a file through Kafka:
#   input.txt → file-source → topic "demo-lines" → file-sink → output.txt
# Set KEEP=1 to keep the temp dir (configs, logs, files) afterwards.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
source scripts/env.sh
LINES=${LINES:-1000}

say() { echo "demo: $*"; }

say "setting up and building (first run takes a while)"
bash scripts/setup.sh
bash scripts/build-plugins.sh
cargo build --release -p ferry
FERRY="${CARGO_TARGET_DIR:-$ROOT/target}/release/ferry"

WORK=$(mktemp -d -t ferry-demo-XXXXXX)
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [[ "${KEEP:-0}" == 1 ]]; then
        say "kept $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
    say "FAILED: $*"
    for log in "$WORK"/tansu.log "$WORK"/ferry.log; do
        [[ -f "$log" ]] && { echo "----- $(basename "$log") (last 30 lines)"; tail -n 30 "$log"; }
    done
    exit 1
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
KAFKA_PORT=$(free_port)
REST_PORT=$(free_port)
BROKER="tcp://127.0.0.1:$KAFKA_PORT"
REST="http://127.0.0.1:$REST_PORT"

say "starting Tansu (Kafka API on 127.0.0.1:$KAFKA_PORT, sqlite storage) in $WORK"
(cd "$WORK" && exec tansu broker --listener-url "$BROKER" --advertised-listener-url "$BROKER" \
    --storage-engine sqlite://tansu.db >tansu.log 2>&1) &
pids+=($!)
for _ in $(seq 1 120); do
    tansu topic list --broker "$BROKER" >/dev/null 2>&1 && break
    sleep 0.5
done
tansu topic list --broker "$BROKER" >/dev/null 2>&1 || fail "Tansu did not come up"
tansu topic create demo-lines --partitions 1 --broker "$BROKER" >/dev/null ||
    fail "could not create topic demo-lines"

# Input, worker and connector configs: Kafka Connect's own property names.
for i in $(seq 1 "$LINES"); do echo "Hello from Ferry, line $i of $LINES"; done >"$WORK/input.txt"
cat >"$WORK/worker.properties" <<PROPS
bootstrap.servers=127.0.0.1:$KAFKA_PORT
listeners=$REST
plugin.path=$ROOT/build/plugins
key.converter=string-converter
value.converter=string-converter
offset.storage.file.filename=$WORK/offsets.dat
offset.flush.interval.ms=1000
ferry.sandbox.allowed.paths=$WORK
PROPS
cat >"$WORK/source.properties" <<PROPS
name=demo-source
connector.class=FileStreamSource
tasks.max=1
file=$WORK/input.txt
topic=demo-lines
PROPS
cat >"$WORK/sink.properties" <<PROPS
name=demo-sink
connector.class=FileStreamSink
tasks.max=1
file=$WORK/output.txt
topics=demo-lines
PROPS

say "starting: ferry standalone worker.properties source.properties sink.properties (REST on $REST)"
(cd "$WORK" && exec "$FERRY" standalone worker.properties source.properties sink.properties \
    >ferry.log 2>&1) &
pids+=($!)
for _ in $(seq 1 600); do
    curl -sf "$REST/" >/dev/null 2>&1 && break
    kill -0 "${pids[1]}" 2>/dev/null || fail "ferry exited"
    sleep 0.5
done
curl -sf "$REST/" >/dev/null || fail "ferry's REST API did not come up"

say "waiting for $LINES lines to arrive in output.txt"
copied=0
for _ in $(seq 1 600); do
    if cmp -s "$WORK/input.txt" "$WORK/output.txt"; then copied=1; break; fi
    sleep 0.2
done
((copied)) || fail "output.txt does not match input.txt ($(wc -l <"$WORK/output.txt" 2>/dev/null || echo 0) of $LINES lines)"

echo
say "GET $REST/"
curl -s "$REST/"; echo
for c in demo-source demo-sink; do
    say "GET $REST/connectors/$c/status"
    curl -s "$REST/connectors/$c/status"; echo
done
echo
say "input.txt → Kafka topic demo-lines → output.txt: $(wc -l <"$WORK/output.txt") lines, identical:"
head -n 3 "$WORK/output.txt"
echo "..."
tail -n 1 "$WORK/output.txt"
say "done; stopping the worker and the broker"
