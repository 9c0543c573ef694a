#!/usr/bin/env bash
# The postgresql backend measured, in one run: one embedded node, one node on PostgreSQL, and three
# nodes on PostgreSQL behind HAProxy (PROXY v2, /health/ready checks), each driven by
# bench/MailBench.java the same way, configuration by configuration.
#
#   bench/cluster.sh                      every configuration, pinned (the default)
#   CONFIGS="embedded pg1" bench/cluster.sh
#   MESSAGES=500 WARMUP=2000 bench/cluster.sh
#
# Pinned: every server process (the appliance JVMs, PostgreSQL with all its backends, HAProxy) on
# CPU $SERVER_CPU (0), the load tool on CPU $LOAD_CPU (1): on this 2-core machine three nodes then
# share one core with their database, so the three-node rows show the cost of the cluster, not a
# gain. CPU per message counts every server process (PostgreSQL's exited backends included), and
# db_cpu_ms_per_msg PostgreSQL's share of it. For
# the PostgreSQL configurations each SMTP case also reports the WAL written per message
# (pg_current_wal_lsn before and after) and the database's commits per message.
#
# PostgreSQL 15 (Debian's) runs as a throw-away cluster with its defaults (fsync on,
# synchronous_commit on, shared_buffers 128 MB) on 127.0.0.1:25432, as the postgres user (run
# this as root). Cases: SMTP 8 clients x 4 KiB, 32 clients x 64 KiB; a POP3 drain, 8 clients x
# 16 KiB. Every body is checked byte for byte when drained. Everything is stopped by its PID.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
. scripts/jdk.sh
MESSAGES=${MESSAGES:-2000}
MAILBOXES=${MAILBOXES:-32}
WARMUP=${WARMUP:-10000}
CONFIGS=${CONFIGS:-embedded pg1 pg3}
PIN=${PIN:-1}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
PASSWORD=bench-password-1
PG_PORT=25432
JAVA="$JAVA_HOME/bin/java"
OUT=$(mktemp -d /tmp/postkontor-cluster.XXXXXX)
chmod 755 "$OUT"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
node_pids=() pg_pid="" lb_pid=""

server_pin=() load_pin=()
if [ "$PIN" = 1 ]; then server_pin=(taskset -c "$SERVER_CPU"); load_pin=(taskset -c "$LOAD_CPU"); fi

stop_nodes() {
  for p in "${node_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${node_pids[@]}"; do while kill -0 "$p" 2>/dev/null; do sleep 0.2; done; done
  node_pids=()
  if [ -n "$lb_pid" ]; then kill "$lb_pid" 2>/dev/null || true; wait "$lb_pid" 2>/dev/null || true; lb_pid=""; fi
}
stop_pg() {
  if [ -n "$pg_pid" ]; then kill -INT "$pg_pid" 2>/dev/null || true; while kill -0 "$pg_pid" 2>/dev/null; do sleep 0.2; done; pg_pid=""; fi
}
cleanup() { stop_nodes; stop_pg; }
trap cleanup EXIT

