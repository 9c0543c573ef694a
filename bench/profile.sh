#!/usr/bin/env bash
# Where the appliance's CPU goes per message, for one protocol: a fresh data directory with 32
# users, the appliance as shipped (./postkontor run), a warm-up, one measured run, then the same
# run again under a JFR recording. Prints the server's CPU per message (user and system, from
# /proc/PID/stat), the share of CPU time per kind of thread, and the Java methods most often on
# the stack (JFR samples every 2 ms).
#
#   bench/profile.sh smtp        8 clients, 4 KiB: WARM=30000 messages, then N=8000 measured
#   bench/profile.sh pop3        8 clients, 16 KiB: 3 fill-and-drain rounds, then one drain of N=8000
#   CLIENTS=32 SIZE=65536 bench/profile.sh smtp
#   PIN=1 bench/profile.sh smtp  the appliance on core 0, the load tool on core 1, as compare.sh runs them
#   DRAIN=1 bench/profile.sh smtp   the mailboxes drained (every body file deleted) before each run
#   TLS=1 bench/profile.sh pop3     the drains over POP3S (port 21995)
#
# Ports 21025/21110/21995/21080/21081/21587/21465 on 127.0.0.1; data under /tmp, removed at the end
# (KEEP=1 keeps it, with rec.jfr). Run it alone on the machine.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
. scripts/jdk.sh
mode=${1:?usage: bench/profile.sh smtp|pop3}
CLIENTS=${CLIENTS:-8}
N=${N:-8000}
J="$JAVA_HOME/bin/java"
D=$(mktemp -d /tmp/postkontor-profile.XXXXXX)
app=""
cleanup() {
  if [ -n "$app" ] && kill -0 "$app" 2>/dev/null; then kill "$app"; wait "$app" 2>/dev/null || true; fi
  [ "${KEEP:-0}" = 1 ] || rm -rf "$D"
}
trap cleanup EXIT
[ -f deploy/target/postkontor.jar ] || mvn -B -q -ntp package -DskipTests
mkdir -p "$D/classes"
"$JAVA_HOME/bin/javac" -d "$D/classes" -sourcepath bench bench/MailBench.java
pin_app=() pin_load=()
if [ "${PIN:-0}" = 1 ]; then pin_app=(taskset -c 0); pin_load=(taskset -c 1); fi
B=("${pin_load[@]}" "$J" -cp "$D/classes" MailBench)
pop3_port=21110 tls_flag=""
if [ "${TLS:-0}" = 1 ]; then pop3_port=21995 tls_flag="--tls"; fi
export POSTKONTOR_DATA_DIR=$D/data POSTKONTOR_SMTP_BIND=127.0.0.1 POSTKONTOR_SMTP_PORT=21025 \
  POSTKONTOR_POP3_BIND=127.0.0.1 POSTKONTOR_POP3_PORT=21110 POSTKONTOR_POP3_TLS_PORT=21995 \
  POSTKONTOR_HTTP_PORT=21080 POSTKONTOR_ADMIN_PORT=21081 POSTKONTOR_SUBMISSION_BIND=127.0.0.1 \
  POSTKONTOR_SUBMISSION_PORT=21587 POSTKONTOR_SUBMISSION_TLS_PORT=21465 POSTKONTOR_LOG_LEVEL=WARN \
  POSTKONTOR_SMTP_MAX_CONNECTIONS_PER_IP=1000 POSTKONTOR_POP3_MAX_CONNECTIONS_PER_ADDRESS=1000 \
  POSTKONTOR_POP3_ALLOW_PLAINTEXT_AUTH_LOOPBACK=true
mkdir -p "$D/data"
"$J" -jar deploy/target/postkontor.jar admin domain add example.test >/dev/null
for i in $(seq 0 31); do
  printf 'bench-password-1\n' | "$J" -jar deploy/target/postkontor.jar admin user add "bench$i@example.test" --password-stdin >/dev/null
