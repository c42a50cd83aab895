package expkt.provider;

import expkt.api.packet.Filter;
import expkt.api.spi.BundleIdentity;
import expkt.provider.core.ProviderLog;
import expkt.provider.whiteboard.HandlerRuntime;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whiteboard's delivery path (lane thread: epoll, ring, handler call, counters) allocates nothing
 * per frame: the bytes the lane thread allocates over 50k frames after warm-up, divided by the frames,
 * stay under one. (An allocation count, not a timing.)
 */
class HandlerAllocationTest extends L2ProviderTestBase {

    @Test
    void deliveringFramesToAHandlerAllocatesNothingPerFrame() throws Exception {
        engine();
        try (HandlerRuntime runtime = new HandlerRuntime(engine, 3000, ProviderLog.system("expkt.alloc.test"))) {
            AtomicLong laneThread = new AtomicLong(-1);
            AtomicLong frames = new AtomicLong();
            runtime.register(BundleIdentity.of(7, "com.example.alloc", "1.0.0"),
                    Filter.named("alloc-h").ethertype(0x0842).build(), (f, a, s) -> {
                        if (laneThread.get() < 0) {
                            laneThread.set(Thread.currentThread().threadId());
                        }
                        frames.lazySet(frames.get() + f.getUnsignedShort(12) / 0x0842);
                    });
            byte[] frame = Wire.frame("00:e0:2b:00:00:00", HOST_MAC, 0x0842, 64);
            AtomicBoolean sending = new AtomicBoolean(true);
            Thread sender = Thread.ofPlatform().name("alloc-sender").start(() -> {
                try (Wire h1 = Wire.host(lab, 1)) {
                    while (sending.get()) {
                        for (int i = 0; i < 64; i++) {
                            h1.send(frame);
                        }
                        Thread.sleep(1);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try {
                com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
                // frame counts, not a rate: a loaded machine takes longer to deliver them (what is measured is bytes per frame)
                expkt.lab.Deadlines.await(60_000, "30k warm-up frames", () -> frames.get() >= 30_000);
                long f0 = frames.get();
                long before = mx.getThreadAllocatedBytes(laneThread.get());
                expkt.lab.Deadlines.await(60_000, "50k frames", () -> frames.get() >= f0 + 50_000);
                long allocated = mx.getThreadAllocatedBytes(laneThread.get()) - before;
                long n = frames.get() - f0;
                double perFrame = (double) allocated / n;
                System.out.printf("handler delivery: %d bytes allocated by the lane thread over %d frames = %.3f bytes/frame%n",
                        allocated, n, perFrame);
                assertTrue(perFrame < 1.0, allocated + " bytes over " + n + " frames");
            } finally {
                sending.set(false);
                sender.join();
            }
        }
    }
}
