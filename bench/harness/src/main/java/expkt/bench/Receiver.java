package expkt.bench;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A contender of the receive benchmark, started and ready: it can tell how many frames it has taken
 * and how many the kernel dropped for it, and whose CPU time to read.
 */
interface Receiver extends AutoCloseable {

    /** Cumulative counters since the receiver started. */
    record Counts(long frames, long drops) {
    }

    /** The pid whose CPU time (all threads) is the contender's cost. */
    long pid();

    Counts snapshot();

    /**
     * For a JVM contender, the name prefix of the thread that does the receiving (its CPU alone is
     * reported beside the whole process's, which includes JIT, GC and housekeeping threads); null when
     * the process is the receiving thread.
     */
    default String hotThread() {
        return null;
    }

    @Override
    void close();

    /**
     * A receiver of this harness's own making (c-ring, the pcap4j reader): on SIGUSR1 it prints
     * {@code frames=N drops=D} on stdout.
     */
    final class LineCounting implements Receiver {
        private static final Pattern COUNTS = Pattern.compile("frames=(\\d+) drops=(\\d+)");
        private final Spawned process;
        private final String hotThread;

        LineCounting(Spawned process) {
            this(process, null);
        }

        LineCounting(Spawned process, String hotThread) {
            this.process = process;
            this.hotThread = hotThread;
            process.await(Pattern.compile("^ready"), false, 20_000);
        }

        @Override
        public String hotThread() {
            return hotThread;
        }

        @Override
        public long pid() {
            return process.pid();
        }

        @Override
        public Counts snapshot() {
            process.signal("USR1");
            Matcher m = process.await(COUNTS, false, 5_000);
            return new Counts(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
        }

        @Override
        public void close() {
            process.close();
        }
    }

    /**
     * tcpdump: on SIGUSR1 it prints "N packets captured, N packets received by filter, N packets
     * dropped by kernel" on stderr.
     */
    final class Tcpdump implements Receiver {
        private static final Pattern COUNTS = Pattern.compile(
                "(\\d+) packets? captured, (\\d+) packets? received by filter, (\\d+) packets? dropped by kernel");
        private final Spawned process;

        Tcpdump(Spawned process) {
            this.process = process;
            process.await(Pattern.compile("listening on"), true, 20_000);
        }

        @Override
        public long pid() {
            return process.pid();
        }

        @Override
        public Counts snapshot() {
            process.signal("USR1");
            Matcher m = process.await(COUNTS, true, 5_000);
            return new Counts(Long.parseLong(m.group(1)), Long.parseLong(m.group(3)));
        }

        @Override
        public void close() {
            process.close();
        }
    }
}
