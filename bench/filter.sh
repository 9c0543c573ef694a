#!/usr/bin/env bash
# SMTP receive with and without inbound filtering, in one run: the same appliance build started
# twice on loopback (filter.rspamd-url empty, then pointing at a local rspamd), driven the same way
# by bench/MailBench.java. Prints one results line per case, then what filtering costs: messages
# per second, and the latency it adds to the reply to the end of data (MAIL FROM .. 250, p50/p99),
# plus rspamd's own scan time from postkontor_smtp_filter_duration_seconds.
#
#   bench/filter.sh                                   MESSAGES=2000 CLIENTS="8 32" SIZES="4096 65536"
#   MESSAGES=300 CLIENTS=8 SIZES=4096 bench/filter.sh   a quick check that it works
#
# Take numbers only on a quiet machine: rspamd, the appliance and the load generator share its cores.
# Needs root (rspamd drops to _rspamd), Debian's rspamd and dnsmasq-base (.ci/install-packages).
# rspamd runs with Postkontor's shipped configuration (deploy/rspamd/local.d) and, as in the tests,
# a local dnsmasq as its only DNS server and its internet-only modules (fuzzy, RBLs, ASN) off, so
# every SPF/DKIM/DMARC query is answered at once: the numbers are rspamd's CPU cost, not DNS
# latency. Everything listens on 127.0.0.1 and is stopped by its PID at the end.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
. scripts/jdk.sh
MESSAGES=${MESSAGES:-2000}
CLIENTS=${CLIENTS:-8 32}
SIZES=${SIZES:-4096 65536}
MAILBOXES=${MAILBOXES:-32}
WARMUP=${WARMUP:-500}
PASSWORD=bench-password-1
JAVA="$JAVA_HOME/bin/java"
BENCH=("$JAVA" "$here/bench/MailBench.java")
OUT=$(mktemp -d /tmp/postkontor-filter-bench.XXXXXX)
chmod 755 "$OUT"
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
for tool in /usr/bin/rspamd /usr/sbin/dnsmasq; do
  [ -x "$tool" ] || { echo "filter.sh: $tool is missing (bash .ci/install-packages)" >&2; exit 2; }
done
[ -f deploy/target/postkontor.jar ] || mvn -B -q -ntp package -DskipTests

# --- a local DNS server and rspamd ---------------------------------------------------------------
/usr/sbin/dnsmasq --keep-in-foreground --port=25353 --listen-address=127.0.0.1 --bind-interfaces --no-resolv \
  --no-hosts --local=/test/ --pid-file= --log-facility=- >"$OUT/dnsmasq.log" 2>&1 &
