package expkt.provider.dispatch;

/**
 * What a lane runs when a registered fd is readable: a socket's callback or a whiteboard handler's
 * delivery loop, one piece of bundle code behind one fd. Called on the lane's thread, one call at a
 * time per registration.
 */
public interface Readable {
    /**
     * Runs the bundle code for the frames ready on the fd, within the call budget
     * ({@link LaneRegistry#CALL_BUDGET_NANOS}: the socket reports "no frame" once it is spent). An
     * exception is the bundle code's: the lane counts it.
     */
    void onReadable() throws Exception;

    /**
     * Frames consumed from the fd so far (a counter that only grows): the lane's work count is its
     * growth over a call, whether the call returned or threw. A call that consumed none while
     * {@link #ready()} stays true left its frames unread (it threw before reading, or returned without
     * reading): the lane backs it off instead of calling it again at once. Lane thread.
     */
    long consumed();

    /** True if frames wait unread on the fd. Lane thread; cheap (no system call). */
    boolean ready();

    /**
     * True while frames wait in user space where epoll cannot see them: the copies a socket adopted across
     * a provider update reads before its ring ({@code RxRing}'s backlog; the kernel's ring may be empty, so
     * the fd is not readable). The lane calls such a reader when it is registered and again after each call
     * until this turns false. Any thread; cheap (a field read).
     */
    default boolean backlogged() {
        return false;
    }

    /**
     * How long the lane may busy-poll this fd's ring ({@link #ready}) before it blocks in
     * {@code epoll_wait}, nanoseconds; 0: not at all. The socket's {@code SO_BUSY_POLL}. Lane thread;
     * cheap (a field read).
     */
    default long busyPollNanos() {
        return 0;
    }

    /** Names the socket and its owner in log lines. */
    String describe();

    /**
     * Where the lane counts this reader's handle times ({@link Registration#handleTimes()}): asked once,
     * when it is registered. A fresh histogram by default; a reader whose counts must outlive its
     * registration (a whiteboard handler's socket, across its bundle's updates) returns its own.
     */
    default HandleTimes handleTimes() {
        return new HandleTimes();
    }
}
