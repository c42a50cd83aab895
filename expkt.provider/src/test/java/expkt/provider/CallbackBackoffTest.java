package expkt.provider;

import expkt.provider.command.HandlerTables;
import expkt.provider.socket.PacketSocketImpl;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static expkt.lab.Deadlines.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Callbacks that leave their frame in the ring (one throws before reading, one returns without
 * reading): level-triggered epoll reports the socket again at once, so without a back-off the
 * dispatcher thread spins at 100 % CPU. Measured as the CPU time of the provider's threads over a
 * window (ThreadMXBean): bounded. Each is counted (calls bounded, errors counted), moved to a lane of
 * its own, and a healthy callback keeps getting its frames.
 */
class CallbackBackoffTest extends L2ProviderTestBase {
    static final long WINDOW_MILLIS = 1_000;

    /**
     * Time the provider's threads (named expkt-..., found by /proc/self/task/N/comm) ran or waited to
     * run, nanoseconds (/proc/self/task/N/schedstat: on-CPU + run-queue time). A thread that spins wants
     * the CPU all the time, however loaded the machine is (the CPU time alone shrinks under load).
     */
    static long providerRunnableNanos() throws java.io.IOException {
        long sum = 0;
        try (java.util.stream.Stream<java.nio.file.Path> tasks = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/task"))) {
            for (java.nio.file.Path t : tasks.toList()) {
                try {
                    if (!java.nio.file.Files.readString(t.resolve("comm")).startsWith("expkt-")) {
                        continue;
                    }
                    String[] f = java.nio.file.Files.readString(t.resolve("schedstat")).trim().split("\\s+");
                    sum += Long.parseLong(f[0]) + Long.parseLong(f[1]);
                } catch (java.io.IOException | RuntimeException gone) {
                    // the thread ended meanwhile
                }
            }
        }
        return sum;
    }

