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

# Says what part of the show has no peer: on the console now and, through run/demo/notes, at the end
# of the demo (./expkt prints the notes after the verdict's run).
note() {
  echo "[demo] $*"
  echo "$*" >> "$EXPKT_ROOT/run/demo/notes"
}

# The LLDP peer: lldpd on h1, named demo-peer-h1 through a UTS namespace of its own (no lldpcli needed
# for that: lldpcli is setuid _lldpd and runnable by group adm only, so a non-root user cannot run
# it). It starts once the host is up, so its first LLDPDU (sent at start; then every 30 s unless
# lldpcli can set 2 s) finds our agent listening. Its control socket is in /tmp, which lldpcli
# (running as _lldpd) can reach; ./expkt removes it with the lab (run/demo/cleanup).
lldp_peer() {
  local sock="/tmp/$EXPKT_LAB_PREFIX-lldpd.socket" log="$EXPKT_ROOT/run/demo/lldpd.log" lldpd lldpcli
  lldpd="$(command -v lldpd || true)"
  if [[ -z "$lldpd" ]]; then
    note "LLDP part has no peer: lldpd is not installed (Debian package lldpd); lldp:neighbors stays empty"
    return
  fi
  printf "%s\n" "$sock" "$sock.lock" >> "$EXPKT_ROOT/run/demo/cleanup"
  for _ in $(seq 1200); do
    grep -q "expkt host started" "$EXPKT_ROOT/run/demo/expkt.log" 2>/dev/null && break
    sleep 0.1
  done
  # shellcheck disable=SC2016 # $0 and $1 belong to the inner sh
  # (sethostname, not /proc/sys/kernel/hostname: in a user namespace that file belongs to the real root)
  ip netns exec "$h1" unshare --uts sh -c 'hostname demo-peer-h1 && exec "$0" -d -u "$1" -I veth0 -O /dev/null' \
    "$lldpd" "$sock" > "$log" 2>&1 &
  local pid=$! up=false
  for _ in $(seq 50); do
    if [[ -S "$sock" ]]; then up=true; break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  sleep 0.5
  if [[ "$up" != true ]] || ! kill -0 "$pid" 2>/dev/null; then
    local why
    why="$(grep -m1 -E 'CRIT|FATAL' "$log" 2>/dev/null || tail -1 "$log" 2>/dev/null || true)"
    if [[ -n "${EXPKT_USERNS:-}" ]]; then
      why="$why; not root: lldpd drops privileges to user _lldpd, which this user namespace does not map"
    fi
    note "LLDP part has no peer: lldpd did not start on h1 (${why:-no output}; see run/demo/lldpd.log); lldp:neighbors stays empty"
    return
  fi
  echo "[demo] lldpd runs on h1 as demo-peer-h1"
  lldpcli="$(command -v lldpcli || true)"
  if [[ -z "$lldpcli" || ! -x "$lldpcli" ]] || ! ip netns exec "$h1" "$lldpcli" -u "$sock" show configuration >/dev/null 2>&1; then
    note "LLDP peer runs with lldpd's defaults (one LLDPDU at start, then every 30 s) and its view of us is not shown: ${lldpcli:-lldpcli} cannot be run by this user (it is setuid _lldpd, for group adm)"
    return
  fi
  ip netns exec "$h1" "$lldpcli" -u "$sock" configure lldp tx-interval 2 >/dev/null
  # what lldpd learnt about us, near the end of the demo
  sleep 6
  echo "[demo] lldpcli show neighbors on h1:"
  ip netns exec "$h1" "$lldpcli" -u "$sock" show neighbors summary
}
# in the background: it waits for the host, which starts after this hook
lldp_peer &

if command -v etherwake >/dev/null; then
  (sleep 8; echo "[demo] etherwake -b 00:11:22:33:44:55 from h1"; ip netns exec "$h1" etherwake -i veth0 -b 00:11:22:33:44:55) &
else
  note "Wake-on-LAN part has no peer: etherwake is not installed (Debian package etherwake); only wol:wake sends magic packets"
fi
