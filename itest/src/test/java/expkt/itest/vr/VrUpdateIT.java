package expkt.itest.vr;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import javax.inject.Inject;

import org.junit.Test;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.cm.ConfigurationAdmin;

import expkt.api.vr.VirtualRouters;
import expkt.itest.ExpktOptions;
import expkt.itest.ExpktTestSupport;
import expkt.itest.dispatch.TestBundles;
import expkt.itest.vr.bundles.RawPingHolder;
import expkt.lab.Lab;
import expkt.linux.NetNs;

/**
 * Issue 18 for {@code expkt.vr}: a protocol bundle ({@link RawPingHolder}: a DS component with a static
 * reference to {@code VrSockets}, holding one raw ICMP socket in a user VR) and {@value #UPDATES} in-place
 * {@link Bundle#update()}s of {@code expkt.vr} (and a refresh) while a thread pings the VR's peer through
 * the held socket without pause. The keeper holds the protocols' {@code VrSockets}, so the component is
 * not deactivated (one activation, one service registration, the same socket object throughout), the raw
 * socket's descriptor is adopted by each new revision (never reopened: {@code expkt:keeper} counts the
 * adoptions), a ping through it after each update is answered, the pings made during the updates are
 * counted (sent, answered, failed with an exception: none may fail), no ERROR is logged, and the process's
 * socket fds and threads are the same before and after. Before the keeper held {@code VrSockets}, the
 * first update deactivated the component (its socket closed, a second activation). The holder also holds an
 * {@code ALL} server socket: in each round a client in the VR's peer namespace connects just before the update
 * (the connection waits in the listening channel's backlog through the swap) and another one after it, and the
 * holder accepts both through the same object, in the VR; the keeper lists it adopted by every revision. The holder
 * also has a static reference to {@code VirtualRouters}, which the keeper registers too (branch {@code vrreg}): the
 * one activation covers it, a second thread looks the user VR up through it without pause (byName and list) during
 * and between the updates and every lookup must know it (during a swap the keeper answers from the last VRs), and so
 * must a lookup after each update. Before, {@code expkt.vr} registered {@code VirtualRouters} and each update
 * deactivated the holder.
 */
public class VrUpdateIT extends ExpktTestSupport {
    private static final int UPDATES = 3;
    private static final long WAIT_MS = 30_000;
    private static final String VR = "VR-Upd";
    private static final int VR_ID = 21;
    private static final String VR_ADDR = "10.9.1.1";
    private static final String PEER = "10.9.1.2";
    private static final String BSN = "expkt.itest.vr.rawholder";
    private static final int ECHO_PORT = 7207;
    private static final int ALL_PORT = 7208;

    @Inject
    private ConfigurationAdmin cm;

    @Inject
    private VirtualRouters vrs;

    @Override
    protected Lab.Builder labSpec() {
        return Lab.builder().ports(0);
    }

    @Override
    protected Option[] options() {
        return new Option[] {ExpktOptions.projectBundles("expkt.vr")};
    }