done
"${pin_app[@]}" ./postkontor run >"$D/app.log" 2>&1 &
for _ in $(seq 1 1200); do [ -f "$D/data/postkontor.pid" ] && (exec 3<>/dev/tcp/127.0.0.1/21025) 2>/dev/null && break; sleep 0.1; done
app=$(cat "$D/data/postkontor.pid")
smtp() { "${B[@]}" smtp --smtp-port 21025 --mailboxes 32 --clients "$CLIENTS" --messages "$1" --size "$2"; }
drain() { "${B[@]}" pop3 --pop3-port "${pop3_port}" ${tls_flag} --password bench-password-1 --mailboxes 32 --clients "$CLIENTS" --expect "$1"; }
again() { :; } # what the recorded run needs before it, after the measured one
case $mode in
  smtp) SIZE=${SIZE:-4096}; smtp "${WARM:-30000}" "$SIZE" >/dev/null; run() { smtp "$N" "$SIZE"; }
        if [ "${DRAIN:-0}" = 1 ]; then drain "${WARM:-30000}" >/dev/null; again() { drain "$N" >/dev/null; }; fi ;;
  pop3) SIZE=${SIZE:-16384}
        for _ in $(seq 1 "${WARM:-3}"); do smtp "$N" "$SIZE" >/dev/null; drain "$N" >/dev/null; done
        smtp "$N" "$SIZE" >/dev/null; run() { drain "$N"; }; again() { smtp "$N" "$SIZE" >/dev/null; } ;;
  *) echo "usage: bench/profile.sh smtp|pop3" >&2; exit 2 ;;
esac
threads() { for t in /proc/"$app"/task/*; do echo "$(awk '{print $14+$15}' "$t/stat" 2>/dev/null) $(cat "$t/comm" 2>/dev/null)"; done; }
# the measured run without the recorder (its threads would count), then the same run recorded
threads >"$D/threads0"
read -r u0 s0 < <(awk '{print $14, $15}' /proc/"$app"/stat)
run
read -r u1 s1 < <(awk '{print $14, $15}' /proc/"$app"/stat)
threads >"$D/threads1"
again
"$JAVA_HOME/bin/jcmd" "$app" JFR.start name=profile settings=default 'jdk.ExecutionSample#period=2ms' \
  filename="$D/rec.jfr" >/dev/null
run >/dev/null
"$JAVA_HOME/bin/jcmd" "$app" JFR.stop name=profile >/dev/null
python3 - "$D" "$JAVA_HOME" "$u0" "$s0" "$u1" "$s1" "$N" "$(getconf CLK_TCK)" <<'PY'
import collections, re, subprocess, sys
d, jh, u0, s0, u1, s1, n, tck = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:])
print(f"server CPU per message: {(u1 - u0) * 1000 / tck / n:.3f} ms user + {(s1 - s0) * 1000 / tck / n:.3f} ms system")
def ticks(f):
    out = collections.Counter()
    for line in open(f):
        parts = line.split(maxsplit=1)
        if len(parts) == 2 and parts[0].isdigit():
            out[re.sub(r"\d+", "#", parts[1].strip())] += int(parts[0])
    return out
kinds = ticks(d + "/threads1"); kinds.subtract(ticks(d + "/threads0"))
total = sum(v for v in kinds.values() if v > 0) or 1
print("CPU by thread kind:", ", ".join(f"{k} {v * 100 / total:.0f} %" for k, v in kinds.most_common(5) if v > 0))
text = subprocess.run([jh + "/bin/jfr", "print", "--events", "jdk.ExecutionSample", d + "/rec.jfr"],
                      capture_output=True, text=True).stdout
samples = text.split("jdk.ExecutionSample")[1:]
incl = collections.Counter()
for e in samples:
    frames = set(re.findall(r"^\s+([\w.$<>]+)\(", e, re.M))
    for f in frames:
        if "postkontor" in f or "subethamail" in f or "netty" in f:
            incl[f] += 1
print(f"Java samples: {len(samples)}; methods most often on the stack:")
for f, v in incl.most_common(15):
    print(f"  {v * 100 / max(len(samples), 1):5.1f} %  {f}")
PY
