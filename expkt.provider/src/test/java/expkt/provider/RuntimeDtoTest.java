package expkt.provider;

import expkt.api.handler.PacketHandler;
import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Filter;
import expkt.api.packet.FilterAction;
import expkt.api.runtime.DataPlaneDTO;
import expkt.api.runtime.ExpktRuntime;
import expkt.api.runtime.FilterDTO;
import expkt.api.runtime.HandlerDTO;
import expkt.api.runtime.LaneDTO;
import expkt.api.runtime.PortDTO;
import expkt.api.runtime.SocketDTO;
import expkt.api.runtime.VlanDTO;
import expkt.api.runtime.VlanMembershipDTO;
import expkt.api.runtime.VrDTO;
import expkt.api.spi.BundleIdentity;
import expkt.provider.command.HandlerTables;
import expkt.provider.command.L2Tables;
import expkt.provider.core.ProviderLog;
import expkt.provider.runtime.RuntimeSnapshots;
import expkt.provider.socket.L2Engine;
import expkt.provider.socket.PacketSocketImpl;
import expkt.provider.whiteboard.HandlerRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The runtime introspection DTOs ({@code ExpktRuntime}) on a real lab: ports and VLANs as the kernel
 * and the configuration have them, a filter whose nftables counter grows with the frames sent, the
 * socket that received them, whiteboard handlers and callbacks with their counters and lanes, and the
 * lanes' own counters. Each "it counted" first shows the count before the frames.
 */
class RuntimeDtoTest extends L2ProviderTestBase {
    HandlerRuntime handlers;

    @AfterEach
    void stopHandlers() {
        if (handlers != null) {
            handlers.close();
            handlers = null;
        }
    }

    static void await(String what, BooleanSupplier done, Supplier<Object> shown) throws InterruptedException {
        expkt.lab.Deadlines.await(10_000, what, done, shown);
    }

    /** The ifindex the kernel gives {@code ifName} in the switch namespace. */
    static int kernelIfIndex(String ifName) {
        String line = lab.exec(lab.switchNs(), "ip", "-o", "link", "show", "dev", ifName).check().stdout();
        return Integer.parseInt(line.substring(0, line.indexOf(':')).strip());
    }

    static <T> T only(List<T> list, java.util.function.Predicate<T> which, String what) {
        List<T> l = list.stream().filter(which).toList();
        assertEquals(1, l.size(), what + " in " + list);
        return l.get(0);
    }

