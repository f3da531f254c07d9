#!/usr/bin/env bash
# A single-node Apache Kafka 4.4.0 broker in KRaft mode (combined broker + controller)
# for Ferry's tests, demo and benchmark.
#   broker.sh DIR PORT CONTROLLER_PORT
# Writes DIR/server.properties, formats DIR/data once (a restart on the same DIR keeps
# the data), starts the broker on 127.0.0.1:PORT (advertised as 127.0.0.1, never
# localhost) and writes the JVM's pid to DIR/broker.pid, so a test can kill -9,
# SIGSTOP or SIGCONT the broker itself. Runs until the broker exits, with its exit
# status; the broker's log goes to stdout.
# The broker never outlives its caller: when this script's stdin reaches end of file
# (the caller closed it, or died however it died), the broker is killed. With
# REMOVE_ON_EXIT=1, DIR is deleted after the broker stopped.
# Extra broker properties: BROKER_PROPS (newline-separated key=value lines).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if (($# != 3)); then
    echo "usage: broker.sh DIR PORT CONTROLLER_PORT" >&2
    exit 2
fi
dir=$1 port=$2 controller_port=$3
mkdir -p "$dir/data"

cat >"$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$dir/data
num.partitions=1
num.network.threads=2
num.io.threads=4
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=5
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# A test's first consumer group should not wait 3 s for more members.
group.initial.rebalance.delay.ms=0
${BROKER_PROPS:-}
PROPS

if [[ ! -f "$dir/data/meta.properties" ]]; then
    # A Kafka cluster id: 16 random bytes, base64url without padding.
    cluster_id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
    KAFKA_HEAP_OPTS="-Xmx256m" "$here/run-class.sh" kafka.tools.StorageTool format \
        --cluster-id "$cluster_id" --config "$dir/server.properties" >"$dir/format.log" 2>&1 || {
        cat "$dir/format.log" >&2
        exit 1
    }
fi

exec 3<&0
"$here/run-class.sh" kafka.Kafka "$dir/server.properties" </dev/null &
broker=$!
echo "$broker" >"$dir/broker.pid"
# The watcher: end of stdin means the caller is gone (or wants the broker gone).
(
    while read -r _; do :; done
    kill -CONT "$broker" 2>/dev/null || true
    kill -9 "$broker" 2>/dev/null || true
) <&3 >/dev/null 2>&1 &
watcher=$!
exec 3<&-
status=0
wait "$broker" || status=$?
kill "$watcher" 2>/dev/null || true
if [[ "${REMOVE_ON_EXIT:-0}" == 1 ]]; then
    rm -rf "$dir"
fi
exit "$status"
