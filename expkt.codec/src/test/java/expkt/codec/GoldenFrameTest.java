package expkt.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import expkt.api.net.Ipv4Address;
import expkt.api.net.Ipv6Address;
import expkt.api.net.MacAddress;
import expkt.codec.ethernet.Arp;
import expkt.codec.ethernet.EtherType;
import expkt.codec.ip.Icmp;
import expkt.codec.ip.Icmpv6;
import expkt.codec.ip.IpProtocol;
import expkt.codec.ip.Tcp;
import expkt.codec.lldp.Lldp;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The builder's bytes, pinned: every layer, setter and option of {@link FrameBuilder} in every
 * combination the codec allows (each link layer under each network layer under each transport,
 * options and their padding at every length, explicit types and checksums, padding to the minimum)
 * built with fixed values into a dirty buffer and compared byte for byte with
 * {@code golden-frames.txt}, recorded from the builder before the LayerKind refactor (issue 14). A
 * refactor of the writing code must leave every frame identical. A combination the builder refuses
 * is pinned too: its exception's class and message.
 *
 * <p>Re-record (only for a deliberate change of the bytes, and say why in the commit):
 * {@code mvn -pl expkt.codec test -Dtest=GoldenFrameTest -Dgolden.record=src/test/resources/expkt/codec/golden-frames.txt}.
 */
class GoldenFrameTest {
    static final MacAddress A = Corpus.A;
    static final MacAddress B = Corpus.B;
    static final Ipv4Address IP_A = Corpus.IP_A;
    static final Ipv4Address IP_B = Corpus.IP_B;
    static final Ipv6Address IP6_A = Corpus.IP6_A;
    static final Ipv6Address IP6_B = Corpus.IP6_B;
    static final byte[] DATA = "0123456789abcdef-golden".getBytes(StandardCharsets.US_ASCII);

