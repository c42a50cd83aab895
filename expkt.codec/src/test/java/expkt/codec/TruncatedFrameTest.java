package expkt.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import expkt.codec.ip.IpProtocol;
import expkt.codec.ip.Tcp;
import expkt.codec.pcap.CaptureFormat;
import expkt.codec.pcap.CaptureReader;
import expkt.codec.pcap.CaptureWriter;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Frames that hold fewer bytes than their headers declare, for a legitimate reason: cut by a
 * capture's snap length (real cut captures, made by editcap -s from full ones), the first fragment
 * of a UDP datagram, a TSO/BIG TCP super-packet (IPv4 total length 0), an RFC 2675 jumbogram. Each
 * decodes as far as its bytes go, and every field we decode is the one tshark decodes.
 */
class TruncatedFrameTest {
    @TempDir
    Path dir;

    private static final long T0 = 1_764_072_000_000_000_000L;

    /** The fields compared with tshark wherever our decoder found the layer. */
    private static final List<String> FIELDS = List.of("eth.src", "eth.type", "vlan.id", "arp.opcode", "arp.src.proto_ipv4",
            "ip.len", "ip.src", "ip.ttl", "ip.proto", "ip.flags.mf", "ipv6.plen", "ipv6.src", "ipv6.nxt", "icmp.type", "icmp.ident",
            "icmpv6.type", "udp.srcport", "udp.dstport", "udp.length", "tcp.srcport", "tcp.dstport", "tcp.seq_raw", "tcp.hdr_len",
            "lldp.chassis.id.mac", "lldp.time_to_live");

    private static byte[] build(java.util.function.Consumer<FrameBuilder> b) {
        return TsharkRoundTripTest.build(b);
    }

    private static void putShort(byte[] f, int at, int v) {
        f[at] = (byte) (v >>> 8);
        f[at + 1] = (byte) v;
    }

    /** An IPv4/TCP frame as a capture on a TSO or BIG TCP sender shows it: total length 0, header checksum made for that. */
    static byte[] tsoFrame() {
        byte[] data = new byte[1400];
        Arrays.fill(data, (byte) 'x');
        byte[] f = build(b -> b.ethernet(Corpus.A, Corpus.B).ipv4(Corpus.IP_A, Corpus.IP_B).dontFragment().tcp(40000, 5201)
                .tcpFlags(Tcp.ACK | Tcp.PSH).sequence(12345).payload(data));
        putShort(f, 16, 0);
        putShort(f, 24, 0);
        MemorySegment s = MemorySegment.ofArray(f);
        putShort(f, 24, InternetChecksum.finish(InternetChecksum.add(0, s, 14, 20)));
        return f;
    }

    /** An RFC 2675 jumbogram: payload length 0, hop-by-hop Jumbo Payload option, UDP length 0, {@code data} bytes of data. */
    static byte[] jumbogram(int data) {
        int jumbo = 8 + 8 + data;
        ByteBuffer b = ByteBuffer.allocate(14 + 40 + jumbo);
        b.put(build(e -> e.ethernet(Corpus.A, Corpus.B).etherType(0x86DD)), 0, 14);
        b.putInt(0x6000_0000).putShort((short) 0).put((byte) IpProtocol.HOP_BY_HOP).put((byte) 64);
        b.put(new byte[] {0x20, 0x01, 0x0d, (byte) 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a});
        b.put(new byte[] {0x20, 0x01, 0x0d, (byte) 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b});
        b.put((byte) IpProtocol.UDP).put((byte) 0).put((byte) 0xC2).put((byte) 4).putInt(jumbo); // hop-by-hop: Jumbo Payload
        b.putShort((short) 4000).putShort((short) 4001).putShort((short) 0).putShort((short) 0); // UDP length 0: see the IPv6 payload
        return b.array();
    }

