package expkt.provider;

import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Filter;
import expkt.api.packet.FrameView;
import expkt.provider.socket.PacketSocketImpl;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A callback socket's lane allocates nothing at all, per frame or per wake-up: frames come in small
 * bursts, so the lane blocks in {@code epoll_wait} and wakes up hundreds of times per window (as the
 * {@code alloc} workload of {@code ./expkt bench} does: ~1,000 wake-ups in its window), and the lane
 * thread's allocated bytes ({@code ThreadMXBean.getThreadAllocatedBytes}) over a window must be 0 —
 * measured, not divided and rounded. Windows go on until one is clean, at most {@value #WINDOWS}
 * (C1-compiled code may allocate where C2's does not; a lane's loop turns once per wake-up, so it is
 * compiled late, and what it allocates per turn is what the bench saw). Every window is printed.
 *
 * <p>It can fail: before it, each {@code epoll_wait} of the lane went through the FFM linker's
 * errno-capture check, which slices the capture segment (a 40-byte object per wake-up while the lane's
 * loop is not C2-compiled: 0.02-0.27 bytes per frame in the bench's window).
 */
class CallbackAllocationTest extends L2ProviderTestBase {
    private static final int WINDOWS = 12;
    private static final long WINDOW_NANOS = 400_000_000L;

    @Test
    void aCallbackLaneAllocatesNothingPerWakeUp() throws Exception {
        engine();
        PacketSocketImpl s = engine.open(OWNER);
        s.setupFilter(Filter.named("lane-alloc").ethertype(0x0842).build());
        s.setBlocking(false);
        AtomicLong laneThread = new AtomicLong(-1);
        AtomicLong frames = new AtomicLong();
        AtomicLong calls = new AtomicLong();
        ExosSockAddr from = new ExosSockAddr();
        long[] sum = new long[1];
        s.setCallback(sock -> {
            if (laneThread.get() < 0) {
                laneThread.set(Thread.currentThread().threadId());
            }
            long n = frames.get();
            FrameView f;
            while ((f = sock.receive(from)) != null) {
                sum[0] += f.getUnsignedByte(5) + f.length() + from.ifIndex();
                n++;
            }
            frames.lazySet(n);
            calls.lazySet(calls.get() + 1);
        });
        byte[] frame = Wire.frame("00:e0:2b:00:00:00", HOST_MAC, 0x0842, 64);
        AtomicBoolean sending = new AtomicBoolean(true);
        Thread sender = Thread.ofPlatform().name("lane-alloc-sender").start(() -> {
            try (Wire h1 = Wire.host(lab, 1)) {
                while (sending.get()) {
                    for (int i = 0; i < 16; i++) {
                        h1.send(frame);
                    }
                    Thread.sleep(1); // the lane drains the ring and blocks again: a wake-up per retired block
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            expkt.lab.Deadlines.await(60_000, "warm-up: 20k frames through the callback", () -> frames.get() >= 20_000);
            com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long tid = laneThread.get();
            StringBuilder windows = new StringBuilder();
            long best = Long.MAX_VALUE;
            for (int w = 0; w < WINDOWS && best != 0; w++) {
                long f0 = frames.get();
                long c0 = calls.get();
                long a0 = mx.getThreadAllocatedBytes(tid);
                long end = System.nanoTime() + WINDOW_NANOS;
                expkt.lab.Deadlines.await(5_000, "the end of a window", () -> System.nanoTime() - end >= 0);
                long allocated = mx.getThreadAllocatedBytes(tid) - a0;
                long n = frames.get() - f0;
                long c = calls.get() - c0;
                windows.append(String.format("  window %d: %d bytes over %d frames, %d calls%n", w, allocated, n, c));
                assertTrue(n > 0 && c >= 20, "the window saw frames and wake-ups: " + n + " frames, " + c + " calls");
                best = Math.min(best, allocated);
            }
            System.out.print("callback lane, bytes allocated per window:\n" + windows);
            assertTrue(best == 0, "the lane thread allocated in every window (best " + best + " bytes):\n" + windows);
        } finally {
            sending.set(false);
            sender.join();
            s.close();
        }
    }
}
