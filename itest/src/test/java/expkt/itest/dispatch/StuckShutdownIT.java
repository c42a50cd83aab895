package expkt.itest.dispatch;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.Test;

import expkt.itest.ExpktOptions;
import expkt.itest.dispatch.bundles.StuckHandler;
import expkt.lab.Lab;

/**
 * The product with a protocol bundle whose handler is stuck in {@code handle()} for good: the host
 * jar runs in a lab's switch namespace with that bundle in its deploy directory, a frame gets the
 * handler stuck, and SIGTERM (a service manager's stop) must still stop the framework in order: the
 * JVM ends well within CleanShutdown's 15 s, the framework did stop (no "did not stop" line), and the
 * provider's nftables table is gone from the data plane.
 */
public class StuckShutdownIT {
    @Test
    public void aStuckHandlerDoesNotHoldUpTheHostsShutdown() throws Exception {
        Path hostJar = ExpktOptions.jar("expkt.host.jar").toPath();
        Path work = Files.createDirectories(Path.of("target/hostprocess").toAbsolutePath());
        Path run = Files.createTempDirectory(work, "stuck");
        Path deploy = Files.createDirectories(run.resolve("deploy"));
        Files.write(deploy.resolve("stuck.jar"), TestBundles.bundle("expkt.itest.stuckhandler", "1.0.0",
                new TestBundles.Component("stuck", StuckHandler.class, new String[] {"expkt.api.handler.PacketHandler"},
                        Map.of("expkt.filter.name", "stuck", "expkt.filter.ethertype", "Integer:" + 0x88b6), new String[0])));

        Lab.cleanStale();
        try (Lab lab = Lab.builder().ports(2).bridge(true).build()) {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> cmd = List.of("ip", "netns", "exec", lab.switchNs(), java,
                    "--sun-misc-unsafe-memory-access=allow",
                    "-Dfelix.fileinstall.dir=" + deploy,
                    "-Dorg.osgi.framework.storage=" + run.resolve("felix-cache"),
                    "-Dexpkt.log.file=" + run.resolve("expkt.log"),
                    "-Dgosh.args=--nointeractive",
                    // ports are opt-in: the lab's switch namespace (the one the host runs in) is its data plane
                    "-Dexpkt.dataplane.netns=" + lab.switchNs(),
                    "-jar", hostJar.toString());
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            List<String> out = new ArrayList<>();
            CountDownLatch active = new CountDownLatch(1);
            CountDownLatch stuck = new CountDownLatch(1);
            Thread reader = Thread.ofPlatform().daemon().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null;) {
                        synchronized (out) {
                            out.add(line);
                        }
                        if (line.contains("serving filter \"stuck\"")) {
                            active.countDown();
                        }
                        if (line.contains("[stuck-handler] stuck in handle()")) {
                            stuck.countDown();
                        }
                    }
                } catch (IOException e) {
                    // the process ended
                }
            });
            long signalled;
            try {
                assertTrue("the stuck handler was never served: " + snapshot(out), active.await(60, TimeUnit.SECONDS));
                Path gen = DispatchTestSupport.generator();
                Path log = Files.createTempFile("seqgen", ".log");
                Process g = lab.spawn(lab.host(1).ns(), log, gen.toString(), "veth0", "0x88b6", "3", "1000");
                assertTrue(g.waitFor(30, TimeUnit.SECONDS));
                assertTrue("the handler never got stuck: " + snapshot(out), stuck.await(10, TimeUnit.SECONDS));
                assertTrue(lab.exec(lab.switchNs(), "nft", "list", "tables").check().stdout().contains("table netdev expkt"));
                signalled = System.nanoTime();
                p.toHandle().destroy(); // SIGTERM to the JVM (ip netns exec execs it)
                assertTrue("the host did not end within 30 s of SIGTERM", p.waitFor(30, TimeUnit.SECONDS));
                reader.join(5_000);
            } finally {
                p.destroyForcibly();
            }
            long tookMillis = (System.nanoTime() - signalled) / 1_000_000;
            String all = snapshot(out);
            System.out.println("[stuck-shutdown] the host ended " + tookMillis + " ms after SIGTERM");
            assertFalse(all, all.contains("did not stop within"));
            assertTrue("the host took " + tookMillis + " ms to end after SIGTERM:\n" + all, tookMillis < 12_000);
            String after = lab.exec(lab.switchNs(), "nft", "list", "tables").check().stdout();
            assertEquals("nftables tables left in the data plane after SIGTERM:\n" + all, "", after.strip());
        }
    }

    private static String snapshot(List<String> out) {
        synchronized (out) {
            return String.join("\n", out);
        }
    }
}