    private List<byte[]> frames() {
        List<byte[]> l = new ArrayList<>(Corpus.frames());
        byte[] data = new byte[300];
        Arrays.fill(data, (byte) 7);
        l.add(build(b -> b.ethernet(Corpus.A, Corpus.B).ipv4(Corpus.IP_A, Corpus.IP_B).ipv4RouterAlert().tcp(1, 2).tcpMss(1460)
                .tcpTimestamps(5, 6).payload(data)));
        l.add(build(b -> b.ethernet(Corpus.A, Corpus.B).vlan(7).ipv6(Corpus.IP6_A, Corpus.IP6_B).ipv6HopByHop().ipv6RouterAlert(0)
                .udp(33000, 33001).payload(data)));
        l.add(build(b -> b.ethernet(Corpus.A, Corpus.B).ipv6(Corpus.IP6_A, Corpus.IP6_B).icmpv6Echo(true, 9, 10).payload(data)));
        l.add(tsoFrame());
        return l;
    }

    /** Where the bytes a layer needs end: its header, or its whole message for those whose options the wrap walks. */
    private static List<int[]> needs(PacketDecoder d) {
        List<int[]> l = new ArrayList<>(); // {layer bit, end}
        l.add(new int[] {PacketDecoder.ETHERNET, d.ethernet().headerLength()});
        if (d.has(PacketDecoder.ARP)) {
            l.add(new int[] {PacketDecoder.ARP, d.arp().offset() + d.arp().headerLength()});
        }
        if (d.has(PacketDecoder.IPV4)) {
            l.add(new int[] {PacketDecoder.IPV4, d.ipv4().offset() + d.ipv4().headerLength()});
        }
        if (d.has(PacketDecoder.IPV6)) {
            l.add(new int[] {PacketDecoder.IPV6, d.ipv6().offset() + d.ipv6().headerLength()});
        }
        if (d.has(PacketDecoder.ICMP)) {
            l.add(new int[] {PacketDecoder.ICMP, d.icmp().offset() + 8});
        }
        if (d.has(PacketDecoder.ICMPV6)) {
            // the fixed part, and the type and length of every neighbour-discovery option (the wrap walks them)
            int end = d.icmpv6().offset() + d.icmpv6().headerLength();
            for (int o = d.icmpv6().firstOption(); o >= 0; o = d.icmpv6().nextOption(o)) {
                end = o + 2;
            }
            l.add(new int[] {PacketDecoder.ICMPV6, end});
        }
        if (d.has(PacketDecoder.UDP)) {
            l.add(new int[] {PacketDecoder.UDP, d.udp().offset() + 8});
        }
        if (d.has(PacketDecoder.TCP)) {
            l.add(new int[] {PacketDecoder.TCP, d.tcp().offset() + d.tcp().headerLength()});
        }
        if (d.has(PacketDecoder.LLDP)) {
            l.add(new int[] {PacketDecoder.LLDP, d.lldp().offset() + d.lldp().headerLength()});
        }
        if (d.has(PacketDecoder.WAKE_ON_LAN)) {
            l.add(new int[] {PacketDecoder.WAKE_ON_LAN, d.wakeOnLan().offset() + expkt.codec.wol.WakeOnLan.LENGTH}); // a cut password is a cut payload
        }
        return l;
    }

