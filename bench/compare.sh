#!/usr/bin/env bash
# Side-by-side benchmark, in one run: Postkontor against a local Postfix + Dovecot
# (../shared/bench/peer-stack.sh, Postfix's default durability), both on loopback, both driven by
# bench/MailBench.java the same way. Prints one results line per measurement and a ratio table.
#
#   bench/compare.sh                       full run (8 and 32 clients, 4 KiB and 64 KiB, drain, idle)
#   MESSAGES=500 IDLE=2000 bench/compare.sh   smaller run (IDLE_HOLD=30: seconds the idle
#                                            connections are held before RSS is read;
#                                            WARMUP=2000: messages sent and drained first, unmeasured)
#
# Needs root (the peer stack installs Debian's postfix and dovecot and binds 2525/1110/1995).
# Postkontor runs through ./postkontor (deploy/target/postkontor.jar with the shipped JVM options) on
# 127.0.0.1 ports 20025/20110/20995 with its data in a temp directory; it is stopped by its PID at
# the end.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
. scripts/jdk.sh
PEER=${PEER_STACK:-$here/../shared/bench/peer-stack.sh}
MESSAGES=${MESSAGES:-2000}
MAILBOXES=${MAILBOXES:-32}
IDLE=${IDLE:-10000}
PASSWORD=bench-password-1
JAVA="$JAVA_HOME/bin/java"
BENCH=("$JAVA" "$here/bench/MailBench.java")
OUT=$(mktemp -d /tmp/postkontor-compare.XXXXXX)
DATA="$OUT/data"
pk_pid=""

cleanup() {
  if [ -n "$pk_pid" ] && kill -0 "$pk_pid" 2>/dev/null; then kill "$pk_pid"; wait "$pk_pid" 2>/dev/null || true; fi
  bash "$PEER" stop >/dev/null 2>&1 || true
}
trap cleanup EXIT

[ -f deploy/target/postkontor.jar ] || mvn -B -q -ntp package -DskipTests
pk() { "$JAVA" -jar deploy/target/postkontor.jar "$@"; }
export POSTKONTOR_DATA_DIR="$DATA" POSTKONTOR_SMTP_BIND=127.0.0.1 POSTKONTOR_SMTP_PORT=20025 \
  POSTKONTOR_POP3_BIND=127.0.0.1 POSTKONTOR_POP3_PORT=20110 POSTKONTOR_POP3_TLS_PORT=20995 \
  POSTKONTOR_HTTP_PORT=20080 POSTKONTOR_ADMIN_PORT=20081 \
  POSTKONTOR_SMTP_MAX_CONNECTIONS=1000 POSTKONTOR_SMTP_MAX_CONNECTIONS_PER_IP=1000 \
  POSTKONTOR_POP3_MAX_CONNECTIONS=$((IDLE + 100)) POSTKONTOR_POP3_MAX_CONNECTIONS_PER_ADDRESS=$((IDLE + 100)) \
  POSTKONTOR_LOG_LEVEL=WARN

echo "== setting up both servers ($MAILBOXES mailboxes each)" >&2
bash "$PEER" start >/dev/null
bash "$PEER" purge >/dev/null   # mail left by an earlier run would make the counts wrong
mkdir -p "$DATA"
pk admin domain add example.test >/dev/null
for ((i = 0; i < MAILBOXES; i++)); do
  bash "$PEER" adduser "bench$i@example.test" "$PASSWORD" >/dev/null
  printf '%s\n' "$PASSWORD" | pk admin user add "bench$i@example.test" --password-stdin >/dev/null
done
# Started as an admin starts it: ./postkontor, with the shipped JVM options (deploy/docker/jvm.options)
# and the start-up cache; POSTKONTOR_JAVA_OPTS is passed through.
"$here/postkontor" run >"$OUT/postkontor.log" 2>&1 &
pk_pid=$!
for _ in $(seq 1 360); do (exec 3<>/dev/tcp/127.0.0.1/20995) 2>/dev/null && break; sleep 0.5; done

# server NAME: ports for that server
ports() { if [ "$1" = postkontor ]; then echo "20025 20995 20110"; else echo "2525 1995 1110"; fi; }

# cpu_ticks SERVER: CPU time (clock ticks, user + system) used so far by the server's processes:
# the appliance's JVM; Postfix's and Dovecot's master processes with every live descendant, plus
# what their exited children used (a master reaps its children, so that is in its cutime/cstime).
cpu_ticks() {
  local roots
  if [ "$1" = postkontor ]; then roots=$pk_pid; else roots=$(bash "$PEER" pids | tr ' ' '\n' | sed 's/.*=//'); fi
  python3 - $roots <<'PY'
import os, sys
children, stat = {}, {}
for d in os.listdir('/proc'):
    if not d.isdigit():
        continue
    try:
        f = open(f'/proc/{d}/stat').read().rsplit(')', 1)[1].split()
    except OSError:
        continue
    stat[int(d)] = f
    children.setdefault(int(f[1]), []).append(int(d))
total, todo = 0, [int(r) for r in sys.argv[1:]]
while todo:
    p = todo.pop()
    if p in stat:
        f = stat[p]  # fields after the name: state ppid ... utime(12) stime(13) cutime(14) cstime(15)
        total += int(f[11]) + int(f[12]) + (int(f[13]) + int(f[14]) if str(p) in sys.argv[1:] else 0)
        todo.extend(children.get(p, []))
print(total)
PY
}
TICK_MS=$((1000 / $(getconf CLK_TCK)))

