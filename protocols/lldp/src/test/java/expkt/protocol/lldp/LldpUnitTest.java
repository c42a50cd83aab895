package expkt.protocol.lldp;

import expkt.api.net.Ipv4Address;
import expkt.api.net.MacAddress;
import expkt.api.net.SlotPort;
import expkt.api.packet.Port;
import expkt.codec.FrameBuilder;
import expkt.codec.lldp.Lldp;
import expkt.testkit.EmbeddedHandler;
import expkt.testkit.SentFrame;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The agent's logic without sockets: LLDPDU build/parse, table, timers, handover state. */
class LldpUnitTest {
    static final MacAddress PEER = MacAddress.parse("52:54:00:12:34:56");
    static final LldpSettings SETTINGS = new LldpSettings(30, 4, 4, "sw1", "expkt test switch", Ipv4Address.parse("192.0.2.9"), null, 3);

    static byte[] peerLldpdu(int ttl, String sysName) {
        byte[] buf = new byte[300];
        FrameBuilder b = new FrameBuilder(buf).ethernet(MacAddress.LLDP_NEAREST_BRIDGE, PEER).lldp()
                .lldpChassisId(PEER).lldpPortId("eth0").lldpTtl(ttl);
        if (ttl > 0) {
            b.lldpSystemName(sysName).lldpPortDescription("uplink").lldpCapabilities(0x9c, 0x80)
                    .lldpManagementAddress(Ipv4Address.parse("198.51.100.7"), 2, 3, new byte[0]);
        }
        int len = b.finish(60);
        return java.util.Arrays.copyOf(buf, len);
    }

