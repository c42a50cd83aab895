package expkt.provider;

import expkt.api.handler.PacketHandler;
import expkt.api.net.SlotPort;
import expkt.api.packet.Direction;
import expkt.api.packet.Filter;
import expkt.api.packet.FilterAction;
import expkt.api.spi.BundleIdentity;
import expkt.provider.command.HandlerTables;
import expkt.provider.command.L2Tables;
import expkt.provider.core.ProviderLog;
import expkt.provider.socket.OwnedPacketService;
import expkt.provider.socket.PacketSocketImpl;
import expkt.provider.whiteboard.HandlerProperties;
import expkt.provider.whiteboard.HandlerRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whiteboard handler runtime on a real lab: per-frame calls with the address and a sender for
 * replies, fan-out of overlapping filters, parking for a successor and release after the grace period,
 * and bad input.
 */
class HandlerRuntimeTest extends L2ProviderTestBase {
    static final BundleIdentity LLDP_V1 = BundleIdentity.of(41, "com.example.lldp", "1.0.0");
    static final BundleIdentity LLDP_V2 = BundleIdentity.of(41, "com.example.lldp", "2.0.0");
    static final BundleIdentity OTHER = BundleIdentity.of(42, "com.example.other", "1.0.0");
    HandlerRuntime runtime;

    HandlerRuntime runtime(long graceMillis) throws Exception {
        engine();
        runtime = new HandlerRuntime(engine, graceMillis, ProviderLog.system("expkt.whiteboard.test"));
        return runtime;
    }

    @AfterEach
    void stopRuntime() {
        if (runtime != null) {
            runtime.close();
            runtime = null;
        }
    }

    static void await(String what, java.util.function.BooleanSupplier done) throws InterruptedException {
        expkt.lab.Deadlines.await(5_000, what, done);
    }

    @Test
    void handlerIsCalledPerFrameWithItsAddressAndRepliesThroughTheSender() throws Exception {
        runtime(3000);
        Wire h1 = wire(1);
        Wire h2 = wire(2);
        CopyOnWriteArrayList<String> seen = new CopyOnWriteArrayList<>();
        AtomicReference<String> thread = new AtomicReference<>();
        PacketHandler echo = (frame, from, sender) -> {
            thread.set(Thread.currentThread().getName());
            seen.add(from.slot() + ":" + from.port() + " " + from.direction() + " " + frame.length() + " 0x"
                    + Integer.toHexString(frame.getUnsignedShort(12)) + " seq " + frame.getInt(14));
            // reply out of port 1:2 with the ethertype changed, so it is not matched again
            ByteBuffer reply = ByteBuffer.allocate(frame.length());
            frame.copyTo(reply);
            reply.putShort(12, (short) 0x88b7).flip();
            sender.sendto(reply, List.of(new SlotPort(1, 2)));
        };
        Map<String, Object> props = Map.of(PacketHandler.FILTER_NAME, "echo", PacketHandler.FILTER_ETHERTYPE, "0x0842",
                PacketHandler.FILTER_ACTION, "UP_AND_DROP");
        Filter filter = HandlerProperties.filter(props);
        assertEquals(FilterAction.UP_AND_DROP, filter.action());
        assertEquals(Direction.INGRESS, filter.direction());
        runtime.register(LLDP_V1, filter, echo);
        for (int i = 0; i < 5; i++) {
            h1.send(numbered(0x0842, i));
        }
        await("5 frames handled", () -> seen.size() == 5);
        for (int i = 0; i < 5; i++) {
            assertEquals("1:1 INGRESS 64 0x842 seq " + i, seen.get(i));
        }
        assertTrue(thread.get().startsWith("expkt-dispatch"), thread.get());
        // the replies came out of port 1:2 only (UP_AND_DROP kept the bridge from flooding the originals)
        List<byte[]> at2 = h2.drain(200);
        assertEquals(5, Wire.withEthertype(at2, 0x88b7).size());
        assertEquals(0, Wire.withEthertype(at2, 0x0842).size());
        String table = HandlerTables.handlers(runtime, engine);
        assertTrue(table.matches("(?s).*handler\\s+com\\.example\\.lldp \\[41]\\s+1\\.0\\.0\\s+echo\\s+ethertype 0x0842\\s+active\\s+#\\d+\\s+lane-41\\s+5\\s+0\\s+0\\s.*"), table);
    }

