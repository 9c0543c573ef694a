#!/usr/bin/env bash
# Side-by-side benchmark, in one run: Postkontor against a local Postfix + Dovecot
# (../shared/bench/peer-stack.sh, Postfix's default durability, the peer's high-connection profile),
# both on loopback, both driven by bench/MailBench.java the same way, case by case in turn.
# Prints one results line per measurement and, at the end, the table BENCHMARKS.md opens with.
#
#   bench/compare.sh                     every case, pinned (the default)
#   PIN=0 bench/compare.sh               unpinned: servers and load tool share every core
#   CASES="smtp pop3" bench/compare.sh   a subset of: smtp pop3 handshake idle
#   MESSAGES=500 POP3_MESSAGES=500 BIG=50 bench/compare.sh   smaller run
#   PRE=0 WARMUP_HANDSHAKES=500 WARMUP_SESSIONS=0 bench/compare.sh   no unmeasured first run per case,
#                                        a short TLS warm-up
#
# Pinned mode: each server with all its processes on CPU $SERVER_CPU (0), the load tool on CPU
# $LOAD_CPU (1), so a ratio says how much work each server does per message and not who wins the
# fight with the load tool. Every case reports server CPU per message (user + system time of the
# appliance's JVM; of Postfix's and Dovecot's masters with every descendant, exited ones included).
#
# Cases: SMTP 1, 8, 32 clients at 4 KiB, 64 KiB and 1 MiB; POP3 drain (USER/PASS, STAT, LIST, UIDL,
# RETR and DELE of every message, QUIT) 1 and 8 clients at 16 KiB and 1 MiB, plain and TLS; TLS
# handshakes per second on the implicit-TLS POP3 port; idle connections (10,000 POP3, 2,000 SMTP).
# Every body is checked byte for byte when it is drained and every mailbox must be empty after a drain.
#
# Needs root (the peer stack installs Debian's postfix and dovecot and binds 2525/1110/1995).
# Postkontor runs through ./postkontor (deploy/target/postkontor.jar with the shipped JVM options)
# on 127.0.0.1 ports 20025/20110/20995 with its data in a temp directory; stopped by its PID.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
. scripts/jdk.sh
PEER=${PEER_STACK:-$here/../shared/bench/peer-stack.sh}
MESSAGES=${MESSAGES:-2000}      # per SMTP case at 4 and 64 KiB
POP3_MESSAGES=${POP3_MESSAGES:-8000} # per POP3 case at 16 KiB (2,000 drained in ~1 s: one collection or a JIT compilation in it moved a 1-client case by a fifth)
BIG=${BIG:-1000}                # per case at 1 MiB (200 measured only 0.5-1.5 s: the JIT and one collection swayed it)
MAILBOXES=${MAILBOXES:-32}
IDLE_POP3=${IDLE_POP3:-10000}
IDLE_SMTP=${IDLE_SMTP:-2000}
HANDSHAKES=${HANDSHAKES:-2000}
CASES=${CASES:-smtp pop3 handshake idle}
PIN=${PIN:-1}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
PASSWORD=bench-password-1
JAVA="$JAVA_HOME/bin/java"
OUT=$(mktemp -d /tmp/postkontor-compare.XXXXXX)
DATA="$OUT/data"
pk_pid=""
ulimit -n "$(ulimit -Hn)"   # 10,000 idle connections need as many descriptors on each side

server_pin=() load_pin=()
if [ "$PIN" = 1 ]; then server_pin=(taskset -c "$SERVER_CPU"); load_pin=(taskset -c "$LOAD_CPU"); fi

cleanup() {
  if [ -n "${load_pid:-}" ] && kill -0 "$load_pid" 2>/dev/null; then kill "$load_pid"; fi
  if [ -n "$pk_pid" ] && kill -0 "$pk_pid" 2>/dev/null; then kill "$pk_pid"; wait "$pk_pid" 2>/dev/null || true; fi
  bash "$PEER" stop >/dev/null 2>&1 || true
}
trap cleanup EXIT

[ -f deploy/target/postkontor.jar ] || mvn -B -q -ntp package -DskipTests
# The load tool compiled once, so that no case pays the source launcher's compilation.
"$JAVA_HOME/bin/javac" -d "$OUT/classes" -sourcepath bench bench/MailBench.java
BENCH=("${load_pin[@]}" "$JAVA" -cp "$OUT/classes" MailBench)

