#!/usr/bin/env bash
# Memory of the appliance as an admin starts it (./postkontor, with the shipped JVM options of
# deploy/docker/jvm.options): RSS after a warm-up of SMTP ingest and a POP3S drain, then with
# CONNECTIONS idle POP3 (or SMTP) connections open (greeted, then silent), sampled every 2 s while they are
# held. BENCHMARKS.md has a run.
#   bench/idle.sh [CONNECTIONS] [WARM_MESSAGES] [HOLD_S]        default 10000 2000 30
#   PROTO=smtp bench/idle.sh 2000 0 30                          idle SMTP connections instead
# Extra JVM options for the appliance: POSTKONTOR_JAVA_OPTS (added after the shipped ones).
# Postkontor listens on 127.0.0.1 ports 21025/21110/21995 with its data in a temp directory and is
# stopped by its PID at the end.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
. scripts/jdk.sh
CONNECTIONS=${1:-10000}
WARM=${2:-2000}
HOLD=${3:-30}
MAILBOXES=32
PASSWORD=bench-password-1
JAVA="$JAVA_HOME/bin/java"
BENCH=("$JAVA" "$here/bench/MailBench.java")
OUT=$(mktemp -d /tmp/postkontor-idle.XXXXXX)
pk_pid=""
cleanup() {
  if [ -n "$pk_pid" ] && kill -0 "$pk_pid" 2>/dev/null; then kill "$pk_pid"; wait "$pk_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT
ulimit -n $((CONNECTIONS * 2 + 1000)) 2>/dev/null || ulimit -n "$(ulimit -Hn)"

export POSTKONTOR_DATA_DIR="$OUT/data" POSTKONTOR_SMTP_BIND=127.0.0.1 POSTKONTOR_SMTP_PORT=21025 \
  POSTKONTOR_POP3_BIND=127.0.0.1 POSTKONTOR_POP3_PORT=21110 POSTKONTOR_POP3_TLS_PORT=21995 \
  POSTKONTOR_HTTP_PORT=21080 POSTKONTOR_ADMIN_PORT=21081 \
  POSTKONTOR_SMTP_MAX_CONNECTIONS=$((CONNECTIONS + 1000)) POSTKONTOR_SMTP_MAX_CONNECTIONS_PER_IP=$((CONNECTIONS + 1000)) \
  POSTKONTOR_POP3_MAX_CONNECTIONS=$((CONNECTIONS + 100)) \
  POSTKONTOR_POP3_MAX_CONNECTIONS_PER_ADDRESS=$((CONNECTIONS + 100)) POSTKONTOR_LOG_LEVEL=WARN
mkdir -p "$OUT/data"
./postkontor admin domain add example.test >/dev/null
for ((i = 0; i < MAILBOXES; i++)); do
  printf '%s\n' "$PASSWORD" | ./postkontor admin user add "bench$i@example.test" --password-stdin >/dev/null
done
./postkontor run >"$OUT/postkontor.log" 2>&1 &
pk_pid=$!
for _ in $(seq 1 360); do (exec 3<>/dev/tcp/127.0.0.1/21110) 2>/dev/null && break; sleep 0.5; done
rss() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$pk_pid/status"; }
echo "idle: started, rss_mib=$(rss)"
if [ "$WARM" -gt 0 ]; then
  "${BENCH[@]}" smtp --smtp-port 21025 --mailboxes "$MAILBOXES" --clients 32 --messages "$WARM" --size 4096 | tail -1 || echo "idle: warm-up ingest had errors" >&2
  "${BENCH[@]}" pop3 --pop3-port 21995 --tls --password "$PASSWORD" --mailboxes "$MAILBOXES" --clients 32 | tail -1 || echo "idle: warm-up drain had errors" >&2
  echo "idle: after the warm-up, rss_mib=$(rss)"
fi
( for ((k = 0; k < HOLD / 2 + 10; k++)); do sleep 2; printf '%s ' "$(rss)"; done 2>/dev/null; echo ) >"$OUT/rss.txt" &
sampler=$!
port=(--pop3-port 21110); [ "${PROTO:-pop3}" != smtp ] || port=(--smtp-port 21025)
"${BENCH[@]}" idle "${port[@]}" --connections "$CONNECTIONS" --server-pid "$pk_pid" --hold "$HOLD" | tail -1 || echo "idle: some connections failed" >&2
kill "$sampler" 2>/dev/null || true
echo "idle: rss_mib every 2 s from opening the connections to closing them: $(cat "$OUT/rss.txt")"
echo "(Postkontor log: $OUT/postkontor.log)"