    @Test
    void twoHandlersMatchingTheSameFrameEachGetItOnce() throws Exception {
        runtime(3000);
        Wire h1 = wire(1);
        AtomicInteger byType = new AtomicInteger();
        AtomicInteger byMac = new AtomicInteger();
        // one drops the frame in the data plane: the other still gets its copy
        runtime.register(LLDP_V1, Filter.named("by-type").ethertype(0x88CC).action(FilterAction.UP_AND_DROP).build(),
                (f, a, s) -> byType.incrementAndGet());
        runtime.register(OTHER, Filter.named("by-mac").dstmac("01:80:C2:00:00:0E").build(), (f, a, s) -> byMac.incrementAndGet());
        for (int i = 0; i < 20; i++) {
            h1.send(Wire.frame("01:80:c2:00:00:0e", HOST_MAC, 0x88CC, 60));
        }
        await("both handlers got 20", () -> byType.get() == 20 && byMac.get() == 20);
        // a last frame for both: once each has it, a second copy of the 20 before it had its chance
        h1.send(Wire.frame("01:80:c2:00:00:0e", HOST_MAC, 0x88CC, 61));
        await("both handlers got the last frame", () -> byType.get() >= 21 && byMac.get() >= 21);
        assertEquals(21, byType.get());
        assertEquals(21, byMac.get());
    }

    @Test
    void aParkedSocketKeepsItsFramesForTheSuccessorAndEachFrameIsHandledOnce() throws Exception {
        runtime(3000);
        Wire h1 = wire(1);
        Filter filter = Filter.named("lldp").ethertype(0x0842).build();
        CopyOnWriteArrayList<Integer> v1 = new CopyOnWriteArrayList<>();
        CopyOnWriteArrayList<Integer> v2 = new CopyOnWriteArrayList<>();
        HandlerRuntime.Registration r1 = runtime.register(LLDP_V1, filter, (f, a, s) -> v1.add(f.getInt(14)));
        long socketId = r1.socket().id();
        for (int i = 0; i < 50; i++) {
            h1.send(numbered(0x0842, i));
        }
        await("v1 got 50", () -> v1.size() == 50);
        runtime.unregister(r1);
        runtime.unregister(r1); // twice: nothing more
        for (int i = 50; i < 100; i++) {
            h1.send(numbered(0x0842, i));
        }
        // the 50 reached the parked socket (its kernel rule counted them); version 2 below gets exactly them
        await("the parked filter counted the 50 sent after the stop", () -> {
            long[] c = counted("lldp");
            return c != null && c[0] >= 100;
        });
        assertEquals(50, v1.size(), "nothing is handed to a parked handler");
        // parked: the filter and its kernel rule stay
        assertTrue(L2Tables.acl(engine).contains("lldp"));
        assertTrue(nftRuleset().contains("comment \"lldp\""));
        assertTrue(HandlerTables.handlers(runtime, engine).contains("parked"));
        HandlerRuntime.Registration r2 = runtime.register(LLDP_V2, filter, (f, a, s) -> v2.add(f.getInt(14)));
        assertEquals(socketId, r2.socket().id(), "version 2 adopted the parked socket");
        await("v2 got the 50 queued frames", () -> v2.size() == 50);
        for (int i = 0; i < 50; i++) {
            assertEquals(i, v1.get(i));
            assertEquals(50 + i, v2.get(i));
        }
        runtime.unregister(r1); // a stale unregister of version 1 does not park version 2
        h1.send(numbered(0x0842, 100));
        await("v2 still active", () -> v2.size() == 51);
        assertEquals(50, v1.size(), "version 1 got none of the frames version 2 got");
        String table = HandlerTables.handlers(runtime, engine);
        assertTrue(table.matches("(?s).*com\\.example\\.lldp \\[41]\\s+2\\.0\\.0\\s+lldp\\s+ethertype 0x0842\\s+active\\s+#" + socketId
                + "\\s+lane-41\\s+101\\s+0\\s+0\\s+\\S+\\s+\\S+\\s+2\\s+\\d+\\n.*"), table); // ... VERSIONS 2, POLL_US
    }

