package expkt.provider;

import expkt.api.packet.Direction;
import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Filter;
import expkt.api.packet.FrameView;
import expkt.api.packet.PacketType;
import expkt.provider.socket.PacketSocketImpl;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReceiveTest extends L2ProviderTestBase {

    @Test
    void ethertypeFilterBringsUpOnlyMatchingFramesWithTheirAddress() throws Exception {
        engine();
        Wire h1 = wire(1);
        PacketSocketImpl s = engine.open(OWNER);
        s.setTimeout(Duration.ofMillis(300));
        byte[] match = Wire.frame("00:e0:2b:00:00:00", HOST_MAC, 0x0842, 64);
        byte[] other = Wire.frame("00:e0:2b:00:00:00", HOST_MAC, 0x88b5, 64);
        // nothing before a filter
        h1.send(match);
        ExosSockAddr from = new ExosSockAddr();
        assertEquals(-1, s.recvfrom(new byte[2048], from));

        s.setupFilter(Filter.named("filter2").ethertype(0x0842).build());
        h1.send(other);
        h1.send(match);
        byte[] buf = new byte[2048];
        int n = s.recvfrom(buf, from);
        assertEquals(64, n);
        assertArrayEquals(match, Arrays.copyOf(buf, n));
        assertEquals(1, from.slot());
        assertEquals(1, from.port());
        assertEquals("p1", from.ifName());
        assertEquals(Direction.INGRESS, from.direction());
        assertEquals(PacketType.OTHERHOST, from.packetType());
        assertEquals(ExosSockAddr.NO_VLAN, from.vlanId());
        assertEquals("VR-Default", from.vrName());
        assertEquals(2, from.vrId());
        assertEquals(64, from.originalLength());
        assertEquals(0x0842, from.protocol());
        assertTrue(Math.abs(from.timestampNanos() / 1_000_000 - System.currentTimeMillis()) < 10_000, "timestamp " + from.timestampNanos());
        // the 0x88b5 frame never came up; the bridge's copies on p2/p3 (EGRESS) are not INGRESS
        assertEquals(-1, s.recvfrom(buf, from));
        s.close();
    }

    @Test
    void zeroCopyViewAndNonBlocking() throws Exception {
        engine();
        Wire h2 = wire(2);
        PacketSocketImpl s = engine.open(OWNER);
        s.setupFilter(Filter.named("view").dstmac("00:E0:2B:00:00:01").build());
        s.setBlocking(false);
        ExosSockAddr from = new ExosSockAddr();
        assertNull(s.receive(from));
        byte[] f = Wire.frame("00:e0:2b:00:00:01", HOST_MAC, 0x0800, 100);
        h2.send(f);
        FrameView v = null;
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (v == null && System.nanoTime() < deadline) {
            v = s.receive(from);
        }
        assertNotNull(v);
        assertEquals(100, v.length());
        assertEquals(0x0800, v.getUnsignedShort(12));
        assertArrayEquals(f, v.toArray());
        assertEquals(2, from.port());
        s.close();
    }
}