    /** CPU time of the dispatch threads (named expkt-dispatch...), nanoseconds. */
    static long providerCpuNanos() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("expkt-dispatch")) {
                long n = mx.getThreadCpuTime(t.threadId());
                if (n > 0) {
                    sum += n;
                }
            }
        }
        return sum;
    }

    @Test
    void callbacksThatDoNotReadAreBackedOffCountedAndIsolated() throws Exception {
        engine();
        Wire h1 = wire(1);
        PacketSocketImpl thrower = nonBlocking("cb-throw-first", 0x0842);
        PacketSocketImpl idle = nonBlocking("cb-no-read", 0x0843);
        PacketSocketImpl healthy = nonBlocking("cb-healthy", 0x0844);
        AtomicLong throwerCalls = new AtomicLong();
        AtomicLong idleCalls = new AtomicLong();
        AtomicInteger fine = new AtomicInteger();
        thrower.setCallback(sock -> {
            throwerCalls.incrementAndGet();
            throw new IllegalStateException("a bug before reading");
        });
        idle.setCallback(sock -> idleCalls.incrementAndGet()); // returns without reading
        // the measurement sees the thread that runs the callbacks (named expkt-...)
        AtomicInteger named = new AtomicInteger();
        healthy.setCallback(sock -> {
            if (Thread.currentThread().getName().startsWith("expkt-")) {
                named.incrementAndGet();
            }
            while (sock.receive(null) != null) {
                fine.incrementAndGet();
            }
        });
        h1.send(HandlerRuntimeTest.numbered(0x0844, 0));
        await(5_000, "the healthy callback ran on a provider thread", () -> named.get() > 0 && fine.get() == 1);
        assertTrue(providerRunnableNanos() > 0, "the provider's threads are found in /proc/self/task");
        fine.set(0);
        h1.send(HandlerRuntimeTest.numbered(0x0842, 0));
        h1.send(HandlerRuntimeTest.numbered(0x0843, 0));
        await(5_000, "both were called", () -> throwerCalls.get() > 0 && idleCalls.get() > 0);
        long cpu0 = providerCpuNanos();
        long run0 = providerRunnableNanos();
        long t0 = System.nanoTime();
        long thrown0 = throwerCalls.get();
        long idle0 = idleCalls.get();
        // the window lasts WINDOW_MILLIS and as long as it takes the provider's threads to serve a witness
        // frame every 50 ms or so (on a loaded machine a window in which they did not run would show no spin)
        int witnessed = 0;
        while (System.nanoTime() - t0 < WINDOW_MILLIS * 1_000_000L || witnessed < WINDOW_MILLIS / 50) {
            h1.send(HandlerRuntimeTest.numbered(0x0844, 1000 + witnessed));
            int want = ++witnessed;
            await(5_000, "the healthy callback got witness frame " + want + " in the window", () -> fine.get() == want);
            long next = System.nanoTime() + 50_000_000L;
            while (System.nanoTime() < next && System.nanoTime() - t0 < WINDOW_MILLIS * 1_000_000L) {
                java.util.concurrent.locks.LockSupport.parkNanos(next - System.nanoTime()); // pacing, not a wait for a result
            }
        }
        long cpu = providerCpuNanos() - cpu0;
        long runnable = providerRunnableNanos() - run0;
        long wall = System.nanoTime() - t0;
        long thrownCalls = throwerCalls.get() - thrown0;
        long idleCallsInWindow = idleCalls.get() - idle0;
        System.out.printf("[backoff] over %d ms: provider threads used %d ms CPU, ran or waited to run %d ms; the thrower was called %d times, "
                + "the idle callback %d times%n", wall / 1_000_000, cpu / 1_000_000, runnable / 1_000_000, thrownCalls, idleCallsInWindow);
        // the CPU time the dispatch threads got (a spin gets what the loaded machine gives it: ~100-1000 ms);
        // the time they ran or waited to run is printed only: under load every wake-up waits long in the run queue
        assertTrue(cpu < wall / 20, "the dispatch threads used " + cpu / 1_000_000 + " ms CPU (ran or waited to run "
                + runnable / 1_000_000 + " ms) in " + wall / 1_000_000 + " ms with two frames left unread (a spin)");
        assertTrue(thrownCalls < 100 && idleCallsInWindow < 100, "backed off: thrower " + thrownCalls + ", idle " + idleCallsInWindow
                + " calls in " + wall / 1_000_000 + " ms");
        // the healthy callback is served meanwhile
        fine.set(0);
        for (int i = 0; i < 20; i++) {
            h1.send(HandlerRuntimeTest.numbered(0x0844, i));
        }
        await(5_000, "the healthy callback got 20 frames", () -> fine.get() == 20);
        // counted and isolated, and shown so
        String table = HandlerTables.handlers(null, engine);
        System.out.println(table);
        assertTrue(table.matches("(?s).*callback\\s+test\\s+-\\s+cb-throw-first\\s+-\\s+backed off\\b[^\\n]*\\s+own-#\\d+\\s+0\\s+0\\s+[1-9]\\d*\\s.*"),
                "the thrower: backed off, on a lane of its own, its exceptions counted:\n" + table);
        assertTrue(table.matches("(?s).*callback\\s+test\\s+-\\s+cb-no-read\\s+-\\s+backed off\\b[^\\n]*\\s+own-#\\d+\\s+0\\s+0\\s+0\\s.*"),
                "the idle callback: backed off, on a lane of its own:\n" + table);
        assertTrue(table.matches("(?s).*callback\\s+test\\s+-\\s+cb-healthy\\s+-\\s+active\\b[^\\n]*\\s+shared\\s+" + (21 + witnessed) + "\\s+0\\s+0\\s.*"), table);
        // a backed-off callback that reads again is served again
        idle.setCallback(sock -> {
            while (sock.receive(null) != null) {
                idleCalls.addAndGet(1_000_000);
            }
        });
        await(5_000, "the idle socket's frame read once its callback reads", () -> idle.received() == 1);
    }
}
