#!/usr/bin/python3
"""Independent frames for the codec's tests: Scapy builds them (its own lengths and checksums),
writes them to a pcap, and prints the field values Scapy reads back from the bytes, one
"frame<TAB>tshark-field-name<TAB>value" line each. Usage: scapy_frames.py OUT.pcap"""
import random
import sys

from scapy.all import (ARP, ICMP, IP, TCP, UDP, Dot1AD, Dot1Q, Ether, ICMPv6EchoReply, ICMPv6EchoRequest,
                       ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6ND_RA, ICMPv6ND_RS, ICMPv6NDOptMTU, ICMPv6NDOptPrefixInfo,
                       ICMPv6NDOptSrcLLAddr, ICMPv6NDOptDstLLAddr, IPOption_Router_Alert, IPv6, IPv6ExtHdrDestOpt,
                       IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, Raw, RouterAlert, load_contrib, wrpcap)

load_contrib("lldp")
from scapy.contrib.lldp import (LLDPDUChassisID, LLDPDUEndOfLLDPDU, LLDPDUManagementAddress, LLDPDUPortDescription,
                                LLDPDUPortID, LLDPDUSystemCapabilities, LLDPDUSystemDescription, LLDPDUSystemName,
                                LLDPDUTimeToLive)

rnd = random.Random(6)
frames = []
values = []


def mac():
    return "02:%02x:%02x:%02x:%02x:%02x" % tuple(rnd.randrange(256) for _ in range(5))


def ip4():
    return "10.%d.%d.%d" % (rnd.randrange(256), rnd.randrange(256), 1 + rnd.randrange(254))


def ip6():
    return "2001:db8:%x::%x:%x" % (rnd.randrange(1, 65536), rnd.randrange(65536), rnd.randrange(1, 65536))


def add(pkt, fields):
    raw = bytes(pkt)
    back = Ether(raw)  # what Scapy reads from the bytes it wrote: lengths and checksums filled
    frames.append(back)
    values.append(fields(back))


for i in range(3):
    add(Ether(dst=mac(), src=mac()) / Dot1Q(vlan=rnd.randrange(1, 4095), prio=rnd.randrange(8)) / ARP(
        op=1 + i % 2, hwsrc=mac(), psrc=ip4(), hwdst=mac(), pdst=ip4()),
        lambda p: {"eth.dst": p.dst, "eth.src": p.src, "vlan.id": p[Dot1Q].vlan, "vlan.priority": p[Dot1Q].prio,
                   "arp.opcode": p[ARP].op, "arp.src.hw_mac": p[ARP].hwsrc, "arp.src.proto_ipv4": p[ARP].psrc,
                   "arp.dst.hw_mac": p[ARP].hwdst, "arp.dst.proto_ipv4": p[ARP].pdst})

for i in range(3):
    add(Ether(dst=mac(), src=mac()) / Dot1AD(vlan=rnd.randrange(1, 4095)) / Dot1Q(vlan=rnd.randrange(1, 4095)) /
        IP(src=ip4(), dst=ip4(), ttl=rnd.randrange(1, 256), id=rnd.randrange(65536), tos=rnd.randrange(256),
           options=[IPOption_Router_Alert()] if i % 2 == 0 else []) /
        ICMP(type=8, id=rnd.randrange(65536), seq=rnd.randrange(65536)) / Raw(bytes(rnd.randrange(256) for _ in range(5 + i))),
        lambda p: {"ieee8021ad.id": p[Dot1AD].vlan, "vlan.id": p[Dot1Q].vlan, "ip.src": p[IP].src, "ip.dst": p[IP].dst,
                   "ip.ttl": p[IP].ttl, "ip.id": p[IP].id, "ip.dsfield": p[IP].tos, "ip.hdr_len": p[IP].ihl * 4,
                   "ip.len": p[IP].len, "ip.checksum": p[IP].chksum, "ip.proto": p[IP].proto,
                   "icmp.type": p[ICMP].type, "icmp.ident": p[ICMP].id, "icmp.seq": p[ICMP].seq,
                   "icmp.checksum": p[ICMP].chksum})

for i in range(4):
    l3 = IP(src=ip4(), dst=ip4()) if i % 2 == 0 else IPv6(src=ip6(), dst=ip6(), hlim=rnd.randrange(256))
    add(Ether(dst=mac(), src=mac()) / l3 / UDP(sport=rnd.randrange(1024, 65536), dport=rnd.randrange(1, 1024)) /
        Raw(bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 80)))),
        lambda p: {"udp.srcport": p[UDP].sport, "udp.dstport": p[UDP].dport, "udp.length": p[UDP].len,
                   "udp.checksum": p[UDP].chksum})

