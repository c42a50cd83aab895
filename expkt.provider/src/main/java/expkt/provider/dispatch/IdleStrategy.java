package expkt.provider.dispatch;

/**
 * How a lane waits when a round of its loop did no work (Agrona's {@code IdleStrategy}, applied to
 * epoll): the lane's next {@code epoll_wait} blocks for what {@link #timeoutMillis} returns, so a
 * lane spins (polls with timeout 0) only as long as its strategy says, and otherwise sleeps in the
 * kernel until a frame, a wake-up or its next timer. One instance per lane: it may keep state.
 */
public interface IdleStrategy {
    /**
     * The timeout of the next {@code epoll_wait} after a round that did {@code workCount} frames of
     * work: 0 to poll again at once, -1 to block until an event (the lane shortens it to its next
     * timer, such as a backed-off registration's retry).
     */
    int timeoutMillis(int workCount);

    /** Blocks whenever there is nothing to do: the default (2 CPUs shared by everything: no spinning). */
    static IdleStrategy blocking() {
        return work -> -1;
    }

    /** Polls {@code spins} more times after the last round that did work, then blocks. */
    static IdleStrategy spinThenBlock(int spins) {
        return new IdleStrategy() {
            private int idleRounds;

            @Override
            public int timeoutMillis(int workCount) {
                if (workCount > 0) {
                    idleRounds = 0;
                    return 0;
                }
                return ++idleRounds <= spins ? 0 : -1;
            }
        };
    }
}
