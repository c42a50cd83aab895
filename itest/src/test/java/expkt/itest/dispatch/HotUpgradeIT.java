package expkt.itest.dispatch;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.junit.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;

import expkt.itest.dispatch.bundles.SeqHandler;

/**
 * Zero-loss hot upgrade under load: a C generator in host 1 sends a bounded stream of numbered frames
 * at a steady rate while the handler bundle is updated in place 20 times ({@code Bundle.update} with a
 * jar of the next version, as FileInstall does). Every sequence number must be handled exactly once
 * by version 1 or a later one (counted independently by the test's recorder, and by the handler's own
 * state, which each version hands to the next through StateHandover with a CRC), and the handler's
 * socket must drop nothing. A marker frame numbered {@code ROUNDS}, sent after the stream, is the witness
 * that everything before it has been handled when the counts are read.
 */
public class HotUpgradeIT extends DispatchTestSupport {
    static final String BSN = "expkt.itest.dispatch.seq";
    static final int UPDATES = 20;
    static final int RATE = 50_000;
    static final int ROUNDS = 400_000; // 8 s at 50 kpps

    static byte[] seqBundle(String version) throws Exception {
        return TestBundles.bundle(BSN, version, new TestBundles.Component("expkt.itest.dispatch.seq", SeqHandler.class,
                new String[] {"expkt.api.handler.PacketHandler", "java.util.function.Supplier"},
                Map.of("expkt.filter.name", "seq", "expkt.filter.ethertype", "Integer:" + ETHERTYPE_SEQ, "expkt.itest", "seq"),
                new String[] {
                    TestBundles.reference("handover", "expkt.api.handler.StateHandover", "setHandover", ""),
                    TestBundles.reference("recorder", "java.util.function.ObjIntConsumer", "setRecorder", "(expkt.itest.recorder=seq)"),
                }));
    }

    @Test
    public void twentyUpdatesUnderLoadLoseNoFrameAndHandTheStateOver() throws Exception {
        Recorder rec = new Recorder(ROUNDS + 1); // + the marker
        ServiceRegistration<?> recReg = register(rec, "seq");
        Path gen = generator();
        Bundle b = context.installBundle("expkt-itest-seq", TestBundles.stream(seqBundle("1.0.0")));
        Process p = null;
        try {
            b.start();
            String table = awaitHandlers("handler\\s+" + BSN.replace(".", "\\.") + " \\[\\d+]\\s+1\\.0\\.0\\s+seq\\s.*active.*", 10_000);
            System.out.println(table);
            Path log = Files.createTempFile("seqgen", ".log");
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
                b.update(TestBundles.stream(seqBundle(v + ".0.0")));
                updateMillis.add((System.nanoTime() - t0) / 1_000_000);
                assertEquals(Bundle.ACTIVE, b.getState());
            }
            assertTrue("the generator finished", p.waitFor(60, TimeUnit.SECONDS));
            String genOut = Files.readString(log).strip();
            System.out.println(genOut);
            assertEquals(genOut, 0, p.exitValue());
            awaitMarker(rec, gen, ROUNDS); // from here on, anything handled twice has been recorded

            table = command("handlers");
            System.out.println(table);
            System.out.println("[hot-upgrade] update durations (ms): " + updateMillis);
            System.out.println("[hot-upgrade] frames per version: " + new java.util.TreeMap<>(rec.perKey));
            List<Integer> missing = new ArrayList<>();
            List<Integer> twice = new ArrayList<>();
            for (int i = 0; i < ROUNDS; i++) {
                int c = rec.perSeq.get(i);
                if (c == 0 && missing.size() < 20) {
                    missing.add(i);
                } else if (c > 1 && twice.size() < 20) {
                    twice.add(i);
                }
            }
            assertEquals("sequence numbers never handled (first 20)", List.of(), missing);
            assertEquals("sequence numbers handled twice (first 20)", List.of(), twice);
            assertEquals("the marker handled once", 1, rec.perSeq.get(ROUNDS));
            assertEquals(ROUNDS + 1, rec.total.sum());
            String[] row = row(table, "seq");
            assertEquals((UPDATES + 1) + ".0.0", row[2]);
            assertEquals("active", row[5]);
            assertEquals("socket drops", "0", row[9]);
            assertEquals("frames", Integer.toString(ROUNDS + 1), row[8]);
            assertEquals("versions that served the socket", Integer.toString(UPDATES + 1), row[13]);
            assertTrue("every version handled frames: " + rec.perKey, rec.perKey.size() >= UPDATES / 2);

            // the handler's own state went through 20 handovers intact
            ServiceReference<?>[] refs = context.getServiceReferences(Supplier.class.getName(), "(expkt.itest=seq)");
            assertEquals(1, refs.length);
            @SuppressWarnings("unchecked")
            Map<String, Object> state = ((Supplier<Map<String, Object>>) context.getService(refs[0])).get();
            context.ungetService(refs[0]);
            assertEquals(state.get("problem").toString(), Boolean.TRUE, state.get("intact"));
            assertEquals(ROUNDS + 1, state.get("distinct"));
            assertEquals(0, state.get("duplicates"));
            assertEquals((long) ROUNDS + 1, state.get("handled"));
            assertEquals(32, state.get("neighbours"));
            @SuppressWarnings("unchecked")
            List<String> versions = (List<String>) state.get("versions");
            assertEquals(UPDATES + 1, versions.size());
            assertEquals("1.0.0", versions.get(0));
            assertEquals((UPDATES + 1) + ".0.0", versions.get(UPDATES));
        } finally {
            if (p != null) {
                p.destroyForcibly();
            }
            b.uninstall();
            recReg.unregister();
        }
        // uninstalled: the parked socket goes after the grace period
        await("the seq filter released after the grace period", 10_000, () -> {
            try {
                return !command("handlers").contains(" seq ") && !command("acl").contains("seq");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }
}
