package expkt.provider;

import expkt.api.packet.Filter;
import expkt.api.spi.BundleIdentity;
import expkt.provider.core.ProviderLog;
import expkt.provider.whiteboard.HandlerRuntime;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Learning source MACs on the receive path (issue 16 item 5) allocates nothing per frame: frames from
 * thousands of different source addresses (new entries, refreshes) reach a handler, and the bytes its
 * lane thread allocates over 50k frames after warm-up, divided by the frames, stay under one, while
 * the FDB learns the new addresses of the measured phase. (An allocation count, not a timing.)
 */
class FdbLearningAllocationTest extends L2ProviderTestBase {
    static final int ADDRESSES = 4000;

    private static byte[][] frames(int base) {
        byte[][] f = new byte[ADDRESSES][];
        for (int i = 0; i < ADDRESSES; i++) {
            int a = base + i;
            f[i] = Wire.frame("00:e0:2b:00:00:00", String.format("02:00:00:%02x:%02x:%02x", (a >> 16) & 0xFF, (a >> 8) & 0xFF, a & 0xFF),
                    0x0842, 64);
        }
        return f;
    }

    @Test
    void learningFromThousandsOfSourcesAllocatesNothingPerFrame() throws Exception {
        engine();
        try (HandlerRuntime runtime = new HandlerRuntime(engine, 3000, ProviderLog.system("expkt.alloc.test"))) {
            AtomicLong laneThread = new AtomicLong(-1);
            AtomicLong frames = new AtomicLong();
            runtime.register(BundleIdentity.of(7, "com.example.alloc", "1.0.0"),
                    Filter.named("fdb-alloc").ethertype(0x0842).build(), (f, a, s) -> {
                        if (laneThread.get() < 0) {
                            laneThread.set(Thread.currentThread().threadId());
                        }
                        frames.lazySet(frames.get() + f.getUnsignedShort(12) / 0x0842);
                    });
            byte[][] warm = frames(0x10000);
            byte[][] measured = frames(0x20000);
            AtomicInteger phase = new AtomicInteger();
            AtomicBoolean sending = new AtomicBoolean(true);
            Thread sender = Thread.ofPlatform().name("fdb-alloc-sender").start(() -> {
                try (Wire h1 = Wire.host(lab, 1)) {
                    int i = 0;
                    while (sending.get()) {
                        byte[][] set = phase.get() == 0 ? warm : measured;
                        for (int k = 0; k < 64; k++) {
                            h1.send(set[i++ % ADDRESSES]);
                        }
                        Thread.sleep(1);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try {
                com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
                HandlerRuntimeTest.await("warm-up", () -> frames.get() >= 30_000);
                phase.set(1);
                long f0 = frames.get();
                long learned0 = dataPlane.fdb().learnedCount();
                long before = mx.getThreadAllocatedBytes(laneThread.get());
                HandlerRuntimeTest.await("50k frames", () -> frames.get() >= f0 + 50_000);
                long allocated = mx.getThreadAllocatedBytes(laneThread.get()) - before;
                long learned = dataPlane.fdb().learnedCount() - learned0;
                long n = frames.get() - f0;
                double perFrame = (double) allocated / n;
                System.out.printf("FDB learning: %d bytes allocated by the lane thread over %d frames = %.3f bytes/frame;"
                        + " %d new addresses learned meanwhile%n", allocated, n, perFrame, learned);
                assertTrue(learned >= ADDRESSES / 2, "the measured phase learned new addresses: " + learned);
                assertTrue(perFrame < 1.0, allocated + " bytes over " + n + " frames");
            } finally {
                sending.set(false);
                sender.join();
            }
        }
    }
}