    @Test
    public void threeUpdatesOfExpktVrDeactivateNoProtocolAndKeepItsRawSocket() throws Exception {
        String vrNs = lab().namespace("vrupd");
        String peerNs = lab().namespace("vrpeer");
        lab().link(vrNs, "v0", peerNs, "h0");
        lab().addr(vrNs, "v0", VR_ADDR + "/24");
        lab().addr(peerNs, "h0", PEER + "/24");
        Dictionary<String, Object> vr = new Hashtable<>();
        vr.put("name", VR);
        vr.put("id", VR_ID);
        vr.put("location", vrNs);
        cm.createFactoryConfiguration("expkt.vr.router", "?").update(vr);
        await("VR " + VR + " registered", WAIT_MS, () -> vrs.list().stream().anyMatch(v -> v.id() == VR_ID));
        // the peer's UDP echo, for the holder's plain channel
        lab().spawn(peerNs, Path.of("target/vr-update-echo.log").toAbsolutePath(), "python3", "-c", String.join("\n",
                "import socket",
                "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
                "s.bind(('" + PEER + "', " + ECHO_PORT + "))",
                "while True:",
                "    d, a = s.recvfrom(2048)",
                "    s.sendto(d, a)"));

        Bundle holder = context.installBundle("expkt-itest-rawholder", TestBundles.stream(TestBundles.bundle(BSN, "1.0.0",
                new TestBundles.Component("expkt.itest.vr.rawholder", RawPingHolder.class, new String[] {"java.util.function.Function"},
                        Map.of("expkt.itest.vr", VR, "expkt.itest.peer", PEER, "expkt.itest.rawholder", "true",
                                "expkt.itest.echoport", Integer.toString(ECHO_PORT), "expkt.itest.allport", Integer.toString(ALL_PORT)),
                        new String[] {TestBundles.reference("sockets", "expkt.api.vr.VrSockets", "setSockets", ""),
                                TestBundles.reference("vrs", "expkt.api.vr.VirtualRouters", "setVrs", "")}),
                "expkt.api.vr,org.osgi.framework")));
        holder.start();
        AtomicReference<ServiceReference<?>> ref = new AtomicReference<>();
        await("the holder's service", WAIT_MS, () -> {
            try {
                ref.set(holderRef());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return ref.get() != null;
        });
        long serviceId = (Long) ref.get().getProperty("service.id");
        @SuppressWarnings("unchecked")
        Function<String, String> proto = (Function<String, String>) context.getService(ref.get());
        assertEquals("1", proto.apply("activations"));
        String socket = proto.apply("socket");
        assertEquals("a ping before the updates", "reply", proto.apply("ping 1"));
        String userVr = VR + " " + VR_ID + " listed";
        assertEquals("the user VR through the held VirtualRouters", userVr, proto.apply("vr " + VR));
        await("the peer's UDP echo answers the held channel", WAIT_MS, () -> proto.apply("udp 0").equals("reply"));
        assertEquals("the held L3 socket's echo", "reply", proto.apply("l3 0"));
        String allSocket = socket.split(" ")[4];
        try (AllClient c = new AllClient(peerNs)) {
            assertEquals("a connection to the held ALL socket", "accepted " + VR + " by " + allSocket, proto.apply("all"));
            assertEquals("hello " + VR, c.read());
        }

        // pings without pause through the held socket, counted, during and between the updates
        AtomicLong sent = new AtomicLong();
        AtomicLong answered = new AtomicLong();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean running = new AtomicBoolean(true);
        CountDownLatch ended = new CountDownLatch(1);
        Thread traffic = Thread.ofPlatform().name("vr-update-pings").start(() -> {
            int seq = 100;
            try {
                while (running.get()) {
                    String r = proto.apply("ping " + (++seq & 0xffff));
                    sent.incrementAndGet();
                    if (r.equals("reply")) {
                        answered.incrementAndGet();
                    } else if (!r.equals("timeout")) {
                        failures.add("ping " + seq + ": " + r);
                    }
                }
            } finally {
                ended.countDown();
            }
        });
        // VR lookups without pause through the held VirtualRouters, during and between the updates: each must know the user VR
        AtomicLong lookups = new AtomicLong();
        List<String> lookupFailures = java.util.Collections.synchronizedList(new ArrayList<>());
        CountDownLatch lookupsEnded = new CountDownLatch(1);
        Thread lookup = Thread.ofPlatform().name("vr-update-lookups").start(() -> {
            try {
                while (running.get()) {
                    String r = proto.apply("vr " + VR);
                    lookups.incrementAndGet();
                    if (!r.equals(userVr) && lookupFailures.size() < 20) {
                        lookupFailures.add(r);
                    }
                    java.util.concurrent.locks.LockSupport.parkNanos(500_000L); // paced: ~2,000 a second, not a busy core
                }
            } finally {
                lookupsEnded.countDown();
            }
        });
        // measured once the traffic runs: its thread and what the first pings set up lazily are not counted as growth
        await("pings answered", WAIT_MS, () -> answered.get() >= 5);
        Map<Integer, String> socketsBefore = VrLabSetup.socketFds();
        long threadsBefore = threads();

        Bundle vrBundle = bundle("expkt.vr");
        long vrId = vrBundle.getBundleId();
        List<String> rounds = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int round = 1; round <= UPDATES; round++) {
            long sentBefore = sent.get();
            long answeredBefore = answered.get();
            AllClient early = new AllClient(peerNs); // connected before the update: waits in the backlog through the swap
            vrBundle.update();
            refresh();
            assertEquals(Bundle.ACTIVE, vrBundle.getState());
            assertEquals(vrId, bundle("expkt.vr").getBundleId());
            int engines = round + 1;
            await("the keeper to serve on VR engine " + engines, WAIT_MS, () -> keeper().contains("vr engines since start: " + engines + " "));
            long answeredAtSwap = answered.get();
            await("a ping through the held socket answered after update " + round, WAIT_MS, () -> answered.get() > answeredAtSwap);
            int r = round;
            assertEquals("the user VR through the held VirtualRouters after update " + round, userVr, proto.apply("vr " + VR));
            assertEquals("a datagram through the held plain channel after update " + round, "reply", proto.apply("udp " + r));
            assertEquals("a datagram through the held L3 socket after update " + round, "reply", proto.apply("l3 " + r));
            try (early; AllClient late = new AllClient(peerNs)) {
                assertEquals("the connection made before update " + round + ", accepted through the held ALL socket after it",
                        "accepted " + VR + " by " + allSocket, proto.apply("all"));
                assertEquals("hello " + VR, early.read());
                assertEquals("a connection made after update " + round + ", accepted through the held ALL socket",
                        "accepted " + VR + " by " + allSocket, proto.apply("all"));
                assertEquals("hello " + VR, late.read());
            }
            rounds.add("update " + round + ": sent " + (sent.get() - sentBefore) + ", answered " + (answered.get() - answeredBefore));
        }
        long updateMs = (System.nanoTime() - t0) / 1_000_000L;
        running.set(false);
        assertTrue("the ping thread ends", ended.await(10, TimeUnit.SECONDS));
        assertTrue("the lookup thread ends", lookupsEnded.await(10, TimeUnit.SECONDS));
        traffic.join(10_000);
        lookup.join(10_000);
        String keeper = keeper();
        String report = "expkt.vr updates: " + UPDATES + " in " + updateMs + " ms; pings sent " + sent.get() + ", answered " + answered.get()
                + ", failed " + failures.size() + "; VR lookups " + lookups.get() + ", failed " + lookupFailures.size()
                + "\n" + String.join("\n", rounds) + "\nfailures: " + failures + "\n" + keeper;
        System.out.println(report);
        Files.createDirectories(Path.of("target/vr-update"));
        Files.writeString(Path.of("target/vr-update/report.md"), report);

        // the protocol never saw the updates: one activation, the same registration, the same socket object
        assertEquals(report, "1", proto.apply("activations"));
        assertEquals(report, serviceId, (long) (Long) holderRef().getProperty("service.id"));
        assertEquals(report, String.join(" ", java.util.Arrays.copyOf(socket.split(" "), 5)),
                String.join(" ", java.util.Arrays.copyOf(proto.apply("socket").split(" "), 5)));
        assertEquals("no ping failed with an exception (calls during a swap wait for the adoption)\n" + report, List.of(), failures);
        assertEquals("every VR lookup knew the user VR, during the swaps too\n" + report, List.of(), lookupFailures);
        assertTrue(report, lookups.get() > 0);
        assertEquals("the user VR after the updates", userVr, proto.apply("vr " + VR));
        assertTrue("the keeper lists the holder's VirtualRouters moved to each revision\n" + report,
                keeper.matches("(?s).*VirtualRouters kept for \\d+ bundle\\(s\\), \\d+ VR change listener\\(s\\); moved to a new revision: [1-9]\\d*;.*"));
        // the lookups above met the swaps: some were answered while no revision served (else "no lookup failed" proves nothing)
        assertTrue("lookups answered from the last VRs during the updates\n" + report,
                keeper.matches("(?s).*lookups answered from the last VRs during an update: [1-9]\\d*\n.*"));
        assertTrue(report, answered.get() > 0 && answered.get() <= sent.get());
        assertEquals("a ping after the updates", "reply", proto.apply("ping 2"));
        // the descriptor was adopted by every new revision, never opened anew
        assertTrue(report, keeper.contains("vr engines since start: " + (UPDATES + 1) + " "));
        for (String kind : List.of("raw", "udp", "tcp-ALL")) {
            assertTrue(kind + "\n" + report, keeper.matches("(?s).*" + BSN.replace(".", "\\.") + " \\[\\d+\\]\\s+" + kind + "\\s+ok\\s+" + UPDATES
                    + "\\s+" + UPDATES + "\\s.*"));
        }
        assertFalse(report, keeper.contains("FAILED"));
        assertTrue("the plain channel moved to each new revision\n" + report, keeper.contains("vr plain channels moved to a new revision: " + UPDATES));
        // nothing leaked: the same sockets (by inode) and threads
        Map<Integer, String> socketsAfter = VrLabSetup.socketFds();
        assertEquals(report, socketsBefore, socketsAfter);
        long threadsAfter = threads();
        assertTrue("threads before " + threadsBefore + ", after " + threadsAfter + " (the ping thread ended)\n" + report,
                threadsAfter <= threadsBefore);
        List<String> errors = Files.readAllLines(Path.of(context.getProperty(ExpktOptions.LOG_FILE)))
                .stream().filter(l -> l.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} ERROR .*")).toList();
        assertEquals("no ERROR in the log", List.of(), errors);
        context.ungetService(ref.get());
        holder.uninstall();
    }

