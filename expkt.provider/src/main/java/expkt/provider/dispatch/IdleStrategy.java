package expkt.provider.dispatch;

/**
 * What one idle iteration of a lane's busy-poll phase does (Agrona's {@code BackoffIdleStrategy}
 * without its park: a lane's park is {@code epoll_wait}). Between two looks at its rings' next status
 * words a lane first spins ({@link Thread#onSpinWait}: a PAUSE, the core stays with it) for
 * {@link #spins} iterations, then yields the CPU ({@code sched_yield}) on every further iteration, so a
 * task that shares the CPU — on the 2 vCPUs this project runs on, the peer that sends the next frame
 * — runs instead of waiting for the lane's time slice to end. How long the phase lasts is the
 * lane's busy-poll budget (the largest {@code SO_BUSY_POLL} of its sockets); after it the lane blocks.
 *
 * <p>Threading: stateless; one instance may serve every lane.
 */
public final class IdleStrategy {
    /**
     * PAUSE iterations before yielding: ~64 x ~40 ns on these VMs, about the cost of one
     * {@code sched_yield} round trip, so a frame that comes within a few µs is seen without a system call.
     */
    public static final int DEFAULT_SPINS = 64;
    /** Iterations between two clock reads of the budget in the spin part (a clock read costs ~28 ns on kvm-clock). */
    static final int CLOCK_EVERY = 16;

    private static final IdleStrategy DEFAULT = new IdleStrategy(DEFAULT_SPINS);

    private final int spins;

    private IdleStrategy(int spins) {
        if (spins < 0) {
            throw new IllegalArgumentException("spin iterations " + spins + " is negative");
        }
        this.spins = spins;
    }

    /** Spins {@value #DEFAULT_SPINS} iterations, then yields. */
    public static IdleStrategy spinThenYield() {
        return DEFAULT;
    }

    /** Spins {@code spins} iterations, then yields (0: yields at once). */
    public static IdleStrategy spinThenYield(int spins) {
        return new IdleStrategy(spins);
    }

    /** The iterations that spin before the first yield. */
    public int spins() {
        return spins;
    }

    /**
     * Idles once: iteration {@code i} (0 for the first after a look that found nothing) spins or
     * yields. Returns true if the caller should read the clock after it (every yield, every
     * {@value #CLOCK_EVERY}th spin).
     */
    public boolean idle(int i) {
        if (i < spins) {
            Thread.onSpinWait();
            return (i & (CLOCK_EVERY - 1)) == CLOCK_EVERY - 1;
        }
        Thread.yield();
        return true;
    }

    @Override
    public String toString() {
        return "spin " + spins + " then yield";
    }
}
