package expkt.provider;

import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Filter;
import expkt.provider.socket.PacketSocketImpl;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static expkt.lab.Deadlines.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** set_callback: one shared dispatcher thread calls back when a socket has frames; a throwing callback is counted. */
class CallbackTest extends L2ProviderTestBase {

    @Test
    void callbacksRunOnTheSharedThreadAndSurviveExceptions() throws Exception {
        engine();
        Wire h1 = wire(1);
        PacketSocketImpl a = engine.open(OWNER);
        PacketSocketImpl b = engine.open(OWNER);
        a.setupFilter(Filter.named("cb-a").ethertype(0x0842).build());
        b.setupFilter(Filter.named("cb-b").ethertype(0x88b5).build());
        CopyOnWriteArrayList<String> threads = new CopyOnWriteArrayList<>();
        CountDownLatch gotA = new CountDownLatch(3);
        CountDownLatch gotB = new CountDownLatch(2);
        AtomicInteger throwsLeft = new AtomicInteger(1);
        a.setBlocking(false);
        b.setBlocking(false);
        AtomicInteger callsOfA = new AtomicInteger();
        AtomicInteger framesOfB = new AtomicInteger();
        a.setCallback(sock -> {
            callsOfA.incrementAndGet();
            threads.add(Thread.currentThread().getName());
            ExosSockAddr from = new ExosSockAddr();
            byte[] buf = new byte[9000];
            while (sock.recvfrom(buf, from) >= 0) {
                gotA.countDown();
            }
        });
        b.setCallback(sock -> {
            threads.add(Thread.currentThread().getName());
            ExosSockAddr from = new ExosSockAddr();
            while (sock.receive(from) != null) {
                framesOfB.incrementAndGet();
                gotB.countDown();
                if (throwsLeft.getAndDecrement() > 0) {
                    throw new IllegalStateException("a protocol bug");
                }
            }
        });
        long errorsBefore = engine.dispatcher().errors();
        for (int i = 0; i < 3; i++) {
            h1.send(Wire.frame("00:e0:2b:00:00:00", HOST_MAC, 0x0842, 64));
        }
        h1.send(Wire.frame("00:e0:2b:00:00:00", HOST_MAC, 0x88b5, 64));
        h1.send(Wire.frame("00:e0:2b:00:00:00", HOST_MAC, 0x88b5, 64));
        assertTrue(gotA.await(5, TimeUnit.SECONDS), "callback a read 3 frames");
        assertTrue(gotB.await(5, TimeUnit.SECONDS), "callback b kept being called after it threw");
        assertEquals(1, engine.dispatcher().errors() - errorsBefore);
        assertTrue(threads.stream().allMatch("expkt-dispatch-shared"::equals), threads.toString());

        // removeCallback: no more calls
        a.removeCallback();
        int calls = callsOfA.get();
        int bFrames = framesOfB.get();
        h1.send(Wire.frame("00:e0:2b:00:00:00", HOST_MAC, 0x0842, 64));
        h1.send(Wire.frame("00:e0:2b:00:00:00", HOST_MAC, 0x88b5, 64)); // a witness for the same dispatch thread, sent after it
        await(5_000, "callback b got the frame sent after a's", () -> framesOfB.get() == bFrames + 1);
        // the frame waits in the socket instead: visible to a read (and to the dispatcher, had a still a callback)
        ExosSockAddr waiting = new ExosSockAddr();
        await(5_000, "a's frame readable in its socket", () -> {
            try {
                return a.receive(waiting) != null;
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        });
        assertEquals(calls, callsOfA.get(), "no call after removeCallback");
        // close removes the callback too
        b.close();
        assertTrue(!engine.dispatcher().isRegistered(b.id()));
    }

    /**
     * The call budget reads the clock every few frames, not per frame (a read costs ~28 ns on these VMs,
     * twice the C reader's whole cost per frame): 1000 queued frames drained by a callback take far
     * fewer than 1000 clock reads, and every frame is still delivered.
     */
    @Test
    void theCallBudgetDoesNotReadTheClockPerFrame() throws Exception {
        engine();
        Wire h1 = wire(1);
        PacketSocketImpl s = engine.open(OWNER);
        s.setupFilter(Filter.named("budget").ethertype(0x0842).build());
        s.setBlocking(false);
        int frames = 1000;
        for (int i = 0; i < frames; i++) {
            h1.send(Wire.frame("00:e0:2b:00:00:00", HOST_MAC, 0x0842, 64));
        }
        // queued in the ring before the callback comes (the filter's rule counted them; a block retires within 2 ms)
        await(10_000, "the filter counted the " + frames + " frames", () -> {
            long[] c = counted("budget");
            return c != null && c[0] >= frames;
        });
        AtomicInteger got = new AtomicInteger();
        CountDownLatch all = new CountDownLatch(1);
        s.setCallback(sock -> {
            ExosSockAddr from = new ExosSockAddr();
            while (sock.receive(from) != null) {
                if (got.incrementAndGet() == frames) {
                    all.countDown();
                }
            }
        });
        assertTrue(all.await(10, TimeUnit.SECONDS), "callback read " + frames + " frames, got " + got.get());
        long reads = s.budgetClockReads();
        assertTrue(reads > 0 && reads < frames / 4, "clock reads of the budget for " + frames + " frames: " + reads);
        s.close();
    }
}
