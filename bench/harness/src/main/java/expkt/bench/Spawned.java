package expkt.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A process the harness started (a contender, a generator, a client), with its stdout and stderr read
 * line by line so the harness can wait for "ready" or a counter line. {@code ip netns exec} and
 * {@code taskset} exec their command, so {@link #pid()} is the contender's own pid: the one whose CPU
 * time is read and that gets the signals.
 */
final class Spawned implements AutoCloseable {
    private final Process process;
    private final String name;
    private final LinkedBlockingQueue<String> out = new LinkedBlockingQueue<>();
    private final LinkedBlockingQueue<String> err = new LinkedBlockingQueue<>();
    private final List<String> transcript = java.util.Collections.synchronizedList(new ArrayList<>());
    private final PrintStream log;
    private final List<Thread> pumps = new ArrayList<>();

    private Spawned(String name, Process process, PrintStream log) {
        this.name = name;
        this.process = process;
        this.log = log;
        pump(process.getInputStream(), out, "out");
        pump(process.getErrorStream(), err, "err");
    }

    /** Starts {@code command}; in namespace {@code ns} (null: here) pinned to {@code cpu} (-1: anywhere). */
    static Spawned start(String name, String ns, int cpu, List<String> command, PrintStream log) {
        return start(name, ns, cpu, command, log, null);
    }

    /** As above, in working directory {@code dir} (null: the harness's own). */
    static Spawned start(String name, String ns, int cpu, List<String> command, PrintStream log, java.nio.file.Path dir) {
        List<String> c = new ArrayList<>();
        if (ns != null) {
            c.addAll(List.of("ip", "netns", "exec", ns));
        }
        if (cpu >= 0) {
            c.addAll(List.of("taskset", "-c", Integer.toString(cpu)));
        }
        c.addAll(command);
        if (log != null) {
            log.println("  $ " + String.join(" ", c));
        }
        try {
            ProcessBuilder pb = new ProcessBuilder(c);
            if (dir != null) {
                pb.directory(dir.toFile());
            }
            return new Spawned(name, pb.start(), log);
        } catch (IOException e) {
            throw new BenchException("cannot start " + name + " (" + String.join(" ", c) + "): " + e.getMessage(), e);
        }
    }

    private void pump(InputStream in, LinkedBlockingQueue<String> q, String stream) {
        pumps.add(Thread.ofPlatform().daemon().name(name + "-" + stream).start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    q.add(line);
                    transcript.add(stream + ": " + line);
                }
            } catch (IOException ignored) {
                // the process is gone
            }
        }));
    }

    long pid() {
        return process.pid();
    }

    String name() {
        return name;
    }

    boolean alive() {
        return process.isAlive();
    }

    /** Waits for a line of stdout (or stderr) matching {@code p}; lines before it are consumed. */
    Matcher await(Pattern p, boolean stderr, long timeoutMs) {
        LinkedBlockingQueue<String> q = stderr ? err : out;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                String line = q.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
                if (line == null) {
                    throw new BenchException(name + ": no line matching /" + p + "/ within " + timeoutMs + " ms"
                            + (process.isAlive() ? "" : " (exited with " + process.exitValue() + ")") + "; output: " + tail());
                }
                Matcher m = p.matcher(line);
                if (m.find()) {
                    return m;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException(name + ": interrupted", e);
        }
    }

    /** Waits for the process to exit; returns its exit code. */
    int waitFor(long timeoutMs) {
        try {
            if (!process.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
                throw new BenchException(name + " did not finish within " + timeoutMs + " ms; output: " + tail());
            }
            // let the pump threads take the last lines
            for (Thread t : pumps) {
                t.join(2_000);
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            throw new BenchException(name + ": " + e.getMessage(), e);
        }
    }

    void signal(String signal) {
        try {
            Process k = new ProcessBuilder("kill", "-" + signal, Long.toString(pid())).redirectErrorStream(true).start();
            k.waitFor(5, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            throw new BenchException("cannot send SIG" + signal + " to " + name + ": " + e.getMessage(), e);
        }
    }

    /** Every line the process printed so far (stdout and stderr, prefixed "out: " / "err: "). */
    List<String> transcriptLines() {
        synchronized (transcript) {
            return List.copyOf(transcript);
        }
    }

    String tail() {
        synchronized (transcript) {
            int from = Math.max(0, transcript.size() - 12);
            return String.join(" | ", transcript.subList(from, transcript.size()));
        }
    }

    /** TERM, then KILL after 3 s. Idempotent. */
    @Override
    public void close() {
        if (process.isAlive()) {
            signal("TERM");
            try {
                if (!process.waitFor(3, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(3, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (log != null && process.isAlive()) {
            log.println("  ! " + name + " still alive after KILL");
        }
    }
}
