package expkt.keeper.internal;

import expkt.api.spi.BundleIdentity;
import expkt.api.spi.ParkedRawSocket;
import expkt.api.spi.VrEngine;
import expkt.api.spi.VrSession;
import expkt.api.vr.RawIpSocket;
import expkt.api.vr.VirtualRouter;
import expkt.api.vr.VrBackend;
import expkt.linux.Fds;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.log.Logger;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.channels.ClosedChannelException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The keeper's side of an expkt.vr update, against stand-in engines: a send made while the engine is away
 * waits for the next engine's adoption and is made once, on the adopted socket; no engine within the grace
 * period fails the call naming the update; a failed adoption fails every later call naming the cause and
 * closes the parked descriptor.
 */
class KeptRawIpSocketTest {
    private static final long GRACE_MS = 400;
    private static final VirtualRouter VR = VirtualRouter.of(21, "VR-T", VrBackend.NETNS, "t");

    private final List<String> log = new CopyOnWriteArrayList<>();
    private VrEngineTracker tracker;

    @AfterEach
    void stop() {
        if (tracker != null) {
            tracker.deactivate();
        }
    }

    /** A stand-in engine: each session's raw socket records its sends; a parked one throws ClosedChannelException. */
    private final class Engine implements VrEngine {
        final String name;
        final int fd;
        final boolean adoptFails;
        /** Each socket this engine handed out and whether it was parked (its calls refused from then on). */
        final java.util.Map<Object, AtomicBoolean> parked = new java.util.concurrent.ConcurrentHashMap<>();

        Engine(String name, int fd, boolean adoptFails) {
            this.name = name;
            this.fd = fd;
            this.adoptFails = adoptFails;
        }

        @Override
        public VrSession session(BundleIdentity owner, String declaredVr) {
            return proxy(VrSession.class, (m, a) -> switch (m) {
                case "rawSocket" -> socket(name);
                case "park" -> {
                    parked.get(a[0]).set(true);
                    yield new ParkedRawSocket(name, fd, 0, RawIpSocket.AF_INET, RawIpSocket.IPPROTO_ICMP, VR, true, null);
                }
                case "adopt" -> {
                    if (adoptFails) {
                        throw new IOException("stale descriptor " + ((ParkedRawSocket) a[0]).fd());
                    }
                    yield socket(name + "-adopted");
                }
                case "parkChannels" -> List.of();
                case "release" -> 0;
                default -> null;
            });
        }

