#!/usr/bin/env bash
# Long coverage-guided fuzzing of the POP3 and SMTP parsers and session state machines (Jazzer).
# Every build runs each fuzz test for 45 s (the surefire execution `fuzz`); this repeats those runs
# ROUNDS times, each round continuing from the corpus the previous ones grew (.cifuzz-corpus/ in
# each module). A finding stops the run and leaves a crash-* file and a reproducer in the module.
#   bench/fuzz.sh [ROUNDS]      default 20 rounds (~15 min per module on this machine)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/jdk.sh
rounds=${1:-20}
mvn -B -q -ntp install -DskipTests
for module in pop3-serve smtp-ingest; do
  grep -q '<id>fuzz</id>' "$module/pom.xml" || continue
  for ((r = 1; r <= rounds; r++)); do
    echo "fuzz: $module round $r/$rounds" >&2
    (cd "$module" && mvn -B -q -ntp surefire:test@fuzz)
  done
  find "$module/.cifuzz-corpus" -type f | wc -l | xargs echo "fuzz: $module corpus files:" >&2
done
