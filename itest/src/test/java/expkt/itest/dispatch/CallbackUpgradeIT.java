package expkt.itest.dispatch;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.junit.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceRegistration;

import expkt.itest.dispatch.bundles.SeqCallback;

/**
 * Zero-loss hot upgrade of a callback socket (the seed's program shape: a socket opened in activate,
 * a filter, a callback, closed in deactivate): the socket closed while the bundle is STOPPING is
 * parked and the next revision, setting up the same filter, adopts it with the frames queued
 * meanwhile (README-handlers.md, "Callback sockets"). A C generator in host 1 sends numbered frames
 * at 50 kframes/s while the bundle is updated in place 8 times: every sequence number is delivered
 * exactly once. Then what must not survive: an operator's stop closes the socket at once (no revision
 * is coming), a transiently stopped bundle's parked socket goes after the grace period, an uninstalled
 * one's at once, and a revision with another filter gets a fresh socket while the parked one is closed —
 * each leaving no socket, filter name or nft rule.
 */
public class CallbackUpgradeIT extends DispatchTestSupport {
    static final String BSN = "expkt.itest.dispatch.cbseq";
    static final int UPDATES = 8;
    static final int RATE = 50_000;
    static final int ROUNDS = 300_000; // 6 s at 50 kpps
    static final long GRACE = 3000;

    static byte[] callbackBundle(String version, int ethertype) throws Exception {
        return TestBundles.bundle(BSN, version, new TestBundles.Component("expkt.itest.dispatch.cbseq", SeqCallback.class,
                new String[0], Map.of("expkt.itest.ethertype", "Integer:" + ethertype),
                new String[] {
                    TestBundles.reference("packets", "expkt.api.packet.PacketService", "setPackets", ""),
                    TestBundles.reference("recorder", "java.util.function.ObjIntConsumer", "setRecorder", "(expkt.itest.recorder=cbseq)"),
                }));
    }