    @Test
    void portsVlansVrsAndDataPlaneAreWhatTheKernelAndTheConfigurationSay() throws Exception {
        String p1 = lab.host(1).switchIf();
        String p2 = lab.host(2).switchIf();
        L2Engine e = engine(new String[] {"1:1=" + p1, "1:2=" + p2}, new String[] {"name=blue tag=100 tagged=1:1 untagged=1:2"});
        ExpktRuntime rt = RuntimeSnapshots.of(e, null);
        await("both ports up", () -> rt.ports().stream().allMatch(p -> PortDTO.UP.equals(p.operState)), rt::ports);

        List<PortDTO> ports = rt.ports();
        assertEquals(List.of("1:1", "1:2"), ports.stream().map(p -> p.slotPort).toList());
        PortDTO a = ports.get(0);
        assertEquals(p1, a.ifName);
        assertEquals(kernelIfIndex(p1), a.ifIndex);
        assertTrue(lab.host(1).switchMac().equalsIgnoreCase(a.mac), a.mac);
        assertEquals(1500, a.mtu);
        assertEquals("VR-Default", a.vr);
        assertEquals(1, a.vlans.size());
        VlanMembershipDTO m = a.vlans.get(0);
        assertEquals("blue 100 true", m.vlan + " " + m.tag + " " + m.tagged);
        VlanMembershipDTO m2 = ports.get(1).vlans.get(0);
        assertEquals("blue 100 false", m2.vlan + " " + m2.tag + " " + m2.tagged);

        VlanDTO v = only(rt.vlans(), x -> true, "the one VLAN");
        assertEquals("blue", v.name);
        assertEquals(100, v.tag);
        assertEquals(List.of("1:1"), v.tagged);
        assertEquals(List.of("1:2"), v.untagged);

        // without the VR registry (bundle expkt.vr) only the data plane's VR, marked as not registered
        VrDTO vr = only(rt.vrs(), x -> true, "the data plane's VR");
        assertEquals("2 VR-Default true false", vr.id + " " + vr.name + " " + vr.dataPlane + " " + vr.registered);

        DataPlaneDTO dp = rt.dataPlane();
        assertEquals(lab.switchNs(), dp.namespace);
        assertEquals("VR-Default", dp.vr);
        assertEquals(2, dp.vrId);
        assertNull(dp.configurationRejected);
        assertNull(dp.dropRulesUnavailable, "nftables is installed");
        assertEquals(L2Engine.RingConfig.DEFAULT.blockNr(), dp.ringBlocks);
        assertEquals(-1, dp.parkedGraceMillis, "no whiteboard here");
        assertEquals(-1, dp.provider.bundleId, "outside OSGi");

        // the table prints these DTOs
        String table = L2Tables.ports(rt);
        assertTrue(table.matches("(?s).*\\n1:1\\s+" + p1 + "\\s+" + a.ifIndex + "\\s.*") && table.contains("blue(100,tagged)") && table.contains("blue(100,untagged)")
                && table.contains(dp.modelSource), table);

        // the kernel's view changes: the DTO follows
        try {
            lab.exec(lab.switchNs(), "ip", "link", "set", p2, "mtu", "1400").check();
            lab.exec(lab.switchNs(), "ip", "link", "set", p2, "down").check();
            await("1:2 down with MTU 1400", () -> {
                PortDTO b = rt.ports().get(1);
                return PortDTO.DOWN.equals(b.operState) && b.mtu == 1400;
            }, rt::ports);
            assertEquals(PortDTO.UP, rt.ports().get(0).operState);
        } finally {
            lab.exec(lab.switchNs(), "ip", "link", "set", p2, "mtu", "1500").check();
            lab.exec(lab.switchNs(), "ip", "link", "set", p2, "up").check();
        }
        // a refused configuration shows, the old one stays
        try {
            dataPlane.configure(new String[] {"1:1=nosuchif"}, new String[0]);
        } catch (IllegalArgumentException expected) {
            // shown below
        }
        assertTrue(rt.dataPlane().configurationRejected.contains("nosuchif"), rt.dataPlane().configurationRejected);
        assertEquals(2, rt.ports().size());
    }

    @Test
    void aFiltersCounterGrowsWithTheFramesSentAndItsSocketCountsThem() throws Exception {
        L2Engine e = engine();
        ExpktRuntime rt = RuntimeSnapshots.of(e, null);
        Wire h1 = wire(1);
        PacketSocketImpl s = e.open(BundleIdentity.of(41, "com.example.lldp", "1.0.0"));
        s.setupFilter(Filter.named("lldp-in").dstmac("01:80:C2:00:00:0E").ethertype(0x88CC).action(FilterAction.UP_AND_DROP).build());

        FilterDTO f = only(rt.filters(), x -> x.name.equals("lldp-in"), "filter lldp-in");
        assertEquals(FilterDTO.ENFORCED, f.state);
        assertNull(f.reason);
        assertEquals(41, f.ownerBundleId);
        assertEquals("com.example.lldp 1.0.0 [41]", f.owner);
        assertEquals(s.id(), f.socketId);
        assertEquals("dstmac 01:80:C2:00:00:0E ethertype 0x88cc", f.match);
        assertEquals("01:80:C2:00:00:0E", f.dstmac);
        assertEquals(0x88CC, f.ethertype);
        assertEquals(-1, f.ethertypeOffset);
        assertEquals("UP_AND_DROP INGRESS", f.action + " " + f.direction);
        assertNull(f.vr);
        assertTrue(f.counted);
        assertEquals(0, f.packets, "nothing counted before the frames");
        assertEquals(0, f.bytes);
        SocketDTO sd = only(rt.sockets(), x -> x.id == s.id(), "the socket");
        assertEquals(0, sd.frames);

        for (int i = 0; i < 5; i++) {
            h1.send(Wire.frame("01:80:c2:00:00:0e", HOST_MAC, 0x88CC, 60));
        }
        h1.send(Wire.frame("01:80:c2:00:00:0e", HOST_MAC, 0x88B5, 60)); // not matched: not counted
        await("the counter to count the 5 LLDP frames", () -> rt.filters().get(0).packets >= 5, rt::filters);
        f = rt.filters().get(0);
        assertEquals(5, f.packets);
        assertEquals(5 * 60, f.bytes, "the bytes of the 5 frames, as expkt:acl has always shown them");
        assertEquals(5, FilterMatchTest.drain(s).size());

        sd = only(rt.sockets(), x -> x.id == s.id(), "the socket");
        assertEquals(SocketDTO.L2, sd.kind);
        assertEquals(41, sd.ownerBundleId);
        assertEquals(List.of("lldp-in"), sd.filters);
        assertEquals(5, sd.frames);
        assertEquals(0, sd.kernelDrops);
        assertEquals("THROUGHPUT", sd.rxMode);
        assertFalse(sd.callback);
        assertNull(sd.lane, "nobody reads it on a lane");
        assertEquals("VR-Default", sd.vr);

        // the acl table prints the same DTO
        String acl = L2Tables.acl(rt);
        assertTrue(acl.matches("(?s).*enforced\\s+lldp-in\\s+com\\.example\\.lldp 1\\.0\\.0 \\[41]\\s+#" + s.id()
                + "\\s+dstmac 01:80:C2:00:00:0E ethertype 0x88cc\\s+UP_AND_DROP\\s+INGRESS\\s+all\\s+5\\s+300\\n.*"), acl);

        // one snapshot holds everything, consistent with the single calls
        var all = rt.snapshot();
        assertEquals(5, all.filters.get(0).packets);
        assertEquals(3, all.ports.size());
        assertTrue(all.timeMillis > 0);

        s.close();
        assertTrue(rt.filters().isEmpty(), "a closed socket's filter goes");
        assertTrue(rt.sockets().stream().noneMatch(x -> x.id == s.id()));
    }