    /** Every case by name, in a fixed order. */
    static Map<String, Consumer<FrameBuilder>> cases() {
        Map<String, Consumer<FrameBuilder>> c = new LinkedHashMap<>();
        // link layers: untagged, C-tag, S-tag + C-tag, tags with priority and DEI, explicit ethertypes
        Map<String, Consumer<FrameBuilder>> links = new LinkedHashMap<>();
        links.put("eth", b -> b.ethernet(A, B));
        links.put("eth.vlan", b -> b.ethernet(A, B).vlan(100));
        links.put("eth.svlan.vlan", b -> b.ethernet(A, B).serviceVlan(5, true, 200).vlan(3, false, 4094));
        links.put("eth.svlan.vlan.p", b -> b.ethernet(A, B).serviceVlan(7).vlan(7, true, 1));
        // network layers, each with every transport it can carry
        Map<String, Consumer<FrameBuilder>> v4 = new LinkedHashMap<>();
        v4.put("ipv4", b -> b.ipv4(IP_A, IP_B));
        v4.put("ipv4.set", b -> b.ipv4(IP_A, IP_B).ttl(1).trafficClass(0xB8).identification(0xBEEF).dontFragment());
        v4.put("ipv4.frag", b -> b.ipv4(IP_A, IP_B).fragment(true, true, 185).identification(7));
        v4.put("ipv4.ra", b -> b.ipv4(IP_A, IP_B).ipv4RouterAlert());
        v4.put("ipv4.opt1", b -> b.ipv4(IP_A, IP_B).ipv4Option(1, null));
        v4.put("ipv4.opt3", b -> b.ipv4(IP_A, IP_B).ipv4Option(0x88, new byte[] {1}));
        v4.put("ipv4.opt-full", b -> b.ipv4(IP_A, IP_B).ipv4Option(7, new byte[37]).ipv4Option(0, null));
        Map<String, Consumer<FrameBuilder>> v6 = new LinkedHashMap<>();
        v6.put("ipv6", b -> b.ipv6(IP6_A, IP6_B));
        v6.put("ipv6.set", b -> b.ipv6(IP6_A, IP6_B).ttl(255).trafficClass(0xFF).flowLabel(0xABCDE));
        v6.put("ipv6.hbh", b -> b.ipv6(IP6_A, IP6_B).ipv6HopByHop());
        v6.put("ipv6.hbh.ra", b -> b.ipv6(IP6_A, IP6_B).ipv6HopByHop().ipv6RouterAlert(0));
        v6.put("ipv6.hbh.pad1", b -> b.ipv6(IP6_A, IP6_B).ipv6HopByHop().ipv6Option(0x1E, new byte[3]));
        v6.put("ipv6.hbh.pad0", b -> b.ipv6(IP6_A, IP6_B).ipv6HopByHop().ipv6Option(0x1E, new byte[4]));
        v6.put("ipv6.hbh.long", b -> b.ipv6(IP6_A, IP6_B).ipv6HopByHop().ipv6Option(0x1E, new byte[13]).ipv6Option(0, null));
        v6.put("ipv6.dst", b -> b.ipv6(IP6_A, IP6_B).ipv6DestinationOptions().ipv6Option(0x3E, new byte[] {9, 8}));
        v6.put("ipv6.rt0", b -> b.ipv6(IP6_A, IP6_B).ipv6Routing(0, 1, IP6_A, IP6_B));
        v6.put("ipv6.rt2", b -> b.ipv6(IP6_A, IP6_B).ipv6Routing(2, 1, IP6_B));
        v6.put("ipv6.rt4", b -> b.ipv6(IP6_A, IP6_B).ipv6Routing(4, 2, IP6_A, IP6_B, IP6_A));
        v6.put("ipv6.rt4.empty", b -> b.ipv6(IP6_A, IP6_B).ipv6Routing(4, 0));
        v6.put("ipv6.frag", b -> b.ipv6(IP6_A, IP6_B).ipv6Fragment(0, true, 0xCAFEBABEL));
        v6.put("ipv6.frag2", b -> b.ipv6(IP6_A, IP6_B).ipv6Fragment(8191, false, 1));
        v6.put("ipv6.all", b -> b.ipv6(IP6_A, IP6_B).ipv6HopByHop().ipv6RouterAlert(5).ipv6DestinationOptions()
                .ipv6Option(0x1E, new byte[1]).ipv6Routing(0, 1, IP6_B).ipv6Fragment(1, true, 3).ipv6DestinationOptions());
        Map<String, Consumer<FrameBuilder>> transports4 = new LinkedHashMap<>();
        transports4.put("icmp", b -> b.icmp(Icmp.DESTINATION_UNREACHABLE, 3, 0x12345678).payload(DATA));
        transports4.put("echo", b -> b.icmpEcho(true, 0x1234, 1).payload(DATA));
        transports4.put("echoreply", b -> b.icmpEcho(false, 0xFFFF, 0xFFFF));
        Map<String, Consumer<FrameBuilder>> transports6 = new LinkedHashMap<>();
        transports6.put("icmpv6", b -> b.icmpv6(Icmpv6.ECHO_REQUEST, 0, 0x00010002).payload(DATA));
        transports6.put("echo6", b -> b.icmpv6Echo(true, 7, 8).payload(DATA));
        transports6.put("echoreply6", b -> b.icmpv6Echo(false, 9, 10));
        transports6.put("rs", b -> b.routerSolicitation().ndSourceLinkLayer(B));
        transports6.put("ra", b -> b.routerAdvertisement(64, 0xC0, 1800, 30000, 1000).ndSourceLinkLayer(B).ndMtu(1500)
                .ndPrefixInformation(64, 0xC0, 2592000, 604800, IP6_A));
        transports6.put("ns", b -> b.neighborSolicitation(IP6_B).ndSourceLinkLayer(A));
        transports6.put("na", b -> b.neighborAdvertisement(Icmpv6.NA_ROUTER | Icmpv6.NA_SOLICITED | Icmpv6.NA_OVERRIDE, IP6_A)
                .ndTargetLinkLayer(A));
        Map<String, Consumer<FrameBuilder>> transports = new LinkedHashMap<>();
        transports.put("none", b -> { });
        transports.put("udp", b -> b.udp(1234, 53).payload(DATA));
        transports.put("udp.empty", b -> b.udp(0, 65535));
        transports.put("udp.wol", b -> b.udp(9, 9).wakeOnLan(A, new byte[] {1, 2, 3, 4}));
        transports.put("tcp", b -> b.tcp(40000, 80));
        transports.put("tcp.set", b -> b.tcp(1, 2).sequence(0xFFFFFFFFL).acknowledgment(0x80000000L).tcpFlags(Tcp.SYN | Tcp.ACK | 0x800)
                .window(1024).urgentPointer(77).payload(DATA));
        transports.put("tcp.opts", b -> b.tcp(40000, 443).tcpFlags(Tcp.SYN).tcpMss(1460).tcpSackPermitted().tcpTimestamps(1, 0xFFFFFFFFL)
                .tcpNop().tcpWindowScale(14));
        transports.put("tcp.pad", b -> b.tcp(3, 4).tcpWindowScale(0));
        transports.put("tcp.opt", b -> b.tcp(3, 4).tcpOption(30, new byte[] {1, 2, 3, 4, 5}).tcpOption(0, null).payload(DATA));
        transports.put("payload", b -> b.protocol(IpProtocol.IPV6_NO_NEXT == 59 ? 253 : 254).payload(DATA));
        for (var link : links.entrySet()) {
            for (var net : v4.entrySet()) {
                Map<String, Consumer<FrameBuilder>> t = new LinkedHashMap<>(transports);
                t.putAll(transports4);
                for (var tr : t.entrySet()) {
                    c.put(link.getKey() + "/" + net.getKey() + "/" + tr.getKey(), link.getValue().andThen(net.getValue()).andThen(tr.getValue()));
                }
            }
            for (var net : v6.entrySet()) {
                Map<String, Consumer<FrameBuilder>> t = new LinkedHashMap<>(transports);
                t.putAll(transports6);
                for (var tr : t.entrySet()) {
                    c.put(link.getKey() + "/" + net.getKey() + "/" + tr.getKey(), link.getValue().andThen(net.getValue()).andThen(tr.getValue()));
                }
            }
            c.put(link.getKey() + "/arp-req", link.getValue().andThen(b -> b.arp(Arp.REQUEST, B, IP_B, MacAddress.of(0), IP_A)));
            c.put(link.getKey() + "/arp-rep", link.getValue().andThen(b -> b.arp(Arp.REPLY, A, IP_A, B, IP_B)));
            c.put(link.getKey() + "/wol", link.getValue().andThen(b -> b.wakeOnLan(A)));
            c.put(link.getKey() + "/wol6", link.getValue().andThen(b -> b.wakeOnLan(A, new byte[] {1, 2, 3, 4, 5, 6})));
            c.put(link.getKey() + "/lldp", link.getValue().andThen(GoldenFrameTest::everyLldpTlv));
            c.put(link.getKey() + "/lldp-min", link.getValue().andThen(b -> b.lldp().lldpChassisId(A).lldpPortId(B).lldpTtl(0)));
            c.put(link.getKey() + "/raw", link.getValue().andThen(b -> b.etherType(0x88B5).payload(DATA, 3, 7)));
        }
        c.put("eth-explicit/ipv4/udp", b -> b.ethernet(A, B, EtherType.IPV6).ipv4(IP_A, IP_B).udp(1, 2));
        c.put("eth/ipv4-proto/udp", b -> b.ethernet(A, B).ipv4(IP_A, IP_B).protocol(17).udp(1, 2));
        c.put("eth/ipv6-proto/tcp", b -> b.ethernet(A, B).ipv6(IP6_A, IP6_B).protocol(200).tcp(1, 2));
        c.put("eth/ipv6.hbh-proto/udp", b -> b.ethernet(A, B).ipv6(IP6_A, IP6_B).ipv6HopByHop().protocol(17).udp(1, 2));
        c.put("eth/ipv4/in-ipv6", b -> b.ethernet(A, B).ipv6(IP6_A, IP6_B).ipv4(IP_A, IP_B).udp(5, 6));
        c.put("eth/ipv6/in-ipv4", b -> b.ethernet(A, B).ipv4(IP_A, IP_B).ipv6(IP6_A, IP6_B).tcp(5, 6).payload(DATA));
        c.put("eth/ipv4/checksums", b -> b.ethernet(A, B).ipv4(IP_A, IP_B).checksum(0x1234).udp(1, 2).checksum(0));
        c.put("eth/ipv4/icmp-checksum", b -> b.ethernet(A, B).ipv4(IP_A, IP_B).icmpEcho(true, 1, 1).checksum(0xFFFF));
        c.put("eth/ipv6/tcp-checksum", b -> b.ethernet(A, B).ipv6(IP6_A, IP6_B).tcp(1, 2).checksum(0xABCD).tcpMss(1));
        c.put("eth/ipv6/icmpv6-checksum", b -> b.ethernet(A, B).ipv6(IP6_A, IP6_B).icmpv6Echo(true, 1, 1).checksum(1));
        c.put("eth/ipv4/no-checksums", b -> b.checksums(false).ethernet(A, B).ipv4(IP_A, IP_B).tcp(1, 2).tcpMss(1460).payload(DATA));
        c.put("eth/ipv6/no-checksums", b -> b.checksums(false).ethernet(A, B).ipv6(IP6_A, IP6_B).udp(1, 2).payload(DATA));
        c.put("eth/ipv6/rt-final-dest", b -> b.ethernet(A, B).ipv6(IP6_A, IP6_B).ipv6Routing(0, 2, IP6_A, IP6_B).udp(7, 8).payload(DATA));
        c.put("eth/ipv4/segment-payload", b -> b.ethernet(A, B).ipv4(IP_A, IP_B).udp(1, 2)
                .payload(java.lang.foreign.MemorySegment.ofArray(DATA), 5, 10));
        c.put("eth/lldp-utf8", b -> b.ethernet(MacAddress.LLDP_NEAREST_BRIDGE, B).lldp().lldpChassisId(B).lldpPortId("ポート 1 \uD83D\uDE80 \uD800")
                .lldpTtl(65535).lldpSystemName("é").lldpTlv(127, new byte[511]));
        // what the builder refuses, with its messages
        c.put("refuse/vlan-after-ipv4", b -> b.ethernet(A, B).ipv4(IP_A, IP_B).vlan(1));
        c.put("refuse/vlan-first", b -> b.vlan(1));
        c.put("refuse/ext-after-eth", b -> b.ethernet(A, B).ipv6HopByHop());
        c.put("refuse/ext-after-udp", b -> b.ethernet(A, B).ipv6(IP6_A, IP6_B).udp(1, 2).ipv6Fragment(0, false, 1));
        c.put("refuse/ipv6-option-in-routing", b -> b.ethernet(A, B).ipv6(IP6_A, IP6_B).ipv6Routing(0, 0).ipv6Option(1, new byte[1]));
        c.put("refuse/ipv6-option-after-udp", b -> b.ethernet(A, B).ipv6(IP6_A, IP6_B).udp(1, 2).ipv6RouterAlert(0));
        c.put("refuse/tcp-option-late", b -> b.ethernet(A, B).ipv4(IP_A, IP_B).tcp(1, 2).payload(DATA).tcpNop());
        c.put("refuse/nd-option-after-icmp", b -> b.ethernet(A, B).ipv4(IP_A, IP_B).icmpEcho(true, 1, 1).ndMtu(1500));
        c.put("refuse/lldp-tlv-after-udp", b -> b.ethernet(A, B).ipv4(IP_A, IP_B).udp(1, 2).lldpTtl(1));
        c.put("refuse/ttl-of-tcp", b -> b.ethernet(A, B).ipv4(IP_A, IP_B).tcp(1, 2).ttl(1));
        c.put("refuse/flow-of-ipv4", b -> b.ethernet(A, B).ipv4(IP_A, IP_B).flowLabel(1));
        c.put("refuse/checksum-of-eth", b -> b.ethernet(A, B).checksum(1));
        c.put("refuse/ethertype-of-ipv4", b -> b.ethernet(A, B).ipv4(IP_A, IP_B).etherType(1));
        c.put("refuse/protocol-of-udp", b -> b.ethernet(A, B).ipv4(IP_A, IP_B).udp(1, 2).protocol(1));
        c.put("refuse/udp-no-ip", b -> b.ethernet(A, B, EtherType.IPV4).udp(1, 2).payload(DATA));
        c.put("refuse/arp-after-ipv4", b -> b.ethernet(A, B).ipv4(IP_A, IP_B).arp(1, A, IP_A, B, IP_B));
        c.put("accepted/wol-after-tcp", b -> b.ethernet(A, B).ipv4(IP_A, IP_B).tcp(1, 2).wakeOnLan(A));
        c.put("accepted/lldp-after-udp", b -> b.ethernet(A, B).ipv4(IP_A, IP_B).udp(1, 2).lldp());
        c.put("refuse/after-payload", b -> b.ethernet(A, B).ipv4(IP_A, IP_B).payload(DATA).udp(1, 2));
        c.put("refuse/nothing", b -> { });
        c.put("refuse/ipv4-options-full", b -> b.ethernet(A, B).ipv4(IP_A, IP_B).ipv4Option(7, new byte[38]).ipv4Option(1, null));
        c.put("refuse/tcp-options-full", b -> b.ethernet(A, B).ipv4(IP_A, IP_B).tcp(1, 2).tcpOption(30, new byte[37]).tcpNop().tcpNop());
        c.put("refuse/lldp-too-long", b -> b.ethernet(A, B).lldp().lldpTlv(9, new byte[512]));
        c.put("refuse/too-many-layers", b -> {
            b.ethernet(A, B);
            for (int i = 0; i < 40; i++) {
                b.vlan(i);
            }
        });
        c.put("refuse/too-big", b -> b.ethernet(A, B).payload(new byte[1990]));
        return c;
    }