    @Test
    void aParkedSocketNobodyTakesIsReleasedAfterTheGracePeriod() throws Exception {
        runtime(400);
        Filter filter = Filter.named("gone").dstmac("00:E0:2B:00:00:07").build();
        HandlerRuntime.Registration r = runtime.register(LLDP_V1, filter, (f, a, s) -> { });
        assertTrue(nftRuleset().contains("comment \"gone\""));
        long parkedAt = System.nanoTime();
        runtime.unregister(r);
        assertNotNull(runtime.socketOf("com.example.lldp", "gone"));
        await("released", () -> runtime.socketOf("com.example.lldp", "gone") == null);
        long waited = (System.nanoTime() - parkedAt) / 1_000_000;
        assertTrue(waited >= 350, "released after " + waited + " ms, before the 400 ms grace");
        assertFalse(r.socket().isOpen());
        assertFalse(L2Tables.acl(engine).contains("gone"));
        assertFalse(nftRuleset().contains("gone"));
        assertFalse(HandlerTables.handlers(runtime, engine).contains("gone"));
        // the name is free again, for anyone
        runtime.register(OTHER, filter, (f, a, s) -> { });
    }

    @Test
    void anUpdateRestartsTheGraceAndAChangedFilterGetsANewSocket() throws Exception {
        runtime(1000);
        // an update restarts the grace period: the parked socket lives a full grace after the update, not after the park
        HandlerRuntime.Registration g = runtime.register(LLDP_V1, Filter.named("grace").ethertype(0x0844).build(), (f, a, s) -> { });
        long parked = System.nanoTime();
        runtime.unregister(g);
        await("300 ms into the grace", () -> System.nanoTime() - parked > 300_000_000L);
        long updated = System.nanoTime();
        runtime.bundleUpdated("com.example.lldp");
        assertNotNull(runtime.socketOf("com.example.lldp", "grace"), "parked until the update");
        await("released after the restarted grace", () -> runtime.socketOf("com.example.lldp", "grace") == null);
        long released = System.nanoTime();
        assertTrue(released - updated >= 950_000_000L, "released " + (released - updated) / 1_000_000
                + " ms after the update: the update did not restart the 1000 ms grace");
        assertFalse(g.socket().isOpen());

        // a successor with another filter under the same name gets a new socket; the parked one is closed
        HandlerRuntime.Registration r = runtime.register(LLDP_V1, Filter.named("chg").ethertype(0x0842).build(), (f, a, s) -> { });
        long id = r.socket().id();
        runtime.unregister(r);
        runtime.bundleUpdated("com.example.lldp");
        HandlerRuntime.Registration r2 = runtime.register(LLDP_V2, Filter.named("chg").ethertype(0x0843).build(), (f, a, s) -> { });
        assertTrue(r2.socket().id() != id);
        assertFalse(r.socket().isOpen());
        assertTrue(nftRuleset().contains("0x0843") || nftRuleset().contains("2115"), nftRuleset());
    }

