package expkt.provider;

import expkt.api.spi.BundleIdentity;
import expkt.lab.Deadlines;
import expkt.api.handler.PacketHandler;
import expkt.api.packet.Filter;
import expkt.provider.command.HandlerTables;
import expkt.provider.socket.PacketSocketImpl;
import expkt.provider.core.ProviderLog;
import expkt.provider.whiteboard.HandlerRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static expkt.lab.Deadlines.await;
import static expkt.lab.Deadlines.within;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A whiteboard handler stuck in {@code handle()} (blocked on a latch, ignoring interrupts, as code
 * stuck in I/O or on a future may be) while its bundle stops, another bundle's handlers come and go,
 * {@code expkt:handlers} is asked, and the provider shuts down. Nobody waits for it beyond the
 * deadline: the unregister returns, it is shown as {@code stuck}, the others carry on, a successor
 * gets a socket, and the stuck socket is closed once the call returns.
 */
class StuckHandlerTest extends L2ProviderTestBase {
    static final BundleIdentity V1 = BundleIdentity.of(41, "com.example.stuck", "1.0.0");
    static final BundleIdentity V2 = BundleIdentity.of(41, "com.example.stuck", "2.0.0");
    static final BundleIdentity OTHER = BundleIdentity.of(42, "com.example.other", "1.0.0");
    /** What a lifecycle call may take at most with a stuck handler: the provider's deadline plus slack for a loaded machine. */
    static final long LIFECYCLE_MILLIS = 6_000;

    HandlerRuntime runtime;
    final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void unblock() {
        release.countDown(); // whatever happened, the stuck call ends
        if (runtime != null) {
            runtime.close();
            runtime = null;
        }
    }

    /** A handler that blocks in its first call until {@link #release}, ignoring interrupts. */
    PacketHandler blocking(CountDownLatch entered, AtomicInteger calls, AtomicReference<Thread> thread) {
        return (f, a, s) -> {
            calls.incrementAndGet();
            thread.set(Thread.currentThread());
            entered.countDown();
            Deadlines.awaitIgnoringInterrupts(release);
        };
    }

