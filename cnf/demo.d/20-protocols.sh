#!/usr/bin/env bash
# Demo peers and configuration of the protocol bundles (protocols/): runs inside the demo lab's switch
# namespace before the host starts (EXPKT_LAB_PREFIX names the lab; its host namespaces are
# $EXPKT_LAB_PREFIX-h1..hN and go with the lab, and so do the processes started here).
#   lldp: lldpd on h1 (LLDP every 2 s); our agent sends every 2 s as "expkt-demo".
#   ping: 192.0.2.254/24 on the switch's br0 (VR-Default: the host's namespace), 192.0.2.1/24 on h1.
#   wol:  VLAN blue (tag 100) tagged on 1:2, green untagged on 1:3; etherwake from h1 after 8 s.
set -euo pipefail
: "${EXPKT_LAB_PREFIX:?the demo hook runs inside a lab}"
deploy="$EXPKT_ROOT/run/demo/deploy"
h1="$EXPKT_LAB_PREFIX-h1"

cat > "$deploy/expkt.protocol.lldp.config" <<'CFG'
tx.interval=I"2"
system.name="expkt-demo"
system.description="expkt demo switch"
CFG
cat > "$deploy/expkt.dataplane.config" <<'CFG'
vlans=["name=hosts tag=10 untagged=1:1","name=blue tag=100 tagged=1:2","name=green tag=200 untagged=1:3"]
CFG
cat > "$deploy/expkt.protocol.wol.config" <<'CFG'
relay.vlans=["hosts,blue,green"]
udp.port=I"9"
CFG

ip addr add 192.0.2.254/24 dev br0 2>/dev/null || true
ip netns exec "$h1" ip addr add 192.0.2.1/24 dev veth0 2>/dev/null || true

if command -v lldpd >/dev/null; then
  sock="$EXPKT_ROOT/run/demo/lldpd.socket"  # goes with run/demo at the next demo
  ip netns exec "$h1" lldpd -d -u "$sock" -I veth0 -O /dev/null > "$EXPKT_ROOT/run/demo/lldpd.log" 2>&1 &
  for _ in $(seq 50); do [[ -S "$sock" ]] && break; sleep 0.1; done
  sleep 0.3
  ip netns exec "$h1" lldpcli -u "$sock" configure system hostname demo-peer-h1 >/dev/null || true
  ip netns exec "$h1" lldpcli -u "$sock" configure lldp tx-interval 2 >/dev/null || true
  # what lldpd learnt about us, printed near the end of the demo
  (sleep 15; echo "[demo] lldpcli show neighbors on h1:"; ip netns exec "$h1" lldpcli -u "$sock" show neighbors summary) &
fi
if command -v etherwake >/dev/null; then
  (sleep 8; echo "[demo] etherwake -b 00:11:22:33:44:55 from h1"; ip netns exec "$h1" etherwake -i veth0 -b 00:11:22:33:44:55) &
fi
