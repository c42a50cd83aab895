package expkt.keeper.internal;

import expkt.api.packet.PacketSelector;
import expkt.api.packet.PacketSocket;
import expkt.api.vr.L3Socket;
import expkt.api.vr.RawIpSocket;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Proxy;
import java.nio.channels.ClosedSelectorException;
import java.time.Duration;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kept selector against a stand-in engine selector: a select blocked across an engine swap goes on on
 * the next engine with the same keys; the grace period, the caller's timeout, wakeup, cancel and close
 * during a swap; no allocation per select on the steady path.
 */
class KeptSelectorTest {
    private static final long WAIT_MS = 10_000;

    /** The keeper's side, with the grace period given. */
    private static final class TestOwner implements KeptSelector.Owner {
        final Object changed = new Object();
        final long grace;
        volatile boolean goneForGood;
        final List<String> refused = new ArrayList<>();
        final List<KeptSelector> closed = new ArrayList<>();

        TestOwner(long grace) {
            this.grace = grace;
        }

        @Override
        public Object changed() {
            return changed;
        }

        @Override
        public long graceMillis() {
            return grace;
        }

        @Override
        public boolean engineGoneForGood() {
            return goneForGood;
        }

        @Override
        public String lastRevision() {
            return "expkt.provider 1.0.0 [7] #2";
        }

        @Override
        public String whyNoEngine() {
            return "the packet provider is being updated (last: " + lastRevision() + ") and did not come back within the grace period of "
                    + grace + " ms (expkt.upgrade.grace.ms)";
        }

        @Override
        public synchronized void closed(KeptSelector selector) {
            closed.add(selector);
        }

        @Override
        public synchronized void refused(String what, Exception cause) {
            refused.add(what);
        }

        /** What the tracker does after an engine came or went. */
        void notifyChanged() {
            synchronized (changed) {
                changed.notifyAll();
            }
        }
    }

    /** An engine's selector: keys made ready by the test; select allocates nothing (as the provider's). */
    private static class FakeEngineSelector implements PacketSelector {
        final List<FakeKey> keys = new ArrayList<>();
        private final FakeKey[] selected = new FakeKey[16];
        private int selectedCount;
        private boolean woken;
        private volatile boolean closed;
        private final List<Key> view = new AbstractList<>() {
            @Override
            public Key get(int i) {
                return selected[i];
            }

            @Override
            public int size() {
                return selectedCount;
            }
        };

        final class FakeKey implements Key {
            final Object socket;
            final Object attachment;
            volatile boolean valid = true;
            volatile boolean ready;

            FakeKey(Object socket, Object attachment) {
                this.socket = socket;
                this.attachment = attachment;
            }

            @Override
            public Object socket() {
                return socket;
            }

            @Override
            public Object attachment() {
                return attachment;
            }

            @Override
            public PacketSelector selector() {
                return FakeEngineSelector.this;
            }

            @Override
            public boolean isValid() {
                return valid && !closed;
            }

            @Override
            public void cancel() {
                valid = false;
            }
        }

        private Key add(Object socket, Object attachment) {
            if (closed) {
                throw new ClosedSelectorException();
            }
            FakeKey k = new FakeKey(socket, attachment);
            synchronized (this) {
                keys.add(k);
            }
            return k;
        }

        /** Makes the key of {@code socket} ready and wakes a select. */
        synchronized void ready(Object socket, boolean ready) {
            for (FakeKey k : keys) {
                if (k.socket == socket) {
                    k.ready = ready;
                }
            }
            notifyAll();
        }

        synchronized FakeKey keyOf(Object socket) {
            for (FakeKey k : keys) {
                if (k.socket == socket && k.valid) {
                    return k;
                }
            }
            return null;
        }

        @Override
        public Key register(PacketSocket socket, Object attachment) {
            return add(socket, attachment);
        }

        @Override
        public Key register(L3Socket<?> socket, Object attachment) {
            return add(socket, attachment);
        }

        @Override
        public Key register(RawIpSocket socket, Object attachment) {
            return add(socket, attachment);
        }

        @Override
        public synchronized int select(Duration timeout) {
            if (closed) {
                throw new ClosedSelectorException();
            }
            long deadline = timeout == null ? 0 : System.nanoTime() + timeout.toNanos();
            while (true) {
                selectedCount = 0;
                for (int i = 0; i < keys.size(); i++) {
                    FakeKey k = keys.get(i);
                    if (k.valid && k.ready) {
                        selected[selectedCount++] = k;
                    }
                }
                if (selectedCount > 0 || closed || woken) {
                    woken = false;
                    return closed ? (selectedCount = 0) : selectedCount;
                }
                long left = timeout == null ? Long.MAX_VALUE : deadline - System.nanoTime();
                if (left <= 0) {
                    return 0;
                }
                try {
                    wait(timeout == null ? 0 : Math.max(1, left / 1_000_000L));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return 0;
                }
            }
        }

