#!/usr/bin/env bash
# Runs a main class of Apache Kafka 4.4.0 or Kafka Connect 4.4.0 from the jars that
# scripts/setup.sh resolved into build/kafka/libs (this directory's pom.xml), as
# Kafka's bin/kafka-run-class.sh does: G1, headless, log4j2 from log4j2.properties here.
#   run-class.sh MAIN_CLASS [ARGS...]
# KAFKA_HEAP_OPTS overrides the heap (default -Xms128m -Xmx512m: enough for a
# single-node test broker or one Connect worker, and several fit on 2 cores / 24 GiB).
# KAFKA_LIBS overrides the jar directory. Replaces itself with the JVM (exec), so the
# caller's pid is the JVM's.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
libs="${KAFKA_LIBS:-$here/../../build/kafka/libs}"
if [[ ! -f "$libs/kafka_2.13-4.4.0.jar" ]]; then
    echo "run-class.sh: no Kafka jars in $libs: run scripts/setup.sh" >&2
    exit 1
fi
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
# shellcheck disable=SC2086 # KAFKA_HEAP_OPTS / KAFKA_JVM_OPTS are word lists
exec "$java" ${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m} \
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="file:$here/log4j2.properties" \
    ${KAFKA_JVM_OPTS:-} \
    -cp "$libs/*" "$@"
