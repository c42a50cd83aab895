package expkt.provider;

import expkt.api.packet.Direction;
import expkt.api.packet.Filter;
import expkt.api.packet.FilterAction;
import expkt.api.spi.ParkedDataPlane;
import expkt.linux.Fds;
import expkt.provider.core.ProviderLog;
import expkt.provider.core.VrScope;
import expkt.provider.dataplane.DataPlane;
import expkt.provider.socket.L2Engine;
import expkt.provider.socket.PacketSocketImpl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The data plane's kernel part across a provider update (DESIGN.md step 3b): an engine stopping for an
 * update parks its punt namespace, punt links and nftables table (rules included) as plain values, the
 * next engine adopts them (same links, no duplicate rules, ports reconciled), and a parked part made
 * stale underneath (its fd closed) is discarded loudly and the data plane built anew. Real kernel, the lab.
 */
class EngineHandoverParkTest extends L2ProviderTestBase {
    static final String DST = "00:e0:2b:00:00:00";
    private final List<String> warnings = new CopyOnWriteArrayList<>();
    private ParkedDataPlane leftParked;

    private L2Engine next(DataPlane dp, ParkedDataPlane parked) throws Exception {
        ProviderLog sys = ProviderLog.system("expkt.provider.test");
        ProviderLog log = new ProviderLog() {
            @Override
            public void info(String message) {
                sys.info(message);
            }

            @Override
            public void warn(String message, Throwable cause) {
                warnings.add(message);
                sys.warn(message, cause);
            }

            @Override
            public void error(String message, Throwable cause) {
                sys.error(message, cause);
            }
        };
        return new L2Engine(dp, VrScope.single("VR-Default", 2), L2Engine.RingConfig.DEFAULT, log,
                expkt.linux.Nftables.Locations.fromSystemProperties(), parked);
    }

    private static int ifIndex(String dev) {
        return Integer.parseInt(lab.exec(lab.switchNs(), "cat", "/sys/class/net/" + dev + "/ifindex").check().stdout().strip());
    }

    /** How many fds of this process are network namespaces. */
    private static long netnsFds() throws java.io.IOException {
        try (var fds = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
            return fds.filter(f -> {
                try {
                    return java.nio.file.Files.readSymbolicLink(f).toString().startsWith("net:[");
                } catch (java.io.IOException e) {
                    return false; // closed meanwhile (the listing's own fd)
                }
            }).count();
        }
    }

    private static boolean exists(String dev) {
        return lab.exec(lab.switchNs(), "test", "-e", "/sys/class/net/" + dev).exitCode() == 0;
    }

    private static long punted(String nearEnd) {
        return Long.parseLong(lab.exec(lab.switchNs(), "cat", "/sys/class/net/" + nearEnd + "/statistics/tx_packets").check().stdout().strip());
    }