    @Test
    void handlersCallbacksAndLanesShowTheirCountersStatesAndLanes() throws Exception {
        L2Engine e = engine();
        handlers = new HandlerRuntime(e, 60_000, ProviderLog.system("expkt.runtime.test"));
        ExpktRuntime rt = RuntimeSnapshots.of(e, handlers);
        Wire h1 = wire(1);
        AtomicInteger calls = new AtomicInteger();
        PacketHandler h = (frame, from, sender) -> {
            int n = calls.incrementAndGet();
            if (n == 1 || n == 4) {
                throw new IllegalStateException("a protocol bug on frames 1 and 4");
            }
        };
        HandlerRuntime.Registration reg = handlers.register(BundleIdentity.of(41, "com.example.lldp", "1.0.0"),
                Filter.named("h-lldp").ethertype(0x88b5).build(), h);
        handlers.rejected(BundleIdentity.of(42, "com.example.bad", "2.0.0"), "h-bad", "dstmac \"zz\" is not a MAC");

        HandlerDTO d = only(rt.handlers(), x -> "h-lldp".equals(x.filter), "handler h-lldp");
        assertEquals(HandlerDTO.HANDLER, d.kind);
        assertEquals("com.example.lldp 1.0.0 [41]", d.symbolicName + " " + d.version + " [" + d.bundleId + "]");
        assertEquals("active", d.state);
        assertEquals("ethertype 0x88b5", d.match);
        assertEquals("lane-41", d.lane);
        assertEquals(0, d.frames, "nothing handled before the frames");
        assertEquals(0, observed(d), "no handle time observed before the frames");
        assertEquals(1, d.versions);
        assertEquals(-1, d.serviceId, "outside OSGi there is no service");
        assertEquals(-1, d.servedBy.bundleId);
        LaneDTO lane = only(rt.lanes(), x -> x.name.equals("lane-41"), "lane-41");
        assertEquals("expkt-dispatch-lane-41", lane.thread);
        assertEquals(1, lane.registrations);
        long callsBefore = lane.calls;

        for (int i = 0; i < 6; i++) {
            h1.send(Wire.frame("00:e0:2b:00:00:00", HOST_MAC, 0x88b5, 64));
        }
        await("the handler to get 6 frames", () -> only(rt.handlers(), x -> "h-lldp".equals(x.filter), "h-lldp").frames >= 6,
                rt::handlers);
        d = only(rt.handlers(), x -> "h-lldp".equals(x.filter), "handler h-lldp");
        assertEquals(6, d.frames);
        assertEquals(2, d.exceptions);
        assertEquals(0, d.drops);
        assertTrue(d.handleNanos > 0);
        // the handle-time histogram: one observation per frame (the lane records it after the call returns)
        await("the handle-time histogram to count the 6 frames", () -> observed(only(rt.handlers(), x -> "h-lldp".equals(x.filter), "h-lldp")) == 6,
                rt::handlers);
        d = only(rt.handlers(), x -> "h-lldp".equals(x.filter), "handler h-lldp");
        assertEquals(d.handleTimeCounts.length, d.handleTimeBoundsNanos.length);
        assertEquals(Long.MAX_VALUE, d.handleTimeBoundsNanos[d.handleTimeBoundsNanos.length - 1], "the last bucket is +Inf");
        for (int i = 1; i < d.handleTimeBoundsNanos.length; i++) {
            assertTrue(d.handleTimeBoundsNanos[i] > d.handleTimeBoundsNanos[i - 1], "ascending bounds");
        }
        assertTrue(d.handleTimeSumNanos > 0, d.toString());
        assertFalse(d.stuck || d.parked || d.rejected || d.isolated, d.toString());
        SocketDTO sd = only(rt.sockets(), x -> x.filters.contains("h-lldp"), "the handler's socket");
        assertEquals(d.socketId, sd.id);
        assertEquals("lane-41", sd.lane);
        assertFalse(sd.callback, "a handler, not a PacketCallback");
        assertEquals(6, sd.frames);
        lane = only(rt.lanes(), x -> x.name.equals("lane-41"), "lane-41");
        assertTrue(lane.calls > callsBefore && lane.wakeups >= lane.calls - callsBefore && lane.busyNanos >= d.handleNanos,
                lane.toString() + " " + d);

        HandlerDTO bad = only(rt.handlers(), x -> "h-bad".equals(x.filter), "rejected h-bad");
        assertTrue(bad.rejected);
        assertEquals("dstmac \"zz\" is not a MAC", bad.reason);
        assertEquals(-1, bad.socketId);
        assertNull(bad.servedBy);
        assertNull(bad.handleTimeCounts, "no histogram for a rejected registration");

        // a socket callback is a row too, on the shared lane
        PacketSocketImpl cb = e.open(BundleIdentity.of(43, "com.example.cb", "1.0.0"));
        cb.setupFilter(Filter.named("cb-wol").ethertype(0x0842).build());
        cb.setBlocking(false);
        cb.setCallback(sock -> {
            ExosSockAddr a = new ExosSockAddr();
            while (sock.receive(a) != null) {
                // consume
            }
        });
        for (int i = 0; i < 3; i++) {
            h1.send(Wire.frame("00:e0:2b:00:00:00", HOST_MAC, 0x0842, 102));
        }
        await("the callback to get 3 frames", () -> rt.handlers().stream().anyMatch(x -> x.kind.equals(HandlerDTO.CALLBACK)
                && x.frames == 3), rt::handlers);
        HandlerDTO c = only(rt.handlers(), x -> x.kind.equals(HandlerDTO.CALLBACK), "the callback");
        assertEquals("cb-wol", c.filter);
        assertEquals(43, c.bundleId);
        assertEquals(cb.id(), c.socketId);
        assertEquals("shared", c.lane);
        await("the callback's handle-time histogram to count its 3 frames",
                () -> observed(only(rt.handlers(), x -> x.kind.equals(HandlerDTO.CALLBACK), "the callback")) == 3, rt::handlers);
        assertEquals(-1, c.serviceId);
        assertTrue(rt.lanes().stream().anyMatch(x -> x.name.equals("shared") && x.registrations == 1 && x.calls > 0), rt.lanes().toString());

        // the text prints the DTOs
        String table = HandlerTables.handlers(rt);
        assertTrue(table.matches("(?s).*handler\\s+com\\.example\\.lldp \\[41]\\s+1\\.0\\.0\\s+h-lldp\\s+ethertype 0x88b5\\s+active\\s+#"
                + d.socketId + "\\s+lane-41\\s+6\\s+0\\s+2\\s.*"), table);
        assertTrue(table.contains("parked sockets are released 60000 ms"), table);

        // the handler goes: its socket is parked for a successor, counters kept
        handlers.unregister(reg);
        d = only(rt.handlers(), x -> "h-lldp".equals(x.filter), "parked h-lldp");
        assertTrue(d.parked, d.state);
        assertTrue(d.state.startsWith("parked "), d.state);
        assertEquals(6, d.frames);
        assertEquals(6, observed(d), "the histogram is the socket's: kept while parked, as the frame counter is");
    }

    /** Frames the handle-time histogram observed (the sum of its buckets). */
    static long observed(HandlerDTO d) {
        return d.handleTimeCounts == null ? -1 : java.util.Arrays.stream(d.handleTimeCounts).sum();
    }
}
