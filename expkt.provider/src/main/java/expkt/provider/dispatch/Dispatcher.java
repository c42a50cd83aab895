package expkt.provider.dispatch;

import expkt.linux.Epoll;
import expkt.linux.Fds;
import expkt.linux.LinuxException;
import expkt.provider.core.ProviderLog;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The shared callback thread (the seed's "a shared thread is used to block on many sockets"): one
 * platform thread waits in epoll on every socket that has a callback and runs the callback when its
 * socket is readable. An exception from a callback is caught, logged (at most once a second per
 * socket) and counted; the socket stays registered.
 *
 * <p>Level-triggered: a callback that leaves frames unread is called again after the other ready
 * sockets had their turn (epoll puts it at the end of its ready list), so a callback may stop early.
 * The socket side bounds each call: while a callback runs, the socket's receive calls report "no
 * frame" once the call has used its budget ({@link #CALL_BUDGET_NANOS}), see
 * {@code PacketSocketImpl}, so a callback that reads "until -1" cannot keep the thread for ever.
 *
 * <p>Slow callbacks: a callback whose call overran its budget by more than {@link #SLOW_OVERRUN_NANOS}
 * (more than 1 ms on one frame) in {@value #SLOW_CALLS_TO_ISOLATE} calls in a row (it sleeps, blocks,
 * or burns CPU per frame) is
 * moved to a dispatcher of its own (a second thread serving that socket alone, logged once): from then
 * on it holds back nobody but itself, and when it cannot keep up its ring fills and the kernel drops
 * (and counts) only its frames. Every other socket stays on the shared thread. So the cost of a slow
 * callback for the others is bounded by its first {@value #SLOW_CALLS_TO_ISOLATE} calls.
 *
 * <p>Counters per registration ({@link #stats}): calls, exceptions, time spent in the callback; and in
 * total ({@link #callbacks()}, {@link #callbackErrors()}). Counted, not logged, on the hot path.
 *
 * <p>Threading: {@link #register}/{@link #unregister} may be called from any thread, also from a
 * callback. A callback runs on a dispatcher thread, one call at a time per socket.
 */
public final class Dispatcher implements AutoCloseable {
    /** How long one call of a callback may read frames before its socket reports "no frame" (1 ms). */
    public static final long CALL_BUDGET_NANOS = 1_000_000L;
    /**
     * A call is slow when it overran its read budget by more than this (1 ms): once the budget is spent
     * the socket reports "no frame", so what a call spends beyond it goes to the one frame it was
     * processing. A busy but fast callback ends within microseconds of its budget.
     */
    public static final long SLOW_OVERRUN_NANOS = 1_000_000L;
    /** Slow calls in a row after which a callback gets a thread of its own. */
    public static final int SLOW_CALLS_TO_ISOLATE = 3;
    private static final int MAX_EVENTS = 64;
    private static final long WAKE = -1L;
    private static final long ERROR_LOG_INTERVAL_NANOS = 1_000_000_000L;

    /** What to call when a registered fd is readable. */
    public interface Readable {
        void onReadable() throws Exception;

        /** Names the socket in log lines. */
        String describe();
    }

    /** Counters of one registration; written by its dispatcher thread only, read by anyone. */
    public static final class Stats {
        private final AtomicLong calls = new AtomicLong();
        private final AtomicLong errors = new AtomicLong();
        private final AtomicLong nanos = new AtomicLong();
        private volatile boolean isolated;

        public long calls() { return calls.get(); }
        public long errors() { return errors.get(); }
        /** Time spent in the callback, nanoseconds. */
        public long nanos() { return nanos.get(); }
        /** True once the callback runs on a thread of its own (it was found slow). */
        public boolean isolated() { return isolated; }
    }

    private static final class Entry {
        volatile Readable target;
        final int fd;
        final Stats stats = new Stats();
        int slowCalls;
        long lastErrorLog;
        volatile Dispatcher own; // set when isolated

        Entry(Readable target, int fd) {
            this.target = target;
            this.fd = fd;
        }
    }

    private final ProviderLog log;
    private final int epfd;
    private final int wakeFd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment events;
    private final MemorySegment wakeScratch;
    private final ConcurrentHashMap<Long, Entry> registered = new ConcurrentHashMap<>();
    private final AtomicLong callbackErrors;
    private final AtomicLong callbacks;
    private final boolean isolatedLane;
    private final Thread thread;
    private final AtomicBoolean released = new AtomicBoolean();
    private volatile boolean running = true;

    public Dispatcher(ProviderLog log) throws LinuxException {
        this(log, "expkt-dispatch", false, new AtomicLong(), new AtomicLong());
    }

    private Dispatcher(ProviderLog log, String name, boolean isolatedLane, AtomicLong callbacks, AtomicLong errors)
            throws LinuxException {
        this.log = log;
        this.isolatedLane = isolatedLane;
        this.callbacks = callbacks;
        this.callbackErrors = errors;
        this.epfd = Epoll.create();
        this.wakeFd = Epoll.eventfd();
        this.events = arena.allocate((long) Epoll.EVENT_SIZE * MAX_EVENTS, 8);
        this.wakeScratch = arena.allocate(8, 8);
        try (Arena a = Arena.ofConfined()) {
            Epoll.ctl(epfd, Epoll.EPOLL_CTL_ADD, wakeFd, Epoll.EPOLLIN, WAKE, a.allocate(Epoll.EVENT_SIZE));
        }
        this.thread = Thread.ofPlatform().daemon().name(name).start(this::loop);
    }

    /** Calls {@code target} whenever {@code fd} is readable, until {@link #unregister}. {@code key} is unique per socket. */
    public void register(long key, int fd, Readable target) throws LinuxException {
        Entry e = new Entry(target, fd);
        Entry prev = registered.putIfAbsent(key, e);
        if (prev != null) {
            prev.target = target; // replace the callback, the fd is already in the set
            return;
        }
        try {
            add(key, fd);
        } catch (LinuxException ex) {
            registered.remove(key);
            throw ex;
        }
    }

    private void add(long key, int fd) throws LinuxException {
        try (Arena a = Arena.ofConfined()) {
            Epoll.ctl(epfd, Epoll.EPOLL_CTL_ADD, fd, Epoll.EPOLLIN, key, a.allocate(Epoll.EVENT_SIZE));
        }
    }

    private void delete(int fd) {
        try (Arena a = Arena.ofConfined()) {
            Epoll.ctl(epfd, Epoll.EPOLL_CTL_DEL, fd, 0, 0, a.allocate(Epoll.EVENT_SIZE));
        } catch (LinuxException e) {
            // the fd is closed already: the kernel removed it from the set
        }
    }

    /** Stops calling back for {@code fd}. Idempotent. */
    public void unregister(long key, int fd) {
        Entry e = registered.remove(key);
        if (e != null) {
            Dispatcher own = e.own;
            if (own != null) {
                own.registered.remove(key);
                own.close();
            } else {
                delete(fd);
            }
        }
    }

    public boolean isRegistered(long key) {
        return registered.containsKey(key);
    }

    /** The counters of a registration, or null if {@code key} is not registered. */
    public Stats stats(long key) {
        Entry e = registered.get(key);
        return e == null ? null : e.stats;
    }

    /** Callbacks that threw, since start (isolated ones included). */
    public long callbackErrors() {
        return callbackErrors.get();
    }

    /** Callback calls, since start (isolated ones included). */
    public long callbacks() {
        return callbacks.get();
    }

    /** True on this dispatcher's thread or on the thread of a callback it isolated. */
    public boolean isDispatcherThread() {
        Thread t = Thread.currentThread();
        if (t == thread) {
            return true;
        }
        for (Entry e : registered.values()) {
            Dispatcher own = e.own;
            if (own != null && own.thread == t) {
                return true;
            }
        }
        return false;
    }

    private void loop() {
        try {
            serve();
        } finally {
            if (!running) {
                release(); // closed from a callback of this thread, or the closer gave up waiting
            }
        }
    }

    /** Closes the fds and the arena once; under the lock {@link #close} signals with, so no write hits a closed fd. */
    private synchronized void release() {
        if (released.compareAndSet(false, true)) {
            Fds.closeQuietly(epfd);
            Fds.closeQuietly(wakeFd);
            arena.close();
        }
    }

    private void serve() {
        while (running) {
            int n;
            try {
                n = Epoll.wait(epfd, events, MAX_EVENTS, 1000);
            } catch (LinuxException e) {
                if (running) {
                    log.error("expkt dispatcher: epoll_wait failed, stopping", e);
                }
                return;
            }
            for (int i = 0; i < n && running; i++) {
                long key = Epoll.eventData(events, i);
                if (key == WAKE) {
                    Epoll.drain(wakeFd, wakeScratch);
                    continue;
                }
                Entry e = registered.get(key);
                if (e == null || (!isolatedLane && e.own != null)) {
                    continue;
                }
                call(key, e);
            }
        }
    }

    private void call(long key, Entry e) {
        Readable r = e.target;
        callbacks.incrementAndGet();
        long start = System.nanoTime();
        try {
            r.onReadable();
        } catch (Throwable t) {
            long count = callbackErrors.incrementAndGet();
            e.stats.errors.lazySet(e.stats.errors.get() + 1);
            if (e.lastErrorLog == 0 || start - e.lastErrorLog > ERROR_LOG_INTERVAL_NANOS) {
                e.lastErrorLog = start;
                log.warn("expkt dispatcher: callback of " + r.describe() + " threw (" + e.stats.errors() + " times; "
                        + count + " callback errors in all; logged at most once a second)", t);
            }
        }
        long took = System.nanoTime() - start;
        e.stats.calls.lazySet(e.stats.calls.get() + 1);
        e.stats.nanos.lazySet(e.stats.nanos.get() + took);
        if (isolatedLane) {
            return;
        }
        if (took > CALL_BUDGET_NANOS + SLOW_OVERRUN_NANOS) {
            if (++e.slowCalls >= SLOW_CALLS_TO_ISOLATE && registered.get(key) == e) {
                isolate(key, e, r);
            }
        } else {
            e.slowCalls = 0;
        }
    }

    /** Moves a slow callback to a dispatcher thread of its own (on the shared thread). */
    private void isolate(long key, Entry e, Readable r) {
        try {
            Dispatcher own = new Dispatcher(log, "expkt-dispatch-slow-" + key, true, callbacks, callbackErrors);
            delete(e.fd);
            own.registered.put(key, e);
            try {
                own.add(key, e.fd);
            } catch (LinuxException ex) {
                own.close();
                add(key, e.fd);
                throw ex;
            }
            e.own = own;
            e.stats.isolated = true;
            log.info("expkt dispatcher: the callback of " + r.describe() + " took more than " + (CALL_BUDGET_NANOS + SLOW_OVERRUN_NANOS) / 1000
                    + " us in " + SLOW_CALLS_TO_ISOLATE + " calls in a row: it now runs on a thread of its own, so it holds back no other socket");
        } catch (LinuxException ex) {
            log.warn("expkt dispatcher: could not give the slow callback of " + r.describe() + " a thread of its own", ex);
        }
    }

    @Override
    public void close() {
        running = false;
        synchronized (this) {
            if (!released.get()) {
                Epoll.signal(wakeFd, wakeScratch);
            }
        }
        for (Entry e : registered.values()) {
            Dispatcher own = e.own;
            if (own != null && own != this) {
                own.close();
            }
        }
        boolean self = Thread.currentThread() == thread;
        if (!self) {
            try {
                thread.join(3000);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
        if (!thread.isAlive()) {
            release();
        } // otherwise the loop releases when its current callback returns
    }
}
