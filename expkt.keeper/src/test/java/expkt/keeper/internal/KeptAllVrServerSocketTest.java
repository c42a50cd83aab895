package expkt.keeper.internal;

import expkt.api.spi.BundleIdentity;
import expkt.api.spi.ParkedAllVrServerSocket;
import expkt.api.spi.ParkedChannel;
import expkt.api.spi.VrEngine;
import expkt.api.spi.VrSession;
import expkt.api.vr.AllVrServerSocket;
import expkt.api.vr.VirtualRouter;
import expkt.api.vr.VrBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.log.Logger;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The keeper's side of an expkt.vr update for an {@code ALL} server socket, against stand-in engines: an accept
 * pending when the engine goes waits for the next engine and is made on the adopted socket, which gets the very
 * channels and selector the old one parked; a failed adoption fails the accept naming the revision and the cause
 * and closes what was parked.
 */
class KeptAllVrServerSocketTest {
    private static final long GRACE_MS = 5_000;
    private static final VirtualRouter VR = VirtualRouter.of(21, "VR-T", VrBackend.NETNS, "t");

    private final List<String> log = new CopyOnWriteArrayList<>();
    private VrEngineTracker tracker;
    private ServerSocketChannel listening;
    private Selector selector;

    @AfterEach
    void stop() throws IOException {
        if (tracker != null) {
            tracker.deactivate();
        }
        if (listening != null) {
            listening.close();
        }
        if (selector != null) {
            selector.close();
        }
    }

    /**
     * A stand-in engine: its ALL socket's accept blocks until the socket is parked (then throws
     * ClosedChannelException, as the engine's does); the adopted one accepts at once.
     */
    private final class Engine implements VrEngine {
        final String name;
        final boolean adoptFails;
        volatile ParkedAllVrServerSocket adopted;

        Engine(String name, boolean adoptFails) {
            this.name = name;
            this.adoptFails = adoptFails;
        }

        @Override
        public VrSession session(BundleIdentity owner, String declaredVr) {
            return proxy(VrSession.class, (m, a) -> switch (m) {
                case "serverSocketAllVrs" -> socket(name, new CountDownLatch(1));
                case "parkAll" -> {
                    ((Parkable) Proxy.getInvocationHandler(a[0])).parked.countDown();
                    log.add("parked " + name);
                    yield new ParkedAllVrServerSocket(List.of(new ParkedChannel("tcp-listen", VR, listening, null)), selector);
                }
                case "adoptAll" -> {
                    if (adoptFails) {
                        throw new IOException("the listening channel of the ALL socket in VR VR-T was closed while parked");
                    }
                    adopted = (ParkedAllVrServerSocket) a[0];
                    yield socket(name + "-adopted", null); // not parked: it accepts at once
                }
                case "parkChannels" -> List.of();
                case "release" -> 0;
                default -> null;
            });
        }

        AllVrServerSocket socket(String id, CountDownLatch parked) {
            Parkable h = new Parkable(id, parked);
            return (AllVrServerSocket) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {AllVrServerSocket.class}, h);
        }

        @Override
        public expkt.api.spi.VrRegistryView virtualRouters(BundleIdentity owner, String declaredVr) {
            throw new UnsupportedOperationException("no VirtualRouters in this test");
        }

