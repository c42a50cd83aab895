package expkt.protocol.lldp;

import expkt.api.net.MacAddress;
import expkt.api.net.SlotPort;
import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Filter;
import expkt.api.packet.FilterAction;
import expkt.api.packet.FrameView;
import expkt.api.packet.PacketSocket;
import expkt.lab.Lab;
import expkt.testkit.lab.SwitchUnderTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The agent against lldpd (Debian's, written by nobody here) in a host namespace, over the provider's
 * real sockets (the test kit's {@link SwitchUnderTest} on the lab): each lists the other, lldpd's
 * shutdown LLDPDU removes it from our table, ours removes us from lldpd's, and a handover from one agent instance to a fresh one (what an in-place update does,
 * with the provider keeping the receive socket) loses no neighbour on either side.
 */
class LldpdInteropTest {
    static final String BUNDLE = "expkt.protocol.lldp";
    static Lab lab;
    static Path dir;

    @BeforeAll
    static void buildLab() throws Exception {
        Lab.cleanStale();
        lab = Lab.builder().ports(2).build();
        dir = Files.createTempDirectory("xklldp");
    }

    @AfterAll
    static void removeLab() {
        if (lab != null) {
            lab.close();
        }
    }

    /** lldpd on host {@code i}'s veth0, its own control socket, LLDP every second, host name set. */
    static final class Lldpd {
        final Path socket;
        final Process process;
        final String ns;

        Lldpd(int host, String name) throws Exception {
            ns = lab.host(host).ns();
            // lldpcli is refused a socket in a 0700 directory: the control sockets go to /tmp itself
            socket = Path.of("/tmp", lab.prefix() + "-" + name + ".socket");
            process = lab.spawn(ns, dir.resolve(name + ".log"), "lldpd", "-d", "-u", socket.toString(), "-I", "veth0", "-O", "/dev/null");
            await("lldpd control socket " + socket, 10_000,
                    () -> Files.exists(socket) && lab.exec(ns, "lldpcli", "-u", socket.toString(), "show", "chassis").ok());
            cli("configure", "system", "hostname", name);
            cli("configure", "lldp", "tx-interval", "1");
        }

        String cli(String... args) {
            String[] cmd = new String[3 + args.length];
            cmd[0] = "lldpcli";
            cmd[1] = "-u";
            cmd[2] = socket.toString();
            System.arraycopy(args, 0, cmd, 3, args.length);
            return lab.exec(ns, cmd).check().stdout();
        }

        /** {@code lldpcli show neighbors -f keyvalue} as a map. */
        Map<String, String> neighbors() {
            return keyValues(cli("-f", "keyvalue", "show", "neighbors"));
        }

        Map<String, String> statistics() {
            return keyValues(cli("-f", "keyvalue", "show", "statistics"));
        }

        void remove() throws Exception {
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(2, TimeUnit.SECONDS)) { // a stopped lldpd ignores SIGTERM
                    lab.exec(null, "sh", "-c", "kill -KILL $(ip netns pids " + ns + ")");
                    process.waitFor(5, TimeUnit.SECONDS);
                }
            }
            Files.deleteIfExists(socket);
        }

        void stop() throws Exception {
            process.destroy(); // SIGTERM: lldpd sends its shutdown LLDPDU
            assertTrue(process.waitFor(5, TimeUnit.SECONDS), "lldpd did not exit on SIGTERM");
        }
    }

    static Map<String, String> keyValues(String text) {
        Map<String, String> m = new TreeMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                m.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
            }
        }
        return m;
    }

    static void await(String what, long millis, BooleanSupplier condition) throws InterruptedException {
        expkt.lab.Deadlines.await(millis, what, condition);
    }

    /** An agent instance driven like the DS component: receive thread + tx timer on the provider's sockets. */
    static final class RunningAgent implements AutoCloseable {
        final LldpAgentCore core;
        final SwitchUnderTest sw;
        final PacketSocket rx;
        final PacketSocket tx;
        final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        final Thread receiver;
        volatile boolean running = true;

        RunningAgent(SwitchUnderTest sw, PacketSocket rx, LldpAgentCore core) throws Exception {
            this.sw = sw;
            this.rx = rx;
            this.core = core;
            this.tx = sw.packets(BUNDLE).open();
            receiver = Thread.ofPlatform().name("lldp-rx-test").start(() -> {
                ExosSockAddr from = new ExosSockAddr();
                while (running) {
                    try {
                        FrameView f = rx.receive(from);
                        if (f != null && running) {
                            core.receive(java.lang.foreign.MemorySegment.ofArray(f.toArray()), 0, f.length(), from.slot() + ":" + from.port(), System.currentTimeMillis());
                        }
                    } catch (Exception e) {
                        if (running) {
                            e.printStackTrace();
                        }
                    }
                }
            });
            timer.scheduleWithFixedDelay(() -> core.tick(sw.packets(BUNDLE).ports(), System.currentTimeMillis(),
                    (frame, port) -> tx.sendto(frame, List.of(port))), 0, 100, TimeUnit.MILLISECONDS);
        }

        /** Stops this instance without touching the rx socket (the provider keeps it across an update). */
        @Override
        public void close() throws Exception {
            running = false;
            timer.shutdownNow();
            timer.awaitTermination(2, TimeUnit.SECONDS);
            receiver.join(2000);
            tx.close();
        }

        void shutdown() {
            core.shutdown(sw.packets(BUNDLE).ports(), (frame, port) -> tx.sendto(frame, List.of(port)));
        }
    }

    /** A switch of the lab's ports, an rx socket with the agent's filter and a running agent on them, closed together. */
    record RunningAgentHolder(SwitchUnderTest sw, PacketSocket rx, RunningAgent agent) implements AutoCloseable {
        static RunningAgentHolder start(Lab lab, LldpSettings settings) throws Exception {
            SwitchUnderTest sw = SwitchUnderTest.on(lab).build();
            try {
                PacketSocket rx = sw.packets(BUNDLE).open();
                rx.setupFilter(Filter.named("lldp").dstmac(MacAddress.LLDP_NEAREST_BRIDGE).ethertype(0x88CC)
                        .action(FilterAction.UP_AND_DROP).build());
                rx.setTimeout(Duration.ofMillis(100));
                return new RunningAgentHolder(sw, rx, new RunningAgent(sw, rx, new LldpAgentCore(settings)));
            } catch (Exception e) {
                sw.close();
                throw e;
            }
        }

        @Override
        public void close() throws Exception {
            try {
                agent.close();
                rx.close();
            } finally {
                sw.close();
            }
        }
    }

    /** The LLDPDUs lldpd has taken in on its interface ({@code lldpcli show statistics}). */
    private static long received(Lldpd peer) {
        Map<String, String> stats = peer.statistics();
        String rx = stats.get("lldp.veth0.rx.rx");
        if (rx == null) {
            throw new AssertionError("lldpcli's statistics have no lldp.veth0.rx.rx: " + stats);
        }
        return Long.parseLong(rx);
    }

    @Test
    void interoperatesWithLldpdAcrossAHandover() throws Exception {
        LldpSettings settings = new LldpSettings(1, 4, 2, "xkswitch", "expkt interop test", null, null, 64);
        try (SwitchUnderTest sw = SwitchUnderTest.on(lab).build()) {
            PacketSocket rx = sw.packets(BUNDLE).open();
            rx.setupFilter(Filter.named("lldp").dstmac(MacAddress.LLDP_NEAREST_BRIDGE).ethertype(0x88CC)
                    .action(FilterAction.UP_AND_DROP).build());
            rx.setTimeout(Duration.ofMillis(100));
            Lldpd peer = new Lldpd(1, "xkpeer1");
            String peerMac = lab.host(1).mac();
            RunningAgent v1 = new RunningAgent(sw, rx, new LldpAgentCore(settings));
            try {
                // we see lldpd: its chassis (MAC of its only interface), its port, its host name
                // (lldpd's first LLDPDUs may predate its tx-interval 1 and carry TTL 120)
                await("lldpd in our table", 10_000, () -> v1.core.table().size() == 1
                        && v1.core.table().list().getFirst().ttl() == 4 && "xkpeer1".equals(v1.core.table().list().getFirst().systemName()));
                Neighbor n = v1.core.table().list().getFirst();
                assertEquals("1:1", n.port());
                assertEquals(peerMac, n.chassisId(), "MACs in the table are lower case, as lldpcli and ip print them");
                assertEquals(peerMac, n.portId(), "lldpd's port ID is the interface MAC (subtype 3)");
                assertEquals("veth0", n.portDescription());
                assertEquals("xkpeer1", n.systemName());
                assertEquals(4, n.ttl(), "lldpd's TTL is tx-interval 1 x hold 4");
                // lldpd sees us: system name and port ID
                await("us in lldpd's table", 10_000, () -> "xkswitch".equals(peer.neighbors().get("lldp.veth0.chassis.name")));
                Map<String, String> theirs = peer.neighbors();
                assertEquals("1:1", theirs.get("lldp.veth0.port.ifname"), theirs.toString());
                assertEquals("p1", theirs.get("lldp.veth0.port.descr"), theirs.toString());
                assertEquals(sw.packets(BUNDLE).ports().stream().map(p -> p.mac().toLong()).min(Long::compareUnsigned)
                        .map(MacAddress::of).orElseThrow().toString().toLowerCase(java.util.Locale.ROOT), theirs.get("lldp.veth0.chassis.mac"), theirs.toString());
                System.out.println(v1.core.formatNeighbors(System.currentTimeMillis()));
                System.out.println(v1.core.formatStats());

                // handover: v1 stops without a shutdown LLDPDU, v2 takes the state and the same rx socket
                Map<String, Object> state = v1.core.saveState();
                v1.close();
                long lldpdRxAtHandover = received(peer);
                Thread.sleep(1500); // longer than our tx interval: v2 must not restart fast, lldpd must keep us
                LldpAgentCore v2core = new LldpAgentCore(settings);
                v2core.restoreState(state);
                assertEquals(v1.core.table().list(), v2core.table().list());
                try (RunningAgent v2 = new RunningAgent(sw, rx, v2core)) {
                    long framesIn = v2core.stats().framesIn();
                    await("v2 receiving lldpd", 5_000, () -> v2core.stats().framesIn() > framesIn);
                    // the witness for "lldpd never dropped us": it has taken in two LLDPDUs that v2 sent after
                    // the handover. A shutdown LLDPDU from v1's close would have reached it before them (one
                    // link, in order) and been counted as a delete; an ageout needs 4 s of silence, the gap was 1.5 s
                    await("lldpd receiving v2's LLDPDUs", 5_000, () -> received(peer) >= lldpdRxAtHandover + 2);
                    assertEquals(1, v2core.table().size());
                    assertEquals(1, v2core.table().inserts(), "lldpd was never removed and re-inserted on our side");
                    Map<String, String> stats = peer.statistics();
                    assertEquals("1", stats.get("lldp.veth0.insert_cnt.insert_cnt"), stats.toString());
                    assertEquals("0", stats.get("lldp.veth0.delete_cnt.delete_cnt"), stats.toString());
                    assertEquals("0", stats.get("lldp.veth0.ageout_cnt.ageout_cnt"), stats.toString());

                    // our shutdown LLDPDU: lldpd deletes us at once (a delete, not an ageout)
                    v2.timer.shutdownNow();
                    v2.timer.awaitTermination(2, TimeUnit.SECONDS);
                    v2.shutdown();
                    await("lldpd to forget us", 2_000, () -> !peer.neighbors().containsKey("lldp.veth0.chassis.name"));
                    stats = peer.statistics();
                    assertEquals("1", stats.get("lldp.veth0.delete_cnt.delete_cnt"), stats.toString());
                    assertEquals("0", stats.get("lldp.veth0.ageout_cnt.ageout_cnt"), stats.toString());

                    // lldpd's shutdown LLDPDU: our entry goes before its TTL (4 s) could run out
                    long stoppedAt = System.nanoTime();
                    peer.stop();
                    await("lldpd's shutdown LLDPDU", 3_000, () -> v2core.table().size() == 0);
                    assertTrue(System.nanoTime() - stoppedAt < 4_000_000_000L);
                    assertEquals(1, v2core.stats().shutdownsIn());
                    assertEquals(0, v2core.table().ageouts());
                }
            } finally {
                v1.running = false;
                v1.timer.shutdownNow();
                peer.remove();
            }
            assertFalse(rx.filters().isEmpty());
            rx.close();
        }
    }

    @Test
    void aSilentNeighbourAgesOutAtItsTtl() throws Exception {
        LldpSettings settings = new LldpSettings(1, 4, 0, "xkswitch", "expkt interop test", null, null, 64);
        try (SwitchUnderTest sw = SwitchUnderTest.on(lab).build()) {
            PacketSocket rx = sw.packets(BUNDLE).open();
            rx.setupFilter(Filter.named("lldp").dstmac(MacAddress.LLDP_NEAREST_BRIDGE).ethertype(0x88CC)
                    .action(FilterAction.UP_AND_DROP).build());
            rx.setTimeout(Duration.ofMillis(100));
            Lldpd peer = new Lldpd(2, "xkpeer2");
            try (RunningAgent agent = new RunningAgent(sw, rx, new LldpAgentCore(settings))) {
                await("lldpd in our table", 10_000, () -> agent.core.table().size() == 1 && agent.core.table().list().getFirst().ttl() == 4);
                assertEquals("1:2", agent.core.table().list().getFirst().port());
                // SIGSTOP on every lldpd process (monitor and privilege-separated child): it falls silent
                // without a shutdown LLDPDU (killing the monitor alone makes the child send one), so only
                // the TTL can remove it
                lab.exec(null, "sh", "-c", "kill -STOP $(ip netns pids " + peer.ns + ")").check();
                long killedAt = System.nanoTime();
                await("the entry to age out", 8_000, () -> agent.core.table().size() == 0);
                long tookMillis = (System.nanoTime() - killedAt) / 1_000_000;
                assertTrue(tookMillis > 2_500, "aged out after " + tookMillis + " ms, before its 4 s TTL could run out");
                assertEquals(1, agent.core.table().ageouts());
                assertEquals(0, agent.core.stats().shutdownsIn());
            } finally {
                peer.remove();
            }
            rx.close();
        }
    }
}
