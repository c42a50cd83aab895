package expkt.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.Test;

import expkt.lab.Lab;

/**
 * A JVM killed outright (SIGKILL: no shutdown hook runs) leaves its lab behind, with a process
 * still inside; the next start's {@link Lab#cleanStale()} removes both.
 */
public class LabKillIT {

    @Test
    public void theLabOfAKilledJvmIsRemovedAtTheNextStart() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String labJar = ExpktOptions.jar("expkt.bundle.expkt.lab").getPath();
        Process jvm = new ProcessBuilder(java, "-cp", labJar, "expkt.lab.LabMain", "run", "--ports", "1", "--",
                "sleep", "600").redirectErrorStream(true).start();
        String prefix = "xk" + jvm.pid() + "n1";
        Optional<ProcessHandle> sleeper = Optional.empty();
        try {
            // wait until the lab is up and its command runs ("[lab] lab xk...": printed before the command starts)
            BufferedReader r = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = r.readLine()) != null && !line.contains("switch namespace " + prefix + "-sw")) {
                // skip
            }
            assertTrue("the lab JVM did not report its lab", line != null);
            java.util.concurrent.atomic.AtomicReference<Optional<ProcessHandle>> found = new java.util.concurrent.atomic.AtomicReference<>(sleeper);
            expkt.lab.Deadlines.await(10_000, "the command in the lab (sleep) to start", () -> {
                found.set(jvm.descendants().filter(p -> p.info().command().orElse("").endsWith("sleep")).findFirst());
                return found.get().isPresent();
            });
            sleeper = found.get();
            assertTrue(Lab.listNamespaces().containsAll(List.of(prefix + "-sw", prefix + "-h1")));

            jvm.destroyForcibly();
            assertTrue(jvm.waitFor(10, TimeUnit.SECONDS));
            // no hook ran: the lab and the process in it are still there
            assertTrue(Lab.listNamespaces().contains(prefix + "-sw"));
            assertTrue(sleeper.get().isAlive());

            int removed = Lab.cleanStale();
            assertTrue("removed " + removed, removed >= 2);
            assertEquals(List.of(), Lab.listNamespaces().stream().filter(ns -> ns.startsWith(prefix + "-")).toList());
            assertTrue(sleeper.get().onExit().toCompletableFuture().get(10, TimeUnit.SECONDS) != null);
            assertFalse(sleeper.get().isAlive());
        } finally {
            jvm.destroyForcibly();
            sleeper.ifPresent(ProcessHandle::destroyForcibly);
            Lab.cleanStale();
        }
    }
}