    private static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (java.io.IOException e) {
            return "(load unknown: " + e.getMessage() + ")";
        }
    }

    private String sockets() {
        try {
            return command("sockets");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The rows of expkt:sockets of the test bundle. */
    private List<String> socketRows() {
        return sockets().lines().filter(l -> l.contains(BSN + " ")).toList();
    }

    private boolean nothingLeft() {
        try {
            return socketRows().isEmpty() && !command("acl").contains(SeqCallback.FILTER)
                    && !nftRuleset().contains("\"" + SeqCallback.FILTER + "\"");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private Bundle installAndStart(int ethertype) throws Exception {
        Bundle b = context.installBundle("expkt-itest-cbseq-" + System.nanoTime(), TestBundles.stream(callbackBundle("1.0.0", ethertype)));
        b.start();
        expkt.lab.Deadlines.await(10_000, "the callback socket of " + BSN + " open with filter " + SeqCallback.FILTER,
                () -> socketRows().stream().anyMatch(l -> l.contains(SeqCallback.FILTER) && l.contains(" yes")), this::sockets);
        return b;
    }

    @Test
    public void eightUpdatesUnderLoadDeliverEverySequenceNumberOnce() throws Exception {
        Recorder rec = new Recorder(ROUNDS + 1); // + the marker
        ServiceRegistration<?> recReg = register(rec, "cbseq");
        Path gen = generator();
        Bundle b = null;
        Process p = null;
        try {
            b = installAndStart(ETHERTYPE_SEQ);
            Path log = Files.createTempFile("cbseqgen", ".log");
            p = lab().spawn(lab().host(1).ns(), log, gen.toString(), "veth0", "0x" + Integer.toHexString(ETHERTYPE_SEQ),
                    Integer.toString(ROUNDS), Integer.toString(RATE));
            long expectedMillis = 1000L * ROUNDS / RATE;
            List<Long> updateMillis = new ArrayList<>();
            long start = System.nanoTime();
            for (int v = 2; v <= UPDATES + 1; v++) {
                long due = start + (v - 1) * expectedMillis * 1_000_000L / (UPDATES + 2);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                long t0 = System.nanoTime();
                b.update(TestBundles.stream(callbackBundle(v + ".0.0", ETHERTYPE_SEQ)));
                updateMillis.add((System.nanoTime() - t0) / 1_000_000);
                assertEquals(Bundle.ACTIVE, b.getState());
            }
            assertTrue("the generator finished", p.waitFor(60, TimeUnit.SECONDS));
            String genOut = Files.readString(log).strip();
            assertEquals(genOut, 0, p.exitValue());
            awaitMarker(rec, gen, ROUNDS); // one socket's frames are delivered in order: all before it are in

            String table = sockets();
            int missing = 0;
            int twice = 0;
            List<Integer> firstMissing = new ArrayList<>();
            List<Integer> firstTwice = new ArrayList<>();
            for (int i = 0; i < ROUNDS; i++) {
                int c = rec.perSeq.get(i);
                if (c == 0) {
                    missing++;
                    if (firstMissing.size() < 10) {
                        firstMissing.add(i);
                    }
                } else if (c > 1) {
                    twice++;
                    if (firstTwice.size() < 10) {
                        firstTwice.add(i);
                    }
                }
            }
            String report = "[callback-upgrade] " + UPDATES + " updates of " + ROUNDS + " frames at " + RATE + "/s: " + missing
                    + " missing (first " + firstMissing + "), " + twice + " doubled (first " + firstTwice + "); update durations (ms) "
                    + updateMillis + "; frames per version " + new TreeMap<>(rec.perKey) + "; load " + load() + "; generator: " + genOut
                    + "\nexpkt:sockets:\n" + table;
            System.out.println(report);
            assertTrue(report, missing == 0 && twice == 0);
            assertEquals(report, 1, rec.perSeq.get(ROUNDS));
            assertEquals(report, ROUNDS + 1, rec.total.sum());
            List<String> rows = socketRows();
            assertEquals(report, 1, rows.size());
            assertTrue("the last revision runs on the kernel part every revision served: " + rows.get(0),
                    rows.get(0).contains((UPDATES + 1) + ".0.0") && rows.get(0).contains("revision " + (UPDATES + 1) + ")"));
            assertTrue("every version got frames: " + rec.perKey, rec.perKey.size() >= UPDATES / 2);

            // uninstalled: the socket (parked during the uninstall's stop) is closed at once, not after the grace period
            b.uninstall();
            b = null;
            assertTrue("nothing left right after the uninstall:\n" + sockets() + nftRuleset(), nothingLeft());
        } finally {
            if (p != null) {
                p.destroyForcibly();
            }
            if (b != null) {
                b.uninstall();
            }
            recReg.unregister();
        }
    }

    @Test
    public void anOperatorsStopClosesTheSocketAtOnce() throws Exception {
        Recorder rec = new Recorder(16);
        ServiceRegistration<?> recReg = register(rec, "cbseq");
        Bundle b = null;
        try {
            b = installAndStart(ETHERTYPE_SEQ);
            // the witness: the socket and its rule are there before the stop
            assertTrue("the socket before the stop:\n" + sockets(), sockets().contains(BSN + " 1.0.0"));
            assertTrue("its nft rule before the stop:\n" + nftRuleset(), nftRuleset().contains("\"" + SeqCallback.FILTER + "\""));
            b.stop(); // persistent: Felix marks the bundle stopped before STOPPING, no revision is coming
            assertTrue("nothing left right after the stop (not parked):\n" + sockets() + nftRuleset(), nothingLeft());
        } finally {
            if (b != null) {
                b.uninstall();
            }
            recReg.unregister();
        }
    }

    @Test
    public void aTransientlyStoppedBundlesParkedSocketIsClosedAfterTheGracePeriod() throws Exception {
        Recorder rec = new Recorder(16);
        ServiceRegistration<?> recReg = register(rec, "cbseq");
        Bundle b = null;
        try {
            b = installAndStart(ETHERTYPE_SEQ);
            long stopped = System.nanoTime();
            b.stop(Bundle.STOP_TRANSIENT); // as a refresh stops it: the bundle stays persistently started
            String parked = sockets();
            assertTrue("parked right after the stop:\n" + parked,
                    parked.lines().anyMatch(l -> l.contains(BSN + " 1.0.0") && l.contains(SeqCallback.FILTER) && l.matches(".*parked \\d+ ms.*")));
            assertTrue("the parked part keeps its nft rule:\n" + nftRuleset(), nftRuleset().contains("\"" + SeqCallback.FILTER + "\""));
            String handlers = command("handlers");
            assertTrue("the handlers table shows the parked callback socket:\n" + handlers,
                    handlers.lines().anyMatch(l -> l.contains(BSN) && l.contains("parked")));
            expkt.lab.Deadlines.await(GRACE + 7_000, "the parked socket closed after the grace period", this::nothingLeft,
                    () -> sockets() + nftRuleset());
            long waited = (System.nanoTime() - stopped) / 1_000_000;
            assertTrue("closed after " + waited + " ms, before the " + GRACE + " ms grace period", waited >= GRACE - 100);
        } finally {
            if (b != null) {
                b.uninstall();
            }
            recReg.unregister();
        }
    }

    @Test
    public void aRevisionWithAnotherFilterGetsAFreshSocketAndTheParkedOneIsClosed() throws Exception {
        Recorder rec = new Recorder(16);
        ServiceRegistration<?> recReg = register(rec, "cbseq");
        Path gen = generator();
        Bundle b = null;
        try {
            b = installAndStart(0x88b6); // version 1 listens to another ethertype than the generator's
            String before = socketRows().get(0);
            b.update(TestBundles.stream(callbackBundle("2.0.0", ETHERTYPE_SEQ)));
            List<String> rows = socketRows();
            assertEquals(sockets(), 1, rows.size());
            assertTrue("a fresh socket, not the parked one: " + rows.get(0) + " (before: " + before + ")",
                    rows.get(0).contains(BSN + " 2.0.0") && !rows.get(0).contains("adopted") && !rows.get(0).contains("parked"));
            assertFalse("the parked socket " + before.trim().split("\\s+")[0] + " is closed:\n" + sockets(),
                    sockets().contains(before.trim().split("\\s+")[0] + " "));
            // the fresh socket gets the new filter's frames (so its filter is the one in force)
            awaitMarker(rec, gen, 7);
            assertEquals(new TreeMap<>(rec.perKey).toString(), 1, rec.count("2.0.0"));
            b.uninstall();
            b = null;
            assertTrue("nothing left:\n" + sockets() + nftRuleset(), nothingLeft());
        } finally {
            if (b != null) {
                b.uninstall();
            }
            recReg.unregister();
        }
    }
}
