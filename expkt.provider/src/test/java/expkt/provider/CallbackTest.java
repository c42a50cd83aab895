package expkt.provider;

import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Filter;
import expkt.provider.socket.PacketSocketImpl;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

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
        h1.send(Wire.frame("00:e0:2b:00:00:00", HOST_MAC, 0x0842, 64));
        Thread.sleep(300);
        assertEquals(calls, callsOfA.get());
        assertTrue(a.receive(new ExosSockAddr()) != null, "the frame waits in the socket instead");
        // close removes the callback too
        b.close();
        assertTrue(!engine.dispatcher().isRegistered(b.id()));
    }
}
