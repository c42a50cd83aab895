package expkt.host.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run-directory lock between two real JVMs: this one holds it, a second one is refused naming this pid. */
class RunDirLockTest {
    @TempDir
    Path dir;

    @Test
    void theRunDirectoriesAreTheParentsOfStorageDeployAndLog() {
        Properties p = new Properties();
        p.setProperty("org.osgi.framework.storage", dir.resolve("run/felix-cache").toString());
        p.setProperty("felix.fileinstall.dir", dir.resolve("run/deploy").toString());
        p.setProperty("expkt.log.file", dir.resolve("logs/expkt.log").toString());
        assertEquals(List.of(dir.resolve("run"), dir.resolve("logs")), RunDirLock.runDirs(p));
    }

    @Test
    void aSecondProcessIsRefusedNamingTheHolder() throws Exception {
        Path run = dir.resolve("run");
        RunDirLock.lockAll(List.of(run));
        // not read here: closing any descriptor of the file would drop this process's POSIX lock

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "-Dorg.osgi.framework.storage=" + run.resolve("felix-cache"),
                LockProbe.class.getName()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(RunDirLock.EXIT_IN_USE, p.exitValue(), out);
        // the pid it names is the one this process wrote into the lock file
        assertTrue(out.contains("run directory " + run + " is in use by the expkt host with pid " + ProcessHandle.current().pid()), out);
        assertTrue(!out.contains("locked"), out);
    }

    /** What the JVM does for the host jar's Launcher-Agent-Class, then "main". */
    public static final class LockProbe {
        public static void main(String[] args) {
            RunDirLock.agentmain(null);
            System.out.println("locked");
        }
    }
}
