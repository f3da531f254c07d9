#!/bin/sh
# Regenerate tests/vectors/kafka-oracle.tsv by running Apache Kafka's own JsonConverter
# (compiled from a Kafka source checkout) over the corpus that gen.py writes.
#
# Needs: a JDK 19+ (java, javac: Double.toString changed in 19; Kafka on 17 prints some
# doubles differently), python3, and Debian's Jackson and SLF4J jars:
#   apt-get install libjackson2-databind-java libjackson2-core-java \
#     libjackson2-annotations-java libslf4j-java
# Usage: tests/oracle/regenerate.sh /path/to/kafka-source-checkout
set -eu
here=$(cd "$(dirname "$0")" && pwd)
kafka=${1:?usage: regenerate.sh KAFKA_SOURCE_DIR}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp=/usr/share/java/jackson-databind.jar:/usr/share/java/jackson-core.jar:/usr/share/java/jackson-annotations.jar:/usr/share/java/slf4j-api.jar
# Only the classes JsonConverter reaches are compiled; stub/ cuts two dependency chains
# (Afterburner, and a principal builder that drags in generated protocol classes).
javac -nowarn -proc:none -d "$work/classes" -cp "$cp" \
    -sourcepath "$here/stub:$kafka/clients/src/main/java:$kafka/connect/api/src/main/java:$kafka/connect/json/src/main/java" \
    "$here/Oracle.java"
cd "$work"
python3 "$here/gen.py" "$kafka/connect/json/src/test/java/org/apache/kafka/connect/json/JsonConverterTest.java"
java -cp "$work/classes:$cp" Oracle < corpus.tsv > java.out 2>/dev/null
python3 "$here/select.py" "$here/../vectors/kafka-oracle.tsv"
