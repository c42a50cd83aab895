package expkt.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import expkt.api.net.MacAddress;
import expkt.codec.ethernet.EtherType;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The builder's contract: fills, padding, reuse, and clear errors that write nothing past the buffer. */
class FrameBuilderTest {
    @Test
    void padsToTheEthernetMinimumOutsideTheIpAndUdpLengths() {
        byte[] buf = new byte[100];
        Arrays.fill(buf, (byte) 0x77);
        FrameBuilder b = new FrameBuilder(buf);
        int len = b.ethernet(Corpus.A, Corpus.B).ipv4(Corpus.IP_A, Corpus.IP_B).udp(1, 2).payload(new byte[] {9}).finish(60);
        assertEquals(60, len);
        for (int i = 43; i < 60; i++) {
            assertEquals(0, buf[i], "padding byte " + i);
        }
        assertEquals(0x77, buf[60] & 0xFF, "nothing written after the frame");
        PacketDecoder d = new PacketDecoder().decode(MemorySegment.ofArray(buf), 0, len);
        assertEquals(29, d.ipv4().totalLength());
        assertEquals(1, d.udp().payloadLength());
        assertTrue(d.checksumsValid());
    }

    @Test
    void resetBuildsTheSameFrameAgainInTheSameBuffer() {
        byte[] buf = new byte[200];
        FrameBuilder b = new FrameBuilder(buf);
        int n1 = b.ethernet(Corpus.A, Corpus.B).ipv6(Corpus.IP6_A, Corpus.IP6_B).icmpv6Echo(true, 1, 2).finish();
        byte[] first = Arrays.copyOf(buf, n1);
        Arrays.fill(buf, (byte) 0x55); // a dirty buffer: the builder must write every byte it owns
        int n2 = b.reset().ethernet(Corpus.A, Corpus.B).ipv6(Corpus.IP6_A, Corpus.IP6_B).icmpv6Echo(true, 1, 2).finish();
        assertArrayEquals(first, Arrays.copyOf(buf, n2));
    }

    @Test
    void buildsIntoAByteBufferAndASegmentAtAnOffset() {
        ByteBuffer bb = ByteBuffer.allocateDirect(128);
        int n = new FrameBuilder(bb).ethernet(MacAddress.BROADCAST, Corpus.B).wakeOnLan(Corpus.A).finish();
        assertEquals(14 + 102, n);
        byte[] big = new byte[300];
        int m = new FrameBuilder(MemorySegment.ofArray(big), 50, 200).ethernet(MacAddress.BROADCAST, Corpus.B).wakeOnLan(Corpus.A).finish();
        assertEquals(n, m);
        byte[] fromBuffer = new byte[n];
        bb.get(0, fromBuffer);
        assertArrayEquals(fromBuffer, Arrays.copyOfRange(big, 50, 50 + m));
        assertEquals(0, big[49]);
    }

    @Test
    void withoutChecksumsLeavesThemZero() {
        byte[] f = TsharkRoundTripTest.build(b -> b.checksums(false).ethernet(Corpus.A, Corpus.B).ipv4(Corpus.IP_A, Corpus.IP_B)
                .icmpEcho(true, 1, 1));
        PacketDecoder d = new PacketDecoder().decode(f);
        assertEquals(0, d.ipv4().checksum());
        assertEquals(0, d.icmp().checksum());
        assertFalse(d.checksumsValid());
        assertEquals(d.ipv4().computeChecksum(), new PacketDecoder().decode(TsharkRoundTripTest.build(b -> b.ethernet(Corpus.A, Corpus.B)
                .ipv4(Corpus.IP_A, Corpus.IP_B).icmpEcho(true, 1, 1))).ipv4().checksum());
    }

