package expkt.itest.dispatch;

import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ObjIntConsumer;

import org.ops4j.pax.exam.Option;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;

import expkt.itest.ExpktOptions;
import expkt.itest.ExpktTestSupport;
import expkt.lab.Exec;

/**
 * Shared by the dispatch itests: the provider bundle, a recorder service the test bundles report
 * every frame to, the Gogo commands called as Gogo calls them (by the function's name on the service
 * that declares it), and the C traffic generator compiled from the probe's resources.
 */
public abstract class DispatchTestSupport extends ExpktTestSupport {
    static final int ETHERTYPE_SEQ = 0x88b5;

    @Override
    protected Option[] options() {
        return new Option[] {
            ExpktOptions.projectBundles("expkt.codec", "expkt.provider"),
            frameworkProperty("expkt.upgrade.grace.ms").value(graceMillis()),
        };
    }

    protected String graceMillis() {
        return "3000";
    }

    /** Counts what the test bundles report: per key (a version, a filter name), and per sequence number. */
    static final class Recorder implements ObjIntConsumer<String> {
        final AtomicIntegerArray perSeq;
        final Map<String, LongAdder> perKey = new ConcurrentHashMap<>();
        final LongAdder total = new LongAdder();

        Recorder(int maxSeq) {
            perSeq = new AtomicIntegerArray(maxSeq);
        }

        @Override
        public void accept(String key, int seq) {
            perKey.computeIfAbsent(key, k -> new LongAdder()).increment();
            if (seq >= 0 && seq < perSeq.length()) {
                perSeq.incrementAndGet(seq);
            }
            total.increment();
        }

        long count(String key) {
            LongAdder a = perKey.get(key);
            return a == null ? 0 : a.sum();
        }
    }

    ServiceRegistration<?> register(Recorder r, String name) {
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("expkt.itest.recorder", name);
        return context.registerService(ObjIntConsumer.class.getName(), r, props);
    }

    /** Runs Gogo command {@code expkt:<function>} and returns its text. */
    String command(String function) throws Exception {
        ServiceReference<?>[] refs = context.getAllServiceReferences(null,
                "(&(osgi.command.scope=expkt)(osgi.command.function=" + function + "))");
        if (refs == null || refs.length == 0) {
            throw new AssertionError("no Gogo command expkt:" + function + " is registered");
        }
        Object svc = context.getService(refs[0]);
        try {
            Method m = svc.getClass().getMethod(function);
            return String.valueOf(m.invoke(svc));
        } finally {
            context.ungetService(refs[0]);
        }
    }

    /**
     * Gives every socket opened from now on a receive ring of {@code blocks} blocks of {@code blockSize}
     * bytes (ConfigAdmin PID expkt.dataplane), restarting the provider bundle so that it applies. A
     * TPACKET_V3 block is handed over 2 ms after its first frame at the latest, so at low rates a ring
     * bridges a stall of about blocks x 2 ms: 32 blocks (the old default) only 64 ms, which a loaded
     * 2-CPU CI machine exceeds.
     */
    void configureRing(int blockSize, int blocks) throws Exception {
        org.osgi.framework.ServiceReference<org.osgi.service.cm.ConfigurationAdmin> ref =
                context.getServiceReference(org.osgi.service.cm.ConfigurationAdmin.class);
        org.osgi.service.cm.ConfigurationAdmin ca = context.getService(ref);
        org.osgi.service.cm.Configuration c = ca.getConfiguration("expkt.dataplane", "?");
        Dictionary<String, Object> props = c.getProperties() == null ? new Hashtable<>() : c.getProperties();
        props.put("ring.block.size", blockSize);
        props.put("ring.block.count", blocks);
        c.update(props);
        context.ungetService(ref);
        for (org.osgi.framework.Bundle b : context.getBundles()) {
            if ("expkt.provider".equals(b.getSymbolicName())) {
                b.stop();
                b.start();
            }
        }
        await("expkt:handlers registered again after the provider restart", 10_000, () -> {
            try {
                command("handlers");
                return true;
            } catch (AssertionError e) {
                return false;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    String nftRuleset() {
        return lab().exec(lab().switchNs(), "nft", "list", "ruleset").check().stdout();
    }

    /** Waits until {@code expkt:handlers} shows a row matching {@code regex} (as a line). */
    String awaitHandlers(String regex, long millis) throws Exception {
        String[] last = {""};
        expkt.lab.Deadlines.await(millis, "a line of expkt:handlers matching " + regex, () -> {
            try {
                last[0] = command("handlers");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return last[0].lines().anyMatch(line -> line.matches(regex));
        }, () -> last[0]);
        return last[0];
    }

    /**
     * The witness for "nothing was handled twice": sends one frame numbered {@code marker} (past the
     * stream) from host 1 after the stream, and waits until {@code rec} has it. The frames of one
     * socket are handled in order, so once the marker is recorded every frame sent before it has been
     * handled (and any second handling of one recorded) — no sleep and hope.
     */
    void awaitMarker(Recorder rec, Path gen, int marker) throws Exception {
        Path log = Files.createTempFile("seqgen-marker", ".log");
        Process p = lab().spawn(lab().host(1).ns(), log, gen.toString(), "veth0", "0x" + Integer.toHexString(ETHERTYPE_SEQ),
                "1", "1000", Integer.toString(marker));
        if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new AssertionError("the marker frame was not sent: " + Files.readString(log));
        }
        await("the marker frame " + marker + " handled", 15_000, () -> rec.perSeq.get(marker) > 0);
    }

    /** The generator, compiled with gcc from the probe's copy of seqgen.c into a temporary directory. */
    static Path generator() throws IOException {
        Path dir = Files.createTempDirectory("expkt-seqgen");
        Path src = dir.resolve("seqgen.c");
        try (InputStream in = DispatchTestSupport.class.getResourceAsStream("seqgen.c")) {
            if (in == null) {
                throw new IOException("seqgen.c is not in the probe");
            }
            Files.copy(in, src);
        }
        Path bin = dir.resolve("seqgen");
        Exec.run(60_000, java.util.List.of("gcc", "-O2", "-o", bin.toString(), src.toString())).check();
        return bin;
    }

    /** One row of {@code expkt:handlers} for a filter, split into its columns. */
    static String[] row(String table, String filter) {
        for (String line : table.split("\n")) {
            String[] cols = line.trim().split("\\s{2,}");
            if (cols.length > 3 && cols[0].equals("handler") && cols[3].equals(filter)) {
                return cols;
            }
        }
        throw new AssertionError("no handler row for filter " + filter + " in:\n" + table);
    }
}
