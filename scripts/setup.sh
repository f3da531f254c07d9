#!/usr/bin/env bash
# Installs what building and testing Ferry needs beyond the Rust toolchain:
#   - the wasm32-wasip2 target (plugins are WebAssembly components),
#   - Apache Kafka 4.4.0 (the broker the tests, demo and benchmark run) and Kafka
#     Connect 4.4.0 (the benchmark's reference), resolved by Maven from
#     scripts/kafka/pom.xml into build/kafka/libs,
#   - componentize-py 0.25.1 (Python plugins) and, for the Python SDK tests, pytest,
#     cbor2 (cross-checks the SDK's CBOR codec) and wasmtime (runs the built
#     Python component in-process),
#   - PostgreSQL's server from Debian's packages (the database connectors' tests).
# Idempotent and quiet when everything is already there; non-interactive.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh

COMPONENTIZE_PY_VERSION=0.25.1

say() { echo "setup: $*" >&2; }

# --- Rust target for plugins -------------------------------------------------------
# (Outputs are captured before matching: `cmd | grep -q` can fail under pipefail when
# grep exits early and cmd gets SIGPIPE.)
targets=$(rustup target list --installed 2>/dev/null || true)
if ! grep -qx wasm32-wasip2 <<<"$targets"; then
    say "adding the wasm32-wasip2 target"
    if ! rustup target add wasm32-wasip2; then
        # Where rustup may not download, the project's shared folder carries the same
        # standard library for rustc 1.95.0 (../shared/toolchain/README.md).
        archive=../shared/toolchain/rust-std-1.95.0-wasm32-wasip2.tar.xz
        rustc_version=$(rustc -V)
        if [[ -f "$archive" && "$rustc_version" == "rustc 1.95.0 "* ]]; then
            say "rustup refused the target: unpacking $archive into $(rustc --print sysroot)"
            tar -xJf "$archive" -C "$(rustc --print sysroot)"
        else
            say "cannot install wasm32-wasip2: rustup refused and no $archive for $rustc_version"
            exit 1
        fi
    fi
fi

# --- PostgreSQL server (the database connectors' tests) ------------------------------
# Debian's packages; the tests run their own server (initdb in a temp dir, as the
# unprivileged `postgres` user when run as root) on a free loopback port.
if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null && ! command -v initdb >/dev/null; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        say "installing PostgreSQL (Debian's postgresql package)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2 \
            || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2; }
    else
        say "PostgreSQL's server (initdb, postgres) is needed for the database connector tests: install Debian's postgresql package"
        exit 1
    fi
fi

# --- Apache Kafka 4.4.0 and Kafka Connect 4.4.0 ---------------------------------------
# scripts/kafka/pom.xml pins the broker and Kafka Connect; Maven resolves them (its
# local repository caches the downloads) into build/kafka/libs, which the stamp ties
# to the pom's content so a changed pom resolves again.
KAFKA_LIBS=build/kafka/libs
pom_hash=$(sha256sum scripts/kafka/pom.xml | cut -d' ' -f1)
if [[ "$(cat "$KAFKA_LIBS/.pom-sha256" 2>/dev/null || true)" != "$pom_hash" ]]; then
    command -v mvn >/dev/null || { say "Maven (mvn) is needed to resolve Apache Kafka"; exit 1; }
    command -v java >/dev/null || { say "Java 17+ is needed to run Apache Kafka"; exit 1; }
    say "resolving Apache Kafka 4.4.0 and Kafka Connect 4.4.0 with Maven into $KAFKA_LIBS"
    rm -rf "$KAFKA_LIBS.tmp"
    mvn -q -B -Dstyle.color=never -f scripts/kafka/pom.xml dependency:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$PWD/$KAFKA_LIBS.tmp" >&2
    rm -rf "$KAFKA_LIBS"
    mv "$KAFKA_LIBS.tmp" "$KAFKA_LIBS"
    echo "$pom_hash" >"$KAFKA_LIBS/.pom-sha256"
fi

# connect-file 4.3.1 asks org.apache.kafka.common.utils.AppInfoParser for its version,
# which Kafka 4.4.0 moved to ...utils.internals: scripts/kafka/compat holds a one-class
# stand-in that forwards there, built into the jar directory (on run-class.sh's path).
compat_src=scripts/kafka/compat/org/apache/kafka/common/utils/AppInfoParser.java
compat_jar=$KAFKA_LIBS/ferry-kafka-compat.jar
if [[ ! -f "$compat_jar" || "$compat_src" -nt "$compat_jar" ]]; then
    command -v javac >/dev/null || { say "a JDK (javac) is needed for $compat_src"; exit 1; }
    say "building $compat_jar"
    compat_tmp=$(mktemp -d)
    javac -nowarn --release 17 -d "$compat_tmp" -cp "$KAFKA_LIBS/kafka-clients-4.4.0.jar" "$compat_src"
    jar cf "$compat_jar" -C "$compat_tmp" .
    rm -rf "$compat_tmp"
fi

# A connector only Kafka Connect has (scripts/kafka/test-plugins), for the mixed
# Kafka Connect + Ferry cluster tests; Kafka Connect workers there take this
# directory as their plugin.path.
only_src=scripts/kafka/test-plugins/dev/ferry/kafkaonly/KafkaOnlySourceConnector.java
only_jar=build/kafka/test-plugins/ferry-kafka-only.jar
if [[ ! -f "$only_jar" || "$only_src" -nt "$only_jar" ]]; then
    say "building $only_jar"
    only_tmp=$(mktemp -d)
    javac -nowarn --release 17 -d "$only_tmp" \
        -cp "$KAFKA_LIBS/kafka-clients-4.4.0.jar:$KAFKA_LIBS/connect-api-4.4.0.jar" "$only_src"
    cp -r scripts/kafka/test-plugins/META-INF "$only_tmp/"
    mkdir -p "$(dirname "$only_jar")"
    jar cf "$only_jar" -C "$only_tmp" .
    rm -rf "$only_tmp"
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
