#!/usr/bin/env bash
# Ferry quickstart: builds everything, starts a single-node Apache Kafka 4.4.0 broker
# (KRaft) and a standalone Ferry worker in a temp dir, and copies a file through Kafka:
#   input.txt → file-source → topic "demo-lines" → file-sink → output.txt
# Set BOOTSTRAP=host:port to use an existing broker instead of starting one.
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
    # Closing fd 4 stops the broker we started (see below); wait for it to go.
    if [[ -f "$WORK/kafka/broker.pid" ]]; then
        exec 4>&- || true
        local broker
        broker=$(cat "$WORK/kafka/broker.pid")
        for _ in $(seq 1 100); do kill -0 "$broker" 2>/dev/null || break; sleep 0.1; done
    fi
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
    for log in "$WORK"/kafka.log "$WORK"/ferry.log; do
        [[ -f "$log" ]] && { echo "----- $(basename "$log") (last 30 lines)"; tail -n 30 "$log"; }
    done
    exit 1
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
REST_PORT=$(free_port)
REST="http://127.0.0.1:$REST_PORT"
topics() { bash scripts/kafka/run-class.sh org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" "$@"; }

if [[ -z "${BOOTSTRAP:-}" ]]; then
    KAFKA_PORT=$(free_port)
    BOOTSTRAP="127.0.0.1:$KAFKA_PORT"
    say "starting Apache Kafka 4.4.0 (KRaft, single node) on $BOOTSTRAP in $WORK/kafka"
    # The broker reads this script's fd 4 as its stdin: when this script ends, however
    # it ends, the pipe closes and broker.sh kills the broker.
    exec 4> >(exec bash scripts/kafka/broker.sh "$WORK/kafka" "$KAFKA_PORT" "$(free_port)" \
        >"$WORK/kafka.log" 2>&1)
    for _ in $(seq 1 120); do
        topics --list >/dev/null 2>&1 && break
        sleep 0.5
    done
else
    say "using the broker at $BOOTSTRAP"
fi
topics --list >/dev/null 2>&1 || fail "no Kafka broker answers at $BOOTSTRAP"
topics --create --if-not-exists --topic demo-lines --partitions 1 >/dev/null 2>&1 ||
    fail "could not create topic demo-lines"

# Input, worker and connector configs: Kafka Connect's own property names.
for i in $(seq 1 "$LINES"); do echo "Hello from Ferry, line $i of $LINES"; done >"$WORK/input.txt"
cat >"$WORK/worker.properties" <<PROPS
bootstrap.servers=$BOOTSTRAP
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
    kill -0 "${pids[0]}" 2>/dev/null || fail "ferry exited"
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
