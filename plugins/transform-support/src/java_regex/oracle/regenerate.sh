#!/usr/bin/env bash
# Regenerates vectors.tsv (java.util.regex's answers over patterns.txt x inputs.txt),
# the golden vectors of transform-support's java_regex module. Needs javac/java 17+.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
javac -d "$tmp" "$here/JavaRegexOracle.java"
java -cp "$tmp" JavaRegexOracle "$here"
echo "wrote $here/vectors.tsv"
