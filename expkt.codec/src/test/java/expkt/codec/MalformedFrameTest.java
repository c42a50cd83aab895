package expkt.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import expkt.api.net.MacAddress;
import expkt.codec.ip.Tcp;
import java.util.Arrays;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Bad bytes give MalformedPacketException naming header, field, offset and frame length. */
class MalformedFrameTest {
    private final PacketDecoder d = new PacketDecoder();

    private MalformedPacketException bad(byte[] frame, String header, String field, int offset) {
        MalformedPacketException e = assertThrows(MalformedPacketException.class, () -> d.decode(frame));
        assertEquals(header, e.header(), e.getMessage());
        assertEquals(field, e.field(), e.getMessage());
        assertEquals(offset, e.offset(), e.getMessage());
        assertEquals(frame.length, e.frameLength());
        assertTrue(e.getMessage().startsWith(header + " " + field + " at offset " + offset + " of a " + frame.length + "-byte frame"),
                e.getMessage());
        return e;
    }

    private static byte[] frame(Consumer<FrameBuilder> b) {
        return TsharkRoundTripTest.build(b);
    }

    private static byte[] with(byte[] f, int at, int... values) {
        byte[] c = f.clone();
        for (int i = 0; i < values.length; i++) {
            c[at + i] = (byte) values[i];
        }
        return c;
    }

    @Test
    void ethernet() {
        bad(new byte[13], "Ethernet", "header", 0);
        byte[] tagged = frame(b -> b.ethernet(Corpus.A, Corpus.B).vlan(1).etherType(0x8100).payload(new byte[2]));
        bad(tagged, "Ethernet", "VLAN tag", 16); // the inner tag claims 4 more bytes: only 2 are there
        byte[] many = new byte[14 + 4 * 9 + 2];
        for (int i = 0; i <= 9; i++) {
            many[12 + 4 * i] = (byte) 0x81;
        }
        bad(many, "Ethernet", "VLAN tag", 12 + 4 * 8);
    }

    @Test
    void ieee8023LengthBoundsThePayload() {
        // an STP BPDU: 802.3 length 38 (LLC 42 42 03 + 35 bytes), padded to 60
        byte[] f = frame(b -> b.ethernet(MacAddress.parse("01:80:C2:00:00:00"), Corpus.B, 38).payload(new byte[38]));
        byte[] padded = Arrays.copyOf(f, 60);
        d.decode(padded);
        assertTrue(d.ethernet().isLengthField());
        assertEquals(38, d.ethernet().payloadLength());
        bad(with(padded, 12, 0, 47), "Ethernet", "802.3 length", 12);
    }

