package expkt.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import expkt.api.net.Ipv4Address;
import expkt.api.net.MacAddress;
import expkt.api.packet.FrameView;
import expkt.codec.ip.Icmp;
import expkt.codec.lldp.Lldp;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The README's examples, as written there, do what the README says. */
class ReadmeExampleTest {
    @Test
    void buildThenRead() {
        MacAddress myMac = MacAddress.parse("02:00:00:00:00:99");
        byte[] buf = new byte[1514];
        FrameBuilder b = new FrameBuilder(buf);
        int len = b.ethernet(MacAddress.parse("00:E0:2B:00:00:01"), myMac)
                .vlan(100)
                .ipv4(Ipv4Address.parse("192.0.2.1"), Ipv4Address.parse("192.0.2.2")).ttl(64).ipv4RouterAlert()
                .icmpEcho(true, 0x1234, 1)
                .payload("ping".getBytes(StandardCharsets.US_ASCII))
                .finish(60);
        assertEquals(60, len);

        PacketDecoder decoder = new PacketDecoder();
        expkt.api.spi.FrameWindow frame = new expkt.api.spi.FrameWindow().wrap(MemorySegment.ofArray(buf), 0, len);
        decoder.decode(frame);
        assertTrue(decoder.has(PacketDecoder.ICMP) && decoder.icmp().type() == Icmp.ECHO_REQUEST);
        assertEquals(Ipv4Address.parse("192.0.2.1").toInt(), decoder.ipv4().sourceBits());
        assertEquals(0x1234, decoder.icmp().identifier());
        assertEquals(100, decoder.ethernet().innerVlanId());
        assertTrue(decoder.checksumsValid());

        len = b.reset()
                .ethernet(MacAddress.LLDP_NEAREST_BRIDGE, myMac)
                .lldp().lldpChassisId(myMac).lldpPortId("1:2").lldpTtl(120)
                .lldpSystemName("switch-1").lldpCapabilities(Lldp.CAPABILITY_BRIDGE, Lldp.CAPABILITY_BRIDGE)
                .finish(60);
        decoder.decode(frame.wrap(MemorySegment.ofArray(buf), 0, len));
        assertEquals(myMac.toLong(), decoder.lldp().chassisIdMacBits());
        assertEquals("switch-1", decoder.lldp().systemName());
        assertEquals("1:2", decoder.lldp().portIdString());
    }

    @Test
    void theReadmesErrorMessage() {
        byte[] f = TsharkRoundTripTest.build(b -> b.ethernet(Corpus.A, Corpus.B).ipv4(Corpus.IP_A, Corpus.IP_B).udp(1, 2)); // 42 bytes
        MalformedPacketException e = assertThrows(MalformedPacketException.class, () -> new PacketDecoder().decode(Arrays.copyOf(f, 41)));
        assertEquals("IPv4 total length at offset 16 of a 41-byte frame: total length 28 is outside 20..27"
                + " (header length .. bytes left in the frame)", e.getMessage());
    }
}
