#!/usr/bin/env bash
# Restart time and index memory of the appliance as the spool grows: for each size, a data
# directory with that many 4 KiB messages for 1,000 users (SpoolFill: written straight into the
# spool's format), then the appliance as shipped (./postkontor run: deploy/docker/jvm.options,
# 512 MiB heap cap, start-up cache) is started and timed until both SMTP (220) and POP3S (+OK)
# answer:
#   first      the first start on the filled spool: no catalog yet, every body's record is read
#   sigkill    after kill -9 of a running appliance (the catalog its start wrote is there)
#   sigkill-nocatalog  after kill -9, with the catalog deleted too (every body read: the worst case)
#   clean      after SIGTERM (a clean stop writes the catalog)
# and the heap the index holds is read after a full GC (jcmd GC.heap_info, used after - used of an
# empty spool, per message).
#
#   bench/restart.sh                  10,000 and 100,000 messages
#   SIZES="1000000" MSG_SIZE=100 bench/restart.sh   a million small messages under the 512 MiB cap
#
# Ports 22025/22995/22080/22081 on 127.0.0.1; data under a temp directory, removed at the end.
# Run it alone on the machine.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
. scripts/jdk.sh
SIZES=${SIZES:-"10000 100000"}
MSG_SIZE=${MSG_SIZE:-4096}
OUT=$(mktemp -d /tmp/postkontor-restart.XXXXXX)
app_pid=""
cleanup() {
  if [ -n "$app_pid" ] && kill -0 "$app_pid" 2>/dev/null; then kill -9 "$app_pid"; fi
  rm -rf "$OUT"
}
trap cleanup EXIT

mvn -B -q -ntp package -DskipTests >/dev/null
mvn -B -q -ntp -o -pl store dependency:build-classpath -Dmdep.outputFile="$OUT/cp.txt" -Dmdep.includeScope=test >/dev/null
CP="store/target/classes:store/target/test-classes:$(cat "$OUT/cp.txt")"
export POSTKONTOR_SMTP_BIND=127.0.0.1 POSTKONTOR_SMTP_PORT=22025 POSTKONTOR_POP3_BIND=127.0.0.1 \
  POSTKONTOR_POP3_PORT=22110 POSTKONTOR_POP3_TLS_PORT=22995 POSTKONTOR_HTTP_PORT=22080 \
  POSTKONTOR_ADMIN_PORT=22081 POSTKONTOR_STORE_FREE_DISK_RESERVE=0 POSTKONTOR_LOG_LEVEL=INFO

now_ms() { date +%s%3N; }

# waits until both SMTP's 220 and POP3S's +OK greeting are read (one poller, every 10 ms, so that
# the poller's own start-up is not in the figure) and prints that moment in epoch milliseconds
serving_at() {
  python3 - "$1" <<'PY'
import socket, ssl, sys, time, os
pid = int(sys.argv[1])
c = ssl.create_default_context(); c.check_hostname = False; c.verify_mode = ssl.CERT_NONE
def greets():
    try:
        s = socket.create_connection(("127.0.0.1", 22025), timeout=2); ok = s.recv(64).startswith(b"220"); s.close()
        if not ok:
            return False
        t = c.wrap_socket(socket.create_connection(("127.0.0.1", 22995), timeout=2)); ok = t.recv(64).startswith(b"+OK"); t.close()
        return ok
    except Exception:
        return False
for _ in range(12000):
    if greets():
        print(int(time.time() * 1000)); sys.exit(0)
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit(2)
    time.sleep(0.01)
sys.exit(1)
PY
}

# start DATA: runs the appliance in the background (its PID in app_pid), sets ms to the time
# until it serves
start() {
  local t0 t1 rc
  t0=$(now_ms)
  POSTKONTOR_DATA_DIR="$1" ./postkontor run >>"$OUT/app.log" 2>&1 &
  app_pid=$!
  rc=0
  t1=$(serving_at "$app_pid") || rc=$?
  case $rc in
    0) ms=$((t1 - t0)) ;;
    2) echo "the appliance exited; see $OUT/app.log" >&2; exit 1 ;;
    *) echo "the appliance did not serve within 120 s" >&2; exit 1 ;;
  esac
}

heap_used_kib() {
  local pid=$1
  "$JAVA_HOME/bin/jcmd" "$pid" GC.run >/dev/null
  "$JAVA_HOME/bin/jcmd" "$pid" GC.heap_info | awk '/garbage-first heap/ {for (i=1;i<=NF;i++) if ($i=="used") {v=$(i+1); gsub(/[K,]/,"",v); print v}}'
}

# the empty spool's heap, as the baseline
mkdir -p "$OUT/empty"
"$JAVA_HOME/bin/java" -cp "$CP" org.postkontor.store.internal.mail.SpoolFill "$OUT/empty" 0 1000 "$MSG_SIZE" >/dev/null
start "$OUT/empty"
base=$(heap_used_kib "$app_pid")
kill "$app_pid"; wait "$app_pid" || true

printf '%-10s %-18s %8s\n' messages case ms
for n in $SIZES; do
  d="$OUT/spool-$n"
  "$JAVA_HOME/bin/java" -cp "$CP" org.postkontor.store.internal.mail.SpoolFill "$d" "$n" 1000 "$MSG_SIZE" >&2
  start "$d"; printf '%-10s %-18s %8s\n' "$n" first "$ms"
  used=$(heap_used_kib "$app_pid")
  echo "$n messages: heap used after GC $((used / 1024)) MiB (empty spool: $((base / 1024)) MiB): $(( (used - base) * 1024 / n )) bytes per message" >&2
  kill -9 "$app_pid"; wait "$app_pid" 2>/dev/null || true
  start "$d"; printf '%-10s %-18s %8s\n' "$n" sigkill "$ms"
  kill -9 "$app_pid"; wait "$app_pid" 2>/dev/null || true
  rm -f "$d/index/spool.catalog"
  start "$d"; printf '%-10s %-18s %8s\n' "$n" sigkill-nocatalog "$ms"
  kill "$app_pid"; wait "$app_pid" || true
  start "$d"; printf '%-10s %-18s %8s\n' "$n" clean "$ms"
  kill "$app_pid"; wait "$app_pid" || true
  grep -h "mail index built" "$OUT/app.log" | tail -4 | sed 's/^.*mail index built/  mail index built/' >&2 || true
  rm -rf "$d"
done
