package expkt.linux;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExecTest {

    /**
     * A child that writes something and then hangs (keeping its output open): the timeout applies to
     * the whole run, the child is destroyed, and the message names the command and the timeout.
     */
    @Test
    void hungChildTimesOutAndIsDestroyed() throws Exception {
        String sh = Exec.tool("sh", "dash").toString();
        long start = System.nanoTime();
        IOException e = assertThrows(IOException.class,
                () -> Exec.run(List.of(sh, "-c", "echo started; exec sleep 60"), null, Duration.ofMillis(500)));
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertTrue(tookMs >= 500 && tookMs < 10_000, "took " + tookMs + " ms");
        assertTrue(e.getMessage().contains("timed out after 500 ms"), e.getMessage());
        assertTrue(e.getMessage().contains("sleep 60"), e.getMessage());
        assertEquals(0, ProcessHandle.current().children().filter(ProcessHandle::isAlive).count(), "child left running");
    }

    /**
     * A grandchild that keeps the output pipe open after the child exited cannot hold the caller past
     * the deadline. Which of the two bounded outcomes happens depends on a race inside the JDK: when the
     * child exits, the JDK's process reaper drains and closes our end of the pipe unless a reader is
     * already blocked in read() on it (then that reader waits for the grandchild and the deadline
     * applies). So: either the output the child wrote comes back, or the run times out — never later
     * than the deadline plus the grace period.
     */
    @Test
    void outputHeldOpenByADescendantCannotHoldTheCallerPastTheDeadline() throws Exception {
        String sh = Exec.tool("sh", "dash").toString();
        long start = System.nanoTime();
        Exec.Result r = null;
        IOException timedOut = null;
        try {
            r = Exec.run(List.of(sh, "-c", "sleep 59.4321 & echo forked"), null, Duration.ofMillis(500));
        } catch (IOException e) {
            timedOut = e;
        } finally {
            // the orphan (reparented, so no longer our descendant) is ours: end it by its unique argument
            ProcessHandle.allProcesses()
                    .filter(ph -> ph.info().arguments().map(a -> List.of(a).equals(List.of("59.4321"))).orElse(false))
                    .forEach(ProcessHandle::destroyForcibly);
        }
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertTrue(tookMs < 10_000, "took " + tookMs + " ms");
        if (timedOut != null) {
            assertTrue(timedOut.getMessage().contains("timed out after 500 ms"), timedOut.getMessage());
        } else {
            assertEquals(0, r.exitCode());
            assertEquals("forked", r.stdout().strip());
        }
    }

    /** Output larger than a pipe buffer and input are carried without deadlock; exit code and stderr are kept. */
    @Test
    void carriesLargeOutputInputAndExitCode() throws Exception {
        String sh = Exec.tool("sh", "dash").toString();
        byte[] in = "x".repeat(1_000_000).getBytes(StandardCharsets.UTF_8);
        Exec.Result r = Exec.run(List.of(sh, "-c", "cat; echo oops >&2; exit 3"), in, Duration.ofSeconds(30));
        assertEquals(3, r.exitCode());
        assertEquals(1_000_000, r.stdout().length());
        assertEquals("oops", r.stderr().strip());
        IOException e = assertThrows(IOException.class, () -> Exec.check(List.of(sh, "-c", "echo bad >&2; exit 2"), null, Duration.ofSeconds(30)));
        assertTrue(e.getMessage().contains("exit 2") && e.getMessage().contains("bad"), e.getMessage());
    }

    /** Tools are found by absolute path; a missing one is named with its Debian package. */
    @Test
    void findsToolsByAbsolutePathAndNamesAMissingOne() throws Exception {
        Path ip = Exec.tool("ip", "iproute2");
        assertTrue(ip.isAbsolute() && Files.isExecutable(ip), ip.toString());
        IOException e = assertThrows(IOException.class, () -> Exec.tool("expkt-no-such-tool", "expkt-pkg"));
        assertTrue(e.getMessage().contains("expkt-no-such-tool") && e.getMessage().contains("expkt-pkg")
                && e.getMessage().contains("/usr/sbin"), e.getMessage());
        Path empty = Files.createTempDirectory("exec-test");
        try {
            IOException e2 = assertThrows(IOException.class, () -> Exec.tool("ip", "iproute2", List.of(empty)));
            assertTrue(e2.getMessage().contains("ip not found in " + empty), e2.getMessage());
        } finally {
            Files.delete(empty);
        }
    }
}
