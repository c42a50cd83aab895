package expkt.provider;

import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Filter;
import expkt.api.packet.RxMode;
import expkt.provider.socket.L2Engine;
import expkt.provider.socket.PacketSocketImpl;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A ring geometry set after the engine started (a configuration FileInstall delivers after the
 * provider activated with the defaults) applies to the sockets opened from then on, in both modes;
 * open sockets keep their rings.
 */
class RingGeometryTest extends L2ProviderTestBase {

    @Test
    void aNewGeometryAppliesToSocketsOpenedAfterIt() throws Exception {
        engine();
        Wire h1 = wire(1);
        PacketSocketImpl before = engine.open(OWNER);
        assertEquals(16384L * 256, before.ringBytes());
        L2Engine.RingConfig small = new L2Engine.RingConfig(1 << 16, 8, 2);
        assertTrue(engine.ringConfig(small));
        assertFalse(engine.ringConfig(new L2Engine.RingConfig(1 << 16, 8, 2)), "the same geometry again is no change");
        PacketSocketImpl after = engine.open(OWNER);
        PacketSocketImpl latency = engine.open(OWNER, RxMode.LATENCY);
        assertEquals(16384L * 256, before.ringBytes(), "an open socket keeps its ring");
        assertEquals(65536L * 8, after.ringBytes());
        assertEquals(65536L * 8, latency.ringBytes());
        after.setupFilter(Filter.named("geometry").ethertype(0x0842).build());
        latency.setupFilter(Filter.named("geometry-latency").ethertype(0x0842).build());
        after.setTimeout(Duration.ofSeconds(2));
        latency.setTimeout(Duration.ofSeconds(2));
        h1.send(Wire.frame("00:e0:2b:00:00:00", HOST_MAC, 0x0842, 1514));
        ExosSockAddr from = new ExosSockAddr();
        assertEquals(1514, after.recvfrom(new byte[2048], from));
        assertEquals(1514, latency.recvfrom(new byte[2048], from));
        assertEquals(1, from.port());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> engine.ringConfig(null));
        assertTrue(e.getMessage().contains("null"), e.getMessage());
        before.close();
        after.close();
        latency.close();
    }
}
