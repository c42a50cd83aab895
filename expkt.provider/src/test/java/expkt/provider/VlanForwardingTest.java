package expkt.provider;

import expkt.api.net.SlotPort;
import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Filter;
import expkt.lab.Host;
import expkt.lab.Lab;
import expkt.lab.Topologies;
import expkt.provider.command.L2Tables;
import expkt.provider.core.ProviderLog;
import expkt.provider.core.VrScope;
import expkt.provider.dataplane.DataPlane;
import expkt.provider.dataplane.Fdb;
import expkt.provider.socket.L2Engine;
import expkt.provider.socket.PacketSocketImpl;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code sendto(frame, vlanName)} forwards as the seed says (issue 16 item 5), with tcpdump on every far
 * host as the witness: first a unicast to a MAC nobody knows yet floods (every host sees it: the
 * witnesses work), then once the address is known the same kind of send reaches that one port's host
 * only; broadcast and unknown unicast flood. The "only" is proven by order: the broadcast and the
 * unknown unicast sent after the forwarded frames reach every host, so a host that saw them and not a
 * forwarded frame was not sent it. Twice: without a bridge (the provider learns from the frames its
 * sockets receive) and with one (the kernel's bridge FDB, read through rtnetlink).
 *
 * <p>VLAN foo (tag 100): h1 and h2 untagged members, h3 a tagged one (what it gets carries tag 100).
 */
class VlanForwardingTest {
    static final String[] VLANS = {"name=foo tag=100 untagged=1:1,1:2 tagged=1:3"};
    static final String FLOOD_FIRST = "02:00:00:00:f0:01";
    static final String TO_H2 = "02:00:00:00:f0:02";
    static final String TO_H3 = "02:00:00:00:f0:03";
    static final String BROADCAST = "02:00:00:00:f0:04";
    static final String UNKNOWN = "02:00:00:00:f0:05";
    static final String NOBODY = "02:00:00:00:99:99";

    @Test
    void withoutABridgeTheProviderLearnsFromTheFramesItReceives() throws Exception {
        Lab.cleanStale();
        try (Lab lab = Lab.builder().ports(3).build()) {
            forwards(lab, false);
        }
    }

    @Test
    void withABridgeTheKernelsForwardingDatabaseIsUsed() throws Exception {
        Lab.cleanStale();
        try (Lab lab = Topologies.bridgedHosts(3)) {
            forwards(lab, true);
        }
    }

    private static Predicate<String> from(String src) {
        return l -> l.contains(" " + src + " > ");
    }

    private void forwards(Lab lab, boolean bridged) throws Exception {
        List<AutoCloseable> close = new ArrayList<>();
        DataPlane dp = new DataPlane(lab.switchNs(), "VR-Default", 2);
        try {
            dp.configure(new String[0], VLANS);
            L2Engine engine = new L2Engine(dp, VrScope.single("VR-Default", 2), L2Engine.RingConfig.DEFAULT,
                    ProviderLog.system("expkt.provider.test"));
            close.add(engine);
            Fdb fdb = dp.fdb();
            Host h2 = lab.host(2);
            Host h3 = lab.host(3);
            int p2 = engine.model().port(SlotPort.of(1, 2)).ifIndex();
            int p3 = engine.model().port(SlotPort.of(1, 3)).ifIndex();
            Tcpdump[] dump = new Tcpdump[4];
            for (int i = 1; i <= 3; i++) {
                dump[i] = Tcpdump.capture(lab, lab.host(i).ns());
                close.add(0, dump[i]);
            }
            PacketSocketImpl s = engine.open(L2ProviderTestBase.OWNER);

            // 1. nothing known yet: a unicast to h2 floods, and every witness sees it (h3 tagged)
            s.sendto(Wire.frame(h2.mac(), FLOOD_FIRST, 0x88B5, 100), "foo");
            for (int i = 1; i <= 3; i++) {
                List<String> l = dump[i].awaitLines(from(FLOOD_FIRST), 1, 10_000);
                assertEquals(1, l.stream().filter(from(FLOOD_FIRST)).count(), "h" + i + " saw the flood: " + l);
            }
            assertTrue(dump[3].lines().stream().filter(from(FLOOD_FIRST)).allMatch(x -> x.contains("vlan 100")),
                    "the tagged member got it tagged: " + dump[3].lines());
            assertEquals(0, fdb.forwardedSends());

            // 2. h2 (untagged) and h3 (tagged 100) send a frame each
            int ethertype = bridged ? 0x88B7 : 0x88B6;
            if (!bridged) {
                // the provider learns from what its sockets receive: a filter brings these frames up
                s.setupFilter(Filter.named("fdb-bait").ethertype(0x88B6).build());
            }
            try (Wire w2 = Wire.host(lab, 2); Wire w3 = Wire.host(lab, 3)) {
                w2.send(Wire.frame("ff:ff:ff:ff:ff:ff", h2.mac(), ethertype, 60));
                w3.send(Wire.tagged("ff:ff:ff:ff:ff:ff", h3.mac(), 100, ethertype, 64));
            }
            if (!bridged) {
                s.setTimeout(Duration.ofSeconds(10));
                ExosSockAddr from = new ExosSockAddr();
                byte[] buf = new byte[2048];
                assertTrue(s.recvfrom(buf, from) > 0 && s.recvfrom(buf, from) > 0, "both frames came up");
            }
            Fdb.Source source = bridged ? Fdb.Source.KERNEL : Fdb.Source.LEARNED;
            long h2mac = Long.parseLong(h2.mac().replace(":", ""), 16);
            long h3mac = Long.parseLong(h3.mac().replace(":", ""), 16);
            // untagged frames: no VLAN; the kernel's bridge (no VLAN filtering here) records no VLAN for the tagged one either
            int h3vlan = bridged ? -1 : 100;
            List<Fdb.Entry> entries = awaitEntries(fdb, e -> e.source() == source && e.mac() == h2mac && e.port() == p2
                    && e.vlan() == -1, e -> e.source() == source && e.mac() == h3mac && e.port() == p3 && e.vlan() == h3vlan);
            if (bridged) {
                assertTrue(entries.stream().noneMatch(e -> e.source() == Fdb.Source.LEARNED && (e.mac() == h2mac || e.mac() == h3mac)),
                        "no socket received these frames: the entries are the kernel's alone: " + entries);
            }

            // 3. known unicast: out of the one port; 4. broadcast and unknown unicast: flooded
            s.sendto(Wire.frame(h2.mac(), TO_H2, 0x88B5, 120), "foo");
            s.sendto(Wire.frame(h3.mac(), TO_H3, 0x88B5, 140), "foo");
            s.sendto(Wire.frame("ff:ff:ff:ff:ff:ff", BROADCAST, 0x88B5, 160), "foo");
            s.sendto(Wire.frame(NOBODY, UNKNOWN, 0x88B5, 180), "foo");
            for (int i = 1; i <= 3; i++) {
                List<String> l = dump[i].awaitLines(from(BROADCAST).or(from(UNKNOWN)), 2, 10_000);
                assertEquals(1, l.stream().filter(from(BROADCAST)).count(), "h" + i + " got the broadcast: " + l);
                assertEquals(1, l.stream().filter(from(UNKNOWN)).count(), "h" + i + " got the unknown unicast: " + l);
            }
            dump[2].awaitLines(from(TO_H2), 1, 10_000);
            dump[3].awaitLines(from(TO_H3), 1, 10_000);
            long[][] expected = {{}, {0, 0}, {1, 0}, {0, 1}};
            for (int i = 1; i <= 3; i++) {
                List<String> l = dump[i].lines();
                assertEquals(expected[i][0], l.stream().filter(from(TO_H2)).count(), "frames to h2 seen by h" + i + ": " + l);
                assertEquals(expected[i][1], l.stream().filter(from(TO_H3)).count(), "frames to h3 seen by h" + i + ": " + l);
            }
            assertTrue(dump[3].lines().stream().filter(from(TO_H3)).allMatch(x -> x.contains("vlan 100")),
                    "forwarded to a tagged member: tagged: " + dump[3].lines());
            assertTrue(dump[2].lines().stream().filter(from(TO_H2)).noneMatch(x -> x.contains("vlan")),
                    "forwarded to an untagged member: untagged: " + dump[2].lines());
            assertEquals(2, fdb.forwardedSends());
            assertEquals(3, fdb.floodedSends());

            // expkt:fdb shows the entries, their source and the counts (from the runtime DTO)
            String table = L2Tables.fdb(engine);
            String word = bridged ? "kernel" : "learned";
            String h2row = table.lines().filter(l -> l.startsWith(h2.mac())).filter(l -> l.contains(word)).findFirst()
                    .orElseThrow(() -> new AssertionError("no " + word + " row of " + h2.mac() + ":\n" + table));
            assertTrue(h2row.matches(".*\\s-\\s+foo\\s+1:2\\s+p2\\s+" + word + "\\s+\\d+\\.\\d s"), h2row);
            String h3row = table.lines().filter(l -> l.startsWith(h3.mac())).filter(l -> l.contains(word)).findFirst()
                    .orElseThrow(() -> new AssertionError("no " + word + " row of " + h3.mac() + ":\n" + table));
            assertTrue(h3row.matches(".*\\s" + (bridged ? "-" : "100") + "\\s+foo\\s+1:3\\s+p3\\s+" + word + "\\s.*"), h3row);
            assertTrue(table.contains("kernel bridge FDB: followed (rtnetlink)"), table);
            assertTrue(table.contains("VLAN sends: 2 forwarded to one port, 3 flooded"), table);
            System.out.println(table);
            s.close();
        } finally {
            for (AutoCloseable c : close) {
                c.close();
            }
            dp.close();
        }
    }

    @SafeVarargs
    private static List<Fdb.Entry> awaitEntries(Fdb fdb, Predicate<Fdb.Entry>... wanted) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        List<Fdb.Entry> e = fdb.entries(500);
        while (System.nanoTime() < deadline) {
            e = fdb.entries(500);
            List<Fdb.Entry> now = e;
            boolean all = true;
            for (Predicate<Fdb.Entry> w : wanted) {
                all &= now.stream().anyMatch(w);
            }
            if (all) {
                return e;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("FDB entries not learned within 10 s: " + e);
    }
}
