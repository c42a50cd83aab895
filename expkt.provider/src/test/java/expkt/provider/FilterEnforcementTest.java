package expkt.provider;

import expkt.api.packet.Filter;
import expkt.api.packet.FilterAction;
import expkt.provider.command.L2Tables;
import expkt.provider.core.ProviderLog;
import expkt.provider.core.VrScope;
import expkt.provider.dataplane.DataPlane;
import expkt.provider.socket.L2Engine;
import expkt.provider.socket.PacketSocketImpl;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@code expkt:acl} lists as an UP_AND_DROP filter is what the data plane enforces, through
 * reconfigurations and for every frame the filter brings up (untagged, 802.1Q, 802.1ad + 802.1Q). The
 * far host's tcpdump is the witness of what was forwarded; each "nothing was forwarded" is preceded
 * by proof that tcpdump sees such frames when they are forwarded.
 */
class FilterEnforcementTest extends L2ProviderTestBase {
    static final String DST = "00:e0:2b:00:00:00";

    /** VRs that can vanish (a VR configuration deleted, or expkt.vr stopped). Both name the data plane. */
    static final class MutableVrs implements VrScope {
        final Map<String, Integer> known = new ConcurrentHashMap<>(Map.of("VR-Default", 2, "VR-Alias", 2));

        @Override
        public Vr byName(String name) {
            Integer id = known.get(name);
            if (id == null) {
                throw new IllegalArgumentException("unknown VR \"" + name + "\" (known VRs: " + known.keySet() + ")");
            }
            return new Vr(id, name, true);
        }

        @Override
        public Vr byId(int id) {
            return known.entrySet().stream().filter(e -> e.getValue() == id).findFirst()
                    .map(e -> new Vr(id, e.getKey(), true))
                    .orElseThrow(() -> new IllegalArgumentException("unknown VR id " + id));
        }
    }

    /** A filter naming a VR that disappeared must not take the socket's other filters' rules with it. */
    @Test
    void aVrThatVanishesDoesNotUnenforceTheOtherFilters() throws Exception {
        MutableVrs vrs = new MutableVrs();
        dataPlane = new DataPlane(lab.switchNs(), "VR-Default", 2);
        dataPlane.configure(new String[0], new String[0]);
        engine = new L2Engine(dataPlane, vrs, L2Engine.RingConfig.DEFAULT, ProviderLog.system("expkt.provider.test"));
        Wire h1 = wire(1);
        try (Tcpdump far = Tcpdump.capture(lab, lab.host(2).ns())) {
            // proof first: unfiltered, tcpdump on h2 sees these frames forwarded
            h1.send(Wire.frame(DST, HOST_MAC, 0x88b6, 60));
            assertEquals(1, far.awaitLines(l -> l.contains("0x88b6"), 1, 5000).stream().filter(l -> l.contains("0x88b6")).count());

            PacketSocketImpl s = engine.open(OWNER);
            s.setupFilter(Filter.named("via-vr").ethertype(0x88b5).vr("VR-Alias").action(FilterAction.UP_AND_DROP).build());
            s.setupFilter(Filter.named("plain-drop").ethertype(0x88b6).action(FilterAction.UP_AND_DROP).build());
            s.setupFilter(Filter.named("plain-drop2").ethertype(0x88b7).action(FilterAction.UP_AND_DROP).build());

            vrs.known.remove("VR-Alias");
            try {
                dataPlane.configure(new String[0], new String[0]); // a reconfiguration: the filters are re-applied
            } catch (RuntimeException e) {
                // refusing the reconfiguration is allowed; leaving the other filters unenforced is not
            }
            for (int i = 0; i < 5; i++) {
                h1.send(Wire.frame(DST, HOST_MAC, 0x88b6, 61));
                h1.send(Wire.frame(DST, HOST_MAC, 0x88b7, 62));
            }
            h1.send(Wire.frame(DST, HOST_MAC, 0x88b8, 63)); // marker: forwarded, so tcpdump has caught up once it shows
            List<String> seen = far.awaitLines(l -> l.contains("0x88b8"), 1, 5000);
            assertTrue(seen.stream().anyMatch(l -> l.contains("0x88b8")), "marker not forwarded: " + seen);
            assertEquals(List.of(), seen.stream().filter(l -> l.contains("0x88b7")).toList(),
                    "UP_AND_DROP filters still listed by expkt:acl let frames through: " + L2Tables.acl(engine) + nftRuleset());
            assertEquals(1, seen.stream().filter(l -> l.contains("0x88b6")).count(), "only the proof frame: " + seen);
            // the socket still gets them (the BPF program kept them too)
            List<FilterMatchTest.Got> got = FilterMatchTest.drain(s);
            assertEquals(10, got.stream().filter(g -> g.length() == 61 || g.length() == 62).count(), got.toString());

            // expkt:acl must not list the filter whose VR is gone as enforced
            String acl = L2Tables.acl(engine);
            String line = acl.lines().filter(l -> l.matches(".*\\bvia-vr\\s.*")).findFirst().orElseThrow(() -> new AssertionError(acl));
            assertTrue(line.contains("NOT ENFORCED"), acl);
            assertTrue(acl.contains("unknown VR \"VR-Alias\""), "the reason is shown: " + acl);
            String other = acl.lines().filter(l -> l.matches(".*\\bplain-drop\\s.*")).findFirst().orElseThrow(() -> new AssertionError(acl));
            assertTrue(other.contains("enforced") && !other.contains("NOT"), acl);

            // the VR comes back: the filter is enforced again at the next reconfiguration
            vrs.known.put("VR-Alias", 2);
            dataPlane.configure(new String[0], new String[0]);
            String again = L2Tables.acl(engine);
            assertFalse(again.contains("NOT ENFORCED"), again);
            assertTrue(nftRuleset().contains("comment \"via-vr\""), nftRuleset());
        }
    }

