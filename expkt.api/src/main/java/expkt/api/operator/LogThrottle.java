package expkt.api.operator;

/**
 * Bounds a per-event log line (one per magic packet, per malformed frame, per failed send...) to one
 * line per interval: the first event of an interval is logged, the rest are counted, and the next
 * line logged says how many were left out. A flood of events thus writes at most one line per
 * interval, and no event goes uncounted (the counters of the bundle's status command have them all).
 *
 * <pre>{@code
 * long skipped = throttle.admit(System.nanoTime());
 * if (skipped >= 0) {
 *     log.info("magic packet for {}{}", target, throttle.suffix(skipped));
 * }
 * }</pre>
 *
 * <p>Threading: thread-safe; {@link #admit} takes an uncontended lock and allocates nothing.
 */
public final class LogThrottle {
    private final long intervalNanos;
    private final String what;
    private boolean started;
    private long windowStart;
    private long suppressed;
    private long suppressedTotal;

    /**
     * @param intervalNanos at most one line per this many nanoseconds (at least 1)
     * @param what what the suppressed lines were about, for {@link #suffix(long)} ("magic packets")
     */
    public LogThrottle(long intervalNanos, String what) {
        if (intervalNanos < 1) {
            throw new IllegalArgumentException("log throttle interval " + intervalNanos + " ns must be at least 1 ns");
        }
        this.intervalNanos = intervalNanos;
        this.what = what;
    }

    /**
     * One event at {@code nowNanos} ({@link System#nanoTime()}): returns -1 if its line must be left
     * out, else the number of lines left out since the last one logged (0 if none).
     */
    public synchronized long admit(long nowNanos) {
        if (started && nowNanos - windowStart < intervalNanos) {
            suppressed++;
            suppressedTotal++;
            return -1;
        }
        started = true;
        windowStart = nowNanos;
        long s = suppressed;
        suppressed = 0;
        return s;
    }

    /** Lines left out since this throttle was made. */
    public synchronized long suppressedTotal() {
        return suppressedTotal;
    }

    /** Text to append to a logged line: empty for 0, else " (and N more <what> since the last line, not logged: ...)". */
    public String suffix(long skipped) {
        if (skipped <= 0) {
            return "";
        }
        return " (and " + skipped + " more " + what + " since the last line, not logged: at most one line per "
                + seconds() + ")";
    }

    private String seconds() {
        long ms = intervalNanos / 1_000_000;
        return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
    }
}
