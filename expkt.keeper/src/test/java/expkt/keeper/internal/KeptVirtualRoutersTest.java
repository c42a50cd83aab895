package expkt.keeper.internal;

import expkt.api.runtime.VrSocketDTO;
import expkt.api.spi.BundleIdentity;
import expkt.api.spi.VrEngine;
import expkt.api.spi.VrRegistryView;
import expkt.api.spi.VrSession;
import expkt.api.vr.VirtualRouter;
import expkt.api.vr.VrBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.log.Logger;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The keeper's VirtualRouters across an update of expkt.vr, against stand-in engines: lookups while no engine
 * serves answer at once from the last VRs the engine gave; a change listener registered before or during the swap
 * is told of the next engine's changes (and of VRs that differ across the swap) and no longer of the old engine's;
 * the engine-only calls wait for the next engine, and fail naming the update when none comes within the grace period.
 */
class KeptVirtualRoutersTest {
    private static final long GRACE_MS = 400;
    private static final VirtualRouter MGMT = VirtualRouter.of(0, "VR-Mgmt", VrBackend.NETNS, "");
    private static final VirtualRouter DEFAULT = VirtualRouter.of(2, "VR-Default", VrBackend.NETNS, "");
    private static final VirtualRouter USER = VirtualRouter.of(21, "VR-T", VrBackend.NETNS, "t");
    private static final VirtualRouter OTHER = VirtualRouter.of(22, "VR-X", VrBackend.NETNS, "x");

    private final List<String> log = new CopyOnWriteArrayList<>();
    private final AtomicInteger markers = new AtomicInteger();
    private VrEngineTracker tracker;

    @AfterEach
    void stop() {
        if (tracker != null) {
            tracker.deactivate();
        }
    }

    /** A stand-in revision of expkt.vr: its VRs, its change listeners, each view it handed out. */
    private static final class Engine implements VrEngine {
        final String name;
        final List<VirtualRouter> vrs = new CopyOnWriteArrayList<>();
        final List<Runnable> listeners = new CopyOnWriteArrayList<>();
        final AtomicInteger inodeLookups = new AtomicInteger();

        Engine(String name, VirtualRouter... vrs) {
            this.name = name;
            this.vrs.addAll(List.of(vrs));
        }

        void add(VirtualRouter vr) {
            vrs.add(vr);
            listeners.forEach(Runnable::run);
        }

        @Override
        public VrSession session(BundleIdentity owner, String declaredVr) {
            throw new UnsupportedOperationException("no sockets in this test");
        }

        @Override
        public VrRegistryView virtualRouters(BundleIdentity owner, String declaredVr) {
            return new VrRegistryView() {
                @Override
                public VirtualRouter byName(String n) {
                    return vrs.stream().filter(v -> v.name().equalsIgnoreCase(n)).findFirst()
                            .orElseThrow(() -> new IllegalArgumentException("unknown VR \"" + n + "\" on " + name));
                }

                @Override
                public VirtualRouter byId(int id) {
                    return vrs.stream().filter(v -> v.id() == id).findFirst()
                            .orElseThrow(() -> new IllegalArgumentException("unknown VR id " + id + " on " + name));
                }

                @Override
                public List<VirtualRouter> list() {
                    return List.copyOf(vrs);
                }

                @Override
                public VirtualRouter affinity() {
                    return byName("VR-T");
                }

                @Override
                public VirtualRouter hostDefault() {
                    return MGMT;
                }

                @Override
                public Optional<VirtualRouter> byNamespaceInode(long inode) {
                    inodeLookups.incrementAndGet();
                    return inode == 42 ? Optional.of(USER) : Optional.empty();
                }

                @Override
                public AutoCloseable onVrChange(Runnable listener) {
                    listeners.add(listener);
                    return () -> listeners.remove(listener);
                }

                @Override
                public List<VrSocketDTO> vrSockets() {
                    return new ArrayList<>();
                }
            };
        }

