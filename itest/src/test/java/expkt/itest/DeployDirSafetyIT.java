package expkt.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.Test;

import expkt.lab.Lab;

/**
 * The launcher's guard of what the host loads code and configuration from ({@code ./expkt host},
 * sshd's StrictModes as the model): a deploy directory that is group/world-writable, holds such a
 * file, or belongs to someone else is refused with a message naming it, before anything starts; a
 * private one is accepted, and the framework cache and the log stay in {@code run/} whatever
 * {@code --deploy} says; the default deploy directory is 0700. Runs the real launcher of this
 * checkout; the accepted runs happen in a lab's switch namespace.
 */
public class DeployDirSafetyIT {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path LAUNCHER = ROOT.resolve("expkt");

    private record Result(int exit, String output) {
    }

    private static Path freshDir(String name) throws IOException {
        Path work = Files.createDirectories(Path.of("target/deploysafety").toAbsolutePath());
        Path d = Files.createTempDirectory(work, name);
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------"));
        return d;
    }

    private static Result launcher(List<String> prefix, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(LAUNCHER.toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue("the launcher did not end: " + cmd, p.waitFor(180, TimeUnit.SECONDS));
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    @Test
    public void aWorldWritableDeployDirIsRefused() throws Exception {
        Path d = freshDir("open");
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxrwxrwx"));
        Result r = launcher(List.of(), "host", "--deploy", d.toString(), "--seconds", "0");
        assertEquals(r.output, 2, r.exit);
        assertTrue(r.output, r.output.contains("refusing to run the host") && r.output.contains(d.toRealPath().toString())
                && r.output.contains("mode 777"));
        assertFalse("nothing started: " + r.output, r.output.contains("[expkt] host:"));
    }

    @Test
    public void aGroupWritableConfigFileIsRefused() throws Exception {
        Path d = freshDir("cfg");
        Path cfg = Files.writeString(d.resolve("expkt.dataplane.cfg"), "vlans=\n");
        Files.setPosixFilePermissions(cfg, PosixFilePermissions.fromString("rw-rw-r--"));
        Result r = launcher(List.of(), "host", "--deploy", d.toString(), "--seconds", "0");
        assertEquals(r.output, 2, r.exit);
        assertTrue(r.output, r.output.contains(cfg.toRealPath().toString()) && r.output.contains("mode 664"));
    }

    @Test
    public void aDeployDirOfSomeoneElseIsRefused() throws Exception {
        assumeTrue("only root can give a directory to someone else", "root".equals(System.getProperty("user.name")));
        Path d = freshDir("theirs");
        Files.setAttribute(d, "unix:uid", 65534);
        Result r = launcher(List.of(), "host", "--deploy", d.toString(), "--seconds", "0");
        assertEquals(r.output, 2, r.exit);
        assertTrue(r.output, r.output.contains(d.toRealPath().toString()) && r.output.contains("owner uid 65534"));
    }

    @Test
    public void aPrivateDeployDirRunsWithCacheAndLogInRun() throws Exception {
        Path d = freshDir("mine");
        Path log = ROOT.resolve("run/expkt.log");
        Lab.cleanStale();
        try (Lab lab = Lab.builder().ports(1).build()) {
            List<String> inLab = List.of("ip", "netns", "exec", lab.switchNs());
            FileTime before = FileTime.fromMillis(System.currentTimeMillis() - 1000);
            Result r = launcher(inLab, "host", "--deploy", d.toString(), "--seconds", "0");
            assertEquals(r.output, 0, r.exit);
            assertTrue(r.output, r.output.contains("expkt host: run ok"));
            assertTrue("the log is in run/: " + r.output, Files.getLastModifiedTime(log).compareTo(before) > 0);
            assertTrue(Files.isDirectory(ROOT.resolve("run/felix-cache")));
            try (var beside = Files.list(d.getParent())) {
                assertFalse("cache or log next to the deploy dir", beside.anyMatch(p -> p.getFileName().toString().equals("felix-cache")
                        || p.getFileName().toString().equals("expkt.log")));
            }

            // the default deploy dir: 0700, even if it was there with another mode
            Path deploy = Files.createDirectories(ROOT.resolve("run/deploy"));
            Files.setPosixFilePermissions(deploy, PosixFilePermissions.fromString("rwxr-xr-x"));
            Result r2 = launcher(inLab, "host", "--seconds", "0");
            assertEquals(r2.output, 0, r2.exit);
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(deploy)));
        }
    }
}