        @Override
        public List<Key> selectedKeys() {
            return view;
        }

        @Override
        public List<Key> keys() {
            return new ArrayList<>(keys);
        }

        @Override
        public synchronized void wakeup() {
            woken = true;
            notifyAll();
        }

        @Override
        public boolean isOpen() {
            return !closed;
        }

        @Override
        public synchronized void close() {
            closed = true;
            for (FakeKey k : keys) {
                k.valid = false;
            }
            notifyAll();
        }
    }

    private static PacketSocket socket(String name) {
        return (PacketSocket) Proxy.newProxyInstance(KeptSelectorTest.class.getClassLoader(), new Class<?>[] {PacketSocket.class},
                (proxy, m, args) -> switch (m.getName()) {
                    case "toString" -> name;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    case "isOpen" -> true;
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    /** An update as the keeper does it: detach, the session's release closes the engine's selector, the tracker notifies. */
    private static void engineLeaves(KeptSelector sel, FakeEngineSelector old, TestOwner owner) {
        sel.detach();
        old.close();
        owner.notifyChanged();
    }

    private static void awaitWaitingForEngine(Thread t) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT_MS * 1_000_000L;
        while (!(t.getState() == Thread.State.TIMED_WAITING && Arrays.stream(t.getStackTrace())
                .anyMatch(e -> e.getMethodName().equals("awaitEngine")))) {
            assertTrue(System.nanoTime() < deadline, "the select never waited for the next engine: " + t.getState());
            Thread.sleep(5);
        }
    }

    private static void awaitBlockedIn(Thread t, FakeEngineSelector engine) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT_MS * 1_000_000L;
        while (!((t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING) && Arrays.stream(t.getStackTrace())
                .anyMatch(e -> e.getClassName().equals(FakeEngineSelector.class.getName()) && e.getMethodName().equals("select")))) {
            assertTrue(System.nanoTime() < deadline, "the select never blocked in the engine's selector: " + t.getState());
            Thread.sleep(5);
        }
    }

    private record Result(int n, List<PacketSelector.Key> keys, Throwable thrown) {
    }

    private static CompletableFuture<Result> selectInBackground(KeptSelector sel, Duration timeout, Thread[] thread) {
        CompletableFuture<Result> f = new CompletableFuture<>();
        thread[0] = Thread.ofPlatform().start(() -> {
            try {
                int n = sel.select(timeout);
                f.complete(new Result(n, List.copyOf(sel.selectedKeys()), null));
            } catch (Throwable t) {
                f.complete(new Result(-1, List.of(), t));
            }
        });
        return f;
    }

    @Test
    void aSelectBlockedAcrossAnEngineSwapReportsOnTheNextEngineWithTheSameKey() throws Exception {
        TestOwner owner = new TestOwner(WAIT_MS);
        FakeEngineSelector e1 = new FakeEngineSelector();
        KeptSelector sel = new KeptSelector("test 1.0.0", owner, e1);
        PacketSocket a = socket("a");
        PacketSocket b = socket("b");
        PacketSelector.Key ka = sel.register(a, "a");
        PacketSelector.Key kb = sel.register(b, "b");
        assertThrows(IllegalArgumentException.class, () -> sel.register(a, "again"));

        e1.ready(a, true);
        assertEquals(1, sel.select(Duration.ofSeconds(1)));
        assertSame(ka, sel.selectedKeys().get(0));
        e1.ready(a, false);

        for (int update = 1; update <= 3; update++) {
            Thread[] t = new Thread[1];
            CompletableFuture<Result> r = selectInBackground(sel, null, t);
            awaitBlockedIn(t[0], (FakeEngineSelector) sel.engineSelector());
            FakeEngineSelector old = (FakeEngineSelector) sel.engineSelector();
            engineLeaves(sel, old, owner);
            awaitWaitingForEngine(t[0]); // returned from the closed engine selector, waits for the next
            assertFalse(r.isDone());
            assertTrue(ka.isValid() && kb.isValid());
            FakeEngineSelector next = new FakeEngineSelector();
            assertEquals(0, sel.attach(next));
            assertEquals(2, next.keys.size());
            awaitBlockedIn(t[0], next);
            next.ready(b, true);
            Result got = r.get(WAIT_MS, TimeUnit.MILLISECONDS);
            assertNull(got.thrown(), String.valueOf(got.thrown()));
            assertEquals(1, got.n());
            assertSame(kb, got.keys().get(0), "the key registered before the updates");
            assertSame(sel, kb.selector());
            assertEquals("b", kb.attachment());
            next.ready(b, false);
        }
        assertEquals(List.of(ka, kb), sel.keys());
    }

    @Test
    void noEngineWithinTheGracePeriodFailsTheSelectNamingTheUpdate() throws Exception {
        TestOwner owner = new TestOwner(200);
        FakeEngineSelector e1 = new FakeEngineSelector();
        KeptSelector sel = new KeptSelector("test 1.0.0", owner, e1);
        sel.register(socket("a"), null);
        engineLeaves(sel, e1, owner);
        long t0 = System.nanoTime();
        IOException e = assertThrows(IOException.class, () -> sel.select(null));
        assertTrue(System.nanoTime() - t0 >= 150_000_000L, "failed before the grace period");
        assertTrue(e.getMessage().contains("did not come back within the grace period of 200 ms (expkt.upgrade.grace.ms)"), e.getMessage());
        assertTrue(e.getMessage().contains("expkt.provider 1.0.0 [7] #2"), e.getMessage());
    }

    @Test
    void anEngineGoneForGoodFailsAWaitingSelectAtOnce() throws Exception {
        TestOwner owner = new TestOwner(WAIT_MS);
        FakeEngineSelector e1 = new FakeEngineSelector();
        KeptSelector sel = new KeptSelector("test 1.0.0", owner, e1);
        engineLeaves(sel, e1, owner);
        Thread[] t = new Thread[1];
        CompletableFuture<Result> r = selectInBackground(sel, null, t);
        awaitWaitingForEngine(t[0]);
        owner.goneForGood = true;
        owner.notifyChanged();
        Result got = r.get(WAIT_MS, TimeUnit.MILLISECONDS);
        assertTrue(got.thrown() instanceof IOException, String.valueOf(got.thrown()));
    }

    @Test
    void duringASwapTheTimeoutWakeupAndCloseEndASelectWithZero() throws Exception {
        TestOwner owner = new TestOwner(WAIT_MS);
        FakeEngineSelector e1 = new FakeEngineSelector();
        KeptSelector sel = new KeptSelector("test 1.0.0", owner, e1);
        PacketSelector.Key k = sel.register(socket("a"), null);
        engineLeaves(sel, e1, owner);

        long t0 = System.nanoTime();
        assertEquals(0, sel.select(Duration.ofMillis(100)));
        assertTrue(System.nanoTime() - t0 >= 90_000_000L);
        assertEquals(0, sel.select(Duration.ZERO));

        Thread[] t = new Thread[1];
        CompletableFuture<Result> r = selectInBackground(sel, null, t);
        awaitWaitingForEngine(t[0]);
        sel.wakeup();
        assertEquals(0, r.get(WAIT_MS, TimeUnit.MILLISECONDS).n());

        sel.wakeup(); // with no select under way: the next one returns at once, also on the next engine
        FakeEngineSelector e2 = new FakeEngineSelector();
        sel.attach(e2);
        assertEquals(0, sel.select(null));

        engineLeaves(sel, e2, owner);
        r = selectInBackground(sel, null, t);
        awaitWaitingForEngine(t[0]);
        sel.close();
        Result closed = r.get(WAIT_MS, TimeUnit.MILLISECONDS);
        assertNull(closed.thrown());
        assertEquals(0, closed.n());
        assertFalse(k.isValid());
        assertThrows(ClosedSelectorException.class, () -> sel.select(Duration.ZERO));
        assertEquals(List.of(sel), owner.closed);
        FakeEngineSelector late = new FakeEngineSelector();
        sel.attach(late);
        assertFalse(late.isOpen(), "a closed selector takes no engine selector");
    }

    @Test
    void aKeyCancelledDuringASwapIsNotRegisteredOnTheNextEngine() throws Exception {
        TestOwner owner = new TestOwner(WAIT_MS);
        FakeEngineSelector e1 = new FakeEngineSelector();
        KeptSelector sel = new KeptSelector("test 1.0.0", owner, e1);
        PacketSocket a = socket("a");
        PacketSocket b = socket("b");
        PacketSelector.Key ka = sel.register(a, null);
        PacketSelector.Key kb = sel.register(b, null);
        engineLeaves(sel, e1, owner);
        ka.cancel();
        assertFalse(ka.isValid());
        PacketSocket c = socket("c");
        PacketSelector.Key kc = sel.register(c, null); // registered during the swap: on the next engine
        FakeEngineSelector e2 = new FakeEngineSelector();
        sel.attach(e2);
        assertNull(e2.keyOf(a));
        assertSame(kb, e2.keyOf(b).attachment());
        assertSame(kc, e2.keyOf(c).attachment());
        assertEquals(List.of(kb, kc), sel.keys());
        kb.cancel();
        assertFalse(e2.keyOf(c) == null);
        assertNull(e2.keyOf(b), "cancelled on the engine too");
    }

    @Test
    void aKeyWhoseSocketClosedOnTheOldEngineIsInvalidAfterTheSwap() throws Exception {
        TestOwner owner = new TestOwner(WAIT_MS);
        FakeEngineSelector e1 = new FakeEngineSelector();
        KeptSelector sel = new KeptSelector("test 1.0.0", owner, e1);
        PacketSocket a = socket("a");
        PacketSelector.Key ka = sel.register(a, null);
        e1.keyOf(a).valid = false; // the socket closed: the engine's key is gone
        assertFalse(ka.isValid());
        engineLeaves(sel, e1, owner);
        FakeEngineSelector e2 = new FakeEngineSelector();
        sel.attach(e2);
        assertFalse(ka.isValid());
        assertNull(e2.keyOf(a));
        assertEquals(List.of(), sel.keys());
    }

    @Test
    void theSteadySelectAllocatesNothing() throws Exception {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        TestOwner owner = new TestOwner(WAIT_MS);
        FakeEngineSelector e1 = new FakeEngineSelector();
        KeptSelector sel = new KeptSelector("test 1.0.0", owner, e1);
        PacketSocket a = socket("a");
        PacketSelector.Key ka = sel.register(a, null);
        e1.ready(a, true);
        Duration timeout = Duration.ofSeconds(1);
        int[] seen = new int[1];
        Consumer<PacketSelector.Key> action = k -> seen[0] += k == ka ? 1 : 0;
        for (int i = 0; i < 20_000; i++) { // warm up (JIT)
            sel.select(timeout);
            sel.select(action, Duration.ZERO);
        }
        long before = mx.getCurrentThreadAllocatedBytes();
        int n = 0;
        for (int i = 0; i < 10_000; i++) {
            n += sel.select(timeout);
            n += sel.selectedKeys().size();
            n += sel.select(action, Duration.ZERO);
        }
        long allocated = mx.getCurrentThreadAllocatedBytes() - before;
        assertEquals(30_000, n);
        assertTrue(allocated < 1_000, "allocated " + allocated + " bytes in 20,000 selects");
    }

    @Test
    void aRegistrationTheNextEngineRefusesBecomesAnInvalidKeyAndIsLogged() throws Exception {
        TestOwner owner = new TestOwner(WAIT_MS);
        FakeEngineSelector e1 = new FakeEngineSelector();
        KeptSelector sel = new KeptSelector("test 1.0.0", owner, e1);
        PacketSocket a = socket("a");
        PacketSelector.Key ka = sel.register(a, null);
        engineLeaves(sel, e1, owner);
        FakeEngineSelector refusing = new FakeEngineSelector() {
            @Override
            public Key register(PacketSocket socket, Object attachment) {
                throw new IllegalStateException("socket a has a callback");
            }
        };
        assertEquals(1, sel.attach(refusing));
        assertFalse(ka.isValid());
        assertEquals(1, owner.refused.size());
        assertTrue(owner.refused.get(0).contains("could not be registered again"), owner.refused.toString());
    }

    @Test
    void aSelectThatFindsTheEngineSelectorClosedBeforeTheDetachWaitsForIt() throws ExecutionException, Exception {
        TestOwner owner = new TestOwner(WAIT_MS);
        FakeEngineSelector e1 = new FakeEngineSelector();
        KeptSelector sel = new KeptSelector("test 1.0.0", owner, e1);
        PacketSocket a = socket("a");
        PacketSelector.Key ka = sel.register(a, null);
        e1.close(); // the engine's session released it before the keeper detached (the other order)
        Thread[] t = new Thread[1];
        CompletableFuture<Result> r = selectInBackground(sel, null, t);
        long deadline = System.nanoTime() + WAIT_MS * 1_000_000L;
        while (t[0].getState() != Thread.State.TIMED_WAITING) {
            assertTrue(System.nanoTime() < deadline);
            Thread.sleep(5);
        }
        assertFalse(r.isDone());
        sel.detach();
        FakeEngineSelector e2 = new FakeEngineSelector();
        sel.attach(e2);
        e2.ready(a, true);
        Result got = r.get(WAIT_MS, TimeUnit.MILLISECONDS);
        assertNull(got.thrown());
        assertSame(ka, got.keys().get(0));
    }
}