        @Override
        public String revision() {
            return name;
        }
    }

    /** An engine ALL socket: accept blocks until parked, then throws; with no latch it accepts at once. */
    private final class Parkable implements java.lang.reflect.InvocationHandler {
        final String id;
        final CountDownLatch parked;

        Parkable(String id, CountDownLatch parked) {
            this.id = id;
            this.parked = parked;
        }

        @Override
        public Object invoke(Object p, java.lang.reflect.Method m, Object[] a) throws Throwable {
            return switch (m.getName()) {
                case "accept" -> {
                    if (parked != null) {
                        log.add("accept pending on " + id);
                        assertTrue(parked.await(30, TimeUnit.SECONDS), "parked within 30 s");
                        throw new ClosedChannelException(); // what a parked engine socket answers
                    }
                    log.add("accepted on " + id);
                    yield AllVrServerSocket.Accepted.of(VR, SocketChannel.open());
                }
                case "channels" -> Map.of(VR, listening);
                case "hashCode" -> System.identityHashCode(p);
                case "equals" -> p == a[0];
                case "toString" -> id;
                default -> null;
            };
        }
    }

    private interface Answer {
        Object answer(String method, Object[] args) throws Exception;
    }

    @SuppressWarnings("unchecked")
    private static <T> T proxy(Class<T> type, Answer answer) {
        return (T) Proxy.newProxyInstance(KeptAllVrServerSocketTest.class.getClassLoader(), new Class<?>[] {type}, (p, m, a) -> {
            if (m.getName().equals("hashCode")) {
                return System.identityHashCode(p);
            }
            if (m.getName().equals("equals")) {
                return p == a[0];
            }
            return answer.answer(m.getName(), a == null ? new Object[0] : a);
        });
    }

    private KeptVrSockets service() throws IOException {
        listening = ServerSocketChannel.open();
        selector = Selector.open();
        Bundle framework = proxy(Bundle.class, (m, a) -> m.equals("getState") ? Bundle.ACTIVE : null);
        BundleContext context = proxy(BundleContext.class, (m, a) -> switch (m) {
            case "getProperty" -> EngineTracker.GRACE_PROPERTY.equals(a[0]) ? Long.toString(GRACE_MS) : null;
            case "getBundle" -> framework;
            default -> null;
        });
        Logger logger = proxy(Logger.class, (m, a) -> {
            log.add(m + " " + java.util.Arrays.toString(a));
            return null;
        });
        tracker = new VrEngineTracker(context, logger);
        ComponentContext cc = proxy(ComponentContext.class, (m, a) -> null);
        return new KeptVrSockets(cc, tracker, new VrEngineReady(), logger);
    }

    /** Waits (with a deadline) until {@code t} waits for the next engine inside the kept socket. */
    private static void awaitWaitingForTheAdoption(Thread t) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!java.util.Arrays.stream(t.getStackTrace()).anyMatch(e -> e.getMethodName().equals("replacementFor")
                && e.getClassName().equals(KeptVrSocket.class.getName()))) {
            assertTrue(System.nanoTime() < deadline, "the accept waits for the next engine within 10 s: " + java.util.Arrays.toString(t.getStackTrace()));
            Thread.sleep(5);
        }
    }

    @Test
    void anAcceptPendingDuringTheSwapIsMadeOnTheAdoptedSocketWithTheSameChannelsAndSelector() throws Exception {
        KeptVrSockets service = service();
        Engine a = new Engine("A", false);
        tracker.bindEngine(a);
        AllVrServerSocket all = service.serverSocketAllVrs(null);
        CompletableFuture<AllVrServerSocket.Accepted> accepted = new CompletableFuture<>();
        Thread acceptor = Thread.ofPlatform().start(() -> {
            try {
                accepted.complete(all.accept(Duration.ofSeconds(20)));
            } catch (Throwable t) {
                accepted.completeExceptionally(t);
            }
        });
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!log.contains("accept pending on A")) {
            assertTrue(System.nanoTime() < deadline, "the accept is pending on A within 10 s");
            Thread.sleep(5);
        }
        tracker.unbindEngine(a);
        awaitWaitingForTheAdoption(acceptor);
        assertFalse(accepted.isDone(), "waits while no engine serves");
        Engine b = new Engine("B", false);
        tracker.bindEngine(b);
        AllVrServerSocket.Accepted got = accepted.get(10, TimeUnit.SECONDS);
        got.channel().close();
        assertEquals(VR, got.vr());
        assertEquals(List.of("accept pending on A", "parked A", "accepted on B-adopted"),
                log.stream().filter(l -> l.startsWith("accept") || l.startsWith("parked")).toList());
        assertSame(listening, b.adopted.channels().get(0).channel(), "the channel A parked");
        assertSame(selector, b.adopted.selector(), "the selector A parked");
        assertSame(listening, all.channels().get(VR));
        KeptAllVrServerSocket k = (KeptAllVrServerSocket) all;
        assertEquals(1, k.adoptions());
        assertEquals("tcp-ALL", k.kind());
        assertSame(null, k.failureText());
        assertTrue(listening.isOpen() && selector.isOpen(), "nothing closed by the swap");
    }

    @Test
    void aFailedAdoptionFailsTheAcceptNamingTheCauseAndClosesWhatWasParked() throws Exception {
        KeptVrSockets service = service();
        Engine a = new Engine("A", false);
        tracker.bindEngine(a);
        AllVrServerSocket all = service.serverSocketAllVrs(null);
        tracker.unbindEngine(a);
        tracker.bindEngine(new Engine("C", true));
        IOException e = assertThrows(IOException.class, () -> all.accept(Duration.ofSeconds(1)));
        assertTrue(e.getMessage().contains("could not be restored on C") && e.getMessage().contains("closed while parked"), e.getMessage());
        assertFalse(all.isOpen());
        assertFalse(listening.isOpen() || selector.isOpen(), "the channels and selector nobody adopted are closed");
    }
}
