package expkt.linux;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A platform thread that lives inside one network namespace and runs the tasks given to it, one at a
 * time. For code that must make many calls in a namespace (netlink, nftables, opening sockets) without
 * switching the caller's thread back and forth.
 *
 * <p>Threading: thread-safe. Every {@link #call} either runs its task or fails: a call submitted while
 * or after the thread is closed throws {@link IllegalStateException} at once (submission and closing
 * are ordered by one lock, and the thread runs everything queued before it ends), and a caller waits at
 * most its deadline ({@link #DEFAULT_CALL_TIMEOUT} unless given), so a provider shutdown racing a call
 * never leaves the caller waiting forever.
 */
public final class NetNsThread implements AutoCloseable {
    /** How long {@link #call(Callable)} waits for its task (nft transactions take up to 30 s). */
    public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(60);

    private final LinkedBlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
    /** Orders submissions against {@link #close}: nothing is queued after {@code closed} is set. */
    private final Object submitLock = new Object();
    private final Thread thread;
    private final String nsName;
    private volatile boolean closed;

    /**
     * Starts the thread and enters {@code ns} (a null {@code ns}: the thread stays in the creator's
     * namespace). Fails if the namespace cannot be entered.
     */
    public NetNsThread(String threadName, NetNs ns) throws IOException {
        this.nsName = ns == null ? "(own)" : ns.name();
        CompletableFuture<Void> entered = new CompletableFuture<>();
        thread = Thread.ofPlatform().daemon().name(threadName).unstarted(() -> {
            try {
                if (ns != null) {
                    ns.enter();
                }
                entered.complete(null);
            } catch (Throwable t) {
                entered.completeExceptionally(t);
                return;
            }
            while (!closed || !tasks.isEmpty()) {
                try {
                    // blocks until a task comes: close() queues one, so no timed wake-up is needed to notice it
                    // (a 100 ms poll woke every idle namespace thread 10 times a second: ~0.5 ms CPU/s each, measured)
                    tasks.take().run();
                } catch (InterruptedException e) {
                    if (closed) {
                        break;
                    }
                }
            }
        });
        thread.start();
        try {
            entered.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            throw new IOException("cannot enter network namespace " + nsName + ": " + c, c);
        } catch (InterruptedException | TimeoutException e) {
            closed = true;
            thread.interrupt();
            throw new IOException("cannot enter network namespace " + nsName + ": " + e, e);
        }
    }

    /**
     * Runs {@code task} on the namespace thread and waits for its result, at most
     * {@link #DEFAULT_CALL_TIMEOUT}; its exception is rethrown as is.
     *
     * @throws IllegalStateException if the thread is closed (also when it is closed while the call waits
     *         and the task could not run)
     * @throws TimeoutException if the task did not finish within the deadline (it may still run later)
     */
    public <T> T call(Callable<T> task) throws Exception {
        return call(task, DEFAULT_CALL_TIMEOUT);
    }

    /** {@link #call(Callable)} with an explicit deadline. */
    public <T> T call(Callable<T> task, Duration timeout) throws Exception {
        if (Thread.currentThread() == thread) {
            return task.call();
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        synchronized (submitLock) {
            if (closed) {
                throw closedException();
            }
            tasks.add(() -> {
                try {
                    result.complete(task.call());
                } catch (Throwable t) {
                    result.completeExceptionally(t);
                }
            });
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException("task on namespace thread " + thread.getName() + " for " + nsName
                            + " did not finish within " + timeout.toMillis() + " ms");
                }
                try {
                    return result.get(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)), TimeUnit.NANOSECONDS);
                } catch (TimeoutException slice) {
                    if (!thread.isAlive() && !result.isDone()) {
                        // the thread ended without running it (should not happen: it drains the queue)
                        throw closedException();
                    }
                }
            }
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof Exception ex) {
                throw ex;
            }
            throw (Error) c;
        }
    }

    private IllegalStateException closedException() {
        return new IllegalStateException("namespace thread " + thread.getName() + " for " + nsName + " is closed");
    }

    public String namespaceName() {
        return nsName;
    }

    public boolean isCurrentThread() {
        return Thread.currentThread() == thread;
    }

    /** Finishes queued tasks, then ends the thread. */
    @Override
    public void close() {
        synchronized (submitLock) {
            closed = true;
            tasks.add(() -> { });
        }
        if (Thread.currentThread() != thread) {
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