    /**
     * A TCP client in the peer namespace connected to the VR's address at the ALL socket's port: the kernel
     * completes the connection into the listening channel's backlog, whether or not an accept is pending.
     */
    private static final class AllClient implements AutoCloseable {
        private final java.nio.channels.SocketChannel channel;

        AllClient(String peerNs) throws Exception {
            try (NetNs ns = NetNs.open(peerNs)) {
                channel = NetNs.call(ns, java.nio.channels.SocketChannel::open);
            }
            try {
                channel.socket().connect(new java.net.InetSocketAddress(VR_ADDR, ALL_PORT), (int) WAIT_MS);
            } catch (java.io.IOException e) {
                channel.close();
                throw e;
            }
        }

        /** What the server wrote before it closed the connection (reads end there; 10 s at most). */
        String read() throws java.io.IOException {
            channel.socket().setSoTimeout(10_000);
            return new String(channel.socket().getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
        }

        @Override
        public void close() throws java.io.IOException {
            channel.close();
        }
    }

    private ServiceReference<?> holderRef() throws Exception {
        ServiceReference<?>[] refs = context.getServiceReferences("java.util.function.Function", "(expkt.itest.rawholder=true)");
        return refs == null ? null : refs[0];
    }

    private String keeper() {
        try {
            return expktCommand("keeper");
        } catch (Exception e) {
            return "expkt:keeper failed: " + e;
        }
    }

    /** Live threads of the process ({@code /proc/self/task}): the lanes, timers and helper threads included. */
    private static long threads() throws java.io.IOException {
        try (var s = Files.list(Path.of("/proc/self/task"))) {
            return s.count();
        }
    }

    private Bundle bundle(String bsn) {
        for (Bundle b : context.getBundles()) {
            if (bsn.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("no bundle " + bsn);
    }

    /** Refreshes what the update left pending, if anything, and waits for it. */
    private void refresh() throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        context.getBundle(0).adapt(FrameworkWiring.class).refreshBundles(null, e -> {
            if (e.getType() == FrameworkEvent.PACKAGES_REFRESHED || e.getType() == FrameworkEvent.ERROR) {
                done.countDown();
            }
        });
        assertTrue("the refresh after the update", done.await(WAIT_MS, TimeUnit.MILLISECONDS));
    }
}
