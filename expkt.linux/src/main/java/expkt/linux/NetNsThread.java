package expkt.linux;

import java.io.IOException;
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
 */
public final class NetNsThread implements AutoCloseable {
    private final LinkedBlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
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
                    Runnable r = tasks.poll(100, TimeUnit.MILLISECONDS);
                    if (r != null) {
                        r.run();
                    }
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

    /** Runs {@code task} on the namespace thread and waits for its result; its exception is rethrown as is. */
    public <T> T call(Callable<T> task) throws Exception {
        if (Thread.currentThread() == thread) {
            return task.call();
        }
        if (closed) {
            throw new IllegalStateException("namespace thread " + thread.getName() + " for " + nsName + " is closed");
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        tasks.add(() -> {
            try {
                result.complete(task.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        try {
            return result.get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof Exception ex) {
                throw ex;
            }
            throw (Error) c;
        }
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
        closed = true;
        tasks.add(() -> { });
        if (Thread.currentThread() != thread) {
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