    private static int rulesOf(String filter) {
        Matcher m = Pattern.compile("comment \"" + Pattern.quote(filter) + "\"").matcher(nftRuleset());
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    /** Parks {@code engine} as a provider stopping for an update does; the test's engine and data plane are gone after it. */
    private ParkedDataPlane park() {
        engine.stoppingForUpdate(() -> true);
        ParkedDataPlane p = engine.park("test revision 1", lab.switchNs());
        engine = null;
        dataPlane.close();
        dataPlane = null;
        leftParked = p;
        return p;
    }

    @AfterEach
    void noParkedPartLeft() {
        if (leftParked != null) {
            Fds.closeQuietly(leftParked.puntNsFd()); // a test that failed before adopting it
            leftParked = null;
        }
    }

    @Test
    void theNextEngineAdoptsLinksTableAndRulesAndReplacesTheReplayedFiltersRules() throws Exception {
        engine(new String[] {"1:1=p1", "1:2=p2"}, new String[0]);
        Wire h1 = wire(1);
        PacketSocketImpl kept = engine.open(OWNER);
        kept.setupFilter(Filter.named("kept").dstmac(DST).ethertype(0x0842).action(FilterAction.UP_AND_DROP).build());
        PacketSocketImpl gone = engine.open(OWNER);
        gone.setupFilter(Filter.named("gone").ethertype(0x88b6).build());
        String link = "expktci" + ifIndex("p1");
        int linkIndex = ifIndex(link);
        int keptRules = rulesOf("kept");
        assertTrue(keptRules > 0, nftRuleset());

        // the keeper releases the sessions first (their sockets close) while the provider stops for the update
        engine.stoppingForUpdate(() -> true);
        gone.close();
        assertTrue(rulesOf("gone") > 0, "a socket closed while the provider stops for an update leaves its rules");
        ParkedDataPlane p = park();
        assertNotNull(p, "an engine with nftables parks its kernel part");
        assertEquals(2, p.links().size(), p.toString());
        assertEquals(List.of("kept", "gone"), p.nftFilters().stream().map(f -> f.filter().name()).toList());
        // while no engine runs: the links and every rule are still there, and a matching frame is still punted
        assertEquals(linkIndex, ifIndex(link));
        assertEquals(keptRules, rulesOf("kept"), "the sockets' close while stopping for an update leaves their rules");
        long before = punted(link);
        h1.send(Wire.frame(DST, HOST_MAC, 0x0842, 64));
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (punted(link) == before && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(before + 1, punted(link), "a frame matching a parked filter's rule is still punted");

        // the next engine, whose configuration has a port more: adopts, keeps p1's link, makes p3's
        dataPlane = new DataPlane(lab.switchNs(), "VR-Default", 2);
        dataPlane.configure(new String[] {"1:1=p1", "1:2=p2", "1:3=p3"}, new String[0]);
        engine = next(dataPlane, p);
        leftParked = null;
        assertTrue(engine.handoverOutcome().startsWith("adopted from test revision 1"), engine.handoverOutcome());
        assertEquals(linkIndex, ifIndex(link), "the punt link is the same link");
        assertTrue(exists("expktci" + ifIndex("p3")), "a port that appeared meanwhile gets its punt link");
        assertEquals(List.of(), warnings);
        assertEquals(List.of("kept", "gone"), engineAdopted());

        // the replay sets the filter up again: its old rules are replaced in the same transaction, not duplicated
        PacketSocketImpl again = engine.open(OWNER);
        again.setupFilter(Filter.named("kept").dstmac(DST).ethertype(0x0842).action(FilterAction.UP_AND_DROP).build());
        // the same rules per port (two ports had them, the new port p3 gets them too), none twice
        assertEquals(keptRules / 2 * 3, rulesOf("kept"), nftRuleset());
        h1.send(Wire.frame(DST, HOST_MAC, 0x0842, 64));
        assertEquals(List.of(new FilterMatchTest.Got(1, Direction.INGRESS, -1, 64, 0x0842, null)), FilterMatchTest.drain(again));
        // the filter nobody set up again loses its rules after the grace period
        deadline = System.nanoTime() + 15_000_000_000L;
        while (rulesOf("gone") > 0 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(0, rulesOf("gone"), nftRuleset());
        assertEquals(keptRules / 2 * 3, rulesOf("kept"));
    }

    private List<String> engineAdopted() throws Exception {
        return engine.adoptedFilters();
    }

    @Test
    void aPortGoneMeanwhileLosesItsLinkAndChains() throws Exception {
        engine(new String[] {"1:1=p1", "1:2=p2", "1:3=p3"}, new String[0]);
        String link3 = "expktci" + ifIndex("p3");
        assertTrue(exists(link3));
        ParkedDataPlane p = park();
        assertEquals(3, p.links().size());
        dataPlane = new DataPlane(lab.switchNs(), "VR-Default", 2);
        dataPlane.configure(new String[] {"1:1=p1", "1:2=p2"}, new String[0]);
        engine = next(dataPlane, p);
        leftParked = null;
        assertTrue(engine.handoverOutcome().startsWith("adopted"), engine.handoverOutcome());
        assertTrue(!exists(link3), "the link of a port no longer configured is deleted");
        assertTrue(!nftRuleset().contains("punt_in_p3"), nftRuleset());
        assertTrue(nftRuleset().contains("punt_in_p1"), nftRuleset());
    }

    @Test
    void aParkedPartWhoseFdWasClosedUnderneathIsDiscardedLoudlyAndTheDataPlaneBuiltAnew() throws Exception {
        engine(new String[] {"1:1=p1", "1:2=p2"}, new String[0]);
        Wire h1 = wire(1);
        PacketSocketImpl s = engine.open(OWNER);
        s.setupFilter(Filter.named("stale").ethertype(0x0842).build());
        String link = "expktci" + ifIndex("p1");
        int linkIndex = ifIndex(link);
        ParkedDataPlane p = park();
        Fds.close(p.puntNsFd()); // the punt namespace dies, and its links with it
        leftParked = null;

        dataPlane = new DataPlane(lab.switchNs(), "VR-Default", 2);
        dataPlane.configure(new String[] {"1:1=p1", "1:2=p2"}, new String[0]);
        engine = next(dataPlane, p);
        assertTrue(engine.handoverOutcome().startsWith("built from scratch: what test revision 1 parked is stale"),
                engine.handoverOutcome());
        assertTrue(engine.handoverOutcome().contains("fd " + p.puntNsFd()), engine.handoverOutcome());
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("cannot be adopted, building it from scratch"), warnings.toString());
        assertEquals(List.of(), engine.adoptedFilters());
        assertEquals(0, rulesOf("stale"), "the stale table was replaced: " + nftRuleset());
        assertNotEquals(linkIndex, ifIndex(link), "a new punt link");
        PacketSocketImpl again = engine.open(OWNER);
        again.setupFilter(Filter.named("stale").ethertype(0x0842).build());
        h1.send(Wire.frame(DST, HOST_MAC, 0x0842, 64));
        assertEquals(List.of(new FilterMatchTest.Got(1, Direction.INGRESS, -1, 64, 0x0842, null)), FilterMatchTest.drain(again));
    }

    @Test
    void aParkedPartWhoseLinkWasDeletedUnderneathIsDiscardedAndItsNamespaceClosed() throws Exception {
        engine(new String[] {"1:1=p1", "1:2=p2"}, new String[0]);
        String link2 = "expktci" + ifIndex("p2");
        long nsFdsRunning = netnsFds();
        ParkedDataPlane p = park();
        lab.exec(lab.switchNs(), "ip", "link", "del", link2).check();
        leftParked = null;
        dataPlane = new DataPlane(lab.switchNs(), "VR-Default", 2);
        dataPlane.configure(new String[] {"1:1=p1", "1:2=p2"}, new String[0]);
        engine = next(dataPlane, p);
        assertTrue(engine.handoverOutcome().contains("the punt link " + link2 + " is gone"), engine.handoverOutcome());
        assertEquals(1, warnings.size(), warnings.toString());
        // the stale part's punt namespace was closed, not left open: as many namespace fds as with the first engine
        // (not by its fd number and inode: both may be reused by the new punt namespace the moment it is closed)
        assertEquals(nsFdsRunning, netnsFds(), "open network namespace fds");
        assertTrue(exists(link2), "built anew: p2 has a punt link again");
    }

    /** A keeper's socket store for the test: what the engine parks, by token. */
    private final java.util.Map<Long, expkt.api.spi.ParkedSocket> parkedSockets = new java.util.concurrent.ConcurrentHashMap<>();

    private final L2Engine.SocketHandover store = new L2Engine.SocketHandover() {
        @Override
        public boolean park(long token, expkt.api.spi.ParkedSocket part) {
            parkedSockets.put(token, part);
            return true;
        }

        @Override
        public expkt.api.spi.ParkedSocket take(long token) {
            return parkedSockets.remove(token);
        }
    };

    /** The next revision as the provider starts it after an update: a data plane of {@code ports}, the parked part adopted, the test's socket store. */
    private void nextRevisionTakingSockets(ParkedDataPlane p, String... ports) throws Exception {
        dataPlane = new DataPlane(lab.switchNs(), "VR-Default", 2);
        dataPlane.configure(ports, new String[0]);
        engine = next(dataPlane, p);
        leftParked = null;
        engine.socketHandover("test revision 2", store);
    }

    @AfterEach
    void noParkedSocketLeft() {
        parkedSockets.values().forEach(L2Engine::discard);
        parkedSockets.clear();
    }

    @Test
    void aSocketsFdAndRingAreAdoptedWithTheFramesQueuedDuringTheSwapEachOnce() throws Exception {
        engine(new String[] {"1:1=p1", "1:2=p2"}, new String[0]);
        engine.socketHandover("test revision 1", store);
        Wire h1 = wire(1);
        PacketSocketImpl s = engine.open(OWNER);
        Filter f = Filter.named("ring").ethertype(0x0842).build();
        s.setupFilter(f);
        h1.send(Wire.frame(DST, HOST_MAC, 0x0842, 61));
        s.setTimeout(java.time.Duration.ofSeconds(5));
        assertEquals(61, s.recvfrom(new byte[2048], new expkt.api.packet.ExosSockAddr()), "read before the update");
        long token = s.handoverToken();
        assertNotEquals(0L, token);
        h1.send(Wire.frame(DST, HOST_MAC, 0x0842, 62)); // queued, not read before the update
        long deadline = System.nanoTime() + 5_000_000_000L;
        String link = "expktci" + ifIndex("p1");
        while (punted(link) < 2 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        engine.stoppingForUpdate(() -> true);
        s.close(); // the keeper releases the session: the socket parks its fd and ring instead
        assertEquals(java.util.Set.of(token), parkedSockets.keySet());
        ParkedDataPlane p = park();
        // while no engine runs, frames go on queueing in the parked ring
        h1.send(Wire.frame(DST, HOST_MAC, 0x0842, 63));
        h1.send(Wire.frame(DST, HOST_MAC, 0x0842, 64));
        deadline = System.nanoTime() + 5_000_000_000L;
        while (punted(link) < 4 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }

        nextRevisionTakingSockets(p, "1:1=p1", "1:2=p2");
        PacketSocketImpl again = engine.adopt(OWNER, token, expkt.api.packet.RxMode.THROUGHPUT);
        assertTrue(parkedSockets.isEmpty());
        again.setupFilter(f);
        List<Integer> lengths = FilterMatchTest.drain(again).stream().map(FilterMatchTest.Got::length).toList();
        assertEquals(List.of(62, 63, 64), lengths, "the frame queued before and those that came while parked, each once");
        h1.send(Wire.frame(DST, HOST_MAC, 0x0842, 65));
        assertEquals(List.of(65), FilterMatchTest.drain(again).stream().map(FilterMatchTest.Got::length).toList());
    }

    /** A frame of the test's stream: {@code seq} (big-endian) right after the Ethernet header. */
    private static byte[] numbered(int seq) {
        byte[] f = Wire.frame(DST, HOST_MAC, 0x0842, 64);
        java.nio.ByteBuffer.wrap(f).putInt(14, seq);
        return f;
    }

    /** Every numbered frame {@code s} has ready, in the order received. */
    private static List<Integer> numbersReceived(PacketSocketImpl s) throws Exception {
        s.setTimeout(java.time.Duration.ofMillis(300));
        List<Integer> got = new java.util.ArrayList<>();
        byte[] buf = new byte[2048];
        expkt.api.packet.ExosSockAddr from = new expkt.api.packet.ExosSockAddr();
        while (s.recvfrom(buf, from) >= 0) {
            got.add(java.nio.ByteBuffer.wrap(buf).getInt(14));
        }
        return got;
    }

    private static List<Integer> range(int from, int to) {
        return java.util.stream.IntStream.rangeClosed(from, to).boxed().toList();
    }

    /**
     * A ring of 4 blocks of 4 KiB: ~100 small frames (V3; a burst of 8 fits even when the 2 ms retire timer
     * closes a block after each of 3 frames: the kernel freezes the ring, and drops, only when all 4 are
     * the reader's), a few frame slots (V2).
     */
    private static final L2Engine.RingConfig TINY_RING = new L2Engine.RingConfig(4096, 4, 2);

    /**
     * Sends frames {@code from..to} while the socket is parked in bursts the ring holds; after each burst, drains
     * the ring (as the keeper's timer does) until every frame sent so far was copied, or without a drain
     * ({@code drain} null) just sends.
     */
    private int statsFd = -1;

    /** The keeper's drain of a parked socket's ring (what {@code EngineHandoverComponent} makes at park). */
    private static expkt.linux.ParkedRingDrain drainOf(expkt.api.spi.ParkedSocket p) {
        return new expkt.linux.ParkedRingDrain(p.ring(), p.blockSize(), p.blockNr(), p.frameSize(), p.block(), p.left(), p.frame(),
                p.holding(), p.backlog());
    }

    /** {@code p} as the keeper hands it to the next revision after {@code d} drained it (its {@code takeSocket}). */
    private static expkt.api.spi.ParkedSocket drained(expkt.api.spi.ParkedSocket p, expkt.linux.ParkedRingDrain d) {
        return p.withBacklog(d.backlog(), d.block(), d.left(), d.frame(), d.holding());
    }

    private void sendWhileParked(Wire h1, expkt.linux.ParkedRingDrain drain, int from, int to, int burst) throws Exception {
        long copiedAtStart = drain == null ? 0 : drain.copiedFrames();
        for (int seq = from; seq <= to; seq++) {
            h1.send(numbered(seq));
            if (drain != null && ((seq - from + 1) % burst == 0 || seq == to)) {
                long want = copiedAtStart + (seq - from + 1);
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (drain.drain(Long.MAX_VALUE) >= 0 && drain.copiedFrames() < want && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                if (drain.copiedFrames() != want) {
                    long[] st = expkt.linux.PacketSockets.statistics(statsFd);
                    org.junit.jupiter.api.Assertions.fail("frames copied out of the parked ring by frame " + seq + ": " + drain.copiedFrames()
                            + " of " + want + "; " + drain + "; socket statistics since the last read: " + java.util.Arrays.toString(st)
                            + "; punted on p1's link: " + punted("expktci" + ifIndex("p1")));
                }
            }
        }
    }

    /**
     * A swap longer than the ring holds (DESIGN.md step 3b, "a swap longer than the ring"): while the socket is
     * parked, the keeper's drain ({@code expkt.linux.ParkedRingDrain}, which {@code EngineHandoverComponent}
     * runs every 2 ms) copies what the kernel handed over and gives the blocks (V3) or slots (V2) back, so 3×
     * the ring's worth of frames sent while parked all reach the next revision, in order, each once, with no
     * kernel drop. Then an update soon after the update: the revision parks again while it has read only part
     * of its backlog; the rest goes on to the third revision, ahead of what came during the second swap.
     * {@link #withoutTheDrainTheSameStreamOverflowsTheParkedRing} shows the same stream loses frames without it.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(expkt.api.packet.RxMode.class)
    void aSwapLongerThanTheRingLosesNothingWhenTheParkedRingIsDrained(expkt.api.packet.RxMode mode) throws Exception {
        engine(new String[] {"1:1=p1", "1:2=p2"}, new String[0], TINY_RING);
        engine.socketHandover("test revision 1", store);
        Wire h1 = wire(1);
        Filter f = Filter.named("numbered").ethertype(0x0842).build();
        PacketSocketImpl s = engine.open(OWNER, null, mode);
        s.setupFilter(f);
        h1.send(numbered(0));
        assertEquals(List.of(0), numbersReceived(s));
        long token = s.handoverToken();
        engine.stoppingForUpdate(() -> true);
        s.close();
        ParkedDataPlane p = park();
        expkt.api.spi.ParkedSocket part = parkedSockets.remove(token);
        assertNotNull(part);
        int burst = mode == expkt.api.packet.RxMode.LATENCY ? 2 : 8;
        statsFd = part.fd();
        expkt.linux.ParkedRingDrain drain = drainOf(part);
        sendWhileParked(h1, drain, 1, 300, burst);
        parkedSockets.put(token, drained(part, drain));

        nextRevisionTakingSockets(p, "1:1=p1", "1:2=p2");
        PacketSocketImpl again = engine.adopt(OWNER, token, mode);
        again.setupFilter(f);
        again.setTimeout(java.time.Duration.ofSeconds(5));
        byte[] buf = new byte[2048];
        List<Integer> first = new java.util.ArrayList<>();
        for (int i = 0; i < 50; i++) {
            assertTrue(again.recvfrom(buf, new expkt.api.packet.ExosSockAddr()) >= 0, "frame " + (i + 1) + " of the backlog");
            first.add(java.nio.ByteBuffer.wrap(buf).getInt(14));
        }
        assertEquals(range(1, 50), first, "the backlog first, in order");

        // another update before the backlog is read: the rest of it goes on, ahead of the frames of this swap
        long token2 = again.handoverToken();
        engine.stoppingForUpdate(() -> true);
        again.close();
        ParkedDataPlane p2 = park();
        expkt.api.spi.ParkedSocket part2 = parkedSockets.remove(token2);
        assertNotNull(part2);
        assertTrue(!part2.backlog().isEmpty(), "the unread backlog is parked with the socket: " + part2);
        expkt.linux.ParkedRingDrain drain2 = drainOf(part2);
        sendWhileParked(h1, drain2, 301, 400, burst);
        parkedSockets.put(token2, drained(part2, drain2));
        nextRevisionTakingSockets(p2, "1:1=p1", "1:2=p2");
        PacketSocketImpl third = engine.adopt(OWNER, token2, mode);
        third.setupFilter(f);
        assertEquals(range(51, 400), numbersReceived(third), "the rest of the first backlog, then the second swap's frames, each once");
        h1.send(numbered(401));
        assertEquals(List.of(401), numbersReceived(third), "then the ring itself");
        assertEquals(0, third.drops(), "no kernel drop over both swaps");
    }

    /**
     * The lane side of the backlog: a whiteboard handler's socket adopted with everything of the swap in
     * copies and its kernel ring empty, so its fd is not readable and epoll reports nothing. The lane calls
     * it anyway when it is registered (and again while copies remain after a call), so the frames of the
     * swap are handled without waiting for the next frame to arrive.
     */
    @Test
    void aHandlerAdoptedWithItsFramesInCopiesOnlyIsCalledWithoutANewFrame() throws Exception {
        engine(new String[] {"1:1=p1", "1:2=p2"}, new String[0], TINY_RING);
        engine.socketHandover("test revision 1", store);
        Wire h1 = wire(1);
        expkt.api.spi.BundleIdentity who = expkt.api.spi.BundleIdentity.of(45, "test.backlog", "1.0.0");
        Filter f = Filter.named("numbered").ethertype(0x0842).build();
        List<Integer> v1 = new CopyOnWriteArrayList<>();
        expkt.provider.whiteboard.HandlerRuntime rt1 = new expkt.provider.whiteboard.HandlerRuntime(engine, 3000, ProviderLog.system("t"));
        rt1.register(who, f, (frame, from, sender) -> v1.add(frame.getInt(14)));
        h1.send(numbered(0));
        expkt.lab.Deadlines.await(5_000, "the first revision's handler got frame 0", () -> v1.equals(List.of(0)));
        engine.stoppingForUpdate(() -> true);
        rt1.close();
        assertEquals(1, parkedSockets.size());
        long token = parkedSockets.keySet().iterator().next();
        ParkedDataPlane p = park();
        expkt.api.spi.ParkedSocket part = parkedSockets.remove(token);
        expkt.linux.ParkedRingDrain drain = drainOf(part);
        statsFd = part.fd();
        sendWhileParked(h1, drain, 1, 250, 8);
        assertEquals(250, drain.copiedFrames());
        parkedSockets.put(token, drained(part, drain));

        nextRevisionTakingSockets(p, "1:1=p1", "1:2=p2");
        List<Integer> v2 = new CopyOnWriteArrayList<>();
        expkt.provider.whiteboard.HandlerRuntime rt2 = new expkt.provider.whiteboard.HandlerRuntime(engine, 3000, ProviderLog.system("t"));
        try {
            rt2.register(who, f, (frame, from, sender) -> v2.add(frame.getInt(14)));
            assertEquals(1, rt2.adoptedFromRevision());
            expkt.lab.Deadlines.await(5_000, "the 250 frames of the swap handled with no new frame sent", () -> v2.size() >= 250);
            assertEquals(range(1, 250), v2, "in order, each once");
            h1.send(numbered(251));
            expkt.lab.Deadlines.await(5_000, "then the ring's", () -> v2.size() >= 251);
            assertEquals(251, v2.get(250));
        } finally {
            rt2.close();
        }
    }

    /** The control of {@link #aSwapLongerThanTheRingLosesNothingWhenTheParkedRingIsDrained}: the same stream, no drain, frames dropped. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(expkt.api.packet.RxMode.class)
    void withoutTheDrainTheSameStreamOverflowsTheParkedRing(expkt.api.packet.RxMode mode) throws Exception {
        engine(new String[] {"1:1=p1", "1:2=p2"}, new String[0], TINY_RING);
        engine.socketHandover("test revision 1", store);
        Wire h1 = wire(1);
        Filter f = Filter.named("numbered").ethertype(0x0842).build();
        PacketSocketImpl s = engine.open(OWNER, null, mode);
        s.setupFilter(f);
        long token = s.handoverToken();
        engine.stoppingForUpdate(() -> true);
        s.close();
        ParkedDataPlane p = park();
        String link = "expktci" + ifIndex("p1");
        long before = punted(link);
        sendWhileParked(h1, null, 1, 300, 1);
        expkt.lab.Deadlines.await(5_000, "300 frames punted while parked", () -> punted(link) >= before + 300);
        nextRevisionTakingSockets(p, "1:1=p1", "1:2=p2");
        PacketSocketImpl again = engine.adopt(OWNER, token, mode);
        again.setupFilter(f);
        List<Integer> got = numbersReceived(again);
        assertTrue(got.size() < 300, "the ring holds fewer than 300 frames: " + got.size());
        assertTrue(again.drops() > 0, "the kernel counted the drops");
        assertEquals(300, got.size() + again.drops(), "every frame either received or counted dropped");
    }

    @Test
    void aParkedSocketWhoseFdWasClosedUnderneathIsNotAdoptedAndSaysWhy() throws Exception {
        engine(new String[] {"1:1=p1"}, new String[0]);
        engine.socketHandover("test revision 1", store);
        PacketSocketImpl s = engine.open(OWNER);
        s.setupFilter(Filter.named("gone-fd").ethertype(0x0842).build());
        long token = s.handoverToken();
        engine.stoppingForUpdate(() -> true);
        s.close();
        expkt.api.spi.ParkedSocket parked = parkedSockets.get(token);
        assertNotNull(parked);
        Fds.close(parked.fd()); // a real fd closed underneath
        ParkedDataPlane p = park();
        nextRevisionTakingSockets(p, "1:1=p1");
        java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> engine.adopt(OWNER, token, expkt.api.packet.RxMode.THROUGHPUT));
        assertTrue(e.getMessage().contains("fd " + parked.fd() + " of the parked socket is not open any more")
                || e.getMessage().contains("is now another file"), e.getMessage());
        assertTrue(parkedSockets.isEmpty(), "taken (and discarded) by the failed adoption");
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> parked.ring().get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0),
                "the ring was unmapped");
        // the fallback the keeper takes: a new socket works
        PacketSocketImpl fresh = engine.open(OWNER);
        fresh.setupFilter(Filter.named("gone-fd").ethertype(0x0842).build());
        Wire h1 = wire(1);
        h1.send(Wire.frame(DST, HOST_MAC, 0x0842, 64));
        assertEquals(1, FilterMatchTest.drain(fresh).size());
    }

    /**
     * A whiteboard handler's socket across a provider update: the stopping revision's handler runtime parks
     * it under its key's token, frames arriving while no revision runs queue in its ring, and the next
     * revision's runtime adopts it when the same handler registers, delivering the queued frames first, each
     * once. A handler of another key does not take it.
     */
    @Test
    void aHandlersSocketIsParkedAndAdoptedByTheNextRevisionsRuntimeWithTheFramesQueuedMeanwhile() throws Exception {
        engine(new String[] {"1:1=p1", "1:2=p2"}, new String[0]);
        engine.socketHandover("test revision 1", store);
        Wire h1 = wire(1);
        expkt.api.spi.BundleIdentity wol = expkt.api.spi.BundleIdentity.of(42, "test.wol", "1.0.0");
        expkt.api.spi.BundleIdentity other = expkt.api.spi.BundleIdentity.of(43, "test.other", "1.0.0");
        Filter f = Filter.named("magic").ethertype(0x0842).build();
        List<Integer> v1 = new CopyOnWriteArrayList<>();
        expkt.provider.whiteboard.HandlerRuntime rt1 = new expkt.provider.whiteboard.HandlerRuntime(engine, 3000, ProviderLog.system("t"));
        rt1.register(wol, f, (frame, from, sender) -> v1.add(frame.length()));
        rt1.register(other, Filter.named("other").ethertype(0x88b5).build(), (frame, from, sender) -> { });
        h1.send(Wire.frame(DST, HOST_MAC, 0x0842, 61));
        expkt.lab.Deadlines.await(5_000, "the first revision's handler got a frame", () -> v1.equals(List.of(61)));

        engine.stoppingForUpdate(() -> true);
        rt1.close(); // the whiteboard's deactivate while the provider stops for an update
        assertEquals(2, rt1.handedOver(), "both handlers' sockets are parked");
        assertEquals(2, parkedSockets.size());
        ParkedDataPlane p = park();
        String link = "expktci" + ifIndex("p1");
        long before = punted(link);
        h1.send(Wire.frame(DST, HOST_MAC, 0x0842, 62)); // while no revision runs
        h1.send(Wire.frame(DST, HOST_MAC, 0x0842, 63));
        expkt.lab.Deadlines.await(5_000, "both frames punted while parked", () -> punted(link) >= before + 2);

        nextRevisionTakingSockets(p, "1:1=p1", "1:2=p2");
        List<Integer> v2 = new CopyOnWriteArrayList<>();
        expkt.provider.whiteboard.HandlerRuntime rt2 = new expkt.provider.whiteboard.HandlerRuntime(engine, 3000, ProviderLog.system("t"));
        try {
            rt2.register(wol, f, (frame, from, sender) -> v2.add(frame.length()));
            assertEquals(1, rt2.adoptedFromRevision());
            assertEquals(1, parkedSockets.size(), "the other handler's socket waits for its own key");
            expkt.lab.Deadlines.await(5_000, "the next revision's handler got the queued frames", () -> v2.size() >= 2);
            h1.send(Wire.frame(DST, HOST_MAC, 0x0842, 64));
            expkt.lab.Deadlines.await(5_000, "and the next frame", () -> v2.size() >= 3);
            assertEquals(List.of(62, 63, 64), v2, "the frames queued while parked come first, each once; none of the first revision's");
            assertEquals(List.of(61), v1);
            assertTrue(rulesOf("magic") > 0, "the adopted socket set its filter up again: " + nftRuleset());
        } finally {
            rt2.close();
        }
    }

    /**
     * A fanout handler (2 lanes) across a provider update: both sockets are parked, stay in their kernel
     * group, and the next revision's runtime adopts both and takes the group up again: every frame of many
     * flows sent while no revision ran is handled once, on one of the two lanes.
     */
    @Test
    void aFanoutHandlersSocketsAreParkedAndAdoptedAsOneGroup() throws Exception {
        engine(new String[] {"1:1=p1", "1:2=p2"}, new String[0]);
        engine.socketHandover("test revision 1", store);
        Wire h1 = wire(1);
        expkt.api.spi.BundleIdentity who = expkt.api.spi.BundleIdentity.of(44, "test.fan", "1.0.0");
        Filter f = Filter.named("fan").ethertype(0x0842).build();
        expkt.provider.whiteboard.HandlerRuntime rt1 = new expkt.provider.whiteboard.HandlerRuntime(engine, 3000, ProviderLog.system("t"));
        List<Integer> v1 = new CopyOnWriteArrayList<>();
        var r1 = rt1.register(who, f, expkt.api.packet.RxMode.THROUGHPUT, 2, (frame, from, sender) -> v1.add(frame.length()));
        int group = r1.socket().fanoutGroup();
        assertTrue(group >= 0);
        h1.send(Wire.frame(DST, HOST_MAC, 0x0842, 60));
        expkt.lab.Deadlines.await(5_000, "the first revision's handler got a frame", () -> v1.equals(List.of(60)));
        engine.stoppingForUpdate(() -> true);
        rt1.close();
        assertEquals(2, rt1.handedOver(), "both fanout sockets are parked");
        assertEquals(2, parkedSockets.size());
        ParkedDataPlane p = park();
        // 20 frames of 20 flows (source MACs) while no revision runs: the kernel spreads them over the parked group
        String link = "expktci" + ifIndex("p1");
        long before = punted(link);
        for (int i = 0; i < 20; i++) {
            h1.send(Wire.frame(DST, String.format("02:00:00:00:%02x:%02x", i, i + 7), 0x0842, 64 + i));
        }
        expkt.lab.Deadlines.await(5_000, "20 frames punted while parked", () -> punted(link) >= before + 20);

        nextRevisionTakingSockets(p, "1:1=p1", "1:2=p2");
        List<Integer> v2 = new CopyOnWriteArrayList<>();
        expkt.provider.whiteboard.HandlerRuntime rt2 = new expkt.provider.whiteboard.HandlerRuntime(engine, 3000, ProviderLog.system("t"));
        try {
            var r2 = rt2.register(who, f, expkt.api.packet.RxMode.THROUGHPUT, 2, (frame, from, sender) -> v2.add(frame.length()));
            assertEquals(2, rt2.adoptedFromRevision());
            assertTrue(parkedSockets.isEmpty());
            assertEquals(2, r2.sockets().size());
            assertEquals(group, r2.socket().fanoutGroup(), "the same kernel group");
            assertEquals(List.of(r2.sockets().get(1)), r2.socket().fanoutMembers());
            expkt.lab.Deadlines.await(5_000, "the 20 queued frames handled", () -> v2.size() >= 20);
            List<Integer> sorted = new java.util.ArrayList<>(v2);
            java.util.Collections.sort(sorted);
            assertEquals(java.util.stream.IntStream.range(64, 84).boxed().toList(), sorted, "each frame once, none of the first revision's");
        } finally {
            rt2.close();
        }
    }

    @Test
    void aStopThatIsNoUpdateRemovesTheRulesAsBefore() throws Exception {
        engine(new String[] {"1:1=p1"}, new String[0]);
        PacketSocketImpl s = engine.open(OWNER);
        s.setupFilter(Filter.named("plain").ethertype(0x0842).build());
        assertTrue(rulesOf("plain") > 0);
        s.close();
        assertEquals(0, rulesOf("plain"), "not stopping for an update: a socket's close removes its rules");
    }
}