[ -f deploy/target/postkontor.jar ] || mvn -B -q -ntp package -DskipTests
"$JAVA_HOME/bin/javac" -d "$OUT/classes" -sourcepath bench bench/MailBench.java
BENCH=("${load_pin[@]}" "$JAVA" -cp "$OUT/classes" MailBench)
bench() { "${BENCH[@]}" "$@" 2>>"$OUT/bench-errors.log" | tail -1; }
psql_() { "$PGBIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postkontor -qtAc "$1"; }

start_pg() {
  install -d -o postgres -m 700 "$OUT/pg"
  setpriv --reuid=postgres --regid=postgres --init-groups -- "$PGBIN/initdb" -D "$OUT/pg/data" -U postgres \
    --auth=trust -E UTF8 --locale=C >/dev/null
  "${server_pin[@]}" setpriv --reuid=postgres --regid=postgres --init-groups -- "$PGBIN/postgres" -D "$OUT/pg/data" \
    -p "$PG_PORT" -c listen_addresses=127.0.0.1 -c unix_socket_directories="$OUT/pg" -c max_connections=200 \
    >"$OUT/pg/log" 2>&1 &
  pg_pid=$!
  for _ in $(seq 1 100); do "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" && break; sleep 0.2; done
  "$PGBIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE postkontor" >/dev/null
}

# env for node I of configuration C
node_env() {
  local c=$1 i=$2
  env=(POSTKONTOR_DATA_DIR="$OUT/$c/node$i" POSTKONTOR_LOG_LEVEL=WARN POSTKONTOR_POP3_ALLOW_PLAINTEXT_AUTH_LOOPBACK=true
       POSTKONTOR_SMTP_BIND=127.0.0.1 POSTKONTOR_POP3_BIND=127.0.0.1 POSTKONTOR_SUBMISSION_ENABLED=false
       POSTKONTOR_HTTP_BIND=127.0.0.1 POSTKONTOR_ADMIN_BIND=127.0.0.1
       POSTKONTOR_SMTP_MAX_CONNECTIONS=500 POSTKONTOR_SMTP_MAX_CONNECTIONS_PER_IP=500
       POSTKONTOR_POP3_MAX_CONNECTIONS=500 POSTKONTOR_POP3_MAX_CONNECTIONS_PER_ADDRESS=500)
  if [ "$c" = pg3 ]; then
    env+=(POSTKONTOR_SMTP_PORT=$((21025 + 100 * i)) POSTKONTOR_POP3_PORT=$((21110 + 100 * i))
          POSTKONTOR_POP3_TLS_PORT=$((21995 + 100 * i)) POSTKONTOR_HTTP_PORT=$((21080 + 100 * i))
          POSTKONTOR_ADMIN_PORT=$((21081 + 100 * i)) POSTKONTOR_SMTP_PROXY_PROTOCOL=true POSTKONTOR_POP3_PROXY_PROTOCOL=true)
  else
    env+=(POSTKONTOR_SMTP_PORT=20025 POSTKONTOR_POP3_PORT=20110 POSTKONTOR_POP3_TLS_PORT=20995
          POSTKONTOR_HTTP_PORT=20080 POSTKONTOR_ADMIN_PORT=20081)
  fi
  if [ "$c" != embedded ]; then
    env+=(POSTKONTOR_STORE_BACKEND=postgresql POSTKONTOR_STORE_JDBC_URL="jdbc:postgresql://127.0.0.1:$PG_PORT/postkontor?currentSchema=$c"
          POSTKONTOR_STORE_JDBC_USER=postgres)
  fi
}

start_config() {
  local c=$1 n=1
  [ "$c" != pg3 ] || n=3
  if [ "$c" != embedded ]; then psql_ "CREATE SCHEMA $c"; fi
  node_env "$c" 0
  mkdir -p "$OUT/$c/node0"
  env "${env[@]}" "$JAVA" -jar deploy/target/postkontor.jar admin domain add example.test >/dev/null
  for ((m = 0; m < MAILBOXES; m++)); do
    printf '%s\n' "$PASSWORD" | env "${env[@]}" "$JAVA" -jar deploy/target/postkontor.jar admin user add \
      "bench$m@example.test" --password-stdin >/dev/null
  done
  for ((i = 0; i < n; i++)); do
    node_env "$c" "$i"
    mkdir -p "$OUT/$c/node$i"
    env "${env[@]}" "${server_pin[@]}" "$here/postkontor" run >"$OUT/$c/node$i.log" 2>&1 &
    node_pids+=($!)
  done
  for ((i = 0; i < n; i++)); do
    local http=20080; [ "$c" != pg3 ] || http=$((21080 + 100 * i))
    for _ in $(seq 1 360); do curl -sf "http://127.0.0.1:$http/health/ready" >/dev/null && break; sleep 0.5; done
  done
  if [ "$c" = pg3 ]; then
    {
      printf 'global\n    maxconn 4000\ndefaults\n    mode tcp\n    timeout connect 2s\n    timeout client 120s\n'
      printf '    timeout server 120s\n    retries 3\n    option redispatch\n    option httpchk GET /health/ready\n'
      printf '    default-server inter 1s fall 2 rise 2\n'
      for svc in smtp:20025:21025 pop3:20110:21110 pop3s:20995:21995; do
        IFS=: read -r name front back <<<"$svc"
        printf 'frontend %s\n    bind 127.0.0.1:%s\n    default_backend %s_nodes\nbackend %s_nodes\n    balance roundrobin\n' \
          "$name" "$front" "$name" "$name"
        for i in 0 1 2; do
          printf '    server node%s 127.0.0.1:%s send-proxy-v2 check port %s\n' "$i" $((back + 100 * i)) $((21080 + 100 * i))
        done
      done
    } >"$OUT/haproxy.cfg"
    "${server_pin[@]}" /usr/sbin/haproxy -db -f "$OUT/haproxy.cfg" >"$OUT/haproxy.log" 2>&1 &
    lb_pid=$!
    for _ in $(seq 1 50); do (exec 3<>/dev/tcp/127.0.0.1/20025) 2>/dev/null && break; sleep 0.2; done
    sleep 3 # every node's check up
  fi
}

roots() {
  local r=("${node_pids[@]}")
  [ -z "$lb_pid" ] || r+=("$lb_pid")
  [ "$1" = embedded ] || r+=("$pg_pid")
  (IFS=,; echo "${r[*]}")
}
cpu_ticks() { python3 "$here/bench/cpu-ticks.py" "$1" | cut -d" " -f1; }
TICK_MS=$((1000 / $(getconf CLK_TCK)))
per_msg() { python3 -c "print(round(($2 - $1) * $TICK_MS / $3, 3))"; }
db_ticks() { if [ "$1" = embedded ]; then echo 0; else cpu_ticks "$pg_pid"; fi; }
wal() { if [ "$1" = embedded ]; then echo 0; else psql_ "SELECT pg_current_wal_lsn() - '0/0'::pg_lsn"; fi; }
commits() { if [ "$1" = embedded ]; then echo 0; else psql_ "SELECT xact_commit FROM pg_stat_database WHERE datname = 'postkontor'"; fi; }

results="$OUT/results.txt"
: >"$results"
record() { echo "$*" | tee -a "$results"; }
drain() { bench pop3 --pop3-port 20110 --password "$PASSWORD" --mailboxes "$MAILBOXES" --clients 8 --expect "$1" >/dev/null \
  || echo "warning: drain had errors or found other than $1 messages" >&2; }
fill() { bench smtp --smtp-port 20025 --mailboxes "$MAILBOXES" --clients 8 --messages "$1" --size "$2" >/dev/null \
  || echo "warning: fill had errors" >&2; }

start_pg
for c in $CONFIGS; do
  echo "== $c: setting up" >&2
  start_config "$c"
  if [ "$WARMUP" -gt 0 ]; then
    echo "== $c: warm-up, $WARMUP messages in and drained (not measured)" >&2
    fill "$WARMUP" 4096; drain "$WARMUP"
  fi
  for spec in 8:4096 32:65536; do
    IFS=: read -r clients size <<<"$spec"
    t0=$(cpu_ticks "$(roots "$c")"); d0=$(db_ticks "$c"); w0=$(wal "$c"); x0=$(commits "$c")
    line=$(bench smtp --smtp-port 20025 --mailboxes "$MAILBOXES" --clients "$clients" --messages "$MESSAGES" --size "$size") || true
    t1=$(cpu_ticks "$(roots "$c")"); d1=$(db_ticks "$c"); w1=$(wal "$c"); x1=$(commits "$c")
    record "config=$c case=smtp-c$clients-s$size $line cpu_ms_per_msg=$(per_msg "$t0" "$t1" "$MESSAGES")" \
      "db_cpu_ms_per_msg=$(per_msg "$d0" "$d1" "$MESSAGES")" \
      "wal_kib_per_msg=$(python3 -c "print(round(($w1 - $w0) / 1024 / $MESSAGES, 1))")" \
      "commits_per_msg=$(python3 -c "print(round(($x1 - $x0) / $MESSAGES, 2))")"
    drain "$MESSAGES"
  done
  fill "$MESSAGES" 16384
  t0=$(cpu_ticks "$(roots "$c")"); d0=$(db_ticks "$c"); x0=$(commits "$c")
  line=$(bench pop3 --pop3-port 20110 --password "$PASSWORD" --mailboxes "$MAILBOXES" --clients 8 --expect "$MESSAGES") || true
  t1=$(cpu_ticks "$(roots "$c")"); d1=$(db_ticks "$c"); x1=$(commits "$c")
  record "config=$c case=pop3-plain-c8-s16384 $line cpu_ms_per_msg=$(per_msg "$t0" "$t1" "$MESSAGES")" \
    "db_cpu_ms_per_msg=$(per_msg "$d0" "$d1" "$MESSAGES")" \
    "commits_per_msg=$(python3 -c "print(round(($x1 - $x0) / $MESSAGES, 2))")"
  stop_nodes
done

echo
echo "Postkontor $(git rev-parse --short HEAD): embedded, one node on PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}'), three nodes behind HAProxy; pinned=$PIN, $(nproc) cores:"
python3 - "$results" <<'PY'
import sys, re
rows, cases, configs = {}, [], []
for line in open(sys.argv[1]):
    kv = dict(re.findall(r'(\S+?)=(\S+)', line))
    rows[(kv['config'], kv['case'])] = kv
    if kv['case'] not in cases:
        cases.append(kv['case'])
    if kv['config'] not in configs:
        configs.append(kv['config'])
metrics = ['msgs_per_s', 'p50_ms', 'p99_ms', 'retr_p50_ms', 'cpu_ms_per_msg', 'db_cpu_ms_per_msg', 'wal_kib_per_msg',
           'commits_per_msg']
print('| case | metric | ' + ' | '.join(configs) + ' |')
print('|---|---|' + '---:|' * len(configs))
for c in cases:
    for m in metrics:
        vals = [rows.get((k, c), {}).get(m) for k in configs]
        if any(v is not None for v in vals):
            print(f'| {c} | {m} | ' + ' | '.join(v if v is not None else '' for v in vals) + ' |')
    for k in ('errors', 'missing', 'mismatches', 'not_empty', 'failed'):
        for cfg in configs:
            v = rows.get((cfg, c), {}).get(k, '0')
            if v not in ('0', '-1'):
                print(f'| {c} | {k} ({cfg}) | {v} |')
PY
echo "(raw lines: $results; logs under $OUT)"
