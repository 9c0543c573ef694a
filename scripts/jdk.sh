# Sourced by ./postkontor and ./run-tests: finds a JDK 21+ and exports JAVA_HOME, or stops with
# a message saying what to install. Order: $JAVA_HOME, then the usual JVM folders, then `java` on PATH.
_pk_java_major() { # prints the major version of the JDK at $1, or nothing
  [ -x "$1/bin/javac" ] || return 0
  # The JDK's release file answers without starting a JVM (each start costs 0.1-0.5 s, which
  # counts against the appliance's restart time); ask the JVM only if the file is missing.
  local v
  v=$(sed -n 's/^JAVA_VERSION="\([0-9][0-9]*\).*/\1/p' "$1/release" 2>/dev/null | head -1)
  if [ -n "$v" ]; then echo "$v"; return 0; fi
  "$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | awk -F'= ' '/java.specification.version/ {print $2; exit}' | cut -d. -f1
}
_pk_find_jdk() {
  local c major
  for c in "${JAVA_HOME:-}" /usr/lib/jvm/* /usr/local/lib/jvm/* /opt/java/* /opt/jdk* /Library/Java/JavaVirtualMachines/*/Contents/Home \
           "$(dirname "$(dirname "$(readlink -f "$(command -v javac 2>/dev/null || echo /nonexistent)")")")"; do
    [ -n "$c" ] && [ -d "$c" ] || continue
    major=$(_pk_java_major "$c")
    if [ -n "$major" ] && [ "$major" -ge 21 ] 2>/dev/null; then echo "$c"; return 0; fi
  done
  return 1
}
if ! PK_JDK=$(_pk_find_jdk); then
  echo "postkontor: no JDK 21 or newer found (looked at \$JAVA_HOME, /usr/lib/jvm, /opt/java)." >&2
  echo "postkontor: install one, e.g. 'apt-get install openjdk-21-jdk' or a Temurin 21+ JDK, and set JAVA_HOME." >&2
  exit 3
fi
export JAVA_HOME="$PK_JDK"
export PATH="$JAVA_HOME/bin:$PATH"
if ! command -v mvn >/dev/null 2>&1; then
  echo "postkontor: Apache Maven (mvn) is not installed: 'apt-get install maven'." >&2
  exit 3
fi
