package expkt.provider;

import expkt.api.net.SlotPort;
import expkt.api.packet.FrameClaim;
import expkt.provider.socket.PacketSocketImpl;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * tryClaim: frames built in place in a port's transmit ring leave on exactly that port, byte for byte
 * and in order, as the lab's far host receives them; a bad length, a second open claim, an unknown port
 * and a closed socket are refused, naming what is wrong.
 */
class TxClaimTest extends L2ProviderTestBase {

    @Test
    void framesBuiltInTheRingReachThePeerOfThatPortOnlyInOrder() throws Exception {
        engine();
        Wire h1 = wire(1);
        Wire h2 = wire(2);
        PacketSocketImpl s = engine.open(OWNER);
        // 3 rounds of 100: more than the ring's 128 slots in all (slots are reused once the kernel gave them
        // back), and few enough per round for the peer socket's receive buffer, drained after each round
        int total = 300;
        int sent = 0;
        java.util.List<byte[]> at2 = new java.util.ArrayList<>();
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (sent < total) {
            FrameClaim c = s.tryClaim(SlotPort.of(1, 2));
            if (c == null) { // every slot queued or in flight: let the kernel take them
                s.flush();
                assertTrue(System.nanoTime() < deadline, "the ring never freed a slot after " + sent + " frames");
                Thread.onSpinWait();
                continue;
            }
            ByteBuffer b = c.buffer();
            assertEquals(0, b.position());
            assertTrue(b.capacity() >= 1500 + 18, "a slot holds a full frame: " + b.capacity());
            b.put(frame(sent));
            c.commit(60 + sent % 50);
            sent++;
            if (sent % 25 == 0) {
                assertEquals(25, s.flush(), "25 committed frames handed over");
            }
            if (sent % 100 == 0) {
                at2.addAll(Wire.withEthertype(h2.drain(300), 0x0842));
            }
        }
        assertEquals(total, at2.size(), "every committed frame reached h2");
        for (int i = 0; i < total; i++) {
            assertArrayEquals(frame(i), at2.get(i), "frame " + i + " as built, in order");
        }
        assertEquals(0, Wire.withEthertype(h1.drain(200), 0x0842).size(), "nothing out of another port");
    }

    private static byte[] frame(int i) {
        byte[] f = Wire.frame("00:e0:2b:00:00:09", "02:00:00:00:00:dd", 0x0842, 60 + i % 50);
        f[20] = (byte) i;
        f[21] = (byte) (i >> 8);
        return f;
    }

    @Test
    void badClaimsAreRefusedNamingWhatIsWrong() throws Exception {
        engine();
        Wire h3 = wire(3);
        PacketSocketImpl s = engine.open(OWNER);
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> s.tryClaim(SlotPort.of(1, 9)));
        assertTrue(unknown.getMessage().contains("1:9"), unknown.getMessage());

        FrameClaim c = s.tryClaim(SlotPort.of(1, 3));
        assertNotNull(c);
        IllegalStateException twice = assertThrows(IllegalStateException.class, () -> s.tryClaim(SlotPort.of(1, 3)));
        assertTrue(twice.getMessage().contains("still open"), twice.getMessage());
        assertThrows(IllegalArgumentException.class, () -> c.commit(13), "shorter than an Ethernet header");
        IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class, () -> c.commit(1515));
        assertTrue(tooLong.getMessage().contains("1515"), tooLong.getMessage());
        c.abort(); // still open after the refused commits
        assertThrows(IllegalStateException.class, c::abort);
        assertEquals(0, s.flush(), "an aborted claim sends nothing");
        assertEquals(0, Wire.withEthertype(h3.drain(300), 0x0842).size(), "nothing left for h3 before a commit");

        FrameClaim again = s.tryClaim(SlotPort.of(1, 3));
        byte[] f = Wire.frame("00:e0:2b:00:00:09", "02:00:00:00:00:ee", 0x0842, 64);
        again.buffer().put(f);
        again.commit(64);
        assertEquals(1, s.flush());
        List<byte[]> at3 = Wire.withEthertype(h3.drain(500), 0x0842);
        assertEquals(1, at3.size());
        assertTrue(Arrays.equals(f, at3.get(0)));

        s.close();
        assertThrows(ClosedChannelException.class, () -> s.tryClaim(SlotPort.of(1, 3)));
    }
}
