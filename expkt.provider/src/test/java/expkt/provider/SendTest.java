package expkt.provider;

import expkt.api.net.SlotPort;
import expkt.provider.socket.PacketSocketImpl;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Frames the provider sends leave exactly where they were sent, as tshark decodes them at the far hosts. */
class SendTest extends L2ProviderTestBase {

    @Test
    void sendtoSlotPortsLeavesOnExactlyThosePorts() throws Exception {
        engine();
        try (Tshark t1 = Tshark.capture(lab, lab.host(1).ns());
             Tshark t2 = Tshark.capture(lab, lab.host(2).ns());
             Tshark t3 = Tshark.capture(lab, lab.host(3).ns())) {
            PacketSocketImpl s = engine.open(OWNER);
            byte[] f = Wire.frame("00:e0:2b:00:00:07", "02:00:00:00:00:aa", 0x0842, 64);
            s.sendto(f, SlotPort.of(1, 1), SlotPort.of(1, 3));
            s.sendto(ByteBuffer.wrap(Wire.frame("00:e0:2b:00:00:07", "02:00:00:00:00:aa", 0x0842, 65)), List.of(SlotPort.parse("2")));
            String filter = "eth.src == 02:00:00:00:00:aa";
            assertEquals(List.of("0x0842\t64"), t1.stopAndRead(filter, "eth.type", "frame.len"));
            assertEquals(List.of("0x0842\t65"), t2.stopAndRead(filter, "eth.type", "frame.len"));
            assertEquals(List.of("0x0842\t64"), t3.stopAndRead(filter, "eth.type", "frame.len"));
        }
    }

    @Test
    void sendtoVlanTagsOnTaggedPortsAndNotOnUntaggedOnes() throws Exception {
        engine(new String[0], new String[] {"name=foo tag=100 tagged=1:1,1:2 untagged=1:3", "name=bar tag=200 tagged=1:3"});
        try (Tshark t1 = Tshark.capture(lab, lab.host(1).ns());
             Tshark t2 = Tshark.capture(lab, lab.host(2).ns());
             Tshark t3 = Tshark.capture(lab, lab.host(3).ns())) {
            PacketSocketImpl s = engine.open(OWNER);
            s.sendto(Wire.frame("ff:ff:ff:ff:ff:ff", "02:00:00:00:00:bb", 0x0842, 64), "foo");
            String filter = "eth.src == 02:00:00:00:00:bb";
            String[] fields = {"vlan.id", "vlan.etype", "eth.type", "frame.len"};
            // tagged: 802.1Q with vid 100 and the inner ethertype, 4 bytes longer
            assertEquals(List.of("100\t0x0842\t0x8100\t68"), t1.stopAndRead(filter, fields));
            assertEquals(List.of("100\t0x0842\t0x8100\t68"), t2.stopAndRead(filter, fields));
            // untagged member: the frame as given
            assertEquals(List.of("\t\t0x0842\t64"), t3.stopAndRead(filter, fields));
        }
    }

    @Test
    void sendBurstBatchesManyFramesAndChecksThemAllFirst() throws Exception {
        engine();
        Wire h2 = wire(2);
        Wire h3 = wire(3);
        PacketSocketImpl s = engine.open(OWNER);
        List<ByteBuffer> frames = new java.util.ArrayList<>();
        for (int i = 0; i < 150; i++) {
            byte[] f = Wire.frame("00:e0:2b:00:00:07", "02:00:00:00:00:cc", 0x0842, 60 + (i % 40));
            f[20] = (byte) i;
            frames.add(ByteBuffer.wrap(f));
        }
        assertEquals(300, s.sendBurst(frames, List.of(SlotPort.of(1, 2), SlotPort.of(1, 3))));
        List<byte[]> at2 = Wire.withEthertype(h2.drain(300), 0x0842);
        List<byte[]> at3 = Wire.withEthertype(h3.drain(300), 0x0842);
        assertEquals(150, at2.size());
        assertEquals(150, at3.size());
        for (int i = 0; i < 150; i++) {
            assertEquals(60 + (i % 40), at2.get(i).length);
            assertEquals((byte) i, at2.get(i)[20], "frames leave in order");
        }
        // one bad frame: nothing is sent, the error names it
        List<ByteBuffer> bad = List.of(ByteBuffer.wrap(Wire.frame("00:e0:2b:00:00:07", "02:00:00:00:00:cc", 0x0842, 64)),
                ByteBuffer.wrap(new byte[10]));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> s.sendBurst(bad, List.of(SlotPort.of(1, 2))));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("frame 1") && e.getMessage().contains("10 bytes"), e.getMessage());
        List<byte[]> after = h2.drain(200);
        assertEquals(List.of(), Wire.withEthertype(after, 0x0842).stream().map(java.util.HexFormat.of()::formatHex).toList());
    }
}
