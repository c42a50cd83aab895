package expkt.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * CPU time of a whole process, in nanoseconds: the sum over its threads of the run time the
 * scheduler accounted ({@code /proc/<pid>/task/<tid>/schedstat}, first field). Unlike utime+stime
 * from {@code /proc/<pid>/stat} (clock ticks: 10 ms) it resolves nanoseconds, which a 2-second burst
 * at 15 ns a frame needs. Threads that exited inside the window are not counted (none of the
 * contenders start or end threads while receiving).
 */
final class Cpu {
    private Cpu() {
    }

    static long processNs(long pid) {
        return threadsNs(pid, null);
    }

    /**
     * CPU time of the threads of {@code pid} whose name ({@code comm}: the first 15 characters of a
     * Java thread's name) starts with {@code namePrefix}; every thread when it is null.
     */
    static long threadsNs(long pid, String namePrefix) {
        long sum = 0;
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    if (namePrefix != null && !Files.readString(task.resolve("comm")).strip().startsWith(namePrefix)) {
                        continue;
                    }
                    String s = Files.readString(task.resolve("schedstat")).strip();
                    sum += Long.parseLong(s.substring(0, s.indexOf(' ')));
                } catch (NoSuchFileException gone) {
                    // the thread ended between the listing and the read
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the CPU time of pid " + pid + ": " + e.getMessage(), e);
        }
        return sum;
    }

    /**
     * CPU time of each thread of {@code pid} by name ({@code comm}; threads of one name are summed, a
     * trailing number is dropped so that "GC Thread#0" and "GC Thread#1" add up), nanoseconds.
     */
    static java.util.Map<String, Long> byThread(long pid) {
        java.util.Map<String, Long> m = new java.util.TreeMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String name = Files.readString(task.resolve("comm")).strip().replaceAll("[#-]?\\d+$", "");
                    String s = Files.readString(task.resolve("schedstat")).strip();
                    m.merge(name, Long.parseLong(s.substring(0, s.indexOf(' '))), Long::sum);
                } catch (NoSuchFileException gone) {
                    // the thread ended between the listing and the read
                }
            }
        } catch (IOException e) {
            throw new BenchException("cannot read the threads of process " + pid + ": " + e.getMessage(), e);
        }
        return m;
    }

    /**
     * What each thread name spent between two {@link #byThread} snapshots, per frame, largest first,
     * those of at least 0.05 ns: {@code "expkt-dispatch-shared=80.1 C2 CompilerThre=3.2 ..."}.
     */
    static String perFrame(java.util.Map<String, Long> before, java.util.Map<String, Long> after, long frames) {
        StringBuilder b = new StringBuilder();
        after.entrySet().stream()
                .map(e -> java.util.Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
                .filter(e -> e.getValue() / (double) frames >= 0.05)
                .sorted((x, y) -> Long.compare(y.getValue(), x.getValue()))
                .forEach(e -> b.append(b.length() == 0 ? "" : "; ").append(e.getKey()).append('=')
                        .append(Math.round(e.getValue() * 10.0 / frames) / 10.0));
        return b.toString();
    }
}