    @Test
    void framesCutBySnapLengthDecodeAsFarAsTheirBytesGoAsTsharkDoes() throws Exception {
        List<byte[]> frames = frames();
        Path full = dir.resolve("full.pcap");
        try (CaptureWriter w = CaptureWriter.open(full, CaptureFormat.PCAP)) {
            for (int i = 0; i < frames.size(); i++) {
                w.write(T0 + i, frames.get(i));
            }
        }
        PacketDecoder whole = new PacketDecoder();
        PacketDecoder d = new PacketDecoder();
        int layersCompared = 0;
        int cutLayers = 0;
        for (int snap : new int[] {13, 14, 20, 34, 38, 41, 42, 46, 54, 58, 60, 62, 66, 74, 78, 94, 100, 118, 128, 160}) {
            Path cut = dir.resolve("cut-" + snap + ".pcap");
            ExternalTools.run(List.of("editcap", "-s", Integer.toString(snap), full.toString(), cut.toString()), dir);
            List<String[]> rows = ExternalTools.tsharkFields(cut, FIELDS);
            assertEquals(frames.size(), rows.size());
            try (CaptureReader r = CaptureReader.open(cut)) {
                for (int i = 0; i < frames.size(); i++) {
                    assertTrue(r.next());
                    byte[] f = frames.get(i);
                    String where = "frame " + i + " cut at " + snap + " of " + f.length;
                    assertEquals(Math.min(snap, f.length), r.capturedLength(), where);
                    assertEquals(f.length, r.originalLength(), where);
                    d.decode(r.segment(), r.frameOffset(), r.capturedLength(), r.originalLength()); // throws nothing: every frame is good
                    assertEquals(snap < f.length, d.isTruncated(), where);
                    whole.decode(f);
                    int expected = 0;
                    for (int[] need : needs(whole)) {
                        if (need[1] <= snap) {
                            expected |= need[0];
                        } else {
                            cutLayers++;
                        }
                    }
                    assertEquals(Integer.toHexString(expected), Integer.toHexString(d.layers()), where + ": the layers whose headers were captured");
                    for (int k = 0; k < FIELDS.size(); k++) {
                        Object ours = d.layers() == 0 ? null : Fields.ours(d, FIELDS.get(k));
                        if (ours != null) {
                            assertEquals(Fields.cell(rows.get(i)[k]), ours, where + ": " + FIELDS.get(k) + " by tshark and by us");
                            layersCompared++;
                        }
                    }
                    d.checksumsValid(); // covers only what was captured: no exception
                }
            }
        }
        assertTrue(cutLayers > 100 && layersCompared > 1000, cutLayers + " cut layers, " + layersCompared + " fields compared");
    }

    @Test
    void firstFragmentsOfUdpDatagramsDecodeTheirPorts() throws Exception {
        byte[] data = new byte[40];
        byte[] v4 = build(b -> b.ethernet(Corpus.A, Corpus.B).ipv4(Corpus.IP_A, Corpus.IP_B).identification(7).fragment(false, true, 0)
                .udp(7000, 7001).payload(data));
        byte[] v6 = build(b -> b.ethernet(Corpus.A, Corpus.B).ipv6(Corpus.IP6_A, Corpus.IP6_B).ipv6Fragment(0, true, 5)
                .udp(7002, 7003).payload(data));
        putShort(v4, 14 + 20 + 4, 3000); // the whole datagram's length: more than this fragment holds
        putShort(v6, 14 + 40 + 8 + 4, 3000);
        byte[] later = build(b -> b.ethernet(Corpus.A, Corpus.B).ipv4(Corpus.IP_A, Corpus.IP_B).identification(7).fragment(false, true, 6)
                .udp(1, 2).payload(data));
        Path file = dir.resolve("fragments.pcap");
        try (CaptureWriter w = CaptureWriter.open(file, CaptureFormat.PCAP)) {
            w.write(T0, v4);
            w.write(T0 + 1, v6);
            w.write(T0 + 2, later);
        }
        List<String> fields = List.of("udp.srcport", "udp.dstport", "udp.length");
        List<String[]> rows = ExternalTools.tsharkFields(file, fields);
        PacketDecoder d = new PacketDecoder();
        int i = 0;
        for (byte[] f : List.of(v4, v6)) {
            d.decode(f);
            assertTrue(d.has(PacketDecoder.UDP), "frame " + i + ": the first fragment's UDP header");
            for (int k = 0; k < fields.size(); k++) {
                assertEquals(Fields.cell(rows.get(i)[k]), Fields.ours(d, fields.get(k)), "frame " + i + " " + fields.get(k));
            }
            assertEquals(3000, d.udp().length());
            assertTrue(d.udp().isTruncated(), "the datagram goes on in later fragments");
            assertEquals(40, d.udp().payloadLength(), "the payload is what this fragment holds");
            assertFalse(d.isTruncated(), "the frame itself is whole");
            assertTrue(d.checksumsValid(), "a fragment's transport checksum is not checked");
            i++;
        }
        d.decode(later);
        assertFalse(d.has(PacketDecoder.UDP), "a later fragment has no UDP header");
        assertEquals("", rows.get(2)[0]);
        // a first fragment too short for the UDP header is malformed, not cut: its bytes are all there
        byte[] tiny = build(b -> b.ethernet(Corpus.A, Corpus.B).ipv4(Corpus.IP_A, Corpus.IP_B).fragment(false, true, 0)
                .protocol(IpProtocol.UDP).payload(new byte[4]));
        MalformedPacketException e = assertThrows(MalformedPacketException.class, () -> d.decode(tiny));
        assertEquals("UDP", e.header(), e.getMessage());
        // a UDP length the largest datagram cannot have stays malformed, fragment or not
        byte[] tooShort = v4.clone();
        putShort(tooShort, 14 + 20 + 4, 7);
        assertEquals("length", assertThrows(MalformedPacketException.class, () -> d.decode(tooShort)).field());
    }