pk() { "$JAVA" -jar deploy/target/postkontor.jar "$@"; }
export POSTKONTOR_DATA_DIR="$DATA" POSTKONTOR_SMTP_BIND=127.0.0.1 POSTKONTOR_SMTP_PORT=20025 \
  POSTKONTOR_POP3_BIND=127.0.0.1 POSTKONTOR_POP3_PORT=20110 POSTKONTOR_POP3_TLS_PORT=20995 \
  POSTKONTOR_HTTP_PORT=20080 POSTKONTOR_ADMIN_PORT=20081 \
  POSTKONTOR_SMTP_MAX_CONNECTIONS=$((IDLE_SMTP + 100)) POSTKONTOR_SMTP_MAX_CONNECTIONS_PER_IP=$((IDLE_SMTP + 100)) \
  POSTKONTOR_POP3_MAX_CONNECTIONS=$((IDLE_POP3 + 100)) POSTKONTOR_POP3_MAX_CONNECTIONS_PER_ADDRESS=$((IDLE_POP3 + 100)) \
  POSTKONTOR_POP3_ALLOW_PLAINTEXT_AUTH_LOOPBACK=true POSTKONTOR_LOG_LEVEL=WARN

echo "== setting up both servers ($MAILBOXES mailboxes each; pinned=$PIN)" >&2
bash "$PEER" stop >/dev/null 2>&1 || true
# Postfix's and Dovecot's masters are started by the script, so they and every process they fork
# inherit the pinning.
PEER_PROFILE=highconn "${server_pin[@]}" bash "$PEER" start >/dev/null
bash "$PEER" purge >/dev/null   # mail left by an earlier run would make the counts wrong
mkdir -p "$DATA"
pk admin domain add example.test >/dev/null
for ((i = 0; i < MAILBOXES; i++)); do
  bash "$PEER" adduser "bench$i@example.test" "$PASSWORD" >/dev/null
  printf '%s\n' "$PASSWORD" | pk admin user add "bench$i@example.test" --password-stdin >/dev/null
done
# Started as an admin starts it: ./postkontor, with the shipped JVM options (deploy/docker/jvm.options)
# and the start-up cache; POSTKONTOR_JAVA_OPTS is passed through.
"${server_pin[@]}" "$here/postkontor" run >"$OUT/postkontor.log" 2>&1 &
pk_pid=$!
for _ in $(seq 1 360); do (exec 3<>/dev/tcp/127.0.0.1/20995) 2>/dev/null && break; sleep 0.5; done
peer_roots=$(bash "$PEER" pids | tr ' ' '\n' | sed 's/.*=//' | paste -sd,)

# ports SERVER: smtp pop3s pop3
ports() { if [ "$1" = postkontor ]; then echo "20025 20995 20110"; else echo "2525 1995 1110"; fi; }
roots() { if [ "$1" = postkontor ]; then echo "$pk_pid"; else echo "$peer_roots"; fi; }

# cpu_ticks SERVER: CPU time (clock ticks, user + system) used so far by the server's processes:
# the appliance's JVM; Postfix's and Dovecot's master processes with every live descendant, plus
# what their exited children used (a master reaps its children, so that is in its cutime/cstime).
cpu_ticks() { python3 "$here/bench/cpu-ticks.py" "$(roots "$1")"; }
# (then, on the same line, the part spent by a JVM's JIT compiler and garbage collector threads)
TICK_MS=$((1000 / $(getconf CLK_TCK)))
# per_msg "T0 JIT0 GC0" "T1 JIT1 GC1" N: the server's CPU per message, and the JIT's and GC's part of it
per_msg() {
  python3 -c "import sys; a, b = [list(map(int, x.split())) for x in sys.argv[1:3]]; n = int(sys.argv[3])
print(' '.join(f'{k}={round((y - x) * $TICK_MS / n, 3)}' for k, x, y in zip(('cpu_ms_per_msg', 'jit_ms_per_msg', 'gc_ms_per_msg'), a, b)))" "$1" "$2" "$3"
}

