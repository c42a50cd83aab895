package expkt.provider;

import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Filter;
import expkt.provider.socket.PacketSocketImpl;
import org.junit.jupiter.api.Test;

import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A socket blocks until a frame comes, honours a timeout, and a blocked receiver wakes up when another thread closes it. */
class BlockingTest extends L2ProviderTestBase {

    /** Waits until {@code thread} is inside PacketSocketImpl.{@code method} (it has started to wait there). */
    static void awaitBlockedIn(java.util.concurrent.atomic.AtomicReference<Thread> thread, String method) throws InterruptedException {
        expkt.lab.Deadlines.await(5_000, "a receiver waiting in " + method, () -> thread.get() != null && java.util.Arrays
                .stream(thread.get().getStackTrace()).anyMatch(e -> e.getClassName().equals(PacketSocketImpl.class.getName())
                        && e.getMethodName().equals(method)));
    }

    @Test
    void blockingReceiveWaitsForTheFrameAndCloseWakesIt() throws Exception {
        engine();
        java.util.concurrent.atomic.AtomicReference<Thread> receiver = new java.util.concurrent.atomic.AtomicReference<>();
        Wire h3 = wire(3);
        PacketSocketImpl s = engine.open(OWNER);
        s.setupFilter(Filter.named("block").ethertype(0x0842).build());
        CompletableFuture<Integer> rx = CompletableFuture.supplyAsync(() -> {
            try {
                ExosSockAddr a = new ExosSockAddr();
                int n = s.recvfrom(new byte[2048], a);
                return n * 10 + a.port();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, r -> receiver.set(Thread.ofPlatform().start(r)));
        awaitBlockedIn(receiver, "recvfrom");
        assertFalse(rx.isDone(), "blocks while no frame comes");
        h3.send(Wire.frame("00:e0:2b:00:00:00", HOST_MAC, 0x0842, 77));
        assertEquals(773, rx.get(5, TimeUnit.SECONDS));

        // a timeout returns -1 after about that long
        s.setTimeout(Duration.ofMillis(250));
        long t0 = System.nanoTime();
        assertEquals(-1, s.recvfrom(new byte[2048], new ExosSockAddr()));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 200 && ms < 2000, ms + " ms");

        // close from another thread wakes a blocked receiver with ClosedChannelException
        s.setTimeout(null);
        CompletableFuture<Throwable> blocked = CompletableFuture.supplyAsync(() -> {
            try {
                s.receive(new ExosSockAddr());
                return null;
            } catch (Throwable t) {
                return t;
            }
        }, r -> receiver.set(Thread.ofPlatform().start(r)));
        awaitBlockedIn(receiver, "receive"); // closed while it waits (a close before it would prove nothing)
        assertFalse(blocked.isDone(), "blocks while no frame comes");
        s.close();
        assertInstanceOf(ClosedChannelException.class, blocked.get(5, TimeUnit.SECONDS));
    }
}
