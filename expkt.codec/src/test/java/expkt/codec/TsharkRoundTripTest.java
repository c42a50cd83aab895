package expkt.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import expkt.api.net.Ipv4Address;
import expkt.api.net.Ipv6Address;
import expkt.api.net.MacAddress;
import expkt.codec.ethernet.Arp;
import expkt.codec.ip.Icmpv6;
import expkt.codec.ip.IpProtocol;
import expkt.codec.ip.Tcp;
import expkt.codec.lldp.Lldp;
import expkt.codec.pcap.CaptureFormat;
import expkt.codec.pcap.CaptureWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Build → tshark → views: every header is built with random field values, the frames go into one
 * capture file per protocol, tshark (with checksum validation on) decodes them, and for every
 * field (1) tshark shows the value we built and (2) our views read the same value back. The
 * {@code *.checksum.status} fields prove our checksums are the ones tshark computes (1 = good).
 */
class TsharkRoundTripTest {
    @TempDir
    Path dir;

    private final Random random = new Random(20261125);

    record Case(byte[] frame, Map<String, Object> expected) {
    }

    static byte[] build(Consumer<FrameBuilder> layers) {
        byte[] buf = new byte[2048];
        FrameBuilder b = new FrameBuilder(buf);
        layers.accept(b);
        return Arrays.copyOf(buf, b.finish());
    }

    static Map<String, Object> expect(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private MacAddress mac() {
        return MacAddress.of(random.nextLong() & 0xFEFF_FFFF_FFFFL); // unicast
    }

    private Ipv4Address ip4() {
        return Ipv4Address.of(random.nextInt(223) + 1, random.nextInt(256), random.nextInt(256), random.nextInt(254) + 1);
    }

    private Ipv6Address ip6() {
        return Ipv6Address.of(0x2001_0DB8_0000_0000L | (random.nextLong() & 0xFFFF_FFFFL), random.nextLong());
    }

    private static String lower(Object o) {
        return o.toString().toLowerCase(java.util.Locale.ROOT);
    }

    /** Writes the frames, runs tshark once, and compares every field three ways. */
    void check(String name, List<Case> cases, List<String> fields, CaptureFormat format) throws Exception {
        Path file = dir.resolve(name + (format == CaptureFormat.PCAPNG ? ".pcapng" : ".pcap"));
        try (CaptureWriter w = CaptureWriter.open(file, format)) {
            long t = 1_764_000_000_123_456_789L;
            for (Case c : cases) {
                w.write(t, c.frame());
                t += 1_000_000;
            }
        }
        List<String[]> rows = ExternalTools.tsharkFields(file, fields);
        assertEquals(cases.size(), rows.size(), "tshark rows for " + file);
        PacketDecoder d = new PacketDecoder();
        int compared = 0;
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            d.decode(c.frame());
            for (int f = 0; f < fields.size(); f++) {
                String field = fields.get(f);
                Object theirs = Fields.cell(rows.get(i)[f]);
                Object ours = Fields.ours(d, field);
                String where = name + " frame " + (i + 1) + " field " + field;
                assertEquals(theirs, ours, where + ": tshark vs our views");
                if (c.expected().containsKey(field)) {
                    assertEquals(Fields.normalize(c.expected().get(field)), theirs, where + ": built vs tshark");
                    compared++;
                }
            }
            assertTrue(d.checksumsValid(), name + " frame " + (i + 1) + ": our own checksum check");
        }
        assertTrue(compared >= cases.size(), "each frame compared some built values");
    }

