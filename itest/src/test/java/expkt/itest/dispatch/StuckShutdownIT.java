package expkt.itest.dispatch;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.Test;

import expkt.itest.HostProcess;
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
        Path work = Files.createDirectories(Path.of("target/hostprocess").toAbsolutePath());
        Path run = Files.createTempDirectory(work, "stuck");
        Path deploy = Files.createDirectories(run.resolve("deploy"));
        Files.write(deploy.resolve("stuck.jar"), TestBundles.bundle("expkt.itest.stuckhandler", "1.0.0",
                new TestBundles.Component("stuck", StuckHandler.class, new String[] {"expkt.api.handler.PacketHandler"},
                        Map.of("expkt.filter.name", "stuck", "expkt.filter.ethertype", "Integer:" + 0x88b6), new String[0])));

        Lab.cleanStale();
        try (Lab lab = Lab.builder().ports(2).bridge(true).build();
             // ports are opt-in: the lab's switch namespace (the one the host runs in) is its data plane
             HostProcess host = HostProcess.startHeadless(lab, run, "expkt.dataplane.netns=" + lab.switchNs())) {
            host.awaitLine("serving filter \"stuck\"", 60_000);
            Path gen = DispatchTestSupport.generator();
            Path log = Files.createTempFile("seqgen", ".log");
            Process g = lab.spawn(lab.host(1).ns(), log, gen.toString(), "veth0", "0x88b6", "3", "1000");
            assertTrue(g.waitFor(30, TimeUnit.SECONDS));
            host.awaitLine("[stuck-handler] stuck in handle()", 10_000);
            assertTrue(lab.exec(lab.switchNs(), "nft", "list", "tables").check().stdout().contains("table netdev expkt"));
            long signalled = System.nanoTime();
            host.signal(); // SIGTERM to the JVM
            host.awaitExit(30_000);
            long tookMillis = (System.nanoTime() - signalled) / 1_000_000;
            String all = host.output();
            System.out.println("[stuck-shutdown] the host ended " + tookMillis + " ms after SIGTERM");
            assertFalse(all, all.contains("did not stop within"));
            assertTrue("the host took " + tookMillis + " ms to end after SIGTERM:\n" + all, tookMillis < 12_000);
            String after = lab.exec(lab.switchNs(), "nft", "list", "tables").check().stdout();
            assertEquals("nftables tables left in the data plane after SIGTERM:\n" + all, "", after.strip());
        }
    }
}
