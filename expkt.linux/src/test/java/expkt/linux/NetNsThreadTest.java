package expkt.linux;

import expkt.lab.Deadlines;
import expkt.lab.Lab;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class NetNsThreadTest {
    private static final String NAME = "nsthread-race-";

    /**
     * Closing races calls submitted in a loop from another thread: every call runs (inside the
     * namespace) or throws "closed" within a deadline; none waits forever, no thread is left.
     */
    @Test
    void callRacingCloseRunsOrFailsPromptly() throws Exception {
        try (Lab lab = Lab.builder().ports(0).build(); NetNs ns = NetNs.open(lab.namespace("race"))) {
            int iterations = 300;
            AtomicInteger ran = new AtomicInteger();
            AtomicInteger refused = new AtomicInteger();
            for (int i = 0; i < iterations; i++) {
                NetNsThread t = new NetNsThread(NAME + i, ns);
                AtomicReference<Throwable> unexpected = new AtomicReference<>();
                CountDownLatch submitting = new CountDownLatch(1);
                Thread submitter = Thread.ofPlatform().name("submitter-" + i).start(() -> {
                    submitting.countDown();
                    while (true) {
                        try {
                            long inode = t.call(NetNs::currentInode, Duration.ofSeconds(10));
                            if (inode != ns.inode()) {
                                unexpected.set(new AssertionError("ran outside the namespace"));
                                return;
                            }
                            ran.incrementAndGet();
                        } catch (IllegalStateException e) {
                            if (!e.getMessage().contains("is closed") || !e.getMessage().contains(ns.name())) {
                                unexpected.set(e);
                            }
                            refused.incrementAndGet();
                            return;
                        } catch (Throwable e) {
                            unexpected.set(e);
                            return;
                        }
                    }
                });
                submitting.await();
                if ((i & 1) == 0) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
                t.close();
                // join in slices until the deadline: a single join(Duration) was seen to come back at
                // once with the thread still alive (CI), which the old check read as a hang
                long joinDeadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (submitter.isAlive() && System.nanoTime() < joinDeadline) {
                    submitter.join(Duration.ofMillis(100));
                }
                if (submitter.isAlive()) {
                    fail("iteration " + i + ": a call racing close() did not return within 20 s");
                }
                assertNull(unexpected.get(), "iteration " + i + ": " + unexpected.get());
            }
            assertEquals(iterations, refused.get(), "every submitter ends with a 'closed' refusal");
            assertTrue(ran.get() > 0, "calls ran before the close");
            Deadlines.await(10_000, "no namespace thread left after close", () -> leftThreads() == 0);
        }
    }

    /** A task that hangs costs its caller the deadline, not forever; the message names the namespace. */
    @Test
    void callWaitsAtMostItsDeadline() throws Exception {
        try (Lab lab = Lab.builder().ports(0).build(); NetNs ns = NetNs.open(lab.namespace("slow"))) {
            CountDownLatch release = new CountDownLatch(1);
            try (NetNsThread t = new NetNsThread("nsthread-slow", ns)) {
                long start = System.nanoTime();
                TimeoutException e = assertThrows(TimeoutException.class,
                        () -> t.call(() -> release.await(60, java.util.concurrent.TimeUnit.SECONDS), Duration.ofMillis(300)));
                long tookMs = (System.nanoTime() - start) / 1_000_000;
                assertTrue(tookMs >= 300 && tookMs < 10_000, "took " + tookMs + " ms");
                assertTrue(e.getMessage().contains(ns.name()), e.getMessage());
                release.countDown();
                assertEquals(ns.inode(), t.call(NetNs::currentInode));
            }
        }
    }

    private static long leftThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(th -> th.getName().startsWith(NAME)).count();
    }
}
