package expkt.provider;

import expkt.api.handler.PacketHandler;
import expkt.api.packet.Filter;
import expkt.api.packet.RxMode;
import expkt.api.spi.BundleIdentity;
import expkt.provider.command.HandlerTables;
import expkt.provider.core.ProviderLog;
import expkt.provider.socket.PacketSocketImpl;
import expkt.provider.whiteboard.HandlerProperties;
import expkt.provider.whiteboard.HandlerRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fanout lanes ({@link PacketHandler#LANES}) on a real lab: frames of many IPv4/UDP flows matched by one
 * handler's filter are spread over two sockets of one PACKET_FANOUT hash group and two lane threads;
 * each flow's frames arrive on one lane, in order; none is lost or doubled.
 */
class FanoutTest extends L2ProviderTestBase {
    static final BundleIdentity BUNDLE = BundleIdentity.of(41, "com.example.flows", "1.0.0");
    static final String DST = "02:00:00:00:00:99";
    static final int FLOWS = 64;
    static final int PER_FLOW = 20;
    HandlerRuntime runtime;

    @AfterEach
    void stopRuntime() {
        if (runtime != null) {
            runtime.close();
            runtime = null;
        }
    }

    /** One IPv4/UDP frame of flow {@code flow} (its source port), carrying flow and sequence number in the payload. */
    static byte[] udp(int flow, int seq) {
        ByteBuffer b = ByteBuffer.allocate(14 + 20 + 8 + 8);
        b.put(Wire.mac(DST)).put(Wire.mac(HOST_MAC)).putShort((short) 0x0800);
        int ip = b.position();
        b.put((byte) 0x45).put((byte) 0).putShort((short) 36).putShort((short) 0).putShort((short) 0x4000)
                .put((byte) 64).put((byte) 17).putShort((short) 0)
                .put(new byte[] {10, 0, 0, 1}).put(new byte[] {10, 0, 0, 2});
        int sum = 0;
        for (int i = 0; i < 20; i += 2) {
            sum += b.getShort(ip + i) & 0xFFFF;
        }
        while (sum > 0xFFFF) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        b.putShort(ip + 10, (short) ~sum);
        b.putShort((short) (10000 + flow)).putShort((short) 7000).putShort((short) 16).putShort((short) 0);
        b.putInt(flow).putInt(seq);
        return b.array();
    }

    @Test
    void framesOfManyFlowsSpreadOverTwoLanesEachFlowInOrderOnOneLaneNoneLostOrDoubled() throws Exception {
        engine();
        runtime = new HandlerRuntime(engine, 3000, ProviderLog.system("expkt.fanout.test"));
        Wire h1 = wire(1);
        record Seen(String thread, int flow, int seq) {
        }
        ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();
        PacketHandler handler = (frame, from, sender) -> {
            if (frame.getUnsignedShort(12) == 0x0800 && frame.length() >= 50) {
                seen.add(new Seen(Thread.currentThread().getName(), frame.getInt(42), frame.getInt(46)));
            }
        };
        Map<String, Object> props = Map.of(PacketHandler.FILTER_NAME, "flows", PacketHandler.FILTER_DSTMAC, DST,
                PacketHandler.FILTER_ETHERTYPE, "0x0800", PacketHandler.LANES, 2);
        Filter filter = HandlerProperties.filter(props);
        int lanes = HandlerProperties.lanes(props);
        assertEquals(2, lanes);
        HandlerRuntime.Registration r = runtime.register(BUNDLE, filter, RxMode.THROUGHPUT, lanes, handler);

        // two sockets in one kernel fanout group; the filter is held by the first
        List<PacketSocketImpl> sockets = r.sockets();
        assertEquals(2, sockets.size());
        assertNotEquals(-1, sockets.get(0).fanoutGroup());
        assertEquals(sockets.get(0).fanoutGroup(), sockets.get(1).fanoutGroup());
        assertEquals(List.of(sockets.get(1)), sockets.get(0).fanoutMembers());
        assertThrows(IllegalStateException.class, () -> sockets.get(1).setupFilter(Filter.named("other").ethertype(0x0842).build()));

        for (int seq = 0; seq < PER_FLOW; seq++) {
            for (int flow = 0; flow < FLOWS; flow++) {
                h1.send(udp(flow, seq));
            }
        }
        int expected = FLOWS * PER_FLOW;
        HandlerRuntimeTest.await(expected + " frames handled", () -> seen.size() >= expected);
        // a doubled frame would come with the others, before a last frame of each flow sent after them all
        // (each flow's frames go to one socket, and every socket has flows): once those are in, count exactly
        for (int flow = 0; flow < FLOWS; flow++) {
            h1.send(udp(flow, PER_FLOW));
        }
        HandlerRuntimeTest.await("the last frame of each flow handled",
                () -> seen.stream().filter(x -> x.seq() == PER_FLOW).count() == FLOWS);
        List<Seen> all = new ArrayList<>(seen);
        int total = expected + FLOWS;
        assertEquals(total, all.size(), "frames handled (none lost, none doubled)");

        Map<Integer, List<Integer>> seqs = new HashMap<>();
        Map<Integer, Set<String>> threadsOfFlow = new HashMap<>();
        Set<String> threads = new HashSet<>();
        for (Seen s : all) {
            seqs.computeIfAbsent(s.flow(), k -> new ArrayList<>()).add(s.seq());
            threadsOfFlow.computeIfAbsent(s.flow(), k -> new HashSet<>()).add(s.thread());
            threads.add(s.thread());
        }
        assertEquals(FLOWS, seqs.size());
        List<Integer> inOrder = new ArrayList<>();
        for (int i = 0; i <= PER_FLOW; i++) {
            inOrder.add(i);
        }
        for (int flow = 0; flow < FLOWS; flow++) {
            assertEquals(inOrder, seqs.get(flow), "frames of flow " + flow + " in order, each once");
            assertEquals(1, threadsOfFlow.get(flow).size(), "flow " + flow + " on one lane: " + threadsOfFlow.get(flow));
        }
        assertEquals(Set.of("expkt-dispatch-lane-41", "expkt-dispatch-lane-41.2"), threads, "both lanes handled flows");

        // the counters add up over the lanes, and expkt:handlers shows the fanout and both lanes
        HandlerRuntimeTest.await("counters updated", () -> runtime.handlers().get(0).frames() == total);
        String table = HandlerTables.handlers(runtime, engine);
        assertTrue(table.contains("(fanout 2 lanes, hash)"), table);
        assertTrue(table.contains("lane-41,lane-41.2"), table);

        // unregistering parks both sockets; closing the runtime closes both
        runtime.unregister(r);
        runtime.close();
        runtime = null;
        assertTrue(!sockets.get(0).isOpen() && !sockets.get(1).isOpen(), "both sockets closed");
    }

    @Test
    void aBadLanesPropertyIsRefusedNamingItsValue() {
        for (Object bad : new Object[] {0, 17, "x", 2.5, -1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> HandlerProperties.lanes(Map.of(PacketHandler.FILTER_NAME, "f", PacketHandler.LANES, bad)));
            assertTrue(e.getMessage().contains(PacketHandler.LANES), e.getMessage());
        }
        assertEquals(1, HandlerProperties.lanes(Map.of(PacketHandler.FILTER_NAME, "f")));
        assertEquals(1, HandlerProperties.lanes(Map.of(PacketHandler.FILTER_NAME, "f", PacketHandler.LANES, "")));
        assertEquals(4, HandlerProperties.lanes(Map.of(PacketHandler.FILTER_NAME, "f", PacketHandler.LANES, "4")));
    }
}
