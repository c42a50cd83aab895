package expkt.itest.dispatch;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.Test;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceRegistration;

import expkt.itest.ExpktOptions;

/**
 * The hot upgrade as an operator does it: FileInstall watches a deploy directory, the handler bundle's
 * jar is replaced there by the next version three times while a generator sends numbered frames at
 * 50 kframes/s; every frame is handled exactly once, by one version or the next, and the socket drops
 * nothing (a marker frame sent after the stream is the witness that every frame before it has been
 * handled when the counts are read). Deleting the jar uninstalls the bundle, and its socket goes after
 * the grace period.
 */
public class FileInstallUpgradeIT extends DispatchTestSupport {
    static final int ROUNDS = 200_000; // 4 s at 50 kpps
    static final int RATE = 50_000;

    @Override
    protected Option[] options() {
        try {
            Path deploy = Files.createDirectories(Path.of("target/dispatch-deploy-" + System.nanoTime()).toAbsolutePath());
            return new Option[] {
                ExpktOptions.projectBundles("expkt.codec", "expkt.provider"),
                ExpktOptions.runtimeBundles("fileinstall"),
                frameworkProperty("expkt.upgrade.grace.ms").value("1000"),
                frameworkProperty("felix.fileinstall.dir").value(deploy.toString()),
                frameworkProperty("felix.fileinstall.poll").value("100"),
                frameworkProperty("felix.fileinstall.noInitialDelay").value("true"),
                frameworkProperty("felix.fileinstall.log.level").value("2"),
            };
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes next to the deploy directory, then moves in atomically: FileInstall never sees half a jar. */
    private static void drop(byte[] jar, Path target) throws IOException {
        Path tmp = target.getParent().resolveSibling(target.getParent().getFileName() + "-staging.jar");
        Files.write(tmp, jar);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private Bundle seqBundle() {
        for (Bundle b : context.getBundles()) {
            if (HotUpgradeIT.BSN.equals(b.getSymbolicName())) {
                return b;
            }
        }
        return null;
    }

    @Test
    public void replacingTheJarUnderLoadLosesNoFrame() throws Exception {
        Recorder rec = new Recorder(ROUNDS + 1); // + the marker
        ServiceRegistration<?> recReg = register(rec, "seq");
        Path target = Path.of(context.getProperty("felix.fileinstall.dir")).resolve("seq.jar");
        Process p = null;
        try {
            drop(HotUpgradeIT.seqBundle("1.0.0"), target);
            awaitHandlers("handler\\s+expkt\\.itest\\.dispatch\\.seq \\[\\d+]\\s+1\\.0\\.0\\s+seq\\s.*active.*", 15_000);
            long id = seqBundle().getBundleId();
            Path gen = generator();
            Path log = Files.createTempFile("seqgen", ".log");
            p = lab().spawn(lab().host(1).ns(), log, gen.toString(), "veth0", "0x" + Integer.toHexString(ETHERTYPE_SEQ),
                    Integer.toString(ROUNDS), Integer.toString(RATE));
            List<String> seen = new ArrayList<>();
            for (int v = 2; v <= 4; v++) {
                Thread.sleep(900); // pacing, not waiting: spreads the three updates over the 4 s stream
                drop(HotUpgradeIT.seqBundle(v + ".0.0"), target);
                String version = v + ".0.0";
                await("FileInstall updated the bundle to " + version, 10_000, () -> {
                    Bundle b = seqBundle();
                    return b != null && b.getVersion().toString().equals(version) && b.getState() == Bundle.ACTIVE;
                });
                assertEquals("updated in place", id, seqBundle().getBundleId());
                seen.add(version);
            }
            assertTrue("the generator finished", p.waitFor(60, TimeUnit.SECONDS));
            String genOut = Files.readString(log).strip();
            System.out.println(genOut);
            assertEquals(genOut, 0, p.exitValue());
            awaitMarker(rec, gen, ROUNDS); // from here on, anything handled twice has been recorded
            String table = command("handlers");
            System.out.println(table);
            System.out.println("[fileinstall-upgrade] frames per version: " + new java.util.TreeMap<>(rec.perKey));
            // one message for all of them: how many went missing or twice, and the handler table (its
            // drops column says whether the handler was starved, e.g. on an over-subscribed machine)
            int missing = 0;
            int twice = 0;
            for (int i = 0; i <= ROUNDS; i++) {
                int n = rec.perSeq.get(i);
                missing += n == 0 ? 1 : 0;
                twice += n > 1 ? 1 : 0;
            }
            String load = Files.readString(Path.of("/proc/loadavg")).strip();
            assertTrue(missing + " of " + (ROUNDS + 1) + " sequence numbers never handled, " + twice
                    + " handled more than once (load average " + load + "); handlers:\n" + table, missing == 0 && twice == 0);
            assertEquals(ROUNDS + 1, rec.total.sum());
            String[] row = row(table, "seq");
            assertEquals("4.0.0", row[2]);
            assertEquals("socket drops", "0", row[9]);
            assertEquals("versions that served the socket", "4", row[13]);

            // deleting the jar uninstalls the bundle; its parked socket goes after the 1 s grace
            Files.delete(target);
            await("uninstalled", 10_000, () -> seqBundle() == null);
            await("the seq filter released", 10_000, () -> !nftRuleset().contains("comment \"seq\""));
            String after = command("handlers") + command("acl");
            assertTrue(after, !after.contains(" seq "));
        } finally {
            if (p != null) {
                p.destroyForcibly();
            }
            Files.deleteIfExists(target);
            recReg.unregister();
        }
    }
}