    @Test
    void aStuckHandlerIsAbandonedAtItsBundlesStopAndEveryoneElseCarriesOn() throws Exception {
        engine();
        runtime = new HandlerRuntime(engine, 3000, ProviderLog.system("expkt.stuck.test"));
        Wire h1 = wire(1);
        CountDownLatch entered = new CountDownLatch(1);
        AtomicInteger v1Calls = new AtomicInteger();
        AtomicReference<Thread> stuckThread = new AtomicReference<>();
        Filter stuckFilter = Filter.named("stuck-h").ethertype(0x0842).build();
        HandlerRuntime.Registration stuck = runtime.register(V1, stuckFilter, blocking(entered, v1Calls, stuckThread));
        PacketSocketImpl stuckSocket = stuck.socket();
        // a sibling of the same bundle, on the same lane
        AtomicInteger sibling = new AtomicInteger();
        runtime.register(V1, Filter.named("sibling").ethertype(0x0844).build(), (f, a, s) -> sibling.incrementAndGet());
        for (int i = 0; i < 3; i++) {
            h1.send(HandlerRuntimeTest.numbered(0x0842, i));
        }
        assertTrue(entered.await(5, TimeUnit.SECONDS), "the handler was called");

        // the bundle stops: DS unregisters the service on the framework's thread
        long t0 = System.nanoTime();
        CompletableFuture<Void> stop = CompletableFuture.runAsync(() -> runtime.unregister(stuck),
                r -> Thread.ofPlatform().daemon().name("framework-stop").start(r));
        // meanwhile another bundle's handler registers, gets frames and unregisters
        AtomicInteger other = new AtomicInteger();
        within(LIFECYCLE_MILLIS, "another bundle's register/unregister while a handler is stuck", () -> {
            HandlerRuntime.Registration o = runtime.register(OTHER, Filter.named("other").ethertype(0x0843).build(),
                    (f, a, s) -> other.incrementAndGet());
            for (int i = 0; i < 5; i++) {
                h1.send(HandlerRuntimeTest.numbered(0x0843, i));
            }
            await(5_000, "the other bundle's handler got 5 frames", () -> other.get() == 5);
            runtime.unregister(o);
        });
        within(LIFECYCLE_MILLIS, "the stuck handler's unregister (its bundle's stop)", () -> stop.get());
        long stopMillis = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("[stuck] unregister of the stuck handler returned after " + stopMillis + " ms");

        String table = within(LIFECYCLE_MILLIS, "expkt:handlers", () -> HandlerTables.handlers(runtime, engine));
        System.out.println(table);
        assertTrue(table.matches("(?s).*handler\\s+com\\.example\\.stuck \\[41]\\s+1\\.0\\.0\\s+stuck-h\\s+ethertype 0x0842\\s+stuck\\b.*"),
                "the stuck handler is shown as stuck:\n" + table);

        // the bundle's other handler is served by a lane that is not stuck
        for (int i = 0; i < 5; i++) {
            h1.send(HandlerRuntimeTest.numbered(0x0844, i));
        }
        await(5_000, "the stuck handler's sibling got 5 frames", () -> sibling.get() == 5);

        assertFalse(expkt.provider.command.L2Tables.acl(engine).contains("stuck-h"), "the stuck handler's filter went at once");
        // version 2 of the bundle registers the same filter: it gets a socket of its own (the stuck one is abandoned)
        AtomicInteger v2 = new AtomicInteger();
        HandlerRuntime.Registration r2 = within(LIFECYCLE_MILLIS, "the successor's register",
                () -> runtime.register(V2, stuckFilter, (f, a, s) -> v2.incrementAndGet()));
        assertNotEquals(stuckSocket.id(), r2.socket().id(), "the successor does not adopt a socket whose lane is stuck");
        for (int i = 0; i < 4; i++) {
            h1.send(HandlerRuntimeTest.numbered(0x0842, 100 + i));
        }
        await(5_000, "version 2 got 4 frames", () -> v2.get() == 4);

        // the stuck call returns: its socket's fd and ring go then, and version 1 is never called again
        int fd = stuckSocket.fd();
        assertTrue(CallbackCloseTest.isSocketFd(fd), "the stuck handler's fd (and ring) stay while its call runs");
        release.countDown();
        await(5_000, "the abandoned socket's fd closed once the stuck call returned", () -> !CallbackCloseTest.isSocketFd(fd));
        assertFalse(stuckSocket.isOpen());
        // frames 1 and 2 waited in version 1's ring behind the stuck call: once the thread that ran it has
        // left version 1's code, and the same traffic (0x0842) reaches version 2, version 1 had every chance
        Thread stuckLane = stuckThread.get();
        await(5_000, "the thread of the stuck call left version 1's code", () -> !stuckLane.isAlive()
                || java.util.Arrays.stream(stuckLane.getStackTrace()).noneMatch(e -> e.getClassName().startsWith(StuckHandlerTest.class.getName())));
        for (int i = 0; i < 3; i++) {
            h1.send(HandlerRuntimeTest.numbered(0x0842, 200 + i));
        }
        await(5_000, "version 2 got the 3 frames sent after the stuck call returned", () -> v2.get() == 7);
        assertEquals(1, v1Calls.get(), "version 1 was called once (the stuck call) and never after it was abandoned");
        String after = HandlerTables.handlers(runtime, engine);
        assertFalse(after.matches("(?s).*\\sstuck\\s.*"), "nothing is stuck any more:\n" + after);
        assertTrue(after.matches("(?s).*com\\.example\\.stuck \\[41]\\s+2\\.0\\.0\\s+stuck-h\\s+ethertype 0x0842\\s+active\\s.*"), after);
    }

    @Test
    void aStuckHandlerDoesNotHoldUpTheProvidersShutdownAndItsRulesGo() throws Exception {
        engine();
        runtime = new HandlerRuntime(engine, 3000, ProviderLog.system("expkt.stuck.test"));
        Wire h1 = wire(1);
        CountDownLatch entered = new CountDownLatch(1);
        AtomicReference<Thread> stuckThread = new AtomicReference<>();
        HandlerRuntime.Registration stuck = runtime.register(V1, Filter.named("stuck-down").ethertype(0x0842).build(),
                blocking(entered, new AtomicInteger(), stuckThread));
        h1.send(HandlerRuntimeTest.numbered(0x0842, 0));
        assertTrue(entered.await(5, TimeUnit.SECONDS), "the handler was called");
        assertTrue(nftRuleset().contains("stuck-down"));
        // the provider stops (framework shutdown): the whiteboard, then the engine
        HandlerRuntime r = runtime;
        within(LIFECYCLE_MILLIS, "the handler runtime's close with a stuck handler", r::close);
        runtime = null;
        within(LIFECYCLE_MILLIS, "the engine's close", () -> engine.close());
        engine = null;
        String tables = lab.exec(lab.switchNs(), "nft", "list", "tables").check().stdout();
        assertFalse(tables.contains("expkt"), "the provider's nftables table is gone:\n" + tables);
        // and once the stuck call returns, its lane thread ends: nothing is left running
        release.countDown();
        await(5_000, "the stuck lane thread ended", () -> !stuckThread.get().isAlive());
        assertFalse(stuck.socket().isOpen());
    }
}
