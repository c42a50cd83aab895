package expkt.lab;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * For tests of code that may hang, the one copy shared by the unit tests (provider, linux) and the Pax
 * Exam tests: runs a call on a daemon thread of its own and fails naming it if it does not return
 * within a deadline (the hung thread is left behind, as a daemon, so the test run goes on and
 * reports); and waits for conditions with a deadline instead of sleeping.
 *
 * <p>Threading: static methods, safe from any thread; {@link #within} starts one thread a call.
 */
public final class Deadlines {
    private Deadlines() {
    }

    /** Runs {@code call} on a new daemon thread; its result, or an AssertionError if it took longer than {@code millis}. */
    public static <T> T within(long millis, String what, Callable<T> call) throws Exception {
        CompletableFuture<T> f = new CompletableFuture<>();
        Thread t = Thread.ofPlatform().daemon().name("deadline-" + what.replace(' ', '-')).start(() -> {
            try {
                f.complete(call.call());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        });
        try {
            return f.get(millis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            StringBuilder stack = new StringBuilder();
            for (StackTraceElement el : t.getStackTrace()) {
                stack.append("\n\tat ").append(el);
            }
            throw new AssertionError(what + " did not return within " + millis + " ms; it hangs at:" + stack);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception ex) {
                throw ex;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    public static void within(long millis, String what, ThrowingRunnable run) throws Exception {
        within(millis, what, () -> {
            run.run();
            return null;
        });
    }

    public interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** The longest pause between two looks at a condition. */
    public static final long MAX_POLL_MILLIS = 100;

    /**
     * Waits until {@code done} holds, looking after 5 ms, then after twice as long each time up to
     * {@link #MAX_POLL_MILLIS}; an AssertionError naming {@code what} after {@code millis}.
     */
    public static void await(long millis, String what, BooleanSupplier done) throws InterruptedException {
        await(millis, what, done, null);
    }

    /**
     * Waits until {@code done} holds, looking as {@link #await(long, String, BooleanSupplier)} does; after
     * {@code millis} an AssertionError naming {@code what} and, if {@code shown} is not null, what it
     * shows of the state then.
     */
    public static void await(long millis, String what, BooleanSupplier done, java.util.function.Supplier<?> shown)
            throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        long pause = 5;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + millis + " ms waiting for " + what
                        + (shown == null ? "" : "; now:\n" + shown.get()));
            }
            Thread.sleep(pause);
            pause = Math.min(MAX_POLL_MILLIS, pause * 2); // soon for what comes soon; a condition that runs a tool is not run hundreds of times a second
        }
    }

    /** Blocks until {@code latch} opens, ignoring interrupts (as bundle code stuck in I/O may), and reports whether it was interrupted. */
    public static boolean awaitIgnoringInterrupts(java.util.concurrent.CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                return interrupted;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
    }
}
