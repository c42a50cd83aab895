package expkt.provider;

import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Filter;
import expkt.api.packet.FrameView;
import expkt.provider.socket.PacketSocketImpl;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hot receive path allocates nothing per frame: the bytes the receiving thread allocates over many
 * frames, after warm-up, divided by the frames, stay under one. (An allocation count, not a timing.)
 */
class AllocationTest extends L2ProviderTestBase {

    @Test
    void receivingAllocatesNothingPerFrame() throws Exception {
        engine();
        PacketSocketImpl s = engine.open(OWNER);
        s.setupFilter(Filter.named("alloc").ethertype(0x0842).build());
        s.setBlocking(false);
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
            ExosSockAddr from = new ExosSockAddr();
            byte[] buf = new byte[2048];
            // warm-up: let the JIT compile the receive path
            receive(s, from, buf, 30_000);
            long before = mx.getThreadAllocatedBytes(Thread.currentThread().threadId());
            long frames = receive(s, from, buf, 50_000);
            long allocated = mx.getThreadAllocatedBytes(Thread.currentThread().threadId()) - before;
            double perFrame = (double) allocated / frames;
            System.out.printf("receive path: %d bytes allocated over %d frames = %.3f bytes/frame, drops %d%n",
                    allocated, frames, perFrame, s.drops());
            assertTrue(perFrame < 1.0, allocated + " bytes over " + frames + " frames");
        } finally {
            sending.set(false);
            sender.join();
        }
    }

    /** Receives {@code n} frames, half by copy and half by zero-copy view; spins (non-blocking) in between. */
    private static long receive(PacketSocketImpl s, ExosSockAddr from, byte[] buf, int n) throws Exception {
        long got = 0;
        long sum = 0;
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (got < n && System.nanoTime() < deadline) {
            if ((got & 1) == 0) {
                if (s.recvfrom(buf, from) > 0) {
                    sum += buf[13] + from.port();
                    got++;
                }
            } else {
                FrameView v = s.receive(from);
                if (v != null) {
                    sum += v.getUnsignedShort(12) + from.ifIndex();
                    got++;
                }
            }
        }
        if (sum == 42) {
            System.out.print("");
        }
        return got;
    }
}