        RawIpSocket socket(String id) {
            AtomicBoolean isParked = new AtomicBoolean();
            RawIpSocket s = proxy(RawIpSocket.class, (m, a) -> switch (m) {
                case "send" -> {
                    if (isParked.get()) {
                        throw new ClosedChannelException(); // what a parked engine socket answers
                    }
                    log.add("sent on " + id);
                    yield a.length == 2 ? 1 : (Integer) a[2];
                }
                case "close" -> {
                    isParked.set(true);
                    log.add("closed " + id);
                    yield null;
                }
                case "domain" -> RawIpSocket.AF_INET;
                case "protocol" -> RawIpSocket.IPPROTO_ICMP;
                case "toString" -> id;
                default -> null;
            });
            parked.put(s, isParked);
            return s;
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

    private interface Answer {
        Object answer(String method, Object[] args) throws Exception;
    }

    @SuppressWarnings("unchecked")
    private static <T> T proxy(Class<T> type, Answer answer) {
        return (T) Proxy.newProxyInstance(KeptRawIpSocketTest.class.getClassLoader(), new Class<?>[] {type}, (p, m, a) -> {
            if (m.getName().equals("hashCode")) {
                return System.identityHashCode(p);
            }
            if (m.getName().equals("equals")) {
                return p == a[0];
            }
            return answer.answer(m.getName(), a == null ? new Object[0] : a);
        });
    }

    private KeptVrSockets service() {
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

    @Test
    void aSendDuringTheSwapWaitsForTheAdoptionAndIsMadeOnce() throws Exception {
        int fd = Fds.open("/dev/null", Fds.O_RDONLY | Fds.O_CLOEXEC);
        KeptVrSockets service = service();
        Engine a = new Engine("A", fd, false);
        tracker.bindEngine(a);
        RawIpSocket raw = service.rawSocket(null, RawIpSocket.AF_INET, RawIpSocket.IPPROTO_ICMP);
        assertEquals(4, raw.send(new byte[4], 0, 4, null));
        assertEquals(List.of("sent on A"), sent());

        tracker.unbindEngine(a);
        // the parked engine socket refuses: the kept socket's send waits for the next engine
        CompletableFuture<Integer> send = new CompletableFuture<>();
        Thread sender = Thread.ofPlatform().name("test-send-during-swap").start(() -> {
            try {
                send.complete(raw.send(new byte[5], 0, 5, null));
            } catch (IOException | RuntimeException e) {
                send.completeExceptionally(e);
            }
        });
        // the send is parked in its wait for the next engine (not finished, not failed): then nothing was sent yet
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (sender.getState() != Thread.State.TIMED_WAITING && sender.getState() != Thread.State.WAITING && !send.isDone()
                && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertFalse(send.isDone(), "waits while no engine serves");
        assertEquals(List.of("sent on A"), sent(), "nothing sent while no engine serves");
        Engine b = new Engine("B", fd, false);
        tracker.bindEngine(b);
        assertEquals(5, send.get(5, TimeUnit.SECONDS));
        assertEquals(List.of("sent on A", "sent on B-adopted"), sent(), "made once, on the adopted socket");
        KeptRawIpSocket k = (KeptRawIpSocket) raw;
        assertEquals(1, k.adoptions());
        assertSame(null, k.failureText());
        Fds.closeQuietly(fd);
    }

    @Test
    void noEngineWithinTheGracePeriodFailsTheCallNamingTheUpdate() throws Exception {
        int fd = Fds.open("/dev/null", Fds.O_RDONLY | Fds.O_CLOEXEC);
        KeptVrSockets service = service();
        Engine a = new Engine("A", fd, false);
        tracker.bindEngine(a);
        RawIpSocket raw = service.rawSocket(null, RawIpSocket.AF_INET, RawIpSocket.IPPROTO_ICMP);
        tracker.unbindEngine(a);
        long t0 = System.nanoTime();
        IOException e = assertThrows(IOException.class, () -> raw.send(new byte[4], 0, 4, null));
        long ms = (System.nanoTime() - t0) / 1_000_000L;
        assertTrue(e.getMessage().contains("did not come back within the grace period of " + GRACE_MS + " ms"), e.getMessage());
        assertTrue(ms >= GRACE_MS - 50, "waited the grace period: " + ms + " ms");
        Fds.closeQuietly(fd);
    }

    @Test
    void aFailedAdoptionFailsEveryLaterCallNamingTheCauseAndClosesTheDescriptor() throws Exception {
        int fd = Fds.open("/dev/null", Fds.O_RDONLY | Fds.O_CLOEXEC);
        KeptVrSockets service = service();
        Engine a = new Engine("A", fd, false);
        tracker.bindEngine(a);
        RawIpSocket raw = service.rawSocket(null, RawIpSocket.AF_INET, RawIpSocket.IPPROTO_ICMP);
        tracker.unbindEngine(a);
        tracker.bindEngine(new Engine("C", fd, true));
        IOException e = assertThrows(IOException.class, () -> raw.send(new byte[4], 0, 4, null));
        assertTrue(e.getMessage().contains("could not be restored on C") && e.getMessage().contains("stale descriptor " + fd), e.getMessage());
        assertFalse(raw.isOpen());
        assertTrue(((KeptRawIpSocket) raw).failureText().contains("stale descriptor"));
        assertFalse(java.nio.file.Files.exists(java.nio.file.Path.of("/proc/self/fd/" + fd))
                && java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/" + fd)).toString().equals("/dev/null"),
                "the parked descriptor nobody adopted is closed");
    }

    private List<String> sent() {
        return log.stream().filter(l -> l.startsWith("sent on ")).toList();
    }
}
