package expkt.provider.dispatch;

import expkt.linux.Epoll;
import expkt.linux.Fds;
import expkt.linux.LinuxException;
import expkt.provider.socket.ProviderLog;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The shared callback thread (the seed's "a shared thread is used to block on many sockets"): one
 * platform thread waits in epoll on every socket that has a callback and runs the callback when its
 * socket is readable. An exception from a callback is caught, logged and counted; the socket stays
 * registered.
 *
 * <p>Level-triggered: a callback that leaves frames unread is called again at once, so callbacks read
 * until {@code recvfrom} returns -1.
 *
 * <p>Threading: {@link #register}/{@link #unregister} may be called from any thread, also from a
 * callback. A callback runs on the dispatcher thread and must not block for long. This is the simple
 * correct dispatcher issue 5 extends (idle strategy, per-socket budgets, metrics).
 */
public final class Dispatcher implements AutoCloseable {
    private static final int MAX_EVENTS = 64;
    private static final long WAKE = -1L;

    /** What to call when a registered fd is readable. */
    public interface Readable {
        void onReadable() throws Exception;

        /** Names the socket in log lines. */
        String describe();
    }

    private final ProviderLog log;
    private final int epfd;
    private final int wakeFd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment events;
    private final MemorySegment wakeScratch;
    private final ConcurrentHashMap<Long, Readable> registered = new ConcurrentHashMap<>();
    private final AtomicLong callbackErrors = new AtomicLong();
    private final AtomicLong callbacks = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;

    public Dispatcher(ProviderLog log) throws LinuxException {
        this.log = log;
        this.epfd = Epoll.create();
        this.wakeFd = Epoll.eventfd();
        this.events = arena.allocate((long) Epoll.EVENT_SIZE * MAX_EVENTS, 8);
        this.wakeScratch = arena.allocate(8, 8);
        try (Arena a = Arena.ofConfined()) {
            Epoll.ctl(epfd, Epoll.EPOLL_CTL_ADD, wakeFd, Epoll.EPOLLIN, WAKE, a.allocate(Epoll.EVENT_SIZE));
        }
        this.thread = Thread.ofPlatform().daemon().name("expkt-dispatch").start(this::loop);
    }

    /** Calls {@code target} whenever {@code fd} is readable, until {@link #unregister}. {@code key} is unique per socket. */
    public void register(long key, int fd, Readable target) throws LinuxException {
        if (registered.putIfAbsent(key, target) != null) {
            registered.put(key, target); // replace the callback, the fd is already in the set
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            Epoll.ctl(epfd, Epoll.EPOLL_CTL_ADD, fd, Epoll.EPOLLIN, key, a.allocate(Epoll.EVENT_SIZE));
        } catch (LinuxException e) {
            registered.remove(key);
            throw e;
        }
    }

    /** Stops calling back for {@code fd}. Idempotent. */
    public void unregister(long key, int fd) {
        if (registered.remove(key) != null) {
            try (Arena a = Arena.ofConfined()) {
                Epoll.ctl(epfd, Epoll.EPOLL_CTL_DEL, fd, 0, 0, a.allocate(Epoll.EVENT_SIZE));
            } catch (LinuxException e) {
                // the fd is closed already: the kernel removed it from the set
            }
        }
    }

    public boolean isRegistered(long key) {
        return registered.containsKey(key);
    }

    /** Callbacks that threw, since start. */
    public long callbackErrors() {
        return callbackErrors.get();
    }

    public long callbacks() {
        return callbacks.get();
    }

    public boolean isDispatcherThread() {
        return Thread.currentThread() == thread;
    }

    private void loop() {
        while (running) {
            int n;
            try {
                n = Epoll.wait(epfd, events, MAX_EVENTS, 1000);
            } catch (LinuxException e) {
                log.error("expkt dispatcher: epoll_wait failed, stopping", e);
                return;
            }
            for (int i = 0; i < n && running; i++) {
                long key = Epoll.eventData(events, i);
                if (key == WAKE) {
                    Epoll.drain(wakeFd, wakeScratch);
                    continue;
                }
                Readable r = registered.get(key);
                if (r == null) {
                    continue;
                }
                callbacks.incrementAndGet();
                try {
                    r.onReadable();
                } catch (Throwable t) {
                    long count = callbackErrors.incrementAndGet();
                    log.warn("expkt dispatcher: callback of " + r.describe() + " threw (" + count + " callback errors so far)", t);
                }
            }
        }
    }

    @Override
    public void close() {
        running = false;
        Epoll.signal(wakeFd, wakeScratch);
        if (!isDispatcherThread()) {
            try {
                thread.join(3000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Fds.closeQuietly(epfd);
        Fds.closeQuietly(wakeFd);
        if (!thread.isAlive()) {
            arena.close();
        }
    }
}