    @Test
    void badInputNamesTheValueAndLeavesNothingBehind() throws Exception {
        runtime(3000);
        runtime.register(LLDP_V1, Filter.named("taken").ethertype(0x0842).build(), (f, a, s) -> { });
        String rules = nftRuleset();
        int sockets = engine.sockets().size();
        IllegalArgumentException dup = assertThrows(IllegalArgumentException.class,
                () -> runtime.register(OTHER, Filter.named("taken").ethertype(0x0806).build(), (f, a, s) -> { }));
        assertTrue(dup.getMessage().contains("\"taken\"") && dup.getMessage().contains("com.example.lldp"), dup.getMessage());
        IllegalArgumentException again = assertThrows(IllegalArgumentException.class,
                () -> runtime.register(LLDP_V2, Filter.named("taken").ethertype(0x0842).build(), (f, a, s) -> { }));
        assertTrue(again.getMessage().contains("already has a handler from com.example.lldp 1.0.0"), again.getMessage());
        assertEquals(sockets, engine.sockets().size());
        assertEquals(rules, nftRuleset());
        assertThrows(IllegalArgumentException.class, () -> runtime.register(OTHER, Filter.named("nul").ethertype(1).build(), null));
        assertEquals(sockets, engine.sockets().size());

        IllegalArgumentException noName = assertThrows(IllegalArgumentException.class,
                () -> HandlerProperties.filter(Map.of(PacketHandler.FILTER_ETHERTYPE, 0x0842)));
        assertTrue(noName.getMessage().contains(PacketHandler.FILTER_NAME), noName.getMessage());
        IllegalArgumentException mac = assertThrows(IllegalArgumentException.class,
                () -> HandlerProperties.filter(Map.of(PacketHandler.FILTER_NAME, "m", PacketHandler.FILTER_DSTMAC, "00:zz:2b:00:00:00")));
        assertTrue(mac.getMessage().contains("00:zz:2b:00:00:00"), mac.getMessage());
        IllegalArgumentException et = assertThrows(IllegalArgumentException.class,
                () -> HandlerProperties.filter(Map.of(PacketHandler.FILTER_NAME, "e", PacketHandler.FILTER_ETHERTYPE, "0xZZ")));
        assertTrue(et.getMessage().contains("0xZZ"), et.getMessage());
        IllegalArgumentException action = assertThrows(IllegalArgumentException.class,
                () -> HandlerProperties.filter(Map.of(PacketHandler.FILTER_NAME, "a", PacketHandler.FILTER_ETHERTYPE, 1,
                        PacketHandler.FILTER_ACTION, "UP_AND_FLY")));
        assertTrue(action.getMessage().contains("UP_AND_FLY"), action.getMessage());
        // the property type's "not set" values
        Filter unset = HandlerProperties.filter(Map.of(PacketHandler.FILTER_NAME, "u", PacketHandler.FILTER_ETHERTYPE, 0x88CC,
                PacketHandler.FILTER_DSTMAC, "", PacketHandler.FILTER_VR, "", PacketHandler.FILTER_ETHERTYPE_OFFSET, -1));
        assertNull(unset.dstmac());
        assertNull(unset.vr());
        assertThrows(IllegalArgumentException.class, () -> new HandlerRuntime(engine, -1, ProviderLog.system("x")));

        runtime.close();
        assertThrows(IllegalStateException.class,
                () -> runtime.register(OTHER, Filter.named("late").ethertype(0x0842).build(), (f, a, s) -> { }));
        assertFalse(nftRuleset().contains("taken"));
        assertEquals(0, engine.sockets().size());
    }

    /**
     * A handler's sockets carry their bundle's identity but are the whiteboard's: {@code expkt:sockets}
     * names them {@code bsn (handlers) [id]} (fanout lanes numbered), the bundle's packet-service
     * socket {@code bsn version [id]}, and releasing that packet service (the bundle stops) closes only
     * its own socket: the handler's stay, parked for the next version.
     */
    @Test
    void handlerSocketsAreNamedForTheirBundleAndOutliveItsPacketService() throws Exception {
        runtime(3000);
        HandlerRuntime.Registration one = runtime.register(LLDP_V1, Filter.named("kept").ethertype(0x0842).build(), (f, a, s) -> { });
        HandlerRuntime.Registration two = runtime.register(LLDP_V1, Filter.named("kept-2").ethertype(0x0843).build(),
                expkt.api.packet.RxMode.THROUGHPUT, 2, (f, a, s) -> { });
        OwnedPacketService service = new OwnedPacketService(engine, LLDP_V1);
        expkt.api.packet.PacketSocket own = service.open();
        String sockets = L2Tables.sockets(engine);
        assertTrue(sockets.contains("#" + one.socket().id() + " ") && sockets.contains(" com.example.lldp (handlers) [41] "), sockets);
        assertTrue(sockets.contains(" com.example.lldp (handlers, fanout lane 1/2) [41] ")
                && sockets.contains(" com.example.lldp (handlers, fanout lane 2/2) [41] "), sockets);
        assertTrue(sockets.contains(" com.example.lldp 1.0.0 [41] "), sockets);
        assertEquals(LLDP_V1, one.socket().owner());
        assertEquals(4, engine.sockets().size());
        assertEquals(1, service.release(), "only the packet service's own socket");
        assertFalse(own.isOpen());
        assertTrue(one.socket().isOpen() && two.sockets().stream().allMatch(PacketSocketImpl::isOpen), L2Tables.sockets(engine));
    }

    /** A 64-byte frame of {@code ethertype} with a 32-bit sequence number at offset 14. */
    static byte[] numbered(int ethertype, int seq) {
        byte[] f = Wire.frame("00:e0:2b:00:00:00", HOST_MAC, ethertype, 64);
        ByteBuffer.wrap(f).putInt(14, seq);
        return f;
    }
}
