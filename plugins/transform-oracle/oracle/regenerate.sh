#!/usr/bin/env bash
# Regenerates the golden vectors from Apache Kafka's own transforms and predicates.
#
#   plugins/transform-oracle/oracle/regenerate.sh [Simple ...]   # e.g. regenerate.sh Cast
#
# Reads oracle/records.json and oracle/cases/<Simple>.json (all case files when no
# name is given), writes vectors/<Simple>.jsonl. Needs Java 17+ (javac) and Kafka's
# jars in build/kafka/libs (make them with `bash scripts/setup.sh`).
#
# Environment: FERRY_KAFKA_LIBS overrides the jar directory; ORACLE_OUT overrides the
# output directory (the drift test writes to a temp dir).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
crate="$(dirname "$here")"
repo="$(cd "$crate/../.." && pwd)"
libs="${FERRY_KAFKA_LIBS:-$repo/build/kafka/libs}"
out="${ORACLE_OUT:-$crate/vectors}"

if [ ! -f "$libs/connect-transforms-4.4.0.jar" ]; then
    echo "regenerate.sh: Kafka 4.4.0 jars not found in $libs" >&2
    echo "regenerate.sh: run 'bash scripts/setup.sh' from the repository root first" >&2
    exit 1
fi
for tool in javac java; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "regenerate.sh: $tool not found (Java 17+ is needed)" >&2
        exit 1
    fi
done

classes="$(mktemp -d "${TMPDIR:-/tmp}/ferry-oracle.XXXXXX")"
trap 'rm -rf "$classes"' EXIT

cp="$libs/*"
javac -nowarn -encoding UTF-8 --release 17 -cp "$cp" -d "$classes" "$here/Oracle.java"

# Quiet logging: nothing of Kafka's logging reaches the terminal or the vectors.
jvm=(-cp "$classes:$cp" -Dlog4j2.level=OFF -Dlog4j2.statusLoggerLevel=OFF
     -Xshare:auto -XX:TieredStopAtLevel=1)

# Checks that the corpus round-trips through Kafka's JsonConverter, then writes.
java "${jvm[@]}" Oracle "$here" "$out" "$@"