    @Test
    void tsoSuperPacketsWithTotalLengthZeroDecodeAsTsharkDoes() throws Exception {
        byte[] f = tsoFrame();
        Path file = dir.resolve("tso.pcap");
        try (CaptureWriter w = CaptureWriter.open(file, CaptureFormat.PCAP)) {
            w.write(T0, f);
        }
        List<String> fields = List.of("ip.len", "ip.checksum.status", "tcp.srcport", "tcp.dstport", "tcp.seq_raw", "tcp.len");
        String[] row = ExternalTools.tsharkFields(file, fields).get(0);
        PacketDecoder d = new PacketDecoder().decode(f);
        assertTrue(d.has(PacketDecoder.TCP));
        assertEquals(0, d.ipv4().totalLength());
        assertEquals(f.length - 14, d.ipv4().datagramLength());
        for (int k = 0; k < 5; k++) {
            assertEquals(Fields.cell(row[k]), Fields.ours(d, fields.get(k)), fields.get(k));
        }
        assertEquals(Fields.cell(row[5]), (long) d.tcp().payloadLength(), "tcp.len");
        assertEquals(1400, d.tcp().payloadLength());
    }

    @Test
    void jumbogramsDecodeWholeAndCut() throws Exception {
        byte[] f = jumbogram(70_000);
        Path file = dir.resolve("jumbo.pcap");
        try (CaptureWriter w = CaptureWriter.open(file, CaptureFormat.PCAP)) {
            w.write(T0, f);
        }
        Path cut = dir.resolve("jumbo-cut.pcap");
        ExternalTools.run(List.of("editcap", "-s", "200", file.toString(), cut.toString()), dir);
        List<String> fields = List.of("ipv6.plen", "ipv6.nxt", "ipv6.src", "udp.srcport", "udp.dstport", "udp.length");
        PacketDecoder d = new PacketDecoder();
        for (Path p : List.of(file, cut)) {
            String[] row = ExternalTools.tsharkFields(p, fields).get(0);
            try (CaptureReader r = CaptureReader.open(p)) {
                assertTrue(r.next());
                d.decode(r.segment(), r.frameOffset(), r.capturedLength(), r.originalLength());
                assertTrue(d.has(PacketDecoder.UDP), p + ": the UDP header of a jumbogram");
                assertEquals(70_016, d.ipv6().jumboPayloadLength());
                assertEquals(70_008, d.udp().datagramLength());
                for (int k = 0; k < fields.size(); k++) {
                    assertEquals(Fields.cell(row[k]), Fields.ours(d, fields.get(k)), p + " " + fields.get(k));
                }
                assertEquals(p == cut, d.isTruncated());
                assertEquals(p == cut, d.udp().isTruncated());
                assertEquals(p == cut ? 200 - 14 - 40 - 8 - 8 : 70_000, d.udp().payloadLength());
            }
        }
        // a jumbo payload length of 65,535 or less is malformed (RFC 2675)
        byte[] small = jumbogram(100);
        assertEquals("jumbo payload length", assertThrows(MalformedPacketException.class, () -> d.decode(small)).field());
    }
}
