package expkt.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.Test;

import expkt.lab.Lab;

/**
 * The product itself: the exported host jar, started with {@code java -jar} inside a lab's switch
 * namespace the way {@code ./expkt demo} starts it, with the test bundle in its deploy directory.
 * While it runs, the bundle is replaced by version 2; the host reports its start-up time, shows
 * version 1 and then version 2 under the same bundle id, writes one-line log entries to its log
 * file, and stops by itself after its bounded run.
 */
public class HostProcessIT {
    private static final Pattern STARTED = Pattern.compile("expkt host started: (\\d+) bundles active (\\d+) ms after JVM start");

    @Test
    public void theHostJarRunsHotDeploysAndStopsInTheLab() throws Exception {
        Path v1 = ExpktOptions.jar("expkt.itest.bundle").toPath();
        Path work = Files.createDirectories(Path.of("target/hostprocess").toAbsolutePath());
        Path run = Files.createTempDirectory(work, "run");
        Path deploy = Files.createDirectories(run.resolve("deploy"));
        Path v2 = run.resolve("v2.jar");
        HotDeployIT.withVersion(v1, "2.0.0", v2);
        Files.copy(v1, deploy.resolve("hotdeploy.jar"));
        Path log = run.resolve("expkt.log");

        Lab.cleanStale();
        try (Lab lab = Lab.builder().ports(2).bridge(true).build();
             HostProcess host = HostProcess.startHeadless(lab, run, "expkt.host.runSeconds=4",
                     "expkt.host.commands=lb -s expkt.itest.hotdeploy;scr:list")) {
            host.awaitLine("scripted run: running for", 60_000);
            // replace version 1 by version 2 while the host runs
            Path tmp = run.resolve("hotdeploy.jar.tmp");
            Files.copy(v2, tmp);
            Files.move(tmp, deploy.resolve("hotdeploy.jar"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            int exit = host.awaitExit(60_000);
            String all = host.output();
            // the bounded run's verdict: every bundle up, no component failed, no command threw, no ERROR
            assertEquals(all, 0, exit);
            assertTrue(all, all.contains("expkt host: run ok"));

            Matcher m = STARTED.matcher(all);
            assertTrue(all, m.find());
            assertTrue(all, Integer.parseInt(m.group(1)) >= 15);

            String start = section(all, "[start]", "[end]");
            String end = all.substring(all.indexOf("[end]"));
            Matcher v1Line = Pattern.compile("(?m)^\\s*(\\d+)\\|Active\\s*\\|.*\\|1\\.0\\.0$").matcher(start);
            assertTrue("version 1 active at the start:\n" + start, v1Line.find());
            Matcher v2Line = Pattern.compile("(?m)^\\s*(\\d+)\\|Active\\s*\\|.*\\|2\\.0\\.0$").matcher(end);
            assertTrue("version 2 active at the end:\n" + end, v2Line.find());
            assertEquals("updated in place: same bundle id", v1Line.group(1), v2Line.group(1));
            assertTrue(end, !end.contains("|1.0.0"));
            assertTrue(start, start.contains("HotDeployedGreeter in bundle " + v1Line.group(1)));

            List<String> logLines = Files.readAllLines(log);
            Pattern oneLine = Pattern.compile("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} (AUDIT|ERROR|WARN|INFO|DEBUG|TRACE) +\\S+ +.*");
            assertTrue(logLines.toString(), logLines.stream().anyMatch(l -> oneLine.matcher(l).matches()
                    && l.contains("expkt.itest.hotdeploy") && l.contains("BundleEvent UPDATED")));
            assertTrue(logLines.toString(), logLines.stream().anyMatch(l -> oneLine.matcher(l).matches() && STARTED.matcher(l).find()));
        }
    }

    /**
     * A host told to end by a signal (SIGTERM, as a service manager sends; Ctrl-C is SIGINT) stops its
     * framework first, so the provider removes its nftables table from the data-plane namespace.
     */
    @Test
    public void aSignalStopsTheFrameworkAndLeavesNoKernelState() throws Exception {
        Path work = Files.createDirectories(Path.of("target/hostprocess").toAbsolutePath());
        Path run = Files.createTempDirectory(work, "signal");
        Files.createDirectories(run.resolve("deploy"));

        Lab.cleanStale();
        try (Lab lab = Lab.builder().ports(2).build(); HostProcess host = HostProcess.startHeadless(lab, run)) {
            host.awaitLine("expkt host started", 60_000);
            String tables = lab.exec(lab.switchNs(), "nft", "list", "tables").check().stdout();
            assertTrue("the provider's table while the host runs: " + tables, tables.contains("table netdev expkt"));
            host.signal();
            host.awaitExit(30_000);
            String all = host.output();
            assertTrue(all, all.contains("stopping the framework so bundles release what they hold"));
            String after = lab.exec(lab.switchNs(), "nft", "list", "tables").check().stdout();
            assertEquals("nftables tables left in the data plane after SIGTERM:\n" + all, "", after.strip());
        }
    }

    private static String section(String all, String from, String to) {
        int a = all.indexOf(from);
        int b = all.indexOf(to, Math.max(a, 0));
        return a < 0 ? "" : all.substring(a, b < 0 ? all.length() : b);
    }
}
