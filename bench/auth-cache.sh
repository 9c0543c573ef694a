#!/usr/bin/env bash
# Before/after of the auth cache (auth.cache-ttl): runs the appliance from deploy/target/postkontor.jar
# on 127.0.0.1:21025 (SMTP) / 21995 (POP3S) / 21080 (HTTP) with a fresh temp data directory and 32
# mailboxes, once per TTL given (default: "1h 0", i.e. cache on, then off). For each: SMTP ingest of
# 2000 x 4 KiB, MailBench `count` (logs in to every mailbox, as bench/compare.sh does before a drain),
# then the POP3S drain with 8 and with 32 clients; then 400 POP3S logins (USER/PASS/QUIT, Python
# poplib, 8 threads) and the cache's hit/miss counters from /metrics. The appliance is stopped by PID.
#
#   bench/auth-cache.sh            # 1h and 0
#   bench/auth-cache.sh 10m        # one TTL
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
. scripts/jdk.sh
JAVA="$JAVA_HOME/bin/java"
[ -f deploy/target/postkontor.jar ] || mvn -B -q -ntp -pl deploy -am package -DskipTests
PASSWORD=bench-password-1
MAILBOXES=32
BENCH=("$JAVA" "$here/bench/MailBench.java")
OUT=$(mktemp -d /tmp/postkontor-auth-cache.XXXXXX)
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill "$pid"; wait "$pid" 2>/dev/null || true; fi
}
trap cleanup EXIT

logins() { # port password mailboxes threads logins
  python3 - "$@" <<'PY'
import poplib, ssl, sys, threading, time
port, pw, boxes, threads, total = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
lock = threading.Lock(); n = [0]; errors = [0]
def work():
    while True:
        with lock:
            if n[0] >= total:
                return
            i = n[0]; n[0] += 1
        try:
            p = poplib.POP3_SSL("127.0.0.1", port, context=ctx, timeout=60)
            p.user("bench%d@example.test" % (i % boxes)); p.pass_(pw); p.quit()
        except Exception:
            with lock:
                errors[0] += 1
t0 = time.time()
ts = [threading.Thread(target=work) for _ in range(threads)]
for t in ts: t.start()
for t in ts: t.join()
s = time.time() - t0
print("mode=logins threads=%d logins=%d errors=%d seconds=%.2f logins_per_s=%.1f" % (threads, total, errors[0], s, total / s))
PY
}

for ttl in ${@:-1h 0}; do
  DATA="$OUT/data-$ttl"
  mkdir -p "$DATA"
  export POSTKONTOR_DATA_DIR="$DATA" POSTKONTOR_SMTP_BIND=127.0.0.1 POSTKONTOR_SMTP_PORT=21025 \
    POSTKONTOR_POP3_BIND=127.0.0.1 POSTKONTOR_POP3_PORT=21110 POSTKONTOR_POP3_TLS_PORT=21995 \
    POSTKONTOR_HTTP_PORT=21080 POSTKONTOR_ADMIN_PORT=21081 \
    POSTKONTOR_SMTP_MAX_CONNECTIONS=1000 POSTKONTOR_SMTP_MAX_CONNECTIONS_PER_IP=1000 \
    POSTKONTOR_POP3_MAX_CONNECTIONS=1000 POSTKONTOR_POP3_MAX_CONNECTIONS_PER_ADDRESS=1000 \
    POSTKONTOR_LOG_LEVEL=WARN POSTKONTOR_AUTH_CACHE_TTL="$ttl"
  "$JAVA" -jar deploy/target/postkontor.jar admin domain add example.test >/dev/null
  for ((i = 0; i < MAILBOXES; i++)); do
    printf '%s\n' "$PASSWORD" | "$JAVA" -jar deploy/target/postkontor.jar admin user add "bench$i@example.test" \
      --password-stdin >/dev/null
  done
  "$JAVA" --enable-native-access=ALL-UNNAMED -jar deploy/target/postkontor.jar run >"$OUT/postkontor-$ttl.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 120); do (exec 3<>/dev/tcp/127.0.0.1/21995) 2>/dev/null && break; sleep 0.5; done
  for clients in 8 32; do
    "${BENCH[@]}" smtp --smtp-port 21025 --mailboxes $MAILBOXES --clients $clients --messages 2000 --size 4096 >/dev/null
    "${BENCH[@]}" count --pop3-port 21995 --tls --password $PASSWORD --mailboxes $MAILBOXES --expect 2000 \
      --timeout 300 >/dev/null
    echo "ttl=$ttl $("${BENCH[@]}" pop3 --pop3-port 21995 --tls --password $PASSWORD --mailboxes $MAILBOXES \
      --clients $clients | tail -1)"
  done
  echo "ttl=$ttl $(logins 21995 $PASSWORD $MAILBOXES 8 400)"
  curl -s http://127.0.0.1:21080/metrics | grep '^postkontor_store_auth_cache' | sed "s/^/ttl=$ttl /"
  cleanup
  pid=""
done
rm -rf "$OUT"
