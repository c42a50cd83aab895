package expkt.provider.dispatch;

/**
 * One piece of bundle code on a lane: a readable fd, its {@link Readable}, the lane it is on (the
 * {@link LaneRegistry} knows and changes that), its state and counters.
 *
 * <p>States: {@code active}; {@code backed off} (it left frames unread: the lane stopped watching its
 * fd for a while); {@code stopping} (unregistered, waiting for its running call); {@code stuck} (its
 * call ran past the deadline of a stop: abandoned, counted, its lane left to finish the call, its
 * socket released when the call returns); {@code closed}.
 *
 * <p>Threading: counters are written by the lane thread only and read by anyone; state changes happen
 * under the registry's lock, or on the lane thread for {@link #inCall}.
 */
public final class Registration {
    enum State { ACTIVE, BACKED_OFF, STOPPING, STUCK, CLOSED }

    final long key;
    final int fd;
    final Readable target;
    final String ownLaneName;
    // lane bookkeeping, under the registry's lock
    Lane lane;
    int index = -1;
    long tag;
    boolean armed;
    long resumeAt;
    volatile State state = State.ACTIVE;
    volatile long stuckSince;
    /** To be called by the lane although epoll reports nothing: its frames wait in user space (see {@link Readable#backlogged()}). */
    volatile boolean kick;

    // the running call (lane thread writes, closers read); see LaneRegistry#awaitIdle
    volatile boolean inCall;
    volatile boolean attention;
    Runnable afterCall;

    // the isolation rule's state (lane thread only)
    int strikes;
    volatile int unreadStreak;
    long lastErrorLog;
    volatile boolean isolated;

    // counters (lane thread writes, anyone reads)
    volatile long calls;
    volatile long frames;
    volatile long errors;
    volatile long unreadCalls;
    volatile long nanos;
    /** Handle time per frame, log2 buckets; recorded from the elapsed time of each call (lane thread). */
    final HandleTimes handleTimes;

    Registration(long key, int fd, Readable target, String ownLaneName) {
        this.key = key;
        this.fd = fd;
        this.target = target;
        this.ownLaneName = ownLaneName;
        this.handleTimes = target.handleTimes();
    }

    /** The key it was registered with (the socket id). */
    public long key() {
        return key;
    }

    /** The name of the lane it runs on now ({@code shared}, {@code lane-<bundle>}, {@code own-...}). */
    public String laneName() {
        Lane l = lane;
        return l == null ? "-" : l.name();
    }

    /**
     * What {@code expkt:handlers} shows: {@code active}, {@code backed off}, {@code stopping},
     * {@code stuck N ms}, {@code closed}.
     */
    public String state() {
        return switch (state) {
            case ACTIVE -> unreadStreak > 0 ? "backed off" : "active";
            case BACKED_OFF -> "backed off";
            case STOPPING -> "stopping";
            case STUCK -> "stuck " + (System.nanoTime() - stuckSince) / 1_000_000 + " ms";
            case CLOSED -> "closed";
        };
    }

    /** True if it runs {@code target}. */
    public boolean runs(Readable target) {
        return this.target == target;
    }

    public boolean stuck() {
        return state == State.STUCK;
    }

    /** True once it was moved to a lane of its own (found slow, or left alone by a stuck neighbour). */
    public boolean isolated() {
        return isolated;
    }

    public long calls() {
        return calls;
    }

    /** Frames its calls consumed. */
    public long frames() {
        return frames;
    }

    /** Calls that threw. */
    public long errors() {
        return errors;
    }

    /** Calls that left their frames unread (and were backed off). */
    public long unreadCalls() {
        return unreadCalls;
    }

    /** Time spent in its calls, nanoseconds. */
    public long nanos() {
        return nanos;
    }

    /** Handle time per frame as a histogram (shared with its reader when the reader keeps its own). */
    public HandleTimes handleTimes() {
        return handleTimes;
    }

    @Override
    public String toString() {
        return target.describe();
    }
}