    private static void everyLldpTlv(FrameBuilder b) {
        b.lldp().lldpChassisId(Lldp.CHASSIS_LOCAL, new byte[] {'c', 'h'}).lldpChassisId(B).lldpPortId("1:2").lldpPortId(A)
                .lldpPortId(Lldp.PORT_LOCAL, new byte[] {'p'}).lldpTtl(120).lldpPortDescription("uplink — 10G")
                .lldpSystemName("switch-1").lldpSystemDescription("expkt").lldpCapabilities(Lldp.CAPABILITY_BRIDGE | 0x10, Lldp.CAPABILITY_BRIDGE)
                .lldpManagementAddress(IP_A, 2, 7, new byte[] {1, 3, 6}).lldpManagementAddress(IP6_A, 3, 0xFFFFFFFFL, new byte[0])
                .lldpOrganizationSpecific(0x0080C2, 1, new byte[] {0, 5}).lldpTlv(9, new byte[] {1}).lldpTlv(10, new byte[0]);
    }

    /** Builds one case into a dirty buffer; the frame is padded to the minimum when the case number is even, so both finishes are pinned. */
    static String build(int index, Consumer<FrameBuilder> layers) {
        byte[] buf = new byte[2048];
        Arrays.fill(buf, (byte) 0x5A);
        FrameBuilder b = new FrameBuilder(java.lang.foreign.MemorySegment.ofArray(buf), 3, 2000);
        try {
            layers.accept(b);
            int n = index % 2 == 0 ? b.finish(60) : b.finish();
            return HexFormat.of().formatHex(Arrays.copyOfRange(buf, 3, 3 + n));
        } catch (RuntimeException e) {
            return "refused:" + e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    static Map<String, String> built() {
        Map<String, String> out = new LinkedHashMap<>();
        int i = 0;
        for (var e : cases().entrySet()) {
            out.put(e.getKey(), build(i++, e.getValue()));
        }
        return out;
    }

    @Test
    void everyBuiltFrameIsByteForByteTheRecordedOne() throws IOException {
        Map<String, String> now = built();
        String record = System.getProperty("golden.record");
        if (record != null && !record.isEmpty()) {
            StringBuilder s = new StringBuilder("# FrameBuilder's frames, one per line: case name, then the frame in hex (GoldenFrameTest)\n");
            now.forEach((k, v) -> s.append(k).append(' ').append(v).append('\n'));
            Files.writeString(Path.of(record), s);
            System.out.println("recorded " + now.size() + " frames into " + record);
        }
        Map<String, String> golden = new LinkedHashMap<>();
        try (InputStream in = GoldenFrameTest.class.getResourceAsStream("golden-frames.txt")) {
            assertTrue(in != null, "golden-frames.txt is missing");
            for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    int sp = line.indexOf(' ');
                    golden.put(line.substring(0, sp), line.substring(sp + 1));
                }
            }
        }
        assertTrue(now.size() > 1000, "cases: " + now.size());
        assertEquals(golden.keySet(), now.keySet(), "the same cases as recorded");
        StringBuilder diff = new StringBuilder();
        int differ = 0;
        for (var e : golden.entrySet()) {
            if (!e.getValue().equals(now.get(e.getKey()))) {
                if (differ++ < 10) {
                    diff.append(e.getKey()).append("\n  recorded ").append(e.getValue()).append("\n  built    ").append(now.get(e.getKey()))
                            .append('\n');
                }
            }
        }
        assertEquals(0, differ, differ + " of " + golden.size() + " frames differ from the recorded bytes:\n" + diff);
        System.out.println(golden.size() + " frames byte for byte as recorded");
    }
}
