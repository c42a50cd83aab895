package expkt.vr.internal;

import expkt.linux.IpSockets;
import expkt.linux.LinuxException;
import expkt.linux.SharedDispatcher;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.Supplier;

/**
 * The callback of one L3 or raw IP socket on the L2 provider's shared dispatcher lanes
 * ({@link SharedDispatcher}): attaches the socket's descriptor, runs the callback, and tells the lane
 * what the call did. A raw socket counts its reads exactly ({@link #countRead()}); an L3 socket's reads
 * go through its JDK channel, so a call counts as having read when the descriptor is no longer readable
 * afterwards or its receive queue shrank (SO_MEMINFO). A call that read nothing while data waits is
 * backed off by the lane, as an L2 callback is.
 *
 * <p>Threading: {@link #set} and {@link #remove} from any thread (under this object's monitor for the
 * bookkeeping only, never while waiting for the call); the call and its bookkeeping on the lane thread.
 */
final class LaneCallback implements SharedDispatcher.Target {
    /** The socket's side of a call: runs the user's callback. */
    interface Body {
        void call() throws Exception;
    }

    private final Supplier<SharedDispatcher> dispatchers;
    private final Supplier<String> describe;
    private final boolean exactCount;
    // lane thread only (one call at a time per registration); owned for the socket's life
    private final MemorySegment pollFd;
    private final MemorySegment meminfo;
    private final MemorySegment meminfoLen;
    private volatile Body body;
    private volatile int fd = -1;
    private SharedDispatcher.Registration registration; // this object's monitor
    private volatile Thread inCall;
    private volatile long reads;
    private long heuristicReads;
    private volatile boolean readyAfter;

    LaneCallback(Supplier<SharedDispatcher> dispatchers, Supplier<String> describe, boolean exactCount) {
        this.dispatchers = dispatchers;
        this.describe = describe;
        this.exactCount = exactCount;
        Arena arena = Arena.ofAuto();
        this.pollFd = arena.allocate(8, 4);
        this.meminfo = arena.allocate(IpSockets.MEMINFO_SIZE, 4);
        this.meminfoLen = arena.allocate(4, 4);
    }

    /** Sets (or replaces) the callback; attaches {@code fd} to the shared lane the first time. */
    synchronized void set(Body body, int fd) throws IOException {
        if (registration == null) {
            SharedDispatcher d = dispatchers.get();
            if (d == null) {
                throw new IllegalStateException("callbacks run on the L2 provider's shared dispatcher, and the provider"
                        + " (bundle expkt.provider) is not running: start it, or read " + describe.get() + " on a thread of your own");
            }
            this.fd = fd;
            this.body = body;
            registration = d.attach(fd, this, "own-" + describe.get().replace(' ', '-'));
        }
        this.body = body;
    }

    /** True while a callback is set. */
    synchronized boolean active() {
        return registration != null;
    }

    /** The lane running the callback, or null while none is set (for the runtime DTOs). */
    String lane() {
        SharedDispatcher.Registration r;
        synchronized (this) {
            r = registration;
        }
        return r == null ? null : r.lane(); // outside the monitor: the registration is the provider's
    }

    /** The callback's registration state on its lane, or null while none is set (for the runtime DTOs). */
    String state() {
        SharedDispatcher.Registration r;
        synchronized (this) {
            r = registration;
        }
        return r == null ? null : r.state();
    }

    /** Packets a raw socket handed to the application ({@link #countRead()}), callback or not. */
    long reads() {
        return reads;
    }

    /** True on the lane thread inside this socket's callback: a receive there must not block. */
    boolean inCall() {
        return inCall == Thread.currentThread();
    }

    /** A raw socket's receive handed a packet to the application. */
    void countRead() {
        reads++;
    }

    /** {@link #remove}: no callback was set. */
    static final int NONE = 0;
    /** {@link #remove}: the callback is gone and no call runs. */
    static final int IDLE = 1;
    /** {@link #remove}: a call still runs (this very thread's, or stuck past the deadline); afterIdle runs when it returns. */
    static final int RUNNING = 2;

    /**
     * Stops the callback: waits for its running call up to the dispatcher's deadline (holding no lock).
     * Returns {@link #NONE}, {@link #IDLE} (the descriptor may be closed) or {@link #RUNNING}
     * ({@code afterIdle} runs when the call returns).
     */
    int remove(Runnable afterIdle) {
        SharedDispatcher.Registration r;
        synchronized (this) {
            r = registration;
            registration = null;
            body = null;
        }
        if (r == null) {
            return NONE;
        }
        SharedDispatcher d = dispatchers.get();
        long deadline = System.nanoTime() + (d == null ? 2_000_000_000L : d.callDeadlineNanos());
        boolean idle = r.detach(deadline);
        if (!idle && afterIdle != null) {
            r.onceIdle(afterIdle);
        }
        return idle ? IDLE : RUNNING;
    }

    // ------------------------------------------------------------ SharedDispatcher.Target (lane thread)

    @Override
    public void onReadable() throws Exception {
        Body b = body;
        if (b == null) {
            return;
        }
        int f = fd;
        int before = exactCount ? 0 : queueBytes(f);
        inCall = Thread.currentThread();
        try {
            b.call();
        } finally {
            inCall = null;
            boolean readable = readable(f);
            if (exactCount) {
                readyAfter = readable;
            } else {
                boolean read = !readable || queueBytes(f) < before;
                if (read) {
                    heuristicReads++;
                }
                readyAfter = readable && !read;
            }
        }
    }

    private boolean readable(int f) {
        try {
            return (IpSockets.poll(pollFd, f, IpSockets.POLLIN, 0) & IpSockets.POLLIN) != 0;
        } catch (LinuxException e) {
            return false;
        }
    }

    private int queueBytes(int f) {
        try {
            return IpSockets.receiveQueueBytes(f, meminfo, meminfoLen);
        } catch (LinuxException e) {
            return 0;
        }
    }

    @Override
    public long consumed() {
        return exactCount ? reads : heuristicReads;
    }

    @Override
    public boolean ready() {
        return readyAfter;
    }

    @Override
    public String describe() {
        return "the callback of " + describe.get();
    }
}
