package expkt.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.Test;

import expkt.lab.Lab;

/**
 * The deploy directory of the real host process (the exported jar, its bnd launcher and FileInstall):
 * a jar that is not a bundle, or does not resolve, never replaces the running bundle and is shown as
 * refused with its reason in {@code expkt:deploy} and the log; updates in place keep the bundle's
 * start level and log no ERROR; and a second host on the same run directory is refused, naming the
 * first one's pid.
 */
public class HostDeployIT {
    static final String BSN = "expkt.itest.hotdeploy";
    private static final long WAIT_MS = 60_000;
    /** lb -s: id, state, level, name. */
    private static final Pattern LB = Pattern.compile("(?m)^\\s*(\\d+)\\|(\\w+)\\s*\\|\\s*(\\d+)\\|" + Pattern.quote(BSN) + " \\(([^)]*)\\)");

    @Test
    public void aBadJarNeverReplacesTheRunningBundleAndUpdatesKeepItsStartLevel() throws Exception {
        Path v1 = ExpktOptions.jar("expkt.itest.bundle").toPath();
        Path run = Files.createTempDirectory(Files.createDirectories(Path.of("target/hostdeploy").toAbsolutePath()), "run");
        Path deploy = Files.createDirectories(run.resolve("deploy"));
        Path v2 = run.resolve("v2.jar");
        HotDeployIT.withVersion(v1, "2.0.0", v2);
        Path unresolvable = run.resolve("needs-missing.jar");
        withManifest(v1, unresolvable, "Import-Package", "no.such.pkg;version=\"[1,2)\"");
        Path log = run.resolve("expkt.log");
        Path target = deploy.resolve("hotdeploy.jar");
        Files.copy(v1, target);
        int updates = 6;

        Lab.cleanStale();
        try (Lab lab = Lab.builder().ports(1).build(); HostProcess host = HostProcess.start(lab, run)) {
            host.awaitStarted(WAIT_MS);
            Matcher first = lb(host);
            String id = first.group(1);
            String level = first.group(3);
            assertEquals("Active", first.group(2));

            // N updates in place, alternating versions 2 and 1
            for (int i = 1; i <= updates; i++) {
                drop(i % 2 == 1 ? v2 : v1, target, run, i);
                awaitLogCount(log, "deploy: hotdeploy.jar updated bundle " + id + " in place", i);
            }
            Matcher after = lb(host);
            assertEquals("updated in place: the same bundle", id, after.group(1));
            assertEquals("Active", after.group(2));
            assertEquals("the start level is kept through " + updates + " updates", level, after.group(3));
            assertEquals("1.0.0", after.group(4));
            assertEquals("no ERROR in the log after " + updates + " updates:\n" + errors(log), List.of(), errors(log));

            // random bytes over the running bundle's jar: refused, the bundle keeps running
            Path junk = run.resolve("junk");
            byte[] bytes = new byte[40_000];
            new Random(12).nextBytes(bytes);
            Files.write(junk, bytes);
            drop(junk, target, run, 100);
            awaitLogCount(log, "deploy: refused hotdeploy.jar: not a jar", 1);
            String status = host.command("expkt:deploy", WAIT_MS);
            assertTrue(status, Pattern.compile("hotdeploy\\.jar\\s+refused: not a jar .*still running: bundle " + id + " " + Pattern.quote(BSN) + " 1\\.0\\.0").matcher(status).find());
            Matcher stays = lb(host);
            assertEquals(id, stays.group(1));
            assertEquals("Active", stays.group(2));

            // a bundle whose import nothing provides: refused before anything is stopped
            drop(unresolvable, target, run, 101);
            awaitLogCount(log, "deploy: refused hotdeploy.jar: " + BSN + " 1.0.0 would not resolve", 1);
            status = host.command("expkt:deploy", WAIT_MS);
            assertTrue(status, status.contains("would not resolve: nothing installed provides osgi.wiring.package (&(osgi.wiring.package=no.such.pkg)"));
            assertEquals("Active", lb(host).group(2));

            // a corrupt new jar: refused with its reason, listed
            Files.write(deploy.resolve("x.jar"), new byte[] {'P', 'K', 3, 4, 1, 2, 3});
            awaitLogCount(log, "deploy: refused x.jar: not a jar", 1);
            status = host.command("expkt:deploy", WAIT_MS);
            assertTrue(status, Pattern.compile("x\\.jar\\s+refused: not a jar").matcher(status).find());

            // a good jar again: taken
            drop(v2, target, run, 102);
            awaitLogCount(log, "deploy: hotdeploy.jar updated bundle " + id + " in place", updates + 1);
            Matcher back = lb(host);
            assertEquals("2.0.0", back.group(4));
            assertEquals(level, back.group(3));
            status = host.command("expkt:deploy", WAIT_MS);
            assertTrue(status, Pattern.compile("hotdeploy\\.jar\\s+installed as bundle " + id + " " + Pattern.quote(BSN) + " 2\\.0\\.0, updated " + (updates + 1) + "x").matcher(status).find());

            List<String> errors = errors(log);
            assertEquals("the three refusals are the only ERRORs:\n" + errors, 3, errors.size());
            assertTrue(errors.toString(), errors.stream().allMatch(l -> l.contains("deploy: refused")));
        }
    }