for i in range(4):
    l3 = IP(src=ip4(), dst=ip4(), flags="DF") if i % 2 == 0 else IPv6(src=ip6(), dst=ip6())
    opts = [("MSS", rnd.randrange(536, 9000)), ("SAckOK", b""), ("Timestamp", (rnd.randrange(2**32), rnd.randrange(2**32))),
            ("NOP", None), ("WScale", rnd.randrange(15))]
    add(Ether(dst=mac(), src=mac()) / l3 / TCP(sport=rnd.randrange(1024, 65536), dport=443, seq=rnd.randrange(2**32),
                                              ack=rnd.randrange(2**32), flags="SA", window=rnd.randrange(65536), options=opts),
        lambda p: {"tcp.srcport": p[TCP].sport, "tcp.dstport": p[TCP].dport, "tcp.seq_raw": p[TCP].seq,
                   "tcp.ack_raw": p[TCP].ack, "tcp.flags": int(p[TCP].flags), "tcp.window_size_value": p[TCP].window,
                   "tcp.checksum": p[TCP].chksum, "tcp.hdr_len": p[TCP].dataofs * 4,
                   "tcp.options.mss_val": dict(p[TCP].options)["MSS"],
                   "tcp.options.wscale.shift": dict(p[TCP].options)["WScale"],
                   "tcp.options.timestamp.tsval": dict(p[TCP].options)["Timestamp"][0],
                   "tcp.options.timestamp.tsecr": dict(p[TCP].options)["Timestamp"][1]})

# IPv6 extension headers and ICMPv6
add(Ether(dst=mac(), src=mac()) / IPv6(src=ip6(), dst=ip6()) / IPv6ExtHdrHopByHop(options=[RouterAlert()]) /
    IPv6ExtHdrDestOpt() / ICMPv6EchoRequest(id=rnd.randrange(65536), seq=rnd.randrange(65536), data=b"scapy"),
    lambda p: {"ipv6.nxt": p[IPv6].nh, "ipv6.plen": p[IPv6].plen, "icmpv6.type": 128,
               "icmpv6.echo.identifier": p[ICMPv6EchoRequest].id, "icmpv6.echo.sequence_number": p[ICMPv6EchoRequest].seq,
               "icmpv6.checksum": p[ICMPv6EchoRequest].cksum})
add(Ether(dst=mac(), src=mac()) / IPv6(src=ip6(), dst=ip6()) / IPv6ExtHdrFragment(id=rnd.randrange(2**32), m=1) /
    UDP(sport=5000, dport=6000) / Raw(b"x" * 24),
    lambda p: {"ipv6.fraghdr.ident": p[IPv6ExtHdrFragment].id, "ipv6.fraghdr.more": p[IPv6ExtHdrFragment].m,
               "ipv6.fraghdr.offset": p[IPv6ExtHdrFragment].offset, "udp.srcport": 5000, "udp.dstport": 6000})
add(Ether(dst=mac(), src=mac()) / IPv6(src=ip6(), dst=ip6()) / IPv6ExtHdrRouting(addresses=[ip6(), ip6()], segleft=0) /
    ICMPv6EchoReply(id=3, seq=4),
    lambda p: {"ipv6.routing.type": p[IPv6ExtHdrRouting].type, "ipv6.routing.segleft": 0, "icmpv6.type": 129,
               "icmpv6.checksum": p[ICMPv6EchoReply].cksum})
ll = mac()
tgt = ip6()
add(Ether(dst=mac(), src=ll) / IPv6(src="fe80::1", dst="ff02::1:ff00:1", hlim=255) / ICMPv6ND_NS(tgt=tgt) / ICMPv6NDOptSrcLLAddr(lladdr=ll),
    lambda p: {"icmpv6.type": 135, "icmpv6.nd.ns.target_address": p[ICMPv6ND_NS].tgt, "icmpv6.opt.linkaddr": p[ICMPv6NDOptSrcLLAddr].lladdr,
               "icmpv6.checksum": p[ICMPv6ND_NS].cksum})
