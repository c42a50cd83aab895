package expkt.provider;

import expkt.api.handler.PacketHandler;
import expkt.api.packet.Filter;
import expkt.api.spi.BundleIdentity;
import expkt.provider.command.HandlerTables;
import expkt.provider.socket.PacketSocketImpl;
import expkt.provider.core.ProviderLog;
import expkt.provider.whiteboard.HandlerRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Per-bundle isolation of handlers: with one bundle's handler throwing on every frame and another's
 * sleeping on every frame, a third bundle's handler gets every frame sent to it, and only the slow
 * handler's socket drops (its ring overflows). Prints how late the healthy handler saw its frames
 * (kernel timestamp to call), with the slow handler on its own lane and, for comparison, on the same
 * lane; nothing about timing is asserted.
 */
class HandlerIsolationTest extends L2ProviderTestBase {
    static final int FRAMES = 6000;
    static final int WARM_UP = 1 << 30;
    static final int WARM_UP_FRAMES = 5000;
    HandlerRuntime runtime;

    @AfterEach
    void stopRuntime() {
        if (runtime != null) {
            runtime.close();
            runtime = null;
        }
    }

    @Test
    void aThrowingAndASleepingHandlerDoNotHoldBackAHealthyOne() throws Exception {
        Result r = run(BundleIdentity.of(1, "com.example.thrower", "1.0.0"), BundleIdentity.of(2, "com.example.sleeper", "1.0.0"),
                BundleIdentity.of(3, "com.example.healthy", "1.0.0"));
        for (int i = 0; i < FRAMES; i++) {
            assertEquals(1, r.healthySeen.get(i), "healthy handler saw frame " + i + " " + r.healthySeen.get(i) + " times");
        }
        assertEquals(0, r.healthyDrops);
        assertEquals(FRAMES, r.thrown, "the thrower was called for each of its frames and each throw was counted");
        assertEquals(0, r.throwerDrops);
        assertTrue(r.sleeperDrops > 0, "the sleeper's ring overflowed: its own frames were dropped (" + r.sleeperDrops + ")");
        assertTrue(r.table.matches("(?s).*com\\.example\\.healthy \\[3]\\s+1\\.0\\.0\\s+healthy\\s+\\S+ \\S+\\s+active\\s+#\\d+\\s+lane-3\\s+"
                + (FRAMES + WARM_UP_FRAMES) + "\\s+0\\s+0\\s.*"), r.table);
        assertTrue(r.table.matches("(?s).*com\\.example\\.thrower \\[1]\\s+1\\.0\\.0\\s+thrower\\s+\\S+ \\S+\\s+active\\s+#\\d+\\s+lane-1\\s+"
                + FRAMES + "\\s+0\\s+" + FRAMES + "\\s.*"), r.table);
        // alone on its bundle's lane already: the one isolation rule never moves it again
        assertTrue(r.table.matches("(?s).*com\\.example\\.sleeper \\[2]\\s+1\\.0\\.0\\s+sleeper\\s+\\S+ \\S+\\s+active\\s+#\\d+\\s+lane-2\\s+\\d+\\s+"
                + r.sleeperDrops + "\\s+0\\s.*"), r.table);
        System.out.println("[isolation] separate lanes: " + r);
        System.out.println(r.table);
    }

    @Test
    void forComparisonASleepingHandlerOnTheSameLaneDelaysItsNeighbour() throws Exception {
        // same bundle id: one lane for all three handlers (what one shared thread would do)
        Result r = run(BundleIdentity.of(1, "com.example.thrower", "1.0.0"), BundleIdentity.of(1, "com.example.sleeper", "1.0.0"),
                BundleIdentity.of(1, "com.example.healthy", "1.0.0"));
        System.out.println("[isolation] one shared lane: " + r);
        assertTrue(r.table.contains("own-1"), "the sleeper was moved to a lane of its own:\n" + r.table);
        // the time budget per wake-up still gets every frame to the healthy handler, later
        for (int i = 0; i < FRAMES; i++) {
            assertEquals(1, r.healthySeen.get(i), "healthy handler saw frame " + i + " " + r.healthySeen.get(i) + " times");
        }
        assertEquals(FRAMES, r.thrown);
    }

