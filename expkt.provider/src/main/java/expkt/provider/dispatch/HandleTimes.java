package expkt.provider.dispatch;

/**
 * Handle time per frame of one reader, as a histogram with fixed log2 buckets: what
 * {@code /metrics} shows as {@code expkt_handler_frame_seconds} ({@code _bucket}, {@code _sum},
 * {@code _count}).
 *
 * <p>Recorded by the lane from the elapsed time it measures for every call anyway (no clock read of
 * its own, no allocation, no lock): a call of {@code took} ns that consumed {@code frames} frames
 * counts {@code frames} observations of {@code took / frames} ns each (the call's time shared by the
 * frames it handled: the count is the number of frames, the sum the time of the calls that handled
 * any). The bucket is found from {@link Long#numberOfLeadingZeros}: bucket {@code i} counts the
 * frames of at most {@code 2^(7+i)} ns (128 ns .. 2^30 ns, about 1.07 s), the last one the slower
 * ones. A call that consumed no frame is not observed (its time is in the registration's total).
 *
 * <p>A whiteboard handler's reader keeps one for the life of its socket ({@link Readable#handleTimes}),
 * so the histogram goes on across its bundle's updates, as its frame counter does.
 *
 * <p>Threading: one writer at a time (the thread of the lane calling the reader); readers on any
 * thread. The counts are plain, the sum volatile and written last: a reader that reads the sum first
 * sees at least the counts of the observations in it.
 */
public final class HandleTimes {
    /** The first bucket's upper bound is {@code 2^MIN_SHIFT} ns. */
    static final int MIN_SHIFT = 7;
    /** The last finite bucket's upper bound is {@code 2^MAX_SHIFT} ns. */
    static final int MAX_SHIFT = 30;
    /** Finite buckets (128 ns .. 2^30 ns), plus one for the slower frames. */
    public static final int BUCKETS = MAX_SHIFT - MIN_SHIFT + 2;

    private final long[] counts = new long[BUCKETS];
    private volatile long sumNanos;
    /** The time of the calls that handled no frame (not in the histogram), ns. */
    private volatile long idleNanos;

    /** Upper bound of bucket {@code i}, nanoseconds; {@link Long#MAX_VALUE} for the last (+Inf). */
    public static long upperBoundNanos(int i) {
        return i < BUCKETS - 1 ? 1L << (MIN_SHIFT + i) : Long.MAX_VALUE;
    }

    /** The bucket of a frame that took {@code nanos}: the first whose bound is at least {@code nanos}. */
    static int bucket(long nanos) {
        // ceil(log2(nanos)) as the bit length of nanos - 1 (nanos >= 1), shifted to the first bound
        int b = 64 - Long.numberOfLeadingZeros(Math.max(nanos, 1) - 1) - MIN_SHIFT;
        return Math.min(Math.max(b, 0), BUCKETS - 1);
    }

    /** A call of {@code took} ns that consumed {@code frames} frames. Lane thread; allocation-free. */
    public void record(long took, int frames) {
        if (frames <= 0) {
            idleNanos = idleNanos + took; // volatile: a call that handled nothing (rare: a spurious wake-up)
            return;
        }
        int b = bucket(frames == 1 ? took : took / frames);
        counts[b] = counts[b] + frames;
        sumNanos = sumNanos + took; // volatile, last: publishes the count
    }

    /**
     * The time of every call recorded, ns: those that handled frames (the histogram's sum) and those that
     * handled none. What {@code expkt:handlers} shows as a handler's time spent. Any thread.
     */
    public long totalNanos() {
        return sumNanos + idleNanos;
    }

    /** Adds the counts to {@code into} (length {@link #BUCKETS}) and returns the sum, ns. Any thread. */
    public long addTo(long[] into) {
        long sum = sumNanos; // first: the counts read below include at least what it sums
        for (int i = 0; i < BUCKETS; i++) {
            into[i] += counts[i];
        }
        return sum;
    }
}
