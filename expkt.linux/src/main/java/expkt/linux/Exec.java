package expkt.linux;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs an external tool ({@code ip}, {@code nft}) with a deadline that covers the whole run: the
 * output is read on other threads while the caller waits with {@link Process#waitFor(long, TimeUnit)},
 * so a child that hangs (with or without having written something) cannot hang the caller. On timeout
 * the child and its descendants are destroyed (then forcibly) and an {@link IOException} names the
 * command and the timeout.
 *
 * <p>Tools are found by absolute path in {@link #TOOL_DIRS}, never through {@code PATH}; a missing tool
 * fails with an exception naming it and the Debian package that has it.
 *
 * <p>Threading: thread-safe (no state); each run uses two short-lived virtual threads for the output
 * and one for the input, ended when the run returns. A descendant that left the child's process tree
 * (reparented after the child exited) and still holds the output open cannot hold the caller past the
 * deadline: either the JDK's process reaper has already closed our end of the pipe (it does when no
 * reader is blocked in read() at the moment the child exits) and the run returns what the child wrote,
 * or the run times out and those reader threads end when that process does.
 */
public final class Exec {
    /** Where tools are looked for, in this order. */
    public static final List<Path> TOOL_DIRS = List.of(Path.of("/usr/sbin"), Path.of("/sbin"), Path.of("/usr/bin"), Path.of("/bin"));

    /** How long a destroyed child gets to exit before it is killed, and the killed one to be reaped. */
    private static final long GRACE_MS = 2000;

    /** What a finished process gave: its exit code, its standard output and its standard error. */
    public record Result(int exitCode, String stdout, String stderr) {
    }

    private Exec() {
    }

    /**
     * The absolute path of {@code tool} in {@link #TOOL_DIRS}.
     *
     * @param debianPackage the package that installs it, named in the exception
     * @throws IOException naming the tool, the directories and the package if it is in none of them
     */
    public static Path tool(String tool, String debianPackage) throws IOException {
        return tool(tool, debianPackage, TOOL_DIRS);
    }

    static Path tool(String tool, String debianPackage, List<Path> dirs) throws IOException {
        for (Path d : dirs) {
            Path p = d.resolve(tool);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        List<String> names = new ArrayList<>();
        dirs.forEach(d -> names.add(d.toString()));
        throw new IOException(tool + " not found in " + String.join(", ", names)
                + " (install the Debian package " + debianPackage + ")");
    }

    /**
     * Runs {@code command} (its first element an absolute path), writes {@code stdin} (null: none) to it
     * and waits at most {@code timeout} for it to exit and its output to end.
     *
     * @return the result, whatever the exit code
     * @throws IOException if it cannot start, or did not finish in time (then it was destroyed), or the
     *         caller was interrupted ({@link InterruptedIOException}; the child destroyed too)
     */
    public static Result run(List<String> command, byte[] stdin, Duration timeout) throws IOException {
        String shown = String.join(" ", command);
        long deadline = System.nanoTime() + timeout.toNanos();
        Process p = new ProcessBuilder(command).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread outReader = Thread.ofVirtual().name("exec-stdout").start(() -> drain(p.getInputStream(), out));
        Thread errReader = Thread.ofVirtual().name("exec-stderr").start(() -> drain(p.getErrorStream(), err));
        Thread writer = Thread.ofVirtual().name("exec-stdin").start(() -> feed(p.getOutputStream(), stdin));
        try {
            boolean done = p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            // a descendant that kept the pipes open would keep the readers waiting: same deadline
            done = done && outReader.join(remaining(deadline)) && errReader.join(remaining(deadline));
            if (!done) {
                destroy(p);
                throw new IOException("timed out after " + timeout.toMillis() + " ms (destroyed): " + shown);
            }
            writer.join(remaining(deadline));
            synchronized (out) {
                synchronized (err) {
                    return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
                }
            }
        } catch (InterruptedException e) {
            destroy(p);
            Thread.currentThread().interrupt();
            InterruptedIOException ie = new InterruptedIOException("interrupted while running " + shown);
            ie.initCause(e);
            throw ie;
        }
    }

    /**
     * {@link #run} and require exit code 0.
     *
     * @return standard output
     * @throws IOException also naming the command, its exit code and its standard error if it failed
     */
    public static String check(List<String> command, byte[] stdin, Duration timeout) throws IOException {
        Result r = run(command, stdin, timeout);
        if (r.exitCode() != 0) {
            String why = (r.stderr().strip() + " " + r.stdout().strip()).strip();
            throw new IOException(String.join(" ", command) + " failed (exit " + r.exitCode() + "): " + why);
        }
        return r.stdout();
    }

    private static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
    }

    private static void drain(InputStream in, ByteArrayOutputStream to) {
        byte[] buf = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                synchronized (to) {
                    to.write(buf, 0, n);
                }
            }
        } catch (IOException e) {
            // the process was destroyed: what was read is kept
        }
    }

    private static void feed(OutputStream to, byte[] data) {
        try (to) {
            if (data != null) {
                to.write(data);
            }
        } catch (IOException e) {
            // the child exited without reading all of it: its exit code and output tell why
        }
    }

    private static void destroy(Process p) {
        List<ProcessHandle> descendants = p.descendants().toList();
        p.destroy();
        descendants.forEach(ProcessHandle::destroy);
        try {
            if (!p.waitFor(GRACE_MS, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(GRACE_MS, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        descendants.forEach(ProcessHandle::destroyForcibly);
    }
}