    /**
     * A reconfiguration must not open a window in which drop-filtered frames are forwarded: a steady
     * stream from h1 runs through 30 of them, alternating between a port map with and without 1:3 (the
     * filter's rules change, so they are replaced) and repeating each (nothing about the rules changes,
     * as for a ring-only change). A change that leaves the rules as they are touches nothing: their
     * counters go on.
     */
    @Test
    void reconfigurationsOpenNoWindowForDroppedFrames() throws Exception {
        String[] three = {"1:1=p1", "1:2=p2", "1:3=p3"};
        String[] two = {"1:1=p1", "1:2=p2"};
        engine(three, new String[0]);
        Wire h1 = wire(1);
        try (Tcpdump far = Tcpdump.capture(lab, lab.host(2).ns())) {
            h1.send(Wire.frame(DST, HOST_MAC, 0x88b5, 60)); // proof: forwarded while unfiltered
            assertEquals(1, far.awaitLines(l -> l.contains("0x88b5"), 1, 5000).stream().filter(l -> l.contains("0x88b5")).count());

            PacketSocketImpl s = engine.open(OWNER);
            s.setupFilter(Filter.named("steady-drop").ethertype(0x88b5).action(FilterAction.UP_AND_DROP).build());
            s.setupFilter(Filter.named("steady-drop-egress").ethertype(0x88b9).direction(expkt.api.packet.Direction.EGRESS)
                    .action(FilterAction.UP_AND_DROP).build());

            // a change that leaves the rules as they are: the counter goes on
            h1.send(Wire.frame(DST, HOST_MAC, 0x88b5, 60));
            awaitCounter("steady-drop", 1);
            dataPlane.configure(three, new String[0]);
            h1.send(Wire.frame(DST, HOST_MAC, 0x88b5, 60));
            awaitCounter("steady-drop", 2);

            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong sent = new AtomicLong();
            Thread sender = Thread.ofPlatform().name("steady-stream").start(() -> {
                byte[] f = Wire.frame(DST, HOST_MAC, 0x88b5, 61);
                try {
                    while (!stop.get()) {
                        h1.send(f);
                        sent.incrementAndGet();
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            try {
                for (int i = 0; i < 30; i++) {
                    dataPlane.configure(i % 4 < 2 ? two : three, new String[0]);
                }
            } finally {
                stop.set(true);
                sender.join(5000);
            }
            assertTrue(sent.get() > 1000, "the stream was too thin to prove anything: " + sent.get());
            h1.send(Wire.frame(DST, HOST_MAC, 0x88b8, 63)); // marker
            List<String> seen = far.awaitLines(l -> l.contains("0x88b8"), 1, 5000);
            assertTrue(seen.stream().anyMatch(l -> l.contains("0x88b8")), "marker not forwarded");
            List<String> leaked = seen.stream().filter(l -> l.contains("0x88b5") && l.contains("length 61")).toList();
            assertEquals(0, leaked.size(), leaked.size() + " of " + sent.get() + " drop-filtered frames were forwarded during 30 "
                    + "reconfigurations, e.g. " + leaked.stream().limit(3).toList());
        }
    }

    /**
     * Filters of another socket coming and going on the same port must not open a window for the frames
     * of an UP_AND_DROP filter that stays: each change rewrites the port's prefilter in one transaction
     * (its verdict map on the ethertype, and the base chain when a MAC-only or a match-everything filter
     * comes or goes), and a frame of the staying filter must reach the drop in every generation. A steady
     * stream from h1 runs through 15 filters set up and removed, of every shape the prefilter treats
     * apart (an ethertype, a MAC and an ethertype, a group MAC only, a unicast MAC only, an explicit offset:
     * everything goes on).
     */
    @Test
    void otherFiltersComingAndGoingOpenNoWindowForDroppedFrames() throws Exception {
        engine();
        Wire h1 = wire(1);
        try (Tcpdump far = Tcpdump.capture(lab, lab.host(2).ns())) {
            h1.send(Wire.frame(DST, HOST_MAC, 0x88b5, 60)); // proof: forwarded while unfiltered
            assertEquals(1, far.awaitLines(l -> l.contains("0x88b5"), 1, 5000).stream().filter(l -> l.contains("0x88b5")).count());

            PacketSocketImpl s = engine.open(OWNER);
            s.setupFilter(Filter.named("stays-drop").ethertype(0x88b5).action(FilterAction.UP_AND_DROP).build());
            PacketSocketImpl other = engine.open(OWNER);

            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong sent = new AtomicLong();
            Thread sender = Thread.ofPlatform().name("steady-stream").start(() -> {
                byte[] f = Wire.frame(DST, HOST_MAC, 0x88b5, 61);
                try {
                    while (!stop.get()) {
                        h1.send(f);
                        sent.incrementAndGet();
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            int changes = 15;
            try {
                for (int i = 0; i < changes; i++) {
                    Filter.Builder f = Filter.named("comes" + i);
                    switch (i % 5) {
                        case 0 -> f.ethertype(0x88b6);
                        case 1 -> f.dstmac("00:e0:2b:00:00:07").ethertype(0x0842);
                        case 2 -> f.dstmac("01:80:c2:00:00:0e");
                        case 3 -> f.dstmac("02:00:00:00:00:09");
                        default -> f.ethertype(0x88b7).ethertypeOffset(16); // the prefilter sends everything on
                    }
                    other.setupFilter(f.build());
                    other.removeFilters();
                }
            } finally {
                stop.set(true);
                sender.join(5000);
            }
            assertTrue(sent.get() > 1000, "the stream was too thin to prove anything: " + sent.get());
            h1.send(Wire.frame(DST, HOST_MAC, 0x88b8, 63)); // marker
            List<String> seen = far.awaitLines(l -> l.contains("0x88b8"), 1, 5000);
            assertTrue(seen.stream().anyMatch(l -> l.contains("0x88b8")), "marker not forwarded");
            List<String> leaked = seen.stream().filter(l -> l.contains("0x88b5") && l.contains("length 61")).toList();
            assertEquals(0, leaked.size(), leaked.size() + " of " + sent.get() + " drop-filtered frames were forwarded during "
                    + changes + " filters set up and removed, e.g. " + leaked.stream().limit(3).toList());
        }
    }

    private void awaitCounter(String filter, long packets) throws Exception {
        long[][] c = {null};
        expkt.lab.Deadlines.await(5_000, filter + " to count " + packets + " packets", () -> {
            try {
                c[0] = engine.counters().get(filter);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return c[0] != null && c[0][0] == packets;
        }, () -> (c[0] == null ? "nothing counted" : c[0][0] + " packets counted") + ":\n" + nftRuleset());
    }

    /**
     * UP_AND_DROP drops exactly what it brings up: untagged, 802.1Q, 802.1ad + 802.1Q and 802.1Q +
     * 802.1Q frames of its ethertype. Frames of another ethertype in the same forms pass (they prove
     * tcpdump on the far host sees such frames).
     */
    @Test
    void upAndDropDropsQinQFramesItBringsUp() throws Exception {
        engine();
        Wire h1 = wire(1);
        PacketSocketImpl s = engine.open(OWNER);
        s.setupFilter(Filter.named("qinq-drop").ethertype(0x88b5).action(FilterAction.UP_AND_DROP).build());
        try (Tcpdump far = Tcpdump.capture(lab, lab.host(2).ns())) {
            for (int et : new int[] {0x88b6, 0x88b5}) {
                h1.send(Wire.frame(DST, HOST_MAC, et, 70));
                h1.send(Wire.tagged(DST, HOST_MAC, 100, et, 74));
                h1.send(doubleTagged(0x88a8, 300, 100, et, 78));
                h1.send(doubleTagged(0x8100, 300, 100, et, 82));
            }
            h1.send(Wire.frame(DST, HOST_MAC, 0x88b8, 63)); // marker, sent last
            List<String> seen = far.awaitLines(l -> l.contains("0x88b8"), 1, 5000);
            // the other ethertype passes in every form: tcpdump sees all four
            List<String> passed = seen.stream().filter(l -> l.contains("0x88b6")).toList();
            assertEquals(4, passed.size(), "frames of another ethertype must pass in every form: " + seen);
            assertTrue(passed.stream().anyMatch(l -> l.contains("vlan 300") && l.contains("0x88a8")), passed.toString());
            // what the socket gets: all four forms of 0x88b5
            // (whole: the kernel moved each outer tag to metadata, the receive path put it back)
            List<Integer> up = FilterMatchTest.drain(s).stream().map(FilterMatchTest.Got::length).sorted().toList();
            assertEquals(List.of(70, 74, 78, 82), up, "brought up");
            // and none of them was forwarded
            List<String> leaked = seen.stream().filter(l -> l.contains("0x88b5")).toList();
            assertEquals(List.of(), leaked, "UP_AND_DROP forwarded frames it brought up; ruleset:\n" + nftRuleset());
            assertEquals(4, engine.counters().get("qinq-drop")[0]);
        }
    }

    static byte[] doubleTagged(int outerTpid, int outerVid, int innerVid, int ethertype, int totalLength) {
        ByteBuffer b = ByteBuffer.allocate(totalLength);
        b.put(Wire.mac(DST)).put(Wire.mac(HOST_MAC)).putShort((short) outerTpid).putShort((short) outerVid)
                .putShort((short) 0x8100).putShort((short) innerVid).putShort((short) ethertype);
        for (int i = 22; i < totalLength; i++) {
            b.put((byte) i);
        }
        return b.array();
    }
}