    record Result(AtomicIntegerArray healthySeen, long thrown, long throwerDrops, long sleeperDrops, long healthyDrops,
                  long[] latencyMicros, double sendSeconds, String table) {
        long pct(double p) {
            return latencyMicros.length == 0 ? -1 : latencyMicros[(int) Math.min(latencyMicros.length - 1, p * latencyMicros.length)];
        }

        @Override
        public String toString() {
            return String.format("%d frames per handler sent in %.2f s (%.0f frames/s in all); healthy latency kernel->handler "
                            + "p50 %d us, p99 %d us, p99.9 %d us, max %d us; sleeper drops %d; thrower threw %d",
                    FRAMES, sendSeconds, 3 * FRAMES / sendSeconds, pct(0.5), pct(0.99), pct(0.999), pct(1.0), sleeperDrops, thrown);
        }
    }

    Result run(BundleIdentity throwerB, BundleIdentity sleeperB, BundleIdentity healthyB) throws Exception {
        engine();
        runtime = new HandlerRuntime(engine, 3000, ProviderLog.system("expkt.isolation.test"));
        Wire h1 = wire(1);
        AtomicLong thrown = new AtomicLong();
        AtomicIntegerArray seen = new AtomicIntegerArray(FRAMES);
        long[] latency = new long[FRAMES];
        AtomicLong n = new AtomicLong();
        PacketHandler thrower = (f, a, s) -> {
            thrown.incrementAndGet();
            throw new IllegalStateException("a protocol bug on every frame");
        };
        PacketHandler sleeper = (f, a, s) -> Thread.sleep(2);
        java.util.concurrent.atomic.AtomicInteger warmed = new java.util.concurrent.atomic.AtomicInteger();
        PacketHandler healthy = (f, a, s) -> {
            Instant now = Instant.now();
            long lateNanos = (now.getEpochSecond() * 1_000_000_000L + now.getNano()) - a.timestampNanos();
            int seq = f.getInt(14);
            if (seq >= WARM_UP) {
                warmed.incrementAndGet();
                return; // a warm-up frame: same path, not counted
            }
            seen.incrementAndGet(seq);
            latency[(int) n.getAndIncrement()] = lateNanos / 1000;
        };
        runtime.register(throwerB, Filter.named("thrower").ethertype(0x88b5).build(), thrower);
        runtime.register(sleeperB, Filter.named("sleeper").ethertype(0x88b6).build(), sleeper);
        runtime.register(healthyB, Filter.named("healthy").ethertype(0x0842).build(), healthy);
        byte[] big = Wire.frame("00:e0:2b:00:00:00", HOST_MAC, 0x88b6, 1400);
        for (int i = 0; i < WARM_UP_FRAMES; i++) {
            h1.send(HandlerRuntimeTest.numbered(0x0842, WARM_UP + i)); // JIT-compiles the send and the handler path
        }
        // the measurement starts once the warm-up is handled (not after a pause that a loaded machine may not honour)
        expkt.lab.Deadlines.await(10_000, "the " + WARM_UP_FRAMES + " warm-up frames handled", () -> warmed.get() == WARM_UP_FRAMES);
        long start = System.nanoTime();
        long period = 1_000_000; // 10 frames of each kind every ms: 30 kframes/s, the sender sleeping in between
        for (int i = 0; i < FRAMES; i++) {
            if (i % 10 == 0) {
                long due = start + (i / 10) * period;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(wait);
                }
            }
            h1.send(HandlerRuntimeTest.numbered(0x88b5, i));
            h1.send(big);
            h1.send(HandlerRuntimeTest.numbered(0x0842, i));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        PacketSocketImpl t = runtime.socketOf(throwerB.symbolicName(), "thrower");
        PacketSocketImpl sl = runtime.socketOf(sleeperB.symbolicName(), "sleeper");
        PacketSocketImpl h = runtime.socketOf(healthyB.symbolicName(), "healthy");
        try {
            HandlerRuntimeTest.await("the healthy and the throwing handler got every frame", () -> n.get() == FRAMES && thrown.get() == FRAMES);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + ": healthy " + n.get() + " (drops " + h.drops() + "), thrower " + thrown.get()
                    + " (drops " + t.drops() + ")\n" + HandlerTables.handlers(runtime, engine), e);
        }
        long[] lat = Arrays.copyOf(latency, (int) n.get());
        Arrays.sort(lat);
        String table = HandlerTables.handlers(runtime, engine);
        return new Result(seen, thrown.get(), t.drops(), sl.drops(), h.drops(), lat, seconds, table);
    }
}
