package expkt.provider;

import expkt.api.handler.PacketHandler;
import expkt.api.packet.Direction;
import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Filter;
import expkt.api.packet.FrameView;
import expkt.api.packet.PacketType;
import expkt.api.packet.RxMode;
import expkt.api.spi.BundleIdentity;
import expkt.linux.PacketSockets;
import expkt.provider.socket.L2Engine;
import expkt.provider.socket.OwnedPacketService;
import expkt.provider.socket.PacketSocketImpl;
import expkt.provider.core.ProviderLog;
import expkt.provider.core.VrScope;
import expkt.provider.dataplane.DataPlane;
import expkt.provider.whiteboard.HandlerProperties;
import expkt.provider.whiteboard.HandlerRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The per-socket receive mode on a real lab: a THROUGHPUT socket has a TPACKET_V3 ring, a LATENCY
 * socket a TPACKET_V2 one (read back from the kernel); both receive the same frames with the same
 * addresses (port, VLAN from the ring header, lengths, timestamps), zero-copy, by recvfrom and by a
 * callback; and only the LATENCY ring hands a lone frame over before its block retires.
 */
class RxModeTest extends L2ProviderTestBase {
    static final String DST = "00:e0:2b:00:00:00";

    /** An engine on a VLAN "blue" (tag 100, tagged on 1:1 and 1:2) with the given V3 retire timeout. */
    private void engine(int retireMillis) throws Exception {
        dataPlane = new DataPlane(lab.switchNs(), "VR-Default", 2);
        dataPlane.configure(new String[0], new String[] {"name=blue tag=100 tagged=1:1,1:2"});
        engine = new L2Engine(dataPlane, VrScope.single("VR-Default", 2), new L2Engine.RingConfig(1 << 14, 64, retireMillis),
                ProviderLog.system("expkt.provider.test"));
    }

    @ParameterizedTest
    @EnumSource(RxMode.class)
    void bothModesReceiveFramesWithTheirAddresses(RxMode mode) throws Exception {
        engine(2);
        Wire h1 = wire(1);
        PacketSocketImpl s = engine.open(OWNER, mode);
        assertEquals(mode, s.rxMode());
        assertEquals(mode == RxMode.LATENCY ? PacketSockets.TPACKET_V2 : PacketSockets.TPACKET_V3, PacketSockets.version(s.fd()));
        s.setTimeout(Duration.ofSeconds(2));
        s.setupFilter(Filter.named("mode-" + mode).ethertype(0x0842).dstmac(DST).build());
        byte[] plain = Wire.frame(DST, HOST_MAC, 0x0842, 64);
        byte[] big = Wire.frame(DST, HOST_MAC, 0x0842, 1514);
        byte[] tagged = Wire.tagged(DST, HOST_MAC, 100, 0x0842, 80);
        tagged[14] |= (byte) (6 << 5); // priority 6: the address must give the whole TCI, not just the id
        long before = System.currentTimeMillis();
        h1.send(Wire.frame(DST, HOST_MAC, 0x88b5, 64)); // not matched
        h1.send(plain);
        h1.send(big);
        h1.send(tagged);

        ExosSockAddr from = new ExosSockAddr();
        byte[] buf = new byte[2048];
        int n = s.recvfrom(buf, from);
        assertEquals(64, n);
        assertArrayEquals(plain, Arrays.copyOf(buf, n));
        assertEquals("1:1 p1 INGRESS OTHERHOST -1 null 64 64 0x842 VR-Default",
                from.slot() + ":" + from.port() + " " + from.ifName() + " " + from.direction() + " " + from.packetType() + " "
                        + from.vlanId() + " " + from.vlanName() + " " + from.originalLength() + " " + from.capturedLength()
                        + " 0x" + Integer.toHexString(from.protocol()) + " " + from.vrName());
        long ts = from.timestampNanos() / 1_000_000;
        assertTrue(ts >= before - 1000 && ts <= System.currentTimeMillis() + 1000, "timestamp " + ts + " ms, sent at " + before);

        // zero copy: the whole 1514-byte frame, in the ring
        FrameView v = s.receive(from);
        assertNotNull(v, "the 1514-byte frame");
        assertEquals(1514, v.length());
        assertArrayEquals(big, v.toArray());
        assertEquals(1514, from.originalLength());
        assertEquals(1514, from.capturedLength());

        // the kernel took the tag off; the ring puts it back: the frame is whole, the address repeats the tag
        v = s.receive(from);
        assertNotNull(v, "the tagged frame");
        assertEquals(80, v.length());
        assertArrayEquals(tagged, v.toArray());
        assertEquals(0x8100, v.getUnsignedShort(12));
        assertEquals(0x0842, v.getUnsignedShort(16));
        assertEquals(100, from.vlanId());
        assertEquals("blue", from.vlanName());
        assertEquals(80, from.originalLength());
        assertEquals(Direction.INGRESS, from.direction());
        assertEquals(PacketType.OTHERHOST, from.packetType());
        assertEquals(0x8100, from.vlanTpid());
        assertEquals((6 << 13) | 100, from.vlanTci());

        s.setBlocking(false);
        assertEquals(-1, s.recvfrom(buf, from), "only the three matching frames came up");

        // more frames than the ring has V2 slots (64 x 16 KiB / 2 KiB = 512) go round the ring
        int rounds = 600;
        int got = 0;
        s.setBlocking(true);
        s.setTimeout(Duration.ofSeconds(2));
        for (int i = 0; i < rounds; i++) {
            byte[] f = Wire.frame(DST, HOST_MAC, 0x0842, 100);
            f[20] = (byte) (i >>> 8);
            f[21] = (byte) i;
            h1.send(f);
            FrameView r = s.receive(from);
            assertNotNull(r, "frame " + i);
            assertEquals(i & 0xFFFF, r.getUnsignedShort(20), "frame " + i + " in order");
            got++;
        }
        assertEquals(rounds, got);
        s.close();
    }