    @Test
    void aFrameBiggerThanTheBufferThrowsAndWritesNothingPastIt() {
        byte[] big = new byte[80];
        Arrays.fill(big, (byte) 0x77);
        FrameBuilder b = new FrameBuilder(MemorySegment.ofArray(big), 0, 60);
        b.ethernet(Corpus.A, Corpus.B).ipv4(Corpus.IP_A, Corpus.IP_B).udp(1, 2);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> b.payload(new byte[30]));
        assertTrue(e.getMessage().contains("60 bytes") && e.getMessage().contains("30 bytes at offset 42"), e.getMessage());
        for (int i = 60; i < 80; i++) {
            assertEquals(0x77, big[i] & 0xFF);
        }
        assertThrows(IllegalStateException.class, () -> b.finish(61));
    }

    @Test
    void badValuesAreNamed() {
        FrameBuilder b = new FrameBuilder(new byte[1500]);
        b.ethernet(Corpus.A, Corpus.B);
        assertMessage(assertThrows(IllegalArgumentException.class, () -> b.vlan(5000)), "5000");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> b.vlan(9, false, 1)), "priority 9");
        b.ipv4(Corpus.IP_A, Corpus.IP_B);
        assertMessage(assertThrows(IllegalArgumentException.class, () -> b.ttl(300)), "TTL 300");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> b.ipv4Option(7, new byte[40])), "42 bytes");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> b.udp(70000, 1)), "70000");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> b.wakeOnLan(Corpus.A, new byte[5])), "5 bytes");
        b.udp(1, 2);
        assertMessage(assertThrows(IllegalStateException.class, () -> b.ttl(3)), "UDP");
        assertMessage(assertThrows(IllegalStateException.class, () -> b.tcpMss(1460)), "TCP option");
        assertMessage(assertThrows(IllegalStateException.class, () -> b.lldpTtl(1)), "LLDP TLV");
        b.payload(new byte[3]);
        assertMessage(assertThrows(IllegalStateException.class, () -> b.udp(1, 2)), "raw payload");
        b.finish();
        assertMessage(assertThrows(IllegalStateException.class, b::finish), "reset()");
        assertMessage(assertThrows(IllegalStateException.class, () -> b.payload(new byte[1])), "reset()");
    }

    @Test
    void aRawPayloadNeedsAnExplicitType() {
        FrameBuilder b = new FrameBuilder(new byte[100]).ethernet(Corpus.A, Corpus.B);
        b.payload(new byte[4]);
        assertMessage(assertThrows(IllegalStateException.class, b::finish), "ethertype");
        int n = new FrameBuilder(new byte[100]).ethernet(Corpus.A, Corpus.B, EtherType.LLDP - 1).payload(new byte[4]).finish();
        assertEquals(18, n);
        assertThrows(IllegalStateException.class, () -> new FrameBuilder(new byte[100]).ipv4(Corpus.IP_A, Corpus.IP_B).tcpOption(2, null));
        assertThrows(IllegalStateException.class, () -> new FrameBuilder(new byte[100]).ethernet(Corpus.A, Corpus.B).ipv6HopByHop());
        assertThrows(IllegalStateException.class, () -> new FrameBuilder(new byte[10]).finish());
        assertThrows(IllegalArgumentException.class, () -> new FrameBuilder(MemorySegment.ofArray(new byte[10]), 5, 6));
    }

    @Test
    void tcpOptionsArePaddedAndTheirSpaceIsBounded() {
        FrameBuilder b = new FrameBuilder(new byte[200]).ethernet(Corpus.A, Corpus.B).ipv4(Corpus.IP_A, Corpus.IP_B).tcp(1, 2);
        b.tcpMss(1460).tcpWindowScale(7); // 4 + 3: padded to 8
        byte[] out = new byte[200];
        int n = b.finish();
        PacketDecoder d = new PacketDecoder().decode(MemorySegment.ofArray(b.segment().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)), 0, n);
        assertEquals(28, d.tcp().headerLength());
        assertEquals(1460, d.tcp().mss());
        assertEquals(7, d.tcp().windowScale());
        assertTrue(d.checksumsValid());
        FrameBuilder full = new FrameBuilder(out).ethernet(Corpus.A, Corpus.B).ipv4(Corpus.IP_A, Corpus.IP_B).tcp(1, 2);
        full.tcpTimestamps(1, 2).tcpTimestamps(3, 4).tcpTimestamps(5, 6).tcpTimestamps(7, 8); // 40 bytes
        assertMessage(assertThrows(IllegalArgumentException.class, full::tcpNop), "full");
    }

    private static void assertMessage(RuntimeException e, String part) {
        assertTrue(e.getMessage().contains(part), "\"" + e.getMessage() + "\" should name " + part);
    }
}
