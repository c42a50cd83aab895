#!/usr/bin/env bash
# Demo peers: runs in the lab's switch namespace before the host starts ($EXPKT_LAB_PREFIX names the
# lab). Everything started here lives in the lab's namespaces and goes with the lab.
#
# Gives each host namespace an address (10.99.0.<i>/24) and lets host 1 ping the others once a
# second across the bridge, so the ports carry traffic while the demo runs.
# Later hooks (20-*.sh ...) start protocol peers: lldpd, etherwake, ... in the host namespaces.
set -euo pipefail
: "${EXPKT_LAB_PREFIX:?run by ./expkt demo inside a lab}"

i=1
while ip netns exec "$EXPKT_LAB_PREFIX-h$i" true 2>/dev/null; do
  ip -n "$EXPKT_LAB_PREFIX-h$i" addr add "10.99.0.$i/24" dev veth0
  i=$((i + 1))
done
hosts=$((i - 1))
for ((j = 2; j <= hosts; j++)); do
  ip netns exec "$EXPKT_LAB_PREFIX-h1" ping -q -i 1 "10.99.0.$j" >/dev/null 2>&1 &
done
echo "[demo] $hosts hosts on 10.99.0.0/24; h1 pings the others every second"