        @Override
        public String revision() {
            return name;
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> T proxy(Class<T> type, java.util.function.BiFunction<String, Object[], Object> answer) {
        return (T) Proxy.newProxyInstance(KeptVirtualRoutersTest.class.getClassLoader(), new Class<?>[] {type},
                (p, m, a) -> m.getName().equals("hashCode") ? System.identityHashCode(p)
                        : m.getName().equals("equals") ? p == a[0] : answer.apply(m.getName(), a == null ? new Object[0] : a));
    }

    private KeptVirtualRouters service() {
        Bundle framework = proxy(Bundle.class, (m, a) -> m.equals("getState") ? Bundle.ACTIVE : null);
        BundleContext context = proxy(BundleContext.class, (m, a) -> switch (m) {
            case "getProperty" -> EngineTracker.GRACE_PROPERTY.equals(a[0]) ? Long.toString(GRACE_MS) : null;
            case "getBundle" -> framework;
            case "registerService" -> { // the ready marker, on the tracker's grace timer thread
                markers.incrementAndGet();
                yield proxy(org.osgi.framework.ServiceRegistration.class, (m2, a2) -> null);
            }
            default -> null;
        });
        Logger logger = proxy(Logger.class, (m, a) -> {
            log.add(m + " " + java.util.Arrays.toString(a));
            return null;
        });
        tracker = new VrEngineTracker(context, logger);
        ComponentContext cc = proxy(ComponentContext.class, (m, a) -> null);
        return new KeptVirtualRouters(cc, tracker, new VrEngineReady(), logger);
    }

    @Test
    void lookupsDuringTheSwapAnswerFromTheLastVrsAndListenersFollowTheNextEngine() throws Exception {
        KeptVirtualRouters service = service();
        Engine a = new Engine("A", MGMT, DEFAULT, USER);
        tracker.bindEngine(a);
        assertSame(USER, service.byName("VR-T"));
        AtomicInteger before = new AtomicInteger();
        AutoCloseable beforeHandle = service.onVrChange(before::incrementAndGet);
        assertEquals(1, a.listeners.size(), "one forwarding listener on the engine");
        a.add(OTHER);
        assertEquals(1, before.get(), "a change of the engine serving is told");
        assertEquals(List.of(MGMT, DEFAULT, USER, OTHER), service.list());

        tracker.unbindEngine(a);
        assertEquals(0, a.listeners.size(), "the engine that left is no longer followed");
        // no engine serves: answered at once from the last VRs (not waited for: well under the grace period)
        long t0 = System.nanoTime();
        assertSame(USER, service.byName("vr-t"), "matched case-insensitively, as the registry does");
        assertSame(OTHER, service.byId(22));
        assertEquals(List.of(MGMT, DEFAULT, USER, OTHER), service.list());
        assertSame(USER, service.affinity());
        assertSame(MGMT, service.hostDefault());
        long ms = (System.nanoTime() - t0) / 1_000_000L;
        assertTrue(ms < GRACE_MS / 2, "answered without waiting for an engine: " + ms + " ms");
        assertEquals(5, service.answeredDuringSwap());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> service.byName("VR-Nope"));
        assertTrue(unknown.getMessage().contains("unknown VR \"VR-Nope\"") && unknown.getMessage().contains("being updated")
                && unknown.getMessage().contains("the VRs of A"), unknown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> service.byName("ALL"));
        assertThrows(IllegalArgumentException.class, () -> service.byId(99));
        AtomicInteger during = new AtomicInteger();
        service.onVrChange(during::incrementAndGet); // registered while no engine serves

        Engine b = new Engine("B", MGMT, DEFAULT, USER); // VR-X is gone across the swap
        tracker.bindEngine(b);
        assertEquals(1, b.listeners.size());
        assertEquals(2, before.get(), "the VRs differ across the swap: told once");
        assertEquals(1, during.get(), "a listener registered during the swap is told too");
        assertEquals(List.of(MGMT, DEFAULT, USER), service.list());
        b.add(OTHER);
        assertEquals(3, before.get());
        assertEquals(2, during.get());
        a.add(VirtualRouter.of(23, "VR-Old", VrBackend.NETNS, "o"));
        assertEquals(3, before.get(), "the revision that left tells nobody");
        beforeHandle.close();
        b.add(VirtualRouter.of(24, "VR-Y", VrBackend.NETNS, "y"));
        assertEquals(3, before.get(), "a closed handle stops the calls");
        assertEquals(3, during.get());
        assertEquals(1, service.moves());
    }

