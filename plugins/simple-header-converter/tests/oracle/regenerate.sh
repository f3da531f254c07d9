#!/bin/sh
# Regenerate tests/vectors/simple-header-converter.tsv by running Apache Kafka's own
# SimpleHeaderConverter (the connect-api 4.4.0 jar that scripts/setup.sh resolves into
# build/kafka/libs) over corpus.txt plus the typed values in HeaderOracle.java.
# Needs a JDK (java, javac) and the jars; run from anywhere. Dates are formatted by
# Kafka with the JVM's default time zone, so the JVM runs in UTC, as Ferry assumes.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)
libs=${KAFKA_LIBS:-$root/build/kafka/libs}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp="$libs/connect-api-4.4.0.jar:$libs/kafka-clients-4.4.0.jar:$(ls "$libs"/slf4j-api-*.jar | head -1)"
javac -nowarn -d "$work" -cp "$cp" "$here/HeaderOracle.java"
out="$here/../vectors/simple-header-converter.tsv"
{
    echo "# Golden vectors: Apache Kafka 4.4.0 SimpleHeaderConverter, from tests/oracle/regenerate.sh"
    echo "# to<TAB>input (base64, - = null)<TAB>schema<TAB>value<TAB>fromConnectHeader of the result"
    echo "# from<TAB>case<TAB>fromConnectHeader output (base64, - = null)"
    python3 -c '
import base64, sys
print("-")
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.rstrip("\n").encode().decode("unicode_escape")
    print(base64.b64encode(line.encode()).decode())
print("")
' "$here/corpus.txt" | java -Duser.timezone=UTC -cp "$work:$cp" HeaderOracle
} > "$out"
echo "wrote $out"