results="$OUT/results.txt"
: >"$results"
record() { echo "$*" | tee -a "$results"; }
# The load tool: one JVM for the whole run (MailBench serve), so that its JIT compiles the clients'
# code once and not in every case (a new JVM per case spent most of a TLS case compiling). bench
# ARGS runs one command in it: prints the command's result line; status 1 if it was not clean.
# Before each measured case the load tool rehearses it against servers of its own (bench rehearse,
# until its JIT is quiet); the servers' CPU is read around the measured run alone.
coproc LOAD { exec "${BENCH[@]}" serve 2>>"$OUT/bench-errors.log"; }
load_pid=$LOAD_PID
bench() {
  local line result="" status=1
  printf '%s\n' "$*" >&"${LOAD[1]}"
  while IFS= read -r line <&"${LOAD[0]}"; do
    if [[ $line == status=* ]]; then status=${line#status=}; break; fi
    result=$line
  done
  printf '%s\n' "$result"
  [ "$status" = 0 ]
}

# in_mailbox SERVER N: wait until N messages are in the server's mailboxes. Postkontor answers 250
# with the message in the mailbox (the drain that follows checks the count); Postfix hands it to
# Dovecot's LMTP after its 250, so the peer's Maildirs are counted from the file system (no server
# work), every 50 ms.
in_mailbox() {
  [ "$1" != postkontor ] || return 0
  local deadline=$((SECONDS + 300))
  while [ "$(find /var/vmail -path '*/Maildir/*' -type f \( -path '*/new/*' -o -path '*/cur/*' \) | wc -l)" -lt "$2" ]; do
    [ $SECONDS -lt $deadline ] || { echo "warning: $1 did not deliver all $2" >&2; return 1; }
    sleep 0.05
  done
}

# drain SERVER N: empty every mailbox, checking each body and that there were N (not measured)
drain() {
  read -r _ _ pop3 <<<"$(ports "$1")"
  bench pop3 --pop3-port "$pop3" --password "$PASSWORD" --mailboxes "$MAILBOXES" --clients 8 --expect "$2" --warm-ms 0 >/dev/null \
    || echo "warning: $1 drain had errors or found other than $2 messages" >&2
}

# fill SERVER N SIZE: N messages in through SMTP (8 clients) and wait until they are in the mailboxes
fill() {
  read -r smtp _ _ <<<"$(ports "$1")"
  bench smtp --smtp-port "$smtp" --mailboxes "$MAILBOXES" --clients 8 --messages "$2" --size "$3" --warm-ms 0 >/dev/null \
    || echo "warning: $1 fill had errors" >&2
  in_mailbox "$1" "$2" || true
}

# Every case first runs once unmeasured against the server under test at 1/PRE of its size, the
# same clients, sizes and protocol (PRE=0: not at all), as a benchmark harness runs warm-up
# iterations: the appliance's JIT still compiled in each new kind of case after the warm-up below
# (jit_ms_per_msg: 0.1 to 2 ms per message), work a server in service has long done. Postfix and
# Dovecot get the same first runs.
PRE=${PRE:-4}
pre() { [ "$PRE" -gt 0 ] && echo $(( ($1 + PRE - 1) / PRE )) || echo 0; }

smtp_case() { # SERVER CLIENTS SIZE N
  local server=$1 clients=$2 size=$3 n=$4 case="smtp-c$2-s$3" smtp line t0 t1 done_ms started rate m
  read -r smtp _ _ <<<"$(ports "$server")"
  m=$(pre "$n")
  if [ "$m" -gt 0 ]; then
    bench smtp --smtp-port "$smtp" --mailboxes "$MAILBOXES" --clients "$clients" --messages "$m" --size "$size" --warm-ms 0 >/dev/null \
      || echo "warning: $server's first run had errors" >&2
    in_mailbox "$server" "$m" || true
    drain "$server" "$m"
  fi
  bench rehearse smtp --clients "$clients" --size "$size" >/dev/null || echo "warning: the load tool failed its rehearsal" >&2
  t0=$(cpu_ticks "$server")
  line=$(bench smtp --smtp-port "$smtp" --mailboxes "$MAILBOXES" --clients "$clients" --messages "$n" --size "$size" --warm-ms 0) || true
  in_mailbox "$server" "$n" || true
  done_ms=$(date +%s%3N)
  t1=$(cpu_ticks "$server")
  started=$(sed -n 's/.*started_ms=\([0-9]*\).*/\1/p' <<<"$line")
  if [ "$server" = postkontor ]; then rate=$(sed -n 's/.*msgs_per_s=\([0-9.]*\).*/\1/p' <<<"$line")
  else rate=$(python3 -c "print(round($n / (($done_ms - ${started:-0}) / 1000), 1))"); fi
  record "server=$server case=$case $line in_mailbox_per_s=${rate:-0} $(per_msg "$t0" "$t1" "$n")"
  drain "$server" "$n"
}

pop3_case() { # SERVER CLIENTS SIZE N tls|plain
  local server=$1 clients=$2 size=$3 n=$4 mode=$5 case="pop3-$5-c$2-s$3" pop3s pop3 port flags=() t0 t1 line m
  read -r _ pop3s pop3 <<<"$(ports "$server")"
  if [ "$mode" = tls ]; then port=$pop3s; flags=(--tls); else port=$pop3; fi
  m=$(pre "$n")
  if [ "$m" -gt 0 ]; then
    fill "$server" "$m" "$size"
    bench pop3 --pop3-port "$port" "${flags[@]}" --password "$PASSWORD" --mailboxes "$MAILBOXES" --clients "$clients" --expect "$m" --warm-ms 0 >/dev/null \
      || echo "warning: $server's first run had errors" >&2
  fi
  fill "$server" "$n" "$size"
  bench rehearse pop3 "${flags[@]}" --clients "$clients" --size "$size" >/dev/null || echo "warning: the load tool failed its rehearsal" >&2
  t0=$(cpu_ticks "$server")
  line=$(bench pop3 --pop3-port "$port" "${flags[@]}" --password "$PASSWORD" --mailboxes "$MAILBOXES" --clients "$clients" --warm-ms 0 --expect "$n") || true
  t1=$(cpu_ticks "$server")
  record "server=$server case=$case $line $(per_msg "$t0" "$t1" "$n")"
}

# Warm-up, not measured: both servers take messages and have them drained, so that the measured
# cases see servers as they run in production (Postkontor's JIT compiled, both with their caches
# and files in use) and not a JVM's first seconds. 30,000 messages each way: after 4,000 the JIT
# compiler threads still took a third of the appliance's CPU in a measured SMTP case (JFR). Code
# run once per connection (the TLS handshake's key exchange, a login) is compiled only after
# thousands of connections (C2 after ~5,000–15,000 calls): with 500 handshakes of warm-up the
# first measured TLS drain spent 0.49 of its 0.83 ms per message compiling the JDK's elliptic-curve
# code (JFR: jdk.Compilation). So the warm-up opens WARMUP_HANDSHAKES TLS connections too, and
# WARMUP_SESSIONS POP3S sessions on empty mailboxes (login, STAT, LIST, UIDL, QUIT), in drains of
# MAILBOXES sessions each: with the handshakes alone the 1-client TLS drain still spent 0.01-0.16
# ms per message compiling code run once per session; with 4,000 sessions, 0.
WARMUP=${WARMUP:-30000}
WARMUP_HANDSHAKES=${WARMUP_HANDSHAKES:-15000}
WARMUP_SESSIONS=${WARMUP_SESSIONS:-4000}
if [ "$WARMUP" -gt 0 ]; then
  echo "== warm-up: $WARMUP messages to each server, drained plain and over TLS, $WARMUP_HANDSHAKES TLS connections and $WARMUP_SESSIONS POP3S sessions (not measured)" >&2
  for server in postkontor peer; do
    read -r _ pop3s _ <<<"$(ports $server)"
    fill "$server" "$WARMUP" 4096; drain "$server" "$WARMUP"
    fill "$server" "$WARMUP" 16384
    bench pop3 --pop3-port "$pop3s" --tls --password "$PASSWORD" --mailboxes "$MAILBOXES" --clients 8 --expect "$WARMUP" --warm-ms 0 >/dev/null || true
    bench handshake --pop3-port "$pop3s" --clients 8 --connections "$WARMUP_HANDSHAKES" --warm-ms 0 >/dev/null || true
    for ((k = 0; k < WARMUP_SESSIONS; k += MAILBOXES)); do
      bench pop3 --pop3-port "$pop3s" --tls --password "$PASSWORD" --mailboxes "$MAILBOXES" --clients 8 --expect 0 --warm-ms 0 >/dev/null || true
    done
  done
fi

if [[ " $CASES " == *" smtp "* ]]; then
  for size in 4096 65536 1048576; do
    for clients in 1 8 32; do
      n=$MESSAGES; [ "$size" -lt 1048576 ] || n=$BIG
      for server in postkontor peer; do smtp_case "$server" "$clients" "$size" "$n"; done
    done
  done
fi

if [[ " $CASES " == *" pop3 "* ]]; then
  for size in 16384 1048576; do
    for mode in plain tls; do
      for clients in 1 8; do
        n=$POP3_MESSAGES; [ "$size" -lt 1048576 ] || n=$BIG
        for server in postkontor peer; do pop3_case "$server" "$clients" "$size" "$n" "$mode"; done
      done
    done
  done
fi

if [[ " $CASES " == *" handshake "* ]]; then
  for server in postkontor peer; do
    read -r _ pop3s _ <<<"$(ports $server)"
    m=$(pre "$HANDSHAKES")
    [ "$m" -eq 0 ] || bench handshake --pop3-port "$pop3s" --clients 8 --connections "$m" --warm-ms 0 >/dev/null || true
    bench rehearse handshake --clients 8 >/dev/null || echo "warning: the load tool failed its rehearsal" >&2
    t0=$(cpu_ticks "$server")
    line=$(bench handshake --pop3-port "$pop3s" --clients 8 --connections "$HANDSHAKES" --warm-ms 0) || true
    t1=$(cpu_ticks "$server")
    record "server=$server case=tls-handshake $line $(per_msg "$t0" "$t1" "$HANDSHAKES")"
  done
fi

# Idle connections are held IDLE_HOLD seconds (30) before memory is read: right after the load the
# heap is still the load's; the appliance's periodic collection gives it back ~10 s after its last
# collection (deploy/docker/jvm.options). Memory: RSS of the appliance's JVM; for the peer the PSS
# summed over Postfix's or Dovecot's processes (each shared page counted once), and its RSS sum.
if [[ " $CASES " == *" idle "* ]]; then
  for server in postkontor peer; do
    read -r smtp _ pop3 <<<"$(ports $server)"
    record "server=$server case=idle-pop3-$IDLE_POP3 $(bench idle --pop3-port "$pop3" --connections "$IDLE_POP3" --server-pid "$(roots "$server")" --hold "${IDLE_HOLD:-30}")"
    record "server=$server case=idle-smtp-$IDLE_SMTP $(bench idle --smtp-port "$smtp" --connections "$IDLE_SMTP" --server-pid "$(roots "$server")" --hold "${IDLE_HOLD:-30}")"
  done
fi

echo
echo "Postkontor $(git rev-parse --short HEAD) against Postfix $(postconf -h mail_version 2>/dev/null) + Dovecot $(dovecot --version 2>/dev/null | cut -d' ' -f1), pinned=$PIN, $(nproc) cores:"
python3 - "$results" <<'PY'
import sys, re
rows, order = {}, []
for line in open(sys.argv[1]):
    kv = dict(re.findall(r'(\S+?)=(\S+)', line))
    key = (kv['server'], kv['case'])
    rows.setdefault(key, {}).update(kv)
    if kv['case'] not in order:
        order.append(kv['case'])
# metric, better when higher
metrics = [('in_mailbox_per_s', True), ('msgs_per_s', True), ('p50_ms', False), ('p99_ms', False),
           ('retr_p50_ms', False), ('handshakes_per_s', True), ('cpu_ms_per_msg', False),
           ('rss_after_mib', False), ('pss_after_mib', False), ('load_cpu_busy', None)]
print('| case | metric | Postkontor | Postfix + Dovecot | Postkontor / peer |')
print('|---|---|---:|---:|---:|')
for c in order:
    a, b = rows.get(('postkontor', c), {}), rows.get(('peer', c), {})
    for m, higher in metrics:
        if m in a and m in b:
            x, y = float(a[m]), float(b[m])
            r = x / y if y else float('nan')
            note = '' if higher else ' (lower is better)' if higher is False else ' (the load tool: 1.0 is its core)'
            print(f'| {c} | {m} | {x:g} | {y:g} | {r:.2f}{note} |')
    for k in ('errors', 'missing', 'mismatches', 'not_empty', 'failed'):
        for s, kv in (('postkontor', a), ('peer', b)):
            if kv.get(k, '0') not in ('0', '-1'):
                print(f'| {c} | {k} ({s}) | {kv[k]} | | |')
    for s, kv in (('postkontor', a), ('peer', b)):
        if 'greeted' in kv and kv['greeted'] != kv.get('connections'):
            print(f'| {c} | greeted ({s}) | {kv["greeted"]} of {kv.get("connections")} | | |')
PY
echo "(raw lines: $results; Postkontor log: $OUT/postkontor.log)"
