package expkt.provider;

import expkt.api.net.SlotPort;
import expkt.api.packet.PartialSendException;
import expkt.provider.socket.PacketSocketImpl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The send path's faults (issue 12, "VLAN sends"): the length a port takes is exactly what the kernel
 * takes (a frame the provider accepts never fails in the kernel with a bare EMSGSIZE, and one it
 * refuses names its size and the limit), and a send to several ports reaches every port that can take
 * it, naming the ones that could not and why.
 */
class SendFaultsTest extends L2ProviderTestBase {
    private static final String DST = "00:e0:2b:00:00:09";
    private static final String SRC = "02:00:00:00:00:d1";

    private static void rejectsLength(int len, int max, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call,
                "a frame of " + len + " bytes must be refused before the kernel sees it");
        assertTrue(e.getMessage().contains(len + " bytes") && e.getMessage().contains(String.valueOf(max)),
                "message \"" + e.getMessage() + "\" should name " + len + " bytes and the limit " + max);
    }

    /** A frame of {@code len} bytes whose outer ethertype is {@code tpid}, then a VLAN id and 0x0842 (for tagged ones). */
    private static byte[] frame(int tpid, int len) {
        if (tpid == 0x0842) {
            return Wire.frame(DST, SRC, 0x0842, len);
        }
        byte[] f = Wire.tagged(DST, SRC, 7, 0x0842, len);
        f[12] = (byte) (tpid >>> 8);
        f[13] = (byte) tpid;
        return f;
    }

    @Test
    void theLengthBoundaryIsExactForUntaggedTaggedByUsAndAlreadyTaggedFrames() throws Exception {
        engine(new String[0], new String[] {"name=t tag=100 tagged=1:1"});
        PacketSocketImpl s = engine.open(OWNER);
        SlotPort p1 = SlotPort.of(1, 1);
        try (Tshark t1 = Tshark.capture(lab, lab.host(1).ns())) {
            // untagged: MTU + 14
            s.sendto(frame(0x0842, 1514), p1);
            rejectsLength(1515, 1514, () -> s.sendto(frame(0x0842, 1515), p1));
            // already 802.1Q-tagged: the kernel allows 4 more bytes (MTU + 18)
            s.sendto(frame(0x8100, 1518), p1);
            rejectsLength(1519, 1518, () -> s.sendto(frame(0x8100, 1519), p1));
            // an outer 802.1ad tag gets no such allowance from the kernel: MTU + 14
            s.sendto(frame(0x88a8, 1514), p1);
            rejectsLength(1515, 1514, () -> s.sendto(frame(0x88a8, 1515), p1));
            // sent into a VLAN whose member is tagged: we add 4 bytes, so MTU + 14 before the tag
            s.sendto(frame(0x0842, 1514), "t");
            rejectsLength(1515, 1514, () -> s.sendto(frame(0x0842, 1515), "t"));
            rejectsLength(1515, 1514, () -> s.sendBurst(List.of(ByteBuffer.wrap(frame(0x88a8, 1515))), List.of(p1)));
            // what left the port, as tshark saw it: lengths on the wire and the outer tag
            assertEquals(List.of("1514\t0x0842", "1518\t0x8100", "1514\t0x88a8", "1518\t0x8100"),
                    t1.stopAndRead(4, "eth.src == " + SRC, "frame.len", "eth.type"));
        }
    }

    @Test
    void aSendToSeveralPortsReachesEveryPortThatIsUpAndNamesTheOneThatIsDown() throws Exception {
        engine(new String[0], new String[] {"name=all tag=100 tagged=1:1,1:2 untagged=1:3"});
        PacketSocketImpl s = engine.open(OWNER);
        Wire h1 = wire(1);
        Wire h3 = wire(3);
        String p2 = lab.host(2).switchIf();
        lab.exec(lab.switchNs(), "ip", "link", "set", p2, "down").check();
        try {
            byte[] f = Wire.frame(DST, SRC, 0x0842, 100);
            IOException e = assertThrows(IOException.class, () -> s.sendto(f, SlotPort.of(1, 1), SlotPort.of(1, 2), SlotPort.of(1, 3)));
            assertPartial(e, "1:2", p2);
            assertEquals(1, Wire.withEthertype(h1.drain(300), 0x0842).size(), "1:1 got the frame");
            assertEquals(1, Wire.withEthertype(h3.drain(300), 0x0842).size(), "1:3, after the down port, got the frame");

            e = assertThrows(IOException.class, () -> s.sendto(f, "all"));
            assertPartial(e, "1:2", p2);
            assertEquals(1, h1.drain(300).stream().filter(x -> x.length == 100).count(), "tagged member 1:1 got the frame");
            assertEquals(1, Wire.withEthertype(h3.drain(300), 0x0842).size(), "untagged member 1:3 got the frame");

            // a burst: every frame reaches every port that is up
            List<ByteBuffer> burst = List.of(ByteBuffer.wrap(f), ByteBuffer.wrap(f), ByteBuffer.wrap(f));
            e = assertThrows(IOException.class, () -> s.sendBurst(burst, List.of(SlotPort.of(1, 2), SlotPort.of(1, 3))));
            assertPartial(e, "1:2", p2);
            assertEquals(3, Wire.withEthertype(h3.drain(300), 0x0842).size(), "1:3 got the whole burst");
        } finally {
            lab.exec(lab.switchNs(), "ip", "link", "set", p2, "up").check();
        }
        // and with the port back up, nothing is reported
        s.sendto(Wire.frame(DST, SRC, 0x0842, 100), SlotPort.of(1, 1), SlotPort.of(1, 2), SlotPort.of(1, 3));
    }

    private static void assertPartial(IOException e, String slotPort, String ifName) {
        assertEquals("PartialSendException", e.getClass().getSimpleName(), "a partial send is reported as such: " + e);
        assertTrue(e.getMessage().contains(slotPort) && e.getMessage().contains(ifName) && e.getMessage().contains("ENETDOWN"),
                "message \"" + e.getMessage() + "\" should name " + slotPort + " (" + ifName + ") and ENETDOWN");
        PartialSendException p = (PartialSendException) e;
        assertEquals(List.of(SlotPort.parse(slotPort)), List.copyOf(p.failedPorts().keySet()));
        assertTrue(p.failedPorts().get(SlotPort.parse(slotPort)).startsWith(ifName + ": ENETDOWN"), p.failedPorts().toString());
        assertTrue(p.sent() > 0 && p.sent() < p.attempted(), p.sent() + " of " + p.attempted());
    }
}
