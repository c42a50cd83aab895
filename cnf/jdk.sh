# shellcheck shell=sh
# The one place that names the JDK of expkt's scripts (./expkt, bench/run-bench.sh, .ci/run source
# it): EXPKT_JAVA_HOME if set, else Temurin 25 where its Debian package puts it.
EXPKT_JAVA_HOME="${EXPKT_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export EXPKT_JAVA_HOME
JAVA_HOME="$EXPKT_JAVA_HOME"
export JAVA_HOME
