package expkt.itest;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import expkt.lab.Lab;

/**
 * The exported host jar as a real process (as {@code ./expkt host} runs it), inside a lab's switch
 * namespace, with its Gogo console on standard input: {@link #command} types a command and returns
 * what it printed. Log lines go to the run directory's {@code expkt.log} only, so the console holds
 * command output alone.
 *
 * <p>Threading: one reader thread collects the output; the methods are called from the test thread.
 */
public final class HostProcess implements AutoCloseable {
    private final Process process;
    private final OutputStream stdin;
    private final List<String> out = new ArrayList<>();
    private final Thread reader;
    private int marks;

    private HostProcess(Process process) {
        this.process = process;
        this.stdin = process.getOutputStream();
        this.reader = Thread.ofPlatform().daemon().name("host-output").start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null;) {
                    synchronized (out) {
                        out.add(line);
                        out.notifyAll();
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        });
    }

    /** Starts the host jar in {@code lab}'s switch namespace on the run directory {@code run} (deploy/, felix-cache/, expkt.log). */
    public static HostProcess start(Lab lab, Path run, String... properties) throws IOException {
        return start(lab, run, true, properties);
    }

    /**
     * Starts the host jar in the test's own network namespace (where the test's HTTP clients and
     * browser are), with {@code lab}'s switch namespace as its data plane, entered by the provider's
     * own threads: as on a device with a separate management namespace.
     */
    public static HostProcess startBesideLab(Lab lab, Path run, String... properties) throws IOException {
        return start(lab, run, false, properties);
    }

    /**
     * Starts the host jar in {@code lab}'s switch namespace without a console ({@code gosh.args=--nointeractive}),
     * as a bounded run ({@code expkt.host.runSeconds}) or a service manager runs it: its log lines go to
     * standard output as well, where {@link #awaitLine} and {@link #output} read them. No data-plane
     * namespace unless {@code properties} name one ({@code expkt.dataplane.netns=...}).
     */
    public static HostProcess startHeadless(Lab lab, Path run, String... properties) throws IOException {
        return start(lab, run, true, List.of("gosh.args=--nointeractive"), properties);
    }

    private static HostProcess start(Lab lab, Path run, boolean inSwitchNs, String... properties) throws IOException {
        return start(lab, run, inSwitchNs, List.of("expkt.log.console=false",
                // ports are opt-in: the lab's switch namespace (the one the host runs in) is its data plane
                "expkt.dataplane.netns=" + lab.switchNs()), properties);
    }

    private static HostProcess start(Lab lab, Path run, boolean inSwitchNs, List<String> base, String... properties) throws IOException {
        Path hostJar = ExpktOptions.jar("expkt.host.jar").toPath();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(inSwitchNs ? List.of("ip", "netns", "exec", lab.switchNs()) : List.of());
        cmd.addAll(List.of(java,
                "--sun-misc-unsafe-memory-access=allow",
                "-Dfelix.fileinstall.dir=" + run.resolve("deploy"),
                "-Dorg.osgi.framework.storage=" + run.resolve("felix-cache"),
                "-Dexpkt.log.file=" + run.resolve("expkt.log")));
        for (String p : base) {
            cmd.add("-D" + p);
        }
        for (String p : properties) {
            cmd.add("-D" + p);
        }
        cmd.addAll(List.of("-jar", hostJar.toString()));
        return new HostProcess(new ProcessBuilder(cmd).redirectErrorStream(true).start());
    }

    /** The JVM's pid (`ip netns exec` execs it, so it is the process started). */
    public long pid() {
        return process.pid();
    }

    public Process process() {
        return process;
    }

    /** Waits for "expkt host started"; fails with the output so far. */
    public void awaitStarted(long ms) throws InterruptedException {
        awaitLine("expkt host started", ms);
    }

    /** Waits for an output line containing {@code text}; returns the index of the line after it. */
    public int awaitLine(String text, long ms) throws InterruptedException {
        return awaitLine(text, 0, ms);
    }

    private int awaitLine(String text, int from, long ms) throws InterruptedException {
        long deadline = System.currentTimeMillis() + ms;
        synchronized (out) {
            int i = from;
            while (true) {
                for (; i < out.size(); i++) {
                    if (out.get(i).contains(text)) {
                        return i + 1;
                    }
                }
                long left = deadline - System.currentTimeMillis();
                if (left <= 0 || (!process.isAlive() && !reader.isAlive())) {
                    throw new AssertionError("no \"" + text + "\" from the host within " + ms + " ms; its output:\n" + output());
                }
                out.wait(Math.min(left, 200));
            }
        }
    }

    /** Types {@code command} into the Gogo console and returns what it printed (up to a marker echoed after it). */
    public String command(String command, long ms) throws IOException, InterruptedException {
        String mark = "XKMARK-" + (++marks);
        int from;
        synchronized (out) {
            from = out.size();
        }
        stdin.write((command + "\necho " + mark + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
        int end = awaitLine(mark, from, ms);
        StringBuilder b = new StringBuilder();
        synchronized (out) {
            for (int i = from; i < end - 1; i++) {
                b.append(out.get(i).replace("g! ", "")).append('\n');
            }
        }
        return b.toString();
    }

    /** Sends SIGTERM, as a service manager's stop does (`ip netns exec` execs the JVM, so it is the JVM itself). */
    public void signal() {
        process.toHandle().destroy();
    }

    /** Waits for the host to end by itself (a bounded run, a signal) and for its output to be read; its exit code. */
    public int awaitExit(long ms) throws InterruptedException {
        if (!process.waitFor(ms, TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the host did not end within " + ms + " ms; its output:\n" + output());
        }
        reader.join(5_000);
        return process.exitValue();
    }

    public String output() {
        synchronized (out) {
            return String.join("\n", out);
        }
    }

    /** Ends the host: SIGTERM (a clean framework stop), SIGKILL after 30 s. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.toHandle().destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        reader.join(5_000);
    }
}
