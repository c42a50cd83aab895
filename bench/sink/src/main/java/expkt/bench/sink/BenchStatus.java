package expkt.bench.sink;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.function.Supplier;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * How the benchmark bundle talks to the harness: a one-line status file, rewritten atomically every
 * {@value #PERIOD_MS} ms by a daemon thread when it changed ({@code state=ready gen=G frames=N drops=D alloc=B ...}), and one line per
 * ended activation appended to {@code <status>.generations} (for the hot-upgrade count).
 *
 * <p>Why a file: the harness runs outside the framework and must read counters without adding work
 * to the hot path; the writer thread reads plain counters the dispatcher publishes with lazySet.
 *
 * <p>Allocation is measured on the dispatcher thread itself (the thread that runs the callbacks:
 * provider receive + the bundle's loop) through the platform MBean
 * {@code java.lang:type=Threading getThreadAllocatedBytes(long)}, reached by JMX so the bundle needs
 * no {@code com.sun.management} import.
 */
final class BenchStatus implements AutoCloseable {
    /** Slow enough to cost the measured process almost nothing (the harness waits a period before reading). */
    static final long PERIOD_MS = 250;
    private static final ObjectName THREADING = threading();
    private final Path file;
    private String last;
    private final Path generations;
    private final long generation = System.nanoTime();
    private final Supplier<String> line;
    private final Thread writer;
    private volatile boolean running = true;

    BenchStatus(String path, Supplier<String> line) {
        this.file = Path.of(path);
        this.generations = Path.of(path + ".generations");
        this.line = line;
        this.writer = Thread.ofPlatform().daemon().name("expkt-bench-status").start(this::writeLoop);
    }

    long generation() {
        return generation;
    }

    private void writeLoop() {
        while (running) {
            write();
            try {
                Thread.sleep(PERIOD_MS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    void write() {
        try {
            String now = "gen=" + generation + " " + line.get() + "\n";
            if (now.equals(last)) {
                return;
            }
            last = now;
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, now, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException ignored) {
            // the harness may have removed its work directory: nothing to report to
        }
    }

    /** Appends this activation's final line (on deactivate). */
    void appendGeneration(String text) {
        try {
            Files.writeString(generations, "gen=" + generation + " " + text + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException ignored) {
            // as above
        }
    }

    /** Bytes allocated so far by thread {@code tid}, or -1 if the JVM does not tell. */
    static long allocatedBytes(long tid) {
        if (tid < 0) {
            return -1;
        }
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            Object v = server.invoke(THREADING, "getThreadAllocatedBytes",
                    new Object[] {tid}, new String[] {"long"});
            return v instanceof Long l ? l : -1;
        } catch (Exception e) {
            return -1;
        }
    }

    private static ObjectName threading() {
        try {
            return new ObjectName("java.lang:type=Threading");
        } catch (javax.management.MalformedObjectNameException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        running = false;
        writer.interrupt();
        try {
            writer.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        write();
    }
}