add(Ether(dst=mac(), src=ll) / IPv6(src="fe80::2", dst="fe80::1", hlim=255) / ICMPv6ND_NA(tgt=tgt, R=0, S=1, O=1) / ICMPv6NDOptDstLLAddr(lladdr=ll),
    lambda p: {"icmpv6.type": 136, "icmpv6.nd.na.target_address": p[ICMPv6ND_NA].tgt, "icmpv6.opt.linkaddr": p[ICMPv6NDOptDstLLAddr].lladdr,
               "icmpv6.nd.na.flag": 0x60000000, "icmpv6.checksum": p[ICMPv6ND_NA].cksum})
add(Ether(dst="33:33:00:00:00:02", src=ll) / IPv6(src="fe80::3", dst="ff02::2", hlim=255) / ICMPv6ND_RS() / ICMPv6NDOptSrcLLAddr(lladdr=ll),
    lambda p: {"icmpv6.type": 133, "icmpv6.opt.linkaddr": ll, "icmpv6.checksum": p[ICMPv6ND_RS].cksum})
add(Ether(dst="33:33:00:00:00:01", src=ll) / IPv6(src="fe80::1", dst="ff02::1", hlim=255) /
    ICMPv6ND_RA(chlim=64, routerlifetime=1800, reachabletime=30000, retranstimer=1000) / ICMPv6NDOptSrcLLAddr(lladdr=ll) /
    ICMPv6NDOptMTU(mtu=1500) / ICMPv6NDOptPrefixInfo(prefixlen=64, prefix="2001:db8:1::", validlifetime=86400, preferredlifetime=14400),
    lambda p: {"icmpv6.type": 134, "icmpv6.nd.ra.cur_hop_limit": 64, "icmpv6.nd.ra.router_lifetime": 1800,
               "icmpv6.nd.ra.reachable_time": 30000, "icmpv6.nd.ra.retrans_timer": 1000, "icmpv6.opt.mtu": 1500,
               "icmpv6.opt.prefix": "2001:db8:1::", "icmpv6.opt.prefix.length": 64,
               "icmpv6.opt.prefix.valid_lifetime": 86400, "icmpv6.opt.prefix.preferred_lifetime": 14400,
               "icmpv6.checksum": p[ICMPv6ND_RA].cksum})

# LLDP with the mandatory and the common optional TLVs
chassis = mac()
add(Ether(dst="01:80:c2:00:00:0e", src=chassis) /
    LLDPDUChassisID(subtype=4, id=chassis) / LLDPDUPortID(subtype=5, id=b"swp7") / LLDPDUTimeToLive(ttl=120) /
    LLDPDUPortDescription(description=b"uplink to core") / LLDPDUSystemName(system_name=b"leaf-1") /
    LLDPDUSystemDescription(description=b"Debian scapy switch") /
    LLDPDUSystemCapabilities(mac_bridge_available=1, router_available=1, mac_bridge_enabled=1) /
    LLDPDUManagementAddress(management_address_subtype=1, management_address=b"\x0a\x00\x00\x01",
                            interface_numbering_subtype=2, interface_number=7) /
    LLDPDUEndOfLLDPDU(),
    lambda p: {"lldp.chassis.subtype": 4, "lldp.chassis.id.mac": chassis, "lldp.port.subtype": 5, "lldp.port.id": "swp7",
               "lldp.time_to_live": 120, "lldp.port.desc": "uplink to core", "lldp.tlv.system.name": "leaf-1",
               "lldp.tlv.system.desc": "Debian scapy switch", "lldp.tlv.system_cap": 0x14, "lldp.tlv.enable_system_cap": 0x04,
               "lldp.mgn.addr.ip4": "10.0.0.1", "lldp.mgn.interface.subtype": 2, "lldp.mgn.interface.number": 7})

# Wake-on-LAN (Scapy has no layer for it: the magic packet as raw bytes, over 0x0842 and UDP port 9)
target = mac()
magic = b"\xff" * 6 + bytes.fromhex(target.replace(":", "")) * 16
add(Ether(dst="ff:ff:ff:ff:ff:ff", src=mac(), type=0x0842) / Raw(magic), lambda p: {"wol.target": target})
add(Ether(dst="ff:ff:ff:ff:ff:ff", src=mac()) / IP(src=ip4(), dst="255.255.255.255") / UDP(sport=40000, dport=9) / Raw(magic),
    lambda p: {"wol.target": target, "udp.checksum": p[UDP].chksum})

wrpcap(sys.argv[1], frames)
for n, fields in enumerate(values):
    for k, v in fields.items():
        print("%d\t%s\t%s" % (n, k, v))