    @Test
    public void aSecondHostOnTheSameRunDirectoryIsRefused() throws Exception {
        Path run = Files.createTempDirectory(Files.createDirectories(Path.of("target/hostdeploy").toAbsolutePath()), "two");
        Files.createDirectories(run.resolve("deploy"));
        Lab.cleanStale();
        try (Lab lab = Lab.builder().ports(1).build(); HostProcess a = HostProcess.start(lab, run)) {
            a.awaitStarted(WAIT_MS);
            long aCache = Files.list(run.resolve("felix-cache")).count();
            try (HostProcess b = HostProcess.start(lab, run)) {
                assertTrue("the second host ends by itself: " + b.output(), b.process().waitFor(WAIT_MS, TimeUnit.MILLISECONDS));
                b.close();
                assertEquals(b.output(), 4, b.process().exitValue());
                assertTrue(b.output(), b.output().contains("run directory " + run + " is in use by the expkt host with pid " + a.pid()));
            }
            // the first host is untouched: alive, answering, its framework cache in place
            assertTrue(a.process().isAlive());
            assertTrue(a.command("lb -s expkt.host", WAIT_MS).contains("Active"));
            assertEquals(aCache, Files.list(run.resolve("felix-cache")).count());

            // the lock goes with its process, even on SIGKILL: the next host starts
            a.process().destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            try (HostProcess c = HostProcess.start(lab, run)) {
                c.awaitStarted(WAIT_MS);
                assertEquals(String.valueOf(c.pid()), Files.readString(run.resolve("expkt-host.lock")).strip());
            }
        }
    }

    private static Matcher lb(HostProcess host) throws Exception {
        String out = host.command("lb -s " + BSN, WAIT_MS);
        Matcher m = LB.matcher(out);
        assertTrue("lb -s " + BSN + ":\n" + out, m.find());
        return m;
    }

    /** Copies {@code jar} next to the deploy directory with a distinct mtime (FileInstall's change check), then moves it in. */
    static void drop(Path jar, Path target, Path run, int n) throws IOException {
        Path tmp = run.resolve("staging.jar");
        Files.copy(jar, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.setLastModifiedTime(tmp, FileTime.fromMillis(1_700_000_000_000L + n * 1000L));
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static void awaitLogCount(Path log, String text, int count) throws Exception {
        java.util.concurrent.atomic.AtomicReference<List<String>> lines = new java.util.concurrent.atomic.AtomicReference<>(List.of());
        expkt.lab.Deadlines.await(WAIT_MS, count + " log line(s) with \"" + text + "\"", () -> {
            try {
                lines.set(Files.readAllLines(log));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return lines.get().stream().filter(l -> l.contains(text)).count() >= count;
        }, () -> String.join("\n", lines.get()));
    }

    static List<String> errors(Path log) throws IOException {
        return Files.readAllLines(log).stream().filter(l -> l.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} ERROR .*")).toList();
    }

    /** A copy of {@code in} with one main manifest header set to {@code value}. */
    static void withManifest(Path in, Path out, String header, String value) throws IOException {
        try (InputStream is = Files.newInputStream(in); JarInputStream jin = new JarInputStream(is)) {
            Manifest m = new Manifest(jin.getManifest());
            String old = m.getMainAttributes().getValue(header);
            m.getMainAttributes().putValue(header, old == null ? value : old + "," + value);
            try (OutputStream os = Files.newOutputStream(out); JarOutputStream jout = new JarOutputStream(os, m)) {
                for (JarEntry e; (e = jin.getNextJarEntry()) != null;) {
                    jout.putNextEntry(new JarEntry(e.getName()));
                    jin.transferTo(jout);
                    jout.closeEntry();
                }
            }
        }
    }
}