results="$OUT/results.txt"
: >"$results"
run() { # server label args...
  local server=$1 label=$2; shift 2
  local line
  line=$("${BENCH[@]}" "$@" 2>>"$OUT/bench-errors.log" | tail -1) || true
  echo "server=$server case=$label $line" | tee -a "$results"
}

# Warm-up, not measured: both servers take WARMUP messages (8 clients, 4 KiB) and have them drained
# over POP3S, so that the measured cases see servers as they run in production (Postkontor's JIT
# compiled, both with their caches and files in use) and not a JVM's first seconds.
WARMUP=${WARMUP:-2000}
if [ "$WARMUP" -gt 0 ]; then
  echo "== warm-up: $WARMUP messages to each server, then drained (not measured)" >&2
  for server in postkontor peer; do
    read -r smtp pop3s _ <<<"$(ports $server)"
    "${BENCH[@]}" smtp --smtp-port "$smtp" --mailboxes "$MAILBOXES" --clients 8 --messages "$WARMUP" \
      --size 4096 --first-id 900000 >/dev/null 2>>"$OUT/bench-errors.log" || echo "warning: $server warm-up had errors" >&2
    "${BENCH[@]}" count --pop3-port "$pop3s" --tls --password "$PASSWORD" --mailboxes "$MAILBOXES" \
      --expect "$WARMUP" --timeout 300 >/dev/null || echo "warning: $server did not deliver all of the warm-up" >&2
    "${BENCH[@]}" pop3 --pop3-port "$pop3s" --tls --password "$PASSWORD" --mailboxes "$MAILBOXES" \
      --clients 8 >/dev/null 2>>"$OUT/bench-errors.log" || echo "warning: $server warm-up drain had errors" >&2
  done
fi

for size in 4096 65536; do
  for clients in 8 32; do
    for server in postkontor peer; do
      read -r smtp pop3s _ <<<"$(ports $server)"
      t0=$(cpu_ticks "$server")
      run "$server" "smtp-c$clients-s$size" smtp --smtp-port "$smtp" --mailboxes "$MAILBOXES" \
        --clients "$clients" --messages "$MESSAGES" --size "$size"
      # Postfix hands mail to Dovecot after its 250: wait until everything is in the mailboxes.
      "${BENCH[@]}" count --pop3-port "$pop3s" --tls --password "$PASSWORD" --mailboxes "$MAILBOXES" \
        --expect "$MESSAGES" --timeout 300 >/dev/null || echo "warning: $server did not deliver all" >&2
      # server CPU per message, until the messages are in the mailboxes (Postfix's hand-over to
      # Dovecot included; both pay the same 32 POP3 logins of the count)
      t1=$(cpu_ticks "$server")
      echo "server=$server case=smtp-c$clients-s$size cpu_ms_per_msg=$(python3 -c "print(round(($t1 - $t0) * $TICK_MS / $MESSAGES, 3))")" | tee -a "$results"
      run "$server" "pop3-c$clients-s$size" pop3 --pop3-port "$pop3s" --tls --password "$PASSWORD" \
        --mailboxes "$MAILBOXES" --clients "$clients"
      t2=$(cpu_ticks "$server")
      echo "server=$server case=pop3-c$clients-s$size cpu_ms_per_msg=$(python3 -c "print(round(($t2 - $t1) * $TICK_MS / $MESSAGES, 3))")" | tee -a "$results"
    done
  done
done

# The connections are held IDLE_HOLD seconds (30) before RSS is read: right after the drains the
# heap is still the load's; the appliance's periodic collection gives it back ~10 s after its last
# collection (deploy/docker/jvm.options).
run postkontor "idle-$IDLE" idle --pop3-port 20110 --connections "$IDLE" --server-pid "$pk_pid" --hold "${IDLE_HOLD:-30}"

echo
echo "Ratios (Postkontor / Postfix+Dovecot; above 1 means Postkontor is better for rates, below 1 for latency):"
python3 - "$results" <<'PY'
import sys, re
rows = {}
for line in open(sys.argv[1]):
    kv = dict(re.findall(r'(\S+?)=(\S+)', line))
    rows.setdefault((kv['server'], kv['case']), {}).update(kv)
cases = sorted({c for (_, c) in rows if not c.startswith('idle')})
print(f"{'case':<22}{'metric':<12}{'postkontor':>12}{'peer':>12}{'ratio':>8}")
for c in cases:
    a, b = rows.get(('postkontor', c), {}), rows.get(('peer', c), {})
    for m in ('msgs_per_s', 'mb_per_s', 'p50_ms', 'p99_ms', 'cpu_ms_per_msg'):
        if m in a and m in b:
            x, y = float(a[m]), float(b[m])
            print(f"{c:<22}{m:<12}{x:>12.1f}{y:>12.1f}{(x / y if y else float('nan')):>8.2f}")
for (s, c), kv in rows.items():
    if c.startswith('idle'):
        print(f"{c:<22}{'rss_mib':<12}{kv.get('rss_after_mib', '?'):>12}{'-':>12}{'-':>8}  (greeted={kv.get('greeted')})")
PY
echo "(raw lines: $results; Postkontor log: $OUT/postkontor.log)"