    @Test
    void theSameVrsAcrossTheSwapTellNobody() throws Exception {
        KeptVirtualRouters service = service();
        Engine a = new Engine("A", MGMT, DEFAULT, USER);
        tracker.bindEngine(a);
        AtomicInteger calls = new AtomicInteger();
        service.onVrChange(calls::incrementAndGet);
        a.add(OTHER);
        assertEquals(1, calls.get(), "a change would be seen");
        tracker.unbindEngine(a);
        tracker.bindEngine(new Engine("B", MGMT, DEFAULT, USER, OTHER));
        assertEquals(1, calls.get(), "the same VRs on the next revision: no change to tell");
    }

    @Test
    void anEngineOnlyCallDuringTheSwapWaitsForTheNextEngine() throws Exception {
        KeptVirtualRouters service = service();
        Engine a = new Engine("A", MGMT, DEFAULT, USER);
        tracker.bindEngine(a);
        tracker.unbindEngine(a);
        CompletableFuture<Optional<VirtualRouter>> lookup = new CompletableFuture<>();
        Thread t = Thread.ofPlatform().name("test-inode-during-swap").start(() -> {
            try {
                lookup.complete(service.byNamespaceInode(42));
            } catch (RuntimeException e) {
                lookup.completeExceptionally(e);
            }
        });
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (t.getState() != Thread.State.TIMED_WAITING && !lookup.isDone() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertFalse(lookup.isDone(), "waits while no engine serves");
        Engine b = new Engine("B", MGMT, DEFAULT, USER);
        tracker.bindEngine(b);
        assertEquals(Optional.of(USER), lookup.get(5, TimeUnit.SECONDS));
        assertEquals(0, a.inodeLookups.get());
        assertEquals(1, b.inodeLookups.get(), "answered by the next engine");
    }

    @Test
    void noEngineWithinTheGracePeriodFailsNamingTheUpdate() {
        KeptVirtualRouters service = service();
        Engine a = new Engine("A", MGMT, DEFAULT, USER);
        tracker.bindEngine(a);
        long registered = System.nanoTime() + 5_000_000_000L;
        while (!tracker.markerRegistered() && System.nanoTime() < registered) {
            Thread.onSpinWait(); // the marker is registered on the grace timer's thread; its withdrawal ends the grace period
        }
        assertTrue(tracker.markerRegistered(), "the ready marker registered");
        assertEquals(1, markers.get());
        tracker.unbindEngine(a);
        long t0 = System.nanoTime();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> service.byNamespaceInode(42));
        long ms = (System.nanoTime() - t0) / 1_000_000L;
        assertTrue(e.getMessage().contains("did not come back within the grace period of " + GRACE_MS + " ms"), e.getMessage());
        assertTrue(ms >= GRACE_MS - 50, "waited the grace period: " + ms + " ms");
        // the grace period ended (the tracker's timer told the services): the last VRs are no longer answered
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!lookupFails(service) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        IllegalStateException gone = assertThrows(IllegalStateException.class, () -> service.byName("VR-T"));
        assertTrue(gone.getMessage().contains("expkt.vr is being updated (last: A)"), gone.getMessage());
    }

    private static boolean lookupFails(KeptVirtualRouters service) {
        try {
            service.byName("VR-T");
            return false;
        } catch (IllegalStateException e) {
            return true;
        }
    }
}
