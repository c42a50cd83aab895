package expkt.provider;

import expkt.lab.Deadlines;
import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.FrameView;
import expkt.provider.command.HandlerTables;
import expkt.provider.socket.PacketSocketImpl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static expkt.lab.Deadlines.await;
import static expkt.lab.Deadlines.within;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A callback still running while its socket is closed (what a bundle's stop does): close waits for
 * the call, bounded; after close returns the callback is never called again, and what it holds (the
 * frame view, the ring) stays valid until its call returns. A callback stuck past the deadline does
 * not hold close up: it is shown as {@code stuck}, and the socket's fd and ring go when it returns.
 */
class CallbackCloseTest extends L2ProviderTestBase {
    static final long LIFECYCLE_MILLIS = 6_000;
    final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void unblock() {
        release.countDown();
    }

    @Test
    void closeWaitsForTheRunningCallbackAndItIsNeverCalledAfterwards() throws Exception {
        engine();
        Wire h1 = wire(1);
        PacketSocketImpl s = nonBlocking("cb-closing", 0x0842);
        AtomicBoolean inCall = new AtomicBoolean();
        AtomicLong lastEntry = new AtomicLong();
        AtomicInteger calls = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch entered = new CountDownLatch(1);
        s.setCallback(sock -> {
            inCall.set(true);
            lastEntry.set(System.nanoTime());
            calls.incrementAndGet();
            try {
                ExosSockAddr a = new ExosSockAddr();
                FrameView f = sock.receive(a);
                entered.countDown();
                Thread.sleep(400); // the bundle's code is busy while its bundle stops
                if (f != null) {
                    f.getInt(14); // the frame it holds is still readable: the ring is not unmapped under it
                }
            } catch (Throwable t) {
                if (!(t instanceof java.nio.channels.ClosedChannelException)) {
                    failure.set(t);
                }
            } finally {
                inCall.set(false);
            }
        });
        h1.send(HandlerRuntimeTest.numbered(0x0842, 0));
        assertTrue(entered.await(5, TimeUnit.SECONDS));
        within(LIFECYCLE_MILLIS, "close with a callback running", () -> { s.close(); });
        long closed = System.nanoTime();
        assertFalse(inCall.get(), "close returned while the callback still ran");
        // a witness: an open socket with a callback on the same frames, on the same dispatcher; once it
        // has had all 19, the closed socket's callback would have had its chance to be called too
        AtomicInteger seen = new AtomicInteger();
        PacketSocketImpl witness = counting("cb-witness", 0x0842, seen);
        for (int i = 1; i < 20; i++) {
            h1.send(HandlerRuntimeTest.numbered(0x0842, i));
        }
        await(5_000, "the witness callback got the 19 frames sent after close", () -> seen.get() >= 19);
        witness.close();
        assertTrue(lastEntry.get() - closed < 0, "the callback was called after close returned");
        assertNull(failure.get(), "the callback's frame was readable during its call: " + failure.get());
        assertEquals(1, calls.get());
    }

    @Test
    void aStuckCallbackDoesNotHoldCloseUpAndIsShownAsStuck() throws Exception {
        engine();
        Wire h1 = wire(1);
        PacketSocketImpl s = nonBlocking("cb-stuck", 0x0842);
        AtomicInteger fine = new AtomicInteger();
        counting("cb-fine", 0x0843, fine);
        CountDownLatch entered = new CountDownLatch(1);
        AtomicReference<Thread> stuckThread = new AtomicReference<>();
        s.setCallback(sock -> {
            stuckThread.set(Thread.currentThread());
            sock.receive(null);
            entered.countDown();
            Deadlines.awaitIgnoringInterrupts(release);
        });
        h1.send(HandlerRuntimeTest.numbered(0x0842, 0));
        assertTrue(entered.await(5, TimeUnit.SECONDS));
        int fd = s.fd();
        within(LIFECYCLE_MILLIS, "close with a stuck callback", () -> { s.close(); });
        assertFalse(s.isOpen());
        String table = within(LIFECYCLE_MILLIS, "expkt:handlers", () -> HandlerTables.handlers(null, engine));
        System.out.println(table);
        assertTrue(table.matches("(?s).*callback\\s+test\\s+-\\s+cb-stuck\\s+-\\s+stuck\\b.*"), "shown as stuck:\n" + table);
        // the shared thread's other sockets are served
        for (int i = 0; i < 5; i++) {
            h1.send(HandlerRuntimeTest.numbered(0x0843, i));
        }
        await(5_000, "the healthy callback got 5 frames while the other is stuck", () -> fine.get() == 5);
        assertTrue(isSocketFd(fd), "the fd stays while the call runs");
        assertFalse(nftRuleset().contains("cb-stuck") || L2ProviderTestBase.lab == null, "its filter went at close");
        release.countDown();
        await(5_000, "the stuck row goes once the call returned", () -> !HandlerTables.handlers(null, engine).contains("cb-stuck"));
        await(5_000, "its fd closed once the call returned", () -> !isSocketFd(fd));
    }

    /** True if {@code fd} is an open socket of this process. */
    static boolean isSocketFd(int fd) {
        try {
            return java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/" + fd)).toString().startsWith("socket:");
        } catch (java.io.IOException gone) {
            return false;
        }
    }
}