    @Test
    void arp() {
        byte[] f = frame(b -> b.ethernet(Corpus.A, Corpus.B).arp(1, Corpus.B, Corpus.IP_B, Corpus.A, Corpus.IP_A));
        bad(with(f, 18, 200), "ARP", "addresses", 22); // hardware length 200
        bad(Arrays.copyOf(f, 20), "ARP", "header", 14);
        d.decode(with(f, 18, 2)); // a valid ARP layout, but not Ethernet/IPv4: the MAC getters do not apply (GetterRuleTest)
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> d.arp().senderHardwareBits());
        assertTrue(e.getMessage().contains("2/4"), e.getMessage());
    }

    @Test
    void ipv4() {
        byte[] f = frame(b -> b.ethernet(Corpus.A, Corpus.B).ipv4(Corpus.IP_A, Corpus.IP_B).udp(1, 2).payload(new byte[10]));
        // the message names the length the header declares (38) against the bytes there are
        String m = bad(Arrays.copyOf(f, f.length - 1), "IPv4", "total length", 16).getMessage();
        assertTrue(m.contains("38"), m);
        bad(with(f, 14, 0x65), "IPv4", "version", 14);
        bad(with(f, 14, 0x44), "IPv4", "header length", 14);
        bad(with(f, 14, 0x4F), "IPv4", "options", 14); // 60-byte header in a 38-byte packet
        byte[] opt = frame(b -> b.ethernet(Corpus.A, Corpus.B).ipv4(Corpus.IP_A, Corpus.IP_B).ipv4Option(7, new byte[6]).udp(1, 2));
        bad(with(opt, 35, 40), "IPv4", "option length", 35);
        bad(with(opt, 35, 1), "IPv4", "option length", 35);
    }

    @Test
    void udpAndTcp() {
        byte[] u = frame(b -> b.ethernet(Corpus.A, Corpus.B).ipv4(Corpus.IP_A, Corpus.IP_B).udp(1, 2).payload(new byte[10]));
        bad(with(u, 38, 0, 19), "UDP", "length", 38);
        bad(with(u, 38, 0, 7), "UDP", "length", 38);
        byte[] t = frame(b -> b.ethernet(Corpus.A, Corpus.B).ipv6(Corpus.IP6_A, Corpus.IP6_B).tcp(1, 2).tcpMss(1460));
        bad(with(t, 54 + 12, 0xF0), "TCP", "data offset", 54 + 12);
        bad(with(t, 54 + 12, 0x40), "TCP", "data offset", 54 + 12);
        bad(with(t, 54 + 21, 9), "TCP", "option length", 54 + 21);
        // an MSS of length 3 makes the next "option" start inside the MSS value, whose length lies past the header
        bad(with(t, 54 + 21, 3), "TCP", "option length", 54 + 24);
        d.decode(with(t, 54 + 20, 3)); // a window scale option of 4 bytes: fine to walk, wrong for windowScale()
        assertEquals(Tcp.OPTION_WINDOW_SCALE, d.tcp().optionKind(d.tcp().firstOption()));
        assertEquals("option length", assertThrows(MalformedPacketException.class, () -> d.tcp().windowScale()).field());
    }

    @Test
    void ipv6AndIcmpv6() {
        byte[] f = frame(b -> b.ethernet(Corpus.A, Corpus.B).ipv6(Corpus.IP6_A, Corpus.IP6_B).ipv6HopByHop().ipv6RouterAlert(0)
                .neighborSolicitation(Corpus.IP6_A).ndSourceLinkLayer(Corpus.B));
        bad(Arrays.copyOf(f, f.length - 2), "IPv6", "payload length", 18);
        bad(with(f, 14, 0x40), "IPv6", "version", 14);
        bad(with(f, 55, 9), "IPv6", "extension header length", 55); // hop-by-hop of 80 bytes
        bad(with(f, 57, 9), "IPv6", "option length", 57);
        int opt = 14 + 40 + 8 + 24;
        bad(with(f, opt + 1, 0), "ICMPv6", "option length", opt + 1);
        bad(with(f, opt + 1, 2), "ICMPv6", "option length", opt + 1);
        bad(Arrays.copyOf(with(f, 18, 0, 8 + 20), 14 + 40 + 28), "ICMPv6", "message body", 62);
    }

    @Test
    void lldp() {
        byte[] f = frame(b -> b.ethernet(MacAddress.LLDP_NEAREST_BRIDGE, Corpus.B).lldp().lldpChassisId(Corpus.B).lldpPortId("p1")
                .lldpTtl(120).lldpSystemName("s"));
        bad(with(f, 14, 4 << 1), "LLDP", "TLV type", 14); // the first TLV is not a Chassis ID
        bad(with(f, 15, 200), "LLDP", "TLV length", 14);
        bad(with(f, 14, 0x02, 0x01), "LLDP", "TLV length", 14); // chassis ID of 1 byte
        bad(Arrays.copyOf(f, 14 + 9 + 5), "LLDP", "TLV", 14 + 9 + 5); // ends after the port ID
        byte[] m = frame(b -> b.ethernet(MacAddress.LLDP_NEAREST_BRIDGE, Corpus.B).lldp().lldpChassisId(Corpus.B).lldpPortId("p1")
                .lldpTtl(120).lldpManagementAddress(Corpus.IP_A, 2, 1, new byte[0]));
        int tlv = 14 + 9 + 5 + 4;
        bad(with(m, tlv + 2, 30), "LLDP", "management address string length", tlv + 2);
        bad(with(m, tlv + 2 + 11, 1), "LLDP", "OID string length", tlv + 2 + 11);
    }

    @Test
    void wakeOnLan() {
        byte[] f = frame(b -> b.ethernet(MacAddress.BROADCAST, Corpus.B).wakeOnLan(Corpus.A));
        bad(with(f, 14 + 3, 0), "Wake-on-LAN", "sync", 14);
        bad(with(f, 14 + 6 + 6 * 7, 0x55), "Wake-on-LAN", "target", 14 + 6 + 6 * 7);
        bad(Arrays.copyOf(f, 100), "Wake-on-LAN", "magic packet", 14);
        // over UDP, a payload that is not a magic packet is just UDP data
        byte[] u = frame(b -> b.ethernet(MacAddress.BROADCAST, Corpus.B).ipv4(Corpus.IP_A, Corpus.IP_B).udp(9, 9).wakeOnLan(Corpus.A));
        d.decode(with(u, 14 + 20 + 8 + 6 + 6 * 3, 0x55));
        assertTrue(d.has(PacketDecoder.UDP) && !d.has(PacketDecoder.WAKE_ON_LAN));
        assertThrows(IllegalStateException.class, () -> d.wakeOnLan());
    }

    @Test
    void viewWrapRejectsARegionOutsideTheSegment() {
        expkt.codec.ip.Udp u = new expkt.codec.ip.Udp();
        byte[] b = new byte[20];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> u.wrap(java.lang.foreign.MemorySegment.ofArray(b), 10, 20));
        assertTrue(e.getMessage().contains("20 bytes"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> u.wrap(java.lang.foreign.MemorySegment.ofArray(b), 0, 20, 12, 8));
    }
}