pids+=($!)
rs=$OUT/rspamd
mkdir -p "$rs/local.d" "$rs/run" "$rs/db" "$rs/log"
cp deploy/rspamd/local.d/* "$rs/local.d/"
printf 'dns { nameserver = ["127.0.0.1:25353"]; timeout = 1s; retransmits = 1; }\n' >"$rs/local.d/options.inc"
printf 'bind_socket = "127.0.0.1:21333";\n' >"$rs/local.d/worker-normal.inc"
printf 'enabled = false;\n' | tee "$rs/local.d/worker-controller.inc" "$rs/local.d/worker-proxy.inc" >/dev/null
printf 'type = "console";\nlevel = "warning";\n' >"$rs/local.d/logging.inc"
for m in fuzzy_check rbl surbl asn; do printf 'enabled = false;\n' >"$rs/local.d/$m.conf"; done
for m in spf dkim dmarc arc; do printf '\ncheck_local = true;\n' >>"$rs/local.d/$m.conf"; done
chown -R _rspamd:_rspamd "$rs"
/usr/bin/rspamd -f -c /etc/rspamd/rspamd.conf --var=LOCAL_CONFDIR="$rs" --var=RUNDIR="$rs/run" --var=DBDIR="$rs/db" \
  --var=LOGDIR="$rs/log" -u _rspamd -g _rspamd >"$OUT/rspamd.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 150); do curl -sf http://127.0.0.1:21333/ping >/dev/null 2>&1 && break; sleep 0.2; done
curl -sf http://127.0.0.1:21333/ping >/dev/null || { echo "rspamd did not start, see $OUT/rspamd.log" >&2; exit 1; }

# --- the appliance, once per mode ------------------------------------------------------------------
results="$OUT/results.txt"
: >"$results"
for mode in off on; do
  data=$OUT/data-$mode
  mkdir -p "$data"
  url=""; [ "$mode" = on ] && url=http://127.0.0.1:21333
  export POSTKONTOR_DATA_DIR="$data" POSTKONTOR_SMTP_BIND=127.0.0.1 POSTKONTOR_SMTP_PORT=20025 \
    POSTKONTOR_POP3_BIND=127.0.0.1 POSTKONTOR_POP3_PORT=20110 POSTKONTOR_POP3_TLS_PORT=20995 \
    POSTKONTOR_HTTP_PORT=20080 POSTKONTOR_ADMIN_PORT=20081 POSTKONTOR_SMTP_MAX_CONNECTIONS=1000 \
    POSTKONTOR_SMTP_MAX_CONNECTIONS_PER_IP=1000 POSTKONTOR_LOG_LEVEL=WARN POSTKONTOR_FILTER_RSPAMD_URL="$url"
  "$JAVA" -jar deploy/target/postkontor.jar admin domain add example.test >/dev/null
  for ((i = 0; i < MAILBOXES; i++)); do
    printf '%s\n' "$PASSWORD" | "$JAVA" -jar deploy/target/postkontor.jar admin user add "bench$i@example.test" \
      --password-stdin >/dev/null
  done
  "$here/postkontor" run >"$OUT/postkontor-$mode.log" 2>&1 &
  pk=$!
  pids+=("$pk")
  for _ in $(seq 1 360); do (exec 3<>/dev/tcp/127.0.0.1/20025) 2>/dev/null && break; sleep 0.5; done
  # warm-up, not measured: the JIT and rspamd's caches as in production
  "${BENCH[@]}" smtp --smtp-port 20025 --mailboxes "$MAILBOXES" --clients 8 --messages "$WARMUP" --size 4096 \
    --first-id 900000 >/dev/null 2>>"$OUT/bench-errors.log" || echo "warning: warm-up had errors ($mode)" >&2
  id=0
  for size in $SIZES; do
    for clients in $CLIENTS; do
      line=$("${BENCH[@]}" smtp --smtp-port 20025 --mailboxes "$MAILBOXES" --clients "$clients" \
        --messages "$MESSAGES" --size "$size" --first-id "$id" 2>>"$OUT/bench-errors.log" | tail -1) || true
      id=$((id + MESSAGES))
      echo "filter=$mode case=c$clients-s$size $line" | tee -a "$results"
    done
  done
  if [ "$mode" = on ]; then
    curl -s http://127.0.0.1:20080/metrics | python3 -c '
import re, sys
text = sys.stdin.read()
total = float(re.search(r"^postkontor_smtp_filter_duration_seconds_sum\S* (\S+)", text, re.M).group(1))
count = float(re.search(r"^postkontor_smtp_filter_duration_seconds_count\S* (\S+)", text, re.M).group(1))
verdicts = dict(re.findall(r"^postkontor_smtp_filter_verdicts_total\{.*?verdict=\"(\w+)\".*?\} (\S+)", text, re.M))
errors = sum(float(v) for v in re.findall(r"^postkontor_smtp_filter_errors_total\{.*?\} (\S+)", text, re.M))
print(f"filter=on scans={count:.0f} mean_scan_ms={1000 * total / max(count, 1):.2f} errors={errors:.0f} "
      + " ".join(f"{k}={float(v):.0f}" for k, v in sorted(verdicts.items()) if float(v) > 0))
' | tee -a "$results"
  fi
  kill "$pk"; wait "$pk" 2>/dev/null || true
done

# --- what filtering costs ----------------------------------------------------------------------------
python3 - "$results" <<'PY'
import sys
rows = {}
for line in open(sys.argv[1]):
    kv = dict(p.split("=", 1) for p in line.split() if "=" in p)
    if "case" in kv and "msgs_per_s" in kv:
        rows[(kv["filter"], kv["case"])] = kv
print()
print(f"{'case':<12} {'msgs/s off':>10} {'msgs/s on':>10} {'p50 off':>8} {'p50 on':>8} {'+p50 ms':>8} {'p99 off':>8} {'p99 on':>8} {'+p99 ms':>8}")
for (mode, case), off in sorted(rows.items()):
    if mode != "off" or ("on", case) not in rows:
        continue
    on = rows[("on", case)]
    f = lambda r, k: float(r[k])
    print(f"{case:<12} {f(off,'msgs_per_s'):>10.1f} {f(on,'msgs_per_s'):>10.1f} {f(off,'p50_ms'):>8.2f} {f(on,'p50_ms'):>8.2f} "
          f"{f(on,'p50_ms') - f(off,'p50_ms'):>8.2f} {f(off,'p99_ms'):>8.2f} {f(on,'p99_ms'):>8.2f} {f(on,'p99_ms') - f(off,'p99_ms'):>8.2f}")
PY
echo "results: $results (logs in $OUT)"
