package expkt.codec.custom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import expkt.api.net.Ipv4Address;
import expkt.api.net.Ipv6Address;
import expkt.api.net.MacAddress;
import expkt.codec.FrameBuilder;
import expkt.codec.HeaderView;
import expkt.codec.LayerKind;
import expkt.codec.PacketDecoder;
import expkt.codec.ethernet.EtherType;
import expkt.codec.pcap.CaptureFormat;
import expkt.codec.pcap.CaptureWriter;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Adding a protocol to the codec is one class (issue 14): the header's {@link LayerKind} row, its
 * writer and its parser, side by side, outside the codec's packages. Nothing in
 * {@link FrameBuilder} or the codec changes; the builder fills the type field before the new
 * header from the row's identity, and the row's own next-layer field and checksum, as for the
 * codec's headers. tshark (checksum validation on) is the oracle: IGMP (a checksum over the layer)
 * and GRE (a next-layer ethertype field, carrying IPv4 and IPv6 whose transport checksums take the
 * inner IP's pseudo-header).
 */
class AddedLayerTest {
    @TempDir
    Path dir;

    static final MacAddress A = MacAddress.parse("02:00:00:00:00:0a");
    static final MacAddress B = MacAddress.parse("02:00:00:00:00:0b");

    /** IGMPv2 (RFC 2236), all of it: row, writer, parser. */
    static final class Igmp extends HeaderView<Igmp> {
        static final LayerKind KIND = LayerKind.builder("IGMP").ipProtocol(2).checksum(2, LayerKind.Checksum.LAYER).build();
        static final int LENGTH = 8;

        static void write(MemorySegment s, long at, int type, int maxResponse, int groupBits) {
            write8(s, at, type);
            write8(s, at + 1, maxResponse);
            write16(s, at + 2, 0);
            write32(s, at + 4, groupBits);
        }

        @Override
        public String name() {
            return KIND.name();
        }

        @Override
        protected void validate() {
            require(0, LENGTH, "header");
        }

        @Override
        public int headerLength() {
            return LENGTH;
        }

        int type() {
            return u8(0, "type");
        }

        int groupBits() {
            return i32(4, "group address");
        }

        int checksum() {
            return u16(2, "checksum");
        }
    }

    /** GRE (RFC 2784) without checksum, key or sequence: row, writer, parser. */
    static final class Gre extends HeaderView<Gre> {
        static final LayerKind KIND = LayerKind.builder("GRE").ipProtocol(47).nextLayerField(2, 2, -1).build();
        static final int LENGTH = 4;

        static void write(MemorySegment s, long at) {
            write32(s, at, 0); // flags and version 0; the protocol type is filled from the next layer's row
        }

        @Override
        public String name() {
            return KIND.name();
        }

        @Override
        protected void validate() {
            require(0, LENGTH, "header");
        }

        @Override
        public int headerLength() {
            return LENGTH;
        }

        int protocolType() {
            return u16(2, "protocol type");
        }
    }

    static final Ipv4Address GROUP = Ipv4Address.parse("239.1.2.3");

    static byte[] build(java.util.function.Consumer<FrameBuilder> layers) {
        byte[] buf = new byte[256];
        FrameBuilder b = new FrameBuilder(buf);
        layers.accept(b);
        return Arrays.copyOf(buf, b.finish(60));
    }

    @Test
    void aLayerAddedInOneClassIsFilledAsTheCodecsOwnAndTsharkAgrees() throws Exception {
        Ipv4Address h1 = Ipv4Address.parse("192.0.2.1");
        Ipv4Address h2 = Ipv4Address.parse("198.51.100.2");
        Ipv6Address h61 = Ipv6Address.parse("2001:db8::1");
        Ipv6Address h62 = Ipv6Address.parse("2001:db8::2");
        byte[] igmp = build(b -> b.ethernet(MacAddress.parse("01:00:5e:01:02:03"), A).ipv4(h1, GROUP).ttl(1).ipv4RouterAlert()
                .header(Igmp.KIND, Igmp.LENGTH, (s, at) -> Igmp.write(s, at, 0x16, 0, GROUP.toInt())));
        byte[] gre4 = build(b -> b.ethernet(A, B).ipv4(h1, h2).header(Gre.KIND, Gre.LENGTH, Gre::write)
                .ipv4(Ipv4Address.parse("10.0.0.1"), Ipv4Address.parse("10.0.0.2")).udp(5000, 6000).payload("gre".getBytes()));
        byte[] gre6 = build(b -> b.ethernet(A, B).ipv4(h1, h2).header(Gre.KIND, Gre.LENGTH, Gre::write).ipv6(h61, h62)
                .icmpv6Echo(true, 7, 8).payload("in gre".getBytes()));

        // our views: the outer IPv4 announces the new layers by their rows' IP protocols
        PacketDecoder d = new PacketDecoder().decode(igmp);
        assertEquals(2, d.ipv4().protocol());
        assertTrue(d.checksumsValid());
        Igmp view = new Igmp().wrapPayloadOf(d.ipv4());
        assertEquals(0x16, view.type());
        assertEquals(GROUP.toInt(), view.groupBits());
        Gre gre = new Gre().wrapPayloadOf(new PacketDecoder().decode(gre6).ipv4());
        assertEquals(EtherType.IPV6, gre.protocolType(), "GRE's protocol type filled from the IPv6 row's ethertype");

        Path file = dir.resolve("added.pcap");
        try (CaptureWriter w = CaptureWriter.open(file, CaptureFormat.PCAP)) {
            w.write(1_000_000_000L, igmp);
            w.write(2_000_000_000L, gre4);
            w.write(3_000_000_000L, gre6);
        }
        List<String> rows = tshark(file, "ip.proto", "igmp.type", "igmp.maddr", "igmp.checksum.status", "ip.checksum.status",
                "gre.proto", "udp.checksum.status", "icmpv6.checksum.status", "udp.dstport", "icmpv6.echo.sequence_number");
        assertEquals(List.of(
                "2\t0x16\t239.1.2.3\t1\t1\t\t\t\t\t",
                "47,17\t\t\t\t1,1\t0x0800\t1\t\t6000\t",
                "47\t\t\t\t1\t0x86dd\t\t1\t\t8"), rows, "tshark's reading of the frames built with the added layers");
    }

    @Test
    void theAddedRowsRulesApply() {
        // a row with a next-layer field refuses to guess a layer without an identity, as the codec's own do
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> build(b -> b.ethernet(A, B)
                .ipv4(Ipv4Address.parse("192.0.2.1"), Ipv4Address.parse("192.0.2.2")).header(Gre.KIND, Gre.LENGTH, Gre::write)
                .payload(new byte[4])));
        assertEquals("GRE is followed by payload: give its ethertype explicitly", e.getMessage());
        // ... and takes it explicitly: etherType() applies to any row with an ethertype field
        byte[] f = build(b -> b.ethernet(A, B).ipv4(Ipv4Address.parse("192.0.2.1"), Ipv4Address.parse("192.0.2.2"))
                .header(Gre.KIND, Gre.LENGTH, Gre::write).etherType(0x6558).payload(new byte[4]));
        assertEquals(0x6558, new Gre().wrapPayloadOf(new PacketDecoder().decode(f).ipv4()).protocolType());
        // a layer the table gives no identity in the type field before it is refused by name
        assertEquals("Ethernet is followed by IGMP: give its ethertype explicitly", assertThrows(IllegalStateException.class,
                () -> build(b -> b.ethernet(A, B).header(Igmp.KIND, Igmp.LENGTH, (s, at) -> Igmp.write(s, at, 0x11, 0, 0)))).getMessage());
        // the checksum is the row's: checksum() sets it by hand, checksums(false) leaves it 0
        byte[] bad = build(b -> b.ethernet(A, B).ipv4(Ipv4Address.parse("192.0.2.1"), GROUP)
                .header(Igmp.KIND, Igmp.LENGTH, (s, at) -> Igmp.write(s, at, 0x17, 0, GROUP.toInt())).checksum(0xBEEF));
        assertEquals(0xBEEF, new Igmp().wrapPayloadOf(new PacketDecoder().decode(bad).ipv4()).checksum());
    }

    private List<String> tshark(Path file, String... fields) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("tshark", "-n", "-r", file.toString(), "-o", "ip.check_checksum:TRUE",
                "-o", "udp.check_checksum:TRUE", "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,"));
        for (String f : fields) {
            cmd.add("-e");
            cmd.add(f);
        }
        Process p = new ProcessBuilder(cmd).redirectError(dir.resolve("tshark.err").toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "tshark ended");
        assertEquals(0, p.exitValue(), "tshark: " + Files.readString(dir.resolve("tshark.err")));
        return out.lines().toList();
    }
}
