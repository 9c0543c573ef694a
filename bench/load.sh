#!/usr/bin/env bash
# Load against the real appliance (a child JVM on 127.0.0.1): SESSIONS concurrent mixed sessions
# (half SMTP senders, half POP3S drainers, each doing real work and reconnecting) for SECONDS, with
# SLOW slow clients of each kind (silent, a byte a minute, a trickle, no TLS handshake) that the
# timeouts must cut off; RSS sampled every second. Exit 0 only with zero errors, every accepted
# message retrieved exactly once and every slow client cut off. RELIABILITY.md has a run.
#   bench/load.sh [SESSIONS] [SECONDS] [SLOW] [XMX] [TIMEOUT_S]    default 1000 60 10 default 5
# XMX: the appliance's heap cap; `default` runs it with the shipped JVM options alone
# (deploy/docker/jvm.options, as ./postkontor and the image do), anything else (512m) is added after.
# TIMEOUT_S: smtp.command-timeout, smtp.data-timeout, pop3.idle-timeout, pop3.tls-handshake-timeout
# (smtp.session-max-duration = 2 x TIMEOUT_S + 2 s).
# 1000 sessions need about 2,100 file descriptors in the driver and in the appliance: ulimit -n.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/jdk.sh
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
cp=$PWD/deploy/target/load-cp.txt
mvn -B -ntp -q -o -pl deploy -am test-compile dependency:build-classpath \
  -Dmdep.outputFile="$cp" -Dmdep.includeScope=test
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xmx1g \
  -cp "deploy/target/test-classes:deploy/target/classes:$(cat "$cp")" \
  org.postkontor.deploy.proof.LoadDriver "${1:-1000}" "${2:-60}" "${3:-10}" "${4:-default}" "${5:-5}"
