package expkt.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
        Path hostJar = ExpktOptions.jar("expkt.host.jar").toPath();
        Path v1 = ExpktOptions.jar("expkt.itest.bundle").toPath();
        Path work = Files.createDirectories(Path.of("target/hostprocess").toAbsolutePath());
        Path run = Files.createTempDirectory(work, "run");
        Path deploy = Files.createDirectories(run.resolve("deploy"));
        Path v2 = run.resolve("v2.jar");
        HotDeployIT.withVersion(v1, "2.0.0", v2);
        Files.copy(v1, deploy.resolve("hotdeploy.jar"));
        Path log = run.resolve("expkt.log");

        Lab.cleanStale();
        try (Lab lab = Lab.builder().ports(2).bridge(true).build()) {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> cmd = List.of("ip", "netns", "exec", lab.switchNs(), java,
                    "--sun-misc-unsafe-memory-access=allow",
                    "-Dfelix.fileinstall.dir=" + deploy,
                    "-Dorg.osgi.framework.storage=" + run.resolve("felix-cache"),
                    "-Dexpkt.log.file=" + log,
                    "-Dgosh.args=--nointeractive",
                    "-Dexpkt.host.runSeconds=4",
                    "-Dexpkt.host.commands=lb -s expkt.itest.hotdeploy;scr:list",
                    "-jar", hostJar.toString());
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            List<String> out = new ArrayList<>();
            CountDownLatch running = new CountDownLatch(1);
            Thread reader = Thread.ofPlatform().daemon().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null;) {
                        synchronized (out) {
                            out.add(line);
                        }
                        if (line.contains("scripted run: running for")) {
                            running.countDown();
                        }
                    }
                } catch (IOException e) {
                    // the process ended
                }
            });
            try {
                assertTrue("the host never got to its bounded run: " + snapshot(out), running.await(60, TimeUnit.SECONDS));
                // replace version 1 by version 2 while the host runs
                Path tmp = run.resolve("hotdeploy.jar.tmp");
                Files.copy(v2, tmp);
                Files.move(tmp, deploy.resolve("hotdeploy.jar"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                assertTrue("the host did not stop by itself", p.waitFor(60, TimeUnit.SECONDS));
                reader.join(5_000);
            } finally {
                p.destroyForcibly();
            }
            String all = snapshot(out);
            // the bounded run's verdict: every bundle up, no component failed, no command threw, no ERROR
            assertEquals(all, 0, p.exitValue());
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
        Path hostJar = ExpktOptions.jar("expkt.host.jar").toPath();
        Path work = Files.createDirectories(Path.of("target/hostprocess").toAbsolutePath());
        Path run = Files.createTempDirectory(work, "signal");
        Path deploy = Files.createDirectories(run.resolve("deploy"));

        Lab.cleanStale();
        try (Lab lab = Lab.builder().ports(2).build()) {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> cmd = List.of("ip", "netns", "exec", lab.switchNs(), java,
                    "--sun-misc-unsafe-memory-access=allow",
                    "-Dfelix.fileinstall.dir=" + deploy,
                    "-Dorg.osgi.framework.storage=" + run.resolve("felix-cache"),
                    "-Dexpkt.log.file=" + run.resolve("expkt.log"),
                    "-Dgosh.args=--nointeractive",
                    "-jar", hostJar.toString());
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            List<String> out = new ArrayList<>();
            CountDownLatch started = new CountDownLatch(1);
            Thread reader = Thread.ofPlatform().daemon().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null;) {
                        synchronized (out) {
                            out.add(line);
                        }
                        if (STARTED.matcher(line).find()) {
                            started.countDown();
                        }
                    }
                } catch (IOException e) {
                    // the process ended
                }
            });
            try {
                assertTrue("the host never started: " + snapshot(out), started.await(60, TimeUnit.SECONDS));
                String tables = lab.exec(lab.switchNs(), "nft", "list", "tables").check().stdout();
                assertTrue("the provider's table while the host runs: " + tables, tables.contains("table netdev expkt"));
                // `ip netns exec` execs the JVM, so p is the JVM itself: destroy() sends it SIGTERM
                p.toHandle().destroy();
                assertTrue("the host did not end after SIGTERM", p.waitFor(30, TimeUnit.SECONDS));
                reader.join(5_000);
            } finally {
                p.destroyForcibly();
            }
            String all = snapshot(out);
            assertTrue(all, all.contains("stopping the framework so bundles release what they hold"));
            String after = lab.exec(lab.switchNs(), "nft", "list", "tables").check().stdout();
            assertEquals("nftables tables left in the data plane after SIGTERM:\n" + all, "", after.strip());
        }
    }

    private static String snapshot(List<String> out) {
        synchronized (out) {
            return String.join("\n", out);
        }
    }

    private static String section(String all, String from, String to) {
        int a = all.indexOf(from);
        int b = all.indexOf(to, Math.max(a, 0));
        return a < 0 ? "" : all.substring(a, b < 0 ? all.length() : b);
    }
}