    @Test
    void ethernetAndVlanTags() throws Exception {
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            MacAddress dst = i == 0 ? MacAddress.BROADCAST : mac();
            MacAddress src = mac();
            int v1 = 1 + random.nextInt(4094);
            int v2 = 1 + random.nextInt(4094);
            int p1 = random.nextInt(8);
            int p2 = random.nextInt(8);
            byte[] data = new byte[20 + random.nextInt(40)];
            random.nextBytes(data);
            int kind = i % 4;
            byte[] frame = build(b -> {
                b.ethernet(dst, src);
                switch (kind) {
                    case 1 -> b.vlan(p1, false, v1);
                    case 2 -> b.serviceVlan(p1, false, v1).vlan(p2, true, v2);
                    case 3 -> b.vlan(p1, true, v1).vlan(p2, false, v2);
                    default -> { }
                }
                b.etherType(0x88B5).payload(data);
            });
            cases.add(new Case(frame, switch (kind) {
                case 1 -> expect("eth.dst", lower(dst), "eth.src", lower(src), "eth.type", 0x8100, "vlan.id", v1, "vlan.priority", p1,
                        "vlan.etype", 0x88B5);
                case 2 -> expect("eth.dst", lower(dst), "eth.src", lower(src), "eth.type", 0x88A8, "ieee8021ad.id", v1,
                        "ieee8021ad.priority", p1, "vlan.id", v2, "vlan.priority", p2, "vlan.dei", 1, "vlan.etype", 0x88B5);
                case 3 -> expect("eth.dst", lower(dst), "eth.src", lower(src), "eth.type", 0x8100, "vlan.id", List.of(v1, v2),
                        "vlan.priority", List.of(p1, p2), "vlan.dei", List.of(1, 0));
                default -> expect("eth.dst", lower(dst), "eth.src", lower(src), "eth.type", 0x88B5);
            }));
        }
        check("ethernet", cases, List.of("eth.dst", "eth.src", "eth.type", "vlan.id", "vlan.priority", "vlan.dei", "vlan.etype",
                "ieee8021ad.id", "ieee8021ad.priority"), CaptureFormat.PCAP);
    }

    @Test
    void arp() throws Exception {
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            int op = i % 2 == 0 ? Arp.REQUEST : Arp.REPLY;
            MacAddress sha = mac();
            MacAddress tha = op == Arp.REQUEST ? MacAddress.of(0) : mac();
            Ipv4Address spa = ip4();
            Ipv4Address tpa = ip4();
            boolean tagged = i >= 4;
            int vidOffset = i;
            cases.add(new Case(build(b -> {
                b.ethernet(op == Arp.REQUEST ? MacAddress.BROADCAST : tha, sha);
                if (tagged) {
                    b.vlan(100 + vidOffset);
                }
                b.arp(op, sha, spa, tha, tpa);
            }), expect("arp.opcode", op, "arp.src.hw_mac", lower(sha), "arp.src.proto_ipv4", spa.toString(),
                    "arp.dst.hw_mac", lower(tha), "arp.dst.proto_ipv4", tpa.toString())));
        }
        check("arp", cases, List.of("arp.opcode", "arp.src.hw_mac", "arp.src.proto_ipv4", "arp.dst.hw_mac", "arp.dst.proto_ipv4", "vlan.id"),
                CaptureFormat.PCAPNG);
    }

    @Test
    void ipv4WithOptionsAndIcmp() throws Exception {
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            Ipv4Address src = ip4();
            Ipv4Address dst = ip4();
            int ttl = 1 + random.nextInt(255);
            int tos = random.nextInt(256);
            int id = random.nextInt(65536);
            int ident = random.nextInt(65536);
            int seq = random.nextInt(65536);
            boolean df = random.nextBoolean();
            boolean options = i % 3 != 0;
            boolean request = i % 2 == 0;
            byte[] data = new byte[random.nextInt(64) + (i == 5 ? 1 : 0)]; // odd lengths too
            random.nextBytes(data);
            byte[] frame = build(b -> {
                b.ethernet(mac(), mac()).ipv4(src, dst).ttl(ttl).trafficClass(tos).identification(id).fragment(df, false, 0);
                if (options) {
                    b.ipv4RouterAlert();
                    if (ident % 2 == 0) {
                        b.ipv4Option(Ipv4OptionTypes.NOP, null).ipv4Option(Ipv4OptionTypes.TIMESTAMP, new byte[] {5, 0, 0, 0, 0, 0});
                    }
                }
                b.icmpEcho(request, ident, seq).payload(data);
            });
            int hl = options ? (ident % 2 == 0 ? 36 : 24) : 20; // 4 + 1 + 8 bytes of options pad to 16
            cases.add(new Case(frame, expect("ip.version", 4, "ip.hdr_len", hl, "ip.dsfield", tos, "ip.len", hl + 8 + data.length,
                    "ip.id", id, "ip.flags.df", df, "ip.ttl", ttl, "ip.proto", 1, "ip.src", src.toString(), "ip.dst", dst.toString(),
                    "ip.checksum.status", 1, "icmp.type", request ? 8 : 0, "icmp.code", 0, "icmp.ident", ident, "icmp.seq", seq,
                    "icmp.checksum.status", 1)));
        }
        check("ipv4", cases, List.of("ip.version", "ip.hdr_len", "ip.dsfield", "ip.len", "ip.id", "ip.flags.df", "ip.flags.mf",
                "ip.frag_offset", "ip.ttl", "ip.proto", "ip.checksum", "ip.checksum.status", "ip.src", "ip.dst", "ip.opt.type",
                "icmp.type", "icmp.code", "icmp.checksum", "icmp.checksum.status", "icmp.ident", "icmp.seq"), CaptureFormat.PCAP);
    }

    /** IPv4 option type numbers used by the test (copied flag and class included). */
    static final class Ipv4OptionTypes {
        static final int NOP = 1;
        static final int TIMESTAMP = 68;
    }

    @Test
    void udpOverIpv4AndIpv6() throws Exception {
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            int sp = 1024 + random.nextInt(60000);
            int dp = 1 + random.nextInt(65535);
            if (dp == 9 || dp == 7) {
                dp = 10;
            }
            int dport = dp;
            byte[] data = new byte[random.nextInt(100) + 1];
            random.nextBytes(data);
            boolean v6 = i % 2 == 1;
            Ipv4Address s4 = ip4();
            Ipv4Address d4 = ip4();
            Ipv6Address s6 = ip6();
            Ipv6Address d6 = ip6();
            byte[] frame = build(b -> {
                b.ethernet(mac(), mac());
                if (v6) {
                    b.ipv6(s6, d6);
                } else {
                    b.ipv4(s4, d4);
                }
                b.udp(sp, dport).payload(data);
            });
            cases.add(new Case(frame, expect("udp.srcport", sp, "udp.dstport", dport, "udp.length", 8 + data.length,
                    "udp.checksum.status", 1)));
        }
        check("udp", cases, List.of("udp.srcport", "udp.dstport", "udp.length", "udp.checksum", "udp.checksum.status",
                "ip.checksum.status", "ipv6.plen", "ipv6.nxt"), CaptureFormat.PCAP);
    }

    @Test
    void tcpWithOptions() throws Exception {
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            int sp = 1024 + random.nextInt(60000);
            int dp = 1 + random.nextInt(1023);
            long seq = random.nextLong() & 0xFFFF_FFFFL;
            long ack = random.nextLong() & 0xFFFF_FFFFL;
            int flags = i % 3 == 0 ? Tcp.SYN : i % 3 == 1 ? Tcp.SYN | Tcp.ACK : Tcp.PSH | Tcp.ACK;
            int window = random.nextInt(65536);
            int mss = 536 + random.nextInt(9000);
            int ws = random.nextInt(15);
            long tsval = random.nextLong() & 0xFFFF_FFFFL;
            long tsecr = random.nextLong() & 0xFFFF_FFFFL;
            boolean v6 = i % 2 == 0;
            boolean opts = flags != (Tcp.PSH | Tcp.ACK);
            byte[] data = new byte[opts ? 0 : 1 + random.nextInt(200)];
            random.nextBytes(data);
            byte[] frame = build(b -> {
                b.ethernet(mac(), mac());
                if (v6) {
                    b.ipv6(ip6(), ip6());
                } else {
                    b.ipv4(ip4(), ip4()).dontFragment();
                }
                b.tcp(sp, dp).sequence(seq).acknowledgment(flags == Tcp.SYN ? 0 : ack).tcpFlags(flags).window(window);
                if (opts) {
                    b.tcpMss(mss).tcpSackPermitted().tcpTimestamps(tsval, tsecr).tcpNop().tcpWindowScale(ws);
                }
                b.payload(data);
            });
            Map<String, Object> e = expect("tcp.srcport", sp, "tcp.dstport", dp, "tcp.seq_raw", seq, "tcp.ack_raw",
                    flags == Tcp.SYN ? 0 : ack, "tcp.flags", flags, "tcp.window_size_value", window, "tcp.hdr_len", opts ? 40 : 20,
                    "tcp.checksum.status", 1);
            if (opts) {
                e.put("tcp.options.mss_val", mss);
                e.put("tcp.options.wscale.shift", ws);
                e.put("tcp.options.timestamp.tsval", tsval);
                e.put("tcp.options.timestamp.tsecr", tsecr);
            }
            cases.add(new Case(frame, e));
        }
        check("tcp", cases, List.of("tcp.srcport", "tcp.dstport", "tcp.seq_raw", "tcp.ack_raw", "tcp.flags", "tcp.window_size_value",
                "tcp.checksum", "tcp.checksum.status", "tcp.hdr_len", "tcp.urgent_pointer", "tcp.options.mss_val",
                "tcp.options.wscale.shift", "tcp.options.timestamp.tsval", "tcp.options.timestamp.tsecr", "tcp.option_kind"),
                CaptureFormat.PCAPNG);
    }

    @Test
    void ipv6ExtensionHeaders() throws Exception {
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Ipv6Address src = ip6();
            Ipv6Address dst = ip6();
            int tc = random.nextInt(256);
            int flow = random.nextInt(1 << 20);
            int hl = random.nextInt(256);
            int kind = i % 5;
            int fragOffset = random.nextInt(8192);
            long fragId = random.nextLong() & 0xFFFF_FFFFL;
            int ident = random.nextInt(65536);
            int seqNo = i;
            byte[] data = new byte[8 + random.nextInt(50)];
            random.nextBytes(data);
            byte[] frame = build(b -> {
                b.ethernet(mac(), mac()).ipv6(src, dst).trafficClass(tc).flowLabel(flow).ttl(hl);
                switch (kind) {
                    case 0 -> b.ipv6HopByHop().ipv6RouterAlert(0);
                    case 1 -> b.ipv6HopByHop().ipv6RouterAlert(0).ipv6DestinationOptions().ipv6Option(0x1E, new byte[3]);
                    case 2 -> b.ipv6Fragment(0, true, fragId);
                    case 3 -> b.ipv6Routing(0, 0, ip6(), ip6());
                    default -> b.ipv6DestinationOptions();
                }
                b.icmpv6Echo(true, ident, seqNo);
                b.payload(data);
            });
            Map<String, Object> e = expect("ipv6.tclass", tc, "ipv6.flow", flow, "ipv6.hlim", hl, "ipv6.src", src.toString(),
                    "ipv6.dst", dst.toString(), "icmpv6.type", 128, "icmpv6.echo.identifier", ident);
            switch (kind) {
                case 0 -> e.put("ipv6.nxt", IpProtocol.HOP_BY_HOP);
                case 2 -> {
                    e.put("ipv6.fraghdr.ident", fragId);
                    e.put("ipv6.fraghdr.more", 1);
                }
                case 3 -> e.put("ipv6.routing.segleft", 0);
                default -> { }
            }
            if (kind != 2) {
                e.put("icmpv6.checksum.status", 1);
            }
            cases.add(new Case(frame, e));
        }
        check("ipv6", cases, List.of("ipv6.tclass", "ipv6.flow", "ipv6.plen", "ipv6.nxt", "ipv6.hlim", "ipv6.src", "ipv6.dst",
                "ipv6.hopopts.nxt", "ipv6.dstopts.nxt", "ipv6.opt.type", "ipv6.fraghdr.offset", "ipv6.fraghdr.more", "ipv6.fraghdr.ident",
                "ipv6.routing.type", "ipv6.routing.segleft", "icmpv6.type", "icmpv6.echo.identifier"), CaptureFormat.PCAP);
    }

    @Test
    void icmpv6NeighbourDiscovery() throws Exception {
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Ipv6Address target = ip6();
            MacAddress ll = mac();
            Ipv6Address src = Ipv6Address.of(0xFE80_0000_0000_0000L, random.nextLong());
            int kind = i % 5;
            int flags = Icmpv6.NA_SOLICITED | (i % 2 == 0 ? Icmpv6.NA_OVERRIDE : Icmpv6.NA_ROUTER);
            int chl = random.nextInt(256);
            int life = random.nextInt(65536);
            long reach = random.nextLong() & 0xFFFF_FFFFL;
            long retrans = random.nextLong() & 0xFFFF_FFFFL;
            long mtu = 1280 + random.nextInt(8000);
            int plen = 48 + random.nextInt(17);
            long valid = random.nextLong() & 0xFFFF_FFFFL;
            long preferred = random.nextLong() & 0xFFFF_FFFFL;
            Ipv6Address prefix = Ipv6Address.of(0x2001_0DB8_0000_0000L | (random.nextLong() & 0xFFFF_0000L), 0);
            byte[] frame = build(b -> {
                b.ethernet(mac(), ll).ipv6(src, target.solicitedNodeMulticast()).ttl(255);
                switch (kind) {
                    case 0 -> b.neighborSolicitation(target).ndSourceLinkLayer(ll);
                    case 1 -> b.neighborAdvertisement(flags, target).ndTargetLinkLayer(ll);
                    case 2 -> b.routerSolicitation().ndSourceLinkLayer(ll);
                    case 3 -> b.routerAdvertisement(chl, 0xC0, life, reach, retrans).ndSourceLinkLayer(ll).ndMtu(mtu)
                            .ndPrefixInformation(plen, 0xC0, valid, preferred, prefix);
                    default -> b.icmpv6Echo(false, life, chl).payload(new byte[] {1, 2, 3});
                }
            });
            Map<String, Object> e = expect("icmpv6.checksum.status", 1, "ipv6.hlim", 255);
            switch (kind) {
                case 0 -> {
                    e.put("icmpv6.type", 135);
                    e.put("icmpv6.nd.ns.target_address", target.toString());
                    e.put("icmpv6.opt.linkaddr", lower(ll));
                }
                case 1 -> {
                    e.put("icmpv6.type", 136);
                    e.put("icmpv6.nd.na.target_address", target.toString());
                    e.put("icmpv6.nd.na.flag", (long) flags << 24);
                    e.put("icmpv6.opt.linkaddr", lower(ll));
                }
                case 2 -> e.put("icmpv6.type", 133);
                case 3 -> {
                    e.put("icmpv6.type", 134);
                    e.put("icmpv6.nd.ra.cur_hop_limit", chl);
                    e.put("icmpv6.nd.ra.router_lifetime", life);
                    e.put("icmpv6.nd.ra.reachable_time", reach);
                    e.put("icmpv6.nd.ra.retrans_timer", retrans);
                    e.put("icmpv6.opt.mtu", mtu);
                    e.put("icmpv6.opt.prefix", prefix.toString());
                    e.put("icmpv6.opt.prefix.length", plen);
                    e.put("icmpv6.opt.prefix.valid_lifetime", valid);
                    e.put("icmpv6.opt.prefix.preferred_lifetime", preferred);
                }
                default -> {
                    e.put("icmpv6.type", 129);
                    e.put("icmpv6.echo.identifier", life);
                    e.put("icmpv6.echo.sequence_number", chl);
                }
            }
            cases.add(new Case(frame, e));
        }
        check("icmpv6", cases, List.of("icmpv6.type", "icmpv6.code", "icmpv6.checksum", "icmpv6.checksum.status",
                "icmpv6.echo.identifier", "icmpv6.echo.sequence_number", "icmpv6.nd.ns.target_address", "icmpv6.nd.na.target_address",
                "icmpv6.nd.na.flag", "icmpv6.opt.type", "icmpv6.opt.linkaddr", "icmpv6.nd.ra.cur_hop_limit", "icmpv6.nd.ra.router_lifetime",
                "icmpv6.nd.ra.reachable_time", "icmpv6.nd.ra.retrans_timer", "icmpv6.opt.mtu", "icmpv6.opt.prefix",
                "icmpv6.opt.prefix.length", "icmpv6.opt.prefix.valid_lifetime", "icmpv6.opt.prefix.preferred_lifetime", "ipv6.hlim"),
                CaptureFormat.PCAPNG);
    }

    @Test
    void lldp() throws Exception {
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            MacAddress chassis = mac();
            String port = "swp" + random.nextInt(64);
            MacAddress portMac = mac();
            boolean macPort = i % 4 == 3;
            int ttl = random.nextInt(65536);
            String desc = "port " + i + " uplink";
            String name = "switch-" + random.nextInt(1000);
            String sysDesc = "expkt test system " + random.nextInt(1 << 20);
            int caps = Lldp.CAPABILITY_BRIDGE | Lldp.CAPABILITY_ROUTER;
            int enabled = i % 2 == 0 ? Lldp.CAPABILITY_BRIDGE : caps;
            Ipv4Address mgmt = ip4();
            long ifNumber = random.nextInt(1000) + 1;
            int pvid = 1 + random.nextInt(4094);
            boolean full = i % 2 == 0;
            byte[] frame = build(b -> {
                b.ethernet(MacAddress.LLDP_NEAREST_BRIDGE, chassis).lldp().lldpChassisId(chassis);
                if (macPort) {
                    b.lldpPortId(portMac);
                } else {
                    b.lldpPortId(port);
                }
                b.lldpTtl(ttl);
                if (full) {
                    b.lldpPortDescription(desc).lldpSystemName(name).lldpSystemDescription(sysDesc).lldpCapabilities(caps, enabled)
                            .lldpManagementAddress(mgmt, 2, ifNumber, new byte[0])
                            .lldpOrganizationSpecific(0x0080C2, 1, new byte[] {(byte) (pvid >>> 8), (byte) pvid});
                }
            });
            Map<String, Object> e = expect("lldp.chassis.subtype", 4, "lldp.chassis.id.mac", lower(chassis), "lldp.time_to_live", ttl,
                    "lldp.port.subtype", macPort ? 3 : 5);
            if (macPort) {
                e.put("lldp.port.id.mac", lower(portMac));
            } else {
                e.put("lldp.port.id", port);
            }
            if (full) {
                e.put("lldp.port.desc", desc);
                e.put("lldp.tlv.system.name", name);
                e.put("lldp.tlv.system.desc", sysDesc);
                e.put("lldp.tlv.system_cap", caps);
                e.put("lldp.tlv.enable_system_cap", enabled);
                e.put("lldp.mgn.addr.ip4", mgmt.toString());
                e.put("lldp.mgn.interface.subtype", 2);
                e.put("lldp.mgn.interface.number", ifNumber);
                e.put("lldp.orgtlv.oui", 0x0080C2);
                e.put("lldp.ieee.802_1.port_vlan.id", pvid);
            }
            cases.add(new Case(frame, e));
        }
        check("lldp", cases, List.of("lldp.chassis.subtype", "lldp.chassis.id.mac", "lldp.port.subtype", "lldp.port.id",
                "lldp.port.id.mac", "lldp.time_to_live", "lldp.port.desc", "lldp.tlv.system.name", "lldp.tlv.system.desc",
                "lldp.tlv.system_cap", "lldp.tlv.enable_system_cap", "lldp.mgn.addr.ip4", "lldp.mgn.interface.subtype",
                "lldp.mgn.interface.number", "lldp.orgtlv.oui", "lldp.ieee.802_1.port_vlan.id"), CaptureFormat.PCAP);
    }

    @Test
    void wakeOnLan() throws Exception {
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            MacAddress target = mac();
            byte[] password = new byte[i % 3 == 0 ? 0 : i % 3 == 1 ? 4 : 6];
            random.nextBytes(password);
            boolean udp = i % 2 == 1;
            int sport = 40000 + i;
            byte[] frame = build(b -> {
                b.ethernet(MacAddress.BROADCAST, mac());
                if (udp) {
                    b.ipv4(ip4(), Ipv4Address.BROADCAST).udp(sport, 9);
                }
                b.wakeOnLan(target, password);
            });
            // tshark lists the sixteen copies of the target
            Map<String, Object> e = expect("wol.mac", java.util.Collections.nCopies(16, lower(target)));
            if (password.length > 0) {
                e.put("wol.passwd", Fields.passwd(password));
            }
            cases.add(new Case(frame, e));
        }
        check("wol", cases, List.of("wol.mac", "wol.passwd", "udp.checksum.status"), CaptureFormat.PCAP);
    }

    /** With segments left in a routing header, the pseudo-header holds the final destination (RFC 8200 8.1). */
    @Test
    void pseudoHeaderUsesTheRoutingHeadersFinalDestination() throws Exception {
        List<Case> cases = new ArrayList<>();
        for (int type : new int[] {0, 4}) {
            for (int left = 0; left <= 2; left++) {
                int segmentsLeft = left;
                byte[] data = new byte[7 + left];
                random.nextBytes(data);
                cases.add(new Case(build(b -> b.ethernet(mac(), mac()).ipv6(ip6(), ip6()).ipv6Routing(type, segmentsLeft, ip6(), ip6())
                        .udp(1000 + segmentsLeft, 2000).payload(data)), expect("ipv6.routing.type", type, "ipv6.routing.segleft", segmentsLeft,
                        "udp.checksum.status", 1)));
            }
        }
        check("routing", cases, List.of("ipv6.routing.type", "ipv6.routing.segleft", "udp.checksum", "udp.checksum.status"),
                CaptureFormat.PCAP);
    }

    /** Wrong checksums, set on purpose or left out: tshark and our views both call them bad (0). */
    @Test
    void wrongChecksumsAreBadForTsharkAndForUs() throws Exception {
        List<Case> cases = new ArrayList<>();
        Ipv4Address s4 = ip4();
        Ipv4Address d4 = ip4();
        Ipv6Address s6 = ip6();
        Ipv6Address d6 = ip6();
        byte[] data = {1, 2, 3, 4, 5};
        cases.add(new Case(build(b -> b.ethernet(mac(), mac()).ipv4(s4, d4).checksum(0x1234).icmpEcho(true, 1, 1).checksum(0x4321)
                .payload(data)), expect("ip.checksum.status", 0, "icmp.checksum.status", 0, "ip.checksum", 0x1234)));
        cases.add(new Case(build(b -> b.ethernet(mac(), mac()).ipv4(s4, d4).udp(1000, 2000).checksum(0xBEEF).payload(data)),
                expect("ip.checksum.status", 1, "udp.checksum.status", 0, "udp.checksum", 0xBEEF)));
        cases.add(new Case(build(b -> b.checksums(false).ethernet(mac(), mac()).ipv6(s6, d6).tcp(1000, 2000).payload(data)),
                expect("tcp.checksum.status", 0, "tcp.checksum", 0)));
        cases.add(new Case(build(b -> b.ethernet(mac(), mac()).ipv6(s6, d6).icmpv6Echo(true, 7, 7).checksum(1).payload(data)),
                expect("icmpv6.checksum.status", 0, "icmpv6.checksum", 1)));
        Path file = dir.resolve("bad.pcap");
        try (CaptureWriter w = CaptureWriter.open(file, CaptureFormat.PCAP)) {
            for (Case c : cases) {
                w.write(1_764_000_000_000_000_000L, c.frame());
            }
        }
        List<String> fields = List.of("ip.checksum", "ip.checksum.status", "icmp.checksum.status", "udp.checksum", "udp.checksum.status",
                "tcp.checksum", "tcp.checksum.status", "icmpv6.checksum", "icmpv6.checksum.status");
        List<String[]> rows = ExternalTools.tsharkFields(file, fields);
        PacketDecoder d = new PacketDecoder();
        for (int i = 0; i < cases.size(); i++) {
            d.decode(cases.get(i).frame());
            for (Map.Entry<String, Object> e : cases.get(i).expected().entrySet()) {
                Object theirs = Fields.cell(rows.get(i)[fields.indexOf(e.getKey())]);
                assertEquals(Fields.normalize(e.getValue()), theirs, "frame " + (i + 1) + " " + e.getKey() + " by tshark");
                assertEquals(theirs, Fields.ours(d, e.getKey()), "frame " + (i + 1) + " " + e.getKey() + " by our views");
            }
            assertEquals(false, d.checksumsValid(), "frame " + (i + 1) + " has a wrong checksum");
        }
    }
}