    @ParameterizedTest
    @EnumSource(RxMode.class)
    void callbackGetsEveryFrameInBothModes(RxMode mode) throws Exception {
        engine(2);
        Wire h2 = wire(2);
        PacketSocketImpl s = engine.open(OWNER, mode);
        s.setupFilter(Filter.named("cb-" + mode).ethertype(0x0842).build());
        s.setBlocking(false);
        List<String> seen = new CopyOnWriteArrayList<>();
        ExosSockAddr from = new ExosSockAddr();
        s.setCallback(sock -> {
            FrameView f;
            while ((f = sock.receive(from)) != null) {
                seen.add(from.port() + " " + f.length() + " " + f.getUnsignedByte(14));
            }
        });
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            byte[] f = Wire.frame(DST, HOST_MAC, 0x0842, 60 + i);
            f[14] = (byte) i;
            h2.send(f);
            expected.add("2 " + (60 + i) + " " + i);
        }
        HandlerRuntimeTest.await("20 frames through the callback", () -> seen.size() >= 20);
        assertEquals(expected, seen);
        s.close();
    }

    /**
     * With a 10 s block retire timeout, a lone frame stays in the THROUGHPUT socket's open block (not
     * readable, not received) while the LATENCY socket, which got the same frame, has it at once.
     */
    @Test
    void onlyTheLatencyRingHandsOverALoneFrameBeforeItsBlockRetires() throws Exception {
        engine(10_000);
        Wire h1 = wire(1);
        PacketSocketImpl latency = engine.open(OWNER, RxMode.LATENCY);
        PacketSocketImpl throughput = engine.open(OWNER, RxMode.THROUGHPUT);
        latency.setupFilter(Filter.named("lone-latency").ethertype(0x0842).build());
        throughput.setupFilter(Filter.named("lone-throughput").ethertype(0x0842).build());
        latency.setTimeout(Duration.ofSeconds(2));
        throughput.setBlocking(false);
        h1.send(Wire.frame(DST, HOST_MAC, 0x0842, 64));
        ExosSockAddr from = new ExosSockAddr();
        assertEquals(64, latency.recvfrom(new byte[2048], from), "the LATENCY socket has the frame");
        assertEquals(1, from.port());
        // the kernel queued the same frame for both sockets before returning from the send
        assertFalse(throughput.readable(), "the THROUGHPUT block is still open");
        assertEquals(-1, throughput.recvfrom(new byte[2048], from));
        latency.close();
        throughput.close();
    }

    @Test
    void handlerPropertyChoosesTheMode() throws Exception {
        engine(2);
        Wire h1 = wire(1);
        HandlerRuntime runtime = new HandlerRuntime(engine, 0, ProviderLog.system("expkt.whiteboard.test"));
        try {
            BundleIdentity who = BundleIdentity.of(51, "com.example.echo", "1.0.0");
            Map<String, Object> props = Map.of(PacketHandler.FILTER_NAME, "wb-latency", PacketHandler.FILTER_ETHERTYPE, 0x0842,
                    RxMode.PROPERTY, "Latency");
            List<String> seen = new CopyOnWriteArrayList<>();
            HandlerRuntime.Registration r = runtime.register(who, HandlerProperties.filter(props), HandlerProperties.rxMode(props),
                    (frame, a, sender) -> seen.add(a.slot() + ":" + a.port() + " " + frame.length()));
            assertEquals(RxMode.LATENCY, r.socket().rxMode());
            assertEquals(PacketSockets.TPACKET_V2, PacketSockets.version(r.socket().fd()));
            h1.send(Wire.frame(DST, HOST_MAC, 0x0842, 70));
            HandlerRuntimeTest.await("the handler's frame", () -> !seen.isEmpty());
            assertEquals(List.of("1:1 70"), seen);

            // a successor in the other mode does not adopt the parked LATENCY socket
            runtime.unregister(r);
            HandlerRuntime.Registration r2 = runtime.register(who, HandlerProperties.filter(props), RxMode.THROUGHPUT,
                    (frame, a, sender) -> { });
            assertEquals(RxMode.THROUGHPUT, r2.socket().rxMode());
            assertEquals(PacketSockets.TPACKET_V3, PacketSockets.version(r2.socket().fd()));
            assertEquals(RxMode.THROUGHPUT, HandlerProperties.rxMode(Map.of(PacketHandler.FILTER_NAME, "x")));
        } finally {
            runtime.close();
        }
    }

    @Test
    void badModesAreRejectedNamingTheValue() throws Exception {
        engine(2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RxMode.parse("fast"));
        assertTrue(e.getMessage().contains("\"fast\""), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> HandlerProperties.rxMode(Map.of(RxMode.PROPERTY, "realtime")));
        assertTrue(e.getMessage().contains("expkt.rx.mode") && e.getMessage().contains("realtime"), e.getMessage());
        OwnedPacketService service = new OwnedPacketService(engine, OWNER);
        e = assertThrows(IllegalArgumentException.class, () -> service.open(null));
        assertTrue(e.getMessage().contains("receive mode is null"), e.getMessage());
        assertEquals(0, engine.closeAll(OWNER), "no socket was left open");
    }
}
