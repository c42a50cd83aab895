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
}