    static List<Port> ports(int n) {
        List<Port> l = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            l.add(Port.builder().slotPort(SlotPort.of(1, i)).ifName("p" + i).ifIndex(i + 1).mac(MacAddress.of(0x02_00_00_00_00_10L + i)).mtu(1500).vr("VR-Default").build());
        }
        return l;
    }

    @Test
    void ourLldpduParsesBackWithEveryTlv() {
        byte[] buf = new byte[LldpduCodec.MAX_FRAME];
        int len = LldpduCodec.build(new FrameBuilder(buf),
                new LldpduCodec.LocalPort(MacAddress.parse("02:00:00:00:00:11"), "1:2", "p2", MacAddress.parse("02:00:00:00:00:12")),
                new LldpduCodec.LocalSystem("sw1", "descr", Lldp.CAPABILITY_BRIDGE | Lldp.CAPABILITY_ROUTER, Lldp.CAPABILITY_BRIDGE,
                        Ipv4Address.parse("192.0.2.9")), 121);
        Neighbor n = new LldpduCodec().parse(java.util.Arrays.copyOf(buf, len), "1:5", 1000);
        assertEquals("1:5", n.port());
        assertEquals(Lldp.CHASSIS_MAC, n.chassisIdSubtype());
        assertEquals("02:00:00:00:00:11", n.chassisId());
        assertEquals(Lldp.PORT_INTERFACE_NAME, n.portIdSubtype());
        assertEquals("1:2", n.portId());
        assertEquals(121, n.ttl());
        assertEquals("p2", n.portDescription());
        assertEquals("sw1", n.systemName());
        assertEquals("descr", n.systemDescription());
        assertEquals(0x14, n.systemCapabilities());
        assertEquals(0x04, n.enabledCapabilities());
        assertEquals(List.of("192.0.2.9"), n.managementAddresses());
        assertEquals(1000 + 121_000, n.expiresMillis());
        assertEquals(0x0180C200000EL, ByteBuffer.wrap(buf).getLong(0) >>> 16, "sent to the nearest-bridge group address");
    }

    @Test
    void shutdownLldpduHasOnlyTheMandatoryTlvs() {
        byte[] buf = new byte[LldpduCodec.MAX_FRAME];
        int len = LldpduCodec.build(new FrameBuilder(buf),
                new LldpduCodec.LocalPort(PEER, "1:1", "p1", PEER), new LldpduCodec.LocalSystem("sw1", "d", 4, 4, null), 0);
        Lldp view = new Lldp().wrap(java.lang.foreign.MemorySegment.ofArray(buf), 0, len, 14, len);
        int tlvs = 0;
        for (int t = view.firstTlv(); t >= 0; t = view.nextTlv(t)) {
            tlvs++;
        }
        assertEquals(3, tlvs);
        assertEquals(0, view.ttl());
    }

    @Test
    void tableInsertsRefreshesUpdatesAndDeletesOnShutdown() {
        LldpduCodec codec = new LldpduCodec();
        NeighborTable t = new NeighborTable(10);
        assertEquals(NeighborTable.Change.INSERTED, t.apply(codec.parse(peerLldpdu(120, "a"), "1:1", 0)));
        assertEquals(NeighborTable.Change.REFRESHED, t.apply(codec.parse(peerLldpdu(120, "a"), "1:1", 1000)));
        assertEquals(NeighborTable.Change.UPDATED, t.apply(codec.parse(peerLldpdu(120, "b"), "1:1", 2000)));
        assertEquals(NeighborTable.Change.INSERTED, t.apply(codec.parse(peerLldpdu(120, "b"), "1:2", 2000)), "same peer on another port is another entry");
        assertEquals(2, t.size());
        assertEquals("b", t.list().getFirst().systemName());
        assertEquals(NeighborTable.Change.DELETED_BY_SHUTDOWN, t.apply(codec.parse(peerLldpdu(0, null), "1:1", 3000)));
        assertEquals(NeighborTable.Change.IGNORED_SHUTDOWN, t.apply(codec.parse(peerLldpdu(0, null), "1:1", 3000)));
        assertEquals(1, t.size());
        assertEquals(2, t.inserts());
        assertEquals(1, t.deletes());
        assertEquals(0, t.ageouts());
    }

    @Test
    void entriesAgeOutAtTheirTtl() {
        LldpduCodec codec = new LldpduCodec();
        NeighborTable t = new NeighborTable(10);
        t.apply(codec.parse(peerLldpdu(5, "a"), "1:1", 10_000));
        assertEquals(List.of(), t.expire(14_999));
        List<Neighbor> gone = t.expire(15_000);
        assertEquals(1, gone.size());
        assertEquals(0, t.size());
        assertEquals(1, t.ageouts());
        t.apply(codec.parse(peerLldpdu(5, "a"), "1:3", 20_000));
        assertEquals(1, t.removePort("1:3"));
    }

    @Test
    void aFullTableDropsNewNeighboursAndCountsThem() {
        LldpduCodec codec = new LldpduCodec();
        NeighborTable t = new NeighborTable(1);
        t.apply(codec.parse(peerLldpdu(120, "a"), "1:1", 0));
        assertEquals(NeighborTable.Change.DROPPED_TABLE_FULL, t.apply(codec.parse(peerLldpdu(120, "a"), "1:2", 0)));
        assertEquals(1, t.drops());
        assertThrows(IllegalArgumentException.class, () -> new NeighborTable(0));
    }

    @Test
    void newPortsStartFastThenFollowTheInterval() {
        TxScheduler s = new TxScheduler(30_000, 4);
        s.syncPorts(List.of("1:1"), 0);
        List<Long> sendTimes = new ArrayList<>();
        for (long now = 0; now <= 70_000; now += 100) {
            if (!s.due(now).isEmpty()) {
                sendTimes.add(now);
            }
        }
        assertEquals(List.of(0L, 1000L, 2000L, 3000L, 33_000L, 63_000L), sendTimes);
        assertEquals(6, s.sent("1:1"));
        s.configure(5000, 4, 63_100);
        assertEquals(5000, s.millisToNext(63_100), "a shorter interval takes effect at once (not 29.9 s later)");
        assertEquals(List.of("1:1"), s.syncPorts(List.of("1:2"), 64_000));
        assertEquals(List.of("1:2"), s.due(64_000));
    }

    @Test
    void badSettingsNameTheValue() {
        var e = assertThrows(IllegalArgumentException.class, () -> new LldpSettings(0, 4, 4, "a", "b", null, null, 10));
        assertTrue(e.getMessage().contains("tx interval 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new LldpSettings(30, 101, 4, "a", "b", null, null, 10));
        assertTrue(e.getMessage().contains("101"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new TxScheduler(500, 4));
        assertTrue(e.getMessage().contains("500 ms"), e.getMessage());
        assertEquals(121, SETTINGS.ttl());
        assertEquals(65535, new LldpSettings(3600, 100, 0, null, null, null, null, 1).ttl());
    }

    /**
     * The agent's receive path and transmit timer in the test kit's harness: frames in on a port,
     * LLDPDUs out through the harness's sender, time from the harness clock (as LldpAgent.handle
     * and its timer do with the provider's sender and the system clock).
     */
    @Test
    void learnsANeighbourAnswersOnEveryPortAndAgesItOutAsTimeAdvances() throws Exception {
        LldpAgentCore core = new LldpAgentCore(SETTINGS);
        List<Port> ports = ports(2);
        EmbeddedHandler h = EmbeddedHandler.builder().ports(2).build((frame, from, sender) ->
                core.receive(java.lang.foreign.MemorySegment.ofArray(frame.toArray()), 0, frame.length(), from.slot() + ":" + from.port(), 0));
        // the agent's timer, at the harness clock's milliseconds since the harness started
        Runnable tick = () -> core.tick(ports, h.clock().millis() - EmbeddedHandler.DEFAULT_START_NANOS / 1_000_000,
                (frame, port) -> h.sender().sendto(frame, List.of(port)));
        h.receive(peerLldpdu(120, "peer-sw"), SlotPort.of(1, 2));
        assertEquals(1, core.table().size());
        assertEquals("peer-sw", core.table().list().getFirst().systemName());

        tick.run();
        List<SentFrame> sent = h.takeSent();
        assertEquals(List.of(List.of(SlotPort.of(1, 1)), List.of(SlotPort.of(1, 2))), sent.stream().map(SentFrame::ports).toList());
        LldpduCodec codec = new LldpduCodec();
        for (SentFrame f : sent) {
            assertEquals(0x88CC, f.etherType());
            Neighbor us = codec.parse(f.frame(), "x", 0);
            assertEquals(f.ports().getFirst().toString(), us.portId());
            assertEquals(121, us.ttl());
        }
        h.advance(java.time.Duration.ofMillis(500));
        tick.run();
        assertEquals(List.of(), h.takeSent(), "nothing due 500 ms later");
        assertEquals(List.of(), core.table().expire(119_999));
        assertEquals(1, core.table().expire(120_000).size(), "the peer's TTL of 120 s ran out");
    }

    @Test
    void coreSendsOnEveryPortAndCountsMalformedFrames() {
        LldpAgentCore core = new LldpAgentCore(SETTINGS);
        List<String> sent = new ArrayList<>();
        LldpduCodec codec = new LldpduCodec();
        core.tick(ports(2), 0, (frame, port) -> {
            byte[] f = new byte[frame.remaining()];
            frame.get(f);
            Neighbor n = codec.parse(f, "x", 0);
            sent.add(port + "=" + n.portId() + "/" + n.chassisId() + "/" + n.ttl());
        });
        assertEquals(List.of("1:1=1:1/02:00:00:00:00:11/121", "1:2=1:2/02:00:00:00:00:11/121"), sent);
        byte[] bad = peerLldpdu(120, "a");
        bad[14] = 0x06; // first TLV type 3 instead of chassis ID
        assertNull(core.receive(java.lang.foreign.MemorySegment.ofArray(bad), 0, bad.length, "1:1", 0));
        assertEquals(1, core.stats().framesDiscarded());
        assertTrue(core.lastError().contains("1:1"), core.lastError());
        core.tick(ports(2), 1, (f, p) -> { throw new java.io.IOException("link down on " + p); });
        assertEquals(0, core.stats().sendErrors(), "nothing was due 1 ms later");
        core.tick(ports(2), 1000, (f, p) -> { throw new java.io.IOException("link down on " + p); });
        assertEquals(2, core.stats().sendErrors());
        assertTrue(core.lastError().contains("link down on 1:2"), core.lastError());
    }

    @Test
    void shutdownSaysOnHowManyPortsItWasSentAndCountsTheFailures() {
        LldpAgentCore core = new LldpAgentCore(SETTINGS);
        List<String> ttls = new ArrayList<>();
        LldpduCodec codec = new LldpduCodec();
        assertEquals(2, core.shutdown(ports(2), (frame, port) -> {
            byte[] f = new byte[frame.remaining()];
            frame.get(f);
            ttls.add(port + "/" + codec.parse(f, "x", 0).ttl());
        }));
        assertEquals(List.of("1:1/0", "1:2/0"), ttls);
        // the engine is gone (a platform update that stopped it): the second port's send fails
        assertEquals(1, core.shutdown(ports(2), (frame, port) -> {
            if (port.port() == 2) {
                throw new java.io.IOException("no packet engine on " + port);
            }
        }));
        assertEquals(3, core.stats().shutdownsOut());
        assertEquals(1, core.stats().sendErrors());
    }

    @Test
    void handoverKeepsNeighboursTimersAndCounters() {
        LldpAgentCore v1 = new LldpAgentCore(SETTINGS);
        byte[] f = peerLldpdu(120, "peer");
        v1.receive(java.lang.foreign.MemorySegment.ofArray(f), 0, f.length, "1:1", 5_000);
        for (long now = 0; now <= 3000; now += 1000) {
            v1.tick(ports(1), now, (fr, p) -> { });
        }
        Map<String, Object> state = v1.saveState();
        LldpAgentCore v2 = new LldpAgentCore(SETTINGS);
        v2.restoreState(state);
        assertEquals(v1.table().list(), v2.table().list());
        assertEquals(1, v2.table().inserts());
        assertEquals(4, v2.stats().framesOut());
        List<String> sent = new ArrayList<>();
        v2.tick(ports(1), 3500, (fr, p) -> sent.add(p.toString()));
        assertEquals(List.of(), sent, "the new version continues the schedule instead of restarting fast");
        v2.tick(ports(1), 33_000, (fr, p) -> sent.add(p.toString()));
        assertEquals(List.of("1:1"), sent);
        var bad = Map.<String, Object>of("table", Map.of("neighbors", List.of(Map.of("port", 7))));
        var e = assertThrows(IllegalArgumentException.class, () -> new LldpAgentCore(SETTINGS).restoreState(bad));
        assertTrue(e.getMessage().contains("port"), e.getMessage());
    }
}
