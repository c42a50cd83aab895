#!/bin/sh
# ./expkt bench [--quick] [--profile] [--out DIR] [--only rx64,rx1514,rx64-napi,tx64,echo,upgrade,upgrade-provider,alloc,fanout,forward]
# (BENCH_NO_BUILD=1 skips the Maven build.)
# Builds the benchmark (and the host, when its module is there), then runs the harness as root.
# Results: bench/results/latest.json + latest.md (and dated copies), and the table on stdout.
set -eu
BENCH=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH")
# the options, checked before a build of minutes (the harness checks the workload names)
for a in "$@"; do
  case "$a" in
    -h|--help) sed -n '2,5s/^# \{0,1\}//p' "$0"; exit 0 ;;
    --quick|--profile|--out|--only) ;;
    -*) echo "bench: unknown option \"$a\" (--quick, --profile, --out DIR, --only WORKLOADS; --help)" >&2; exit 2 ;;
  esac
done
# the JDK: EXPKT_JAVA_HOME, else Temurin 25 (cnf/jdk.sh names it for every script)
# shellcheck source=cnf/jdk.sh
. "$ROOT/cnf/jdk.sh"
if [ "$(id -u)" != 0 ]; then
  echo "bench: needs root (network namespaces, AF_PACKET)" >&2; exit 1
fi
for tool in gcc trafgen tcpdump ethtool ping taskset ip; do
  command -v "$tool" >/dev/null 2>&1 || { echo "bench: $tool is missing (apt-get install -y gcc netsniff-ng tcpdump ethtool iputils-ping util-linux iproute2 libpcap0.8)" >&2; exit 1; }
done
MODULES=bench/sink,bench/harness
# the demo's protocol bundles, deployed by the forward workload
if [ -f "$ROOT/protocols/pom.xml" ]; then MODULES=$MODULES,protocols/lldp,protocols/ping,protocols/wol; fi
# the runnable host (cnf) is built too once it exists, so the expkt contenders run
if ls "$ROOT"/cnf/*.bndrun >/dev/null 2>&1; then MODULES=$MODULES,cnf; fi
if [ "${BENCH_NO_BUILD:-}" = "" ]; then
  (cd "$ROOT" && mvn -B -q package -pl "$MODULES" -am -DskipTests -Dbench.skipQuick=true) >&2
fi
H="$BENCH/harness/target"
# BENCH_JAVA_OPTS: extra -D options, e.g. -Dexpkt.bench.hostJar=/path/host.jar
# shellcheck disable=SC2086
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED ${BENCH_JAVA_OPTS:-} \
  -Dexpkt.bench.home="$BENCH" \
  -Dexpkt.bench.classpath="$H/classes" -Dexpkt.bench.classpathFile="$H/bench.classpath" \
  -cp "$H/classes:$(cat "$H/bench.classpath")" expkt.bench.Bench "$@"
