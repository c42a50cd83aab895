package expkt.keeper.internal;

import expkt.api.handler.StateHandover;
import expkt.api.spi.PacketEngine;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Follows the provider's {@link PacketEngine} service and moves every {@link KeptPacketService} from one
 * engine revision to the next: when the engine goes, each releases its session (its engine sockets
 * close); when the next one comes, each opens a new session and replays its sockets on it. The
 * reference is dynamic and optional, so the engine's departure deactivates nothing of the keeper's, and
 * the keeper's services (what the protocols hold) stay registered across a provider update.
 *
 * <p>The protocols' {@code PacketService} is there only while an engine serves or is being replaced:
 * the tracker registers {@link EngineReady} (which {@link KeptPacketService} requires) when the first
 * engine comes, keeps it while an engine is away for up to the grace period, and unregisters it when
 * none came back in time (or the keeper stops). So a protocol is not activated on a keeper without a
 * provider (it would wait and fail), and a protocol whose provider is gone for good is deactivated, as
 * before the keeper; an update, which brings the next engine within the grace period, deactivates nothing.
 *
 * <p>The tracker starts only once the keeper's own {@link StateHandover} is registered (a reference to
 * it that takes no service object): the protocols' reference to StateHandover is optional and greedy,
 * so a protocol activated by {@link EngineReady} before StateHandover was there would be deactivated
 * and activated again a moment later to bind it (the LLDP agent sent shutdown LLDPDUs for nothing, and
 * the provider's whiteboard, binding the agent's handler meanwhile, got null from SCR: "Service factory
 * returned null", logged as an ERROR). SCR enables this component before StateHandoverComponent, so
 * without this reference it could be activated, and register EngineReady, first.
 *
 * <p>Threading: {@link #bindEngine}/{@link #unbindEngine} run on the thread that starts or stops the
 * provider; {@link EngineReady} is registered and unregistered on the grace timer's thread
 * ({@code expkt-keeper-grace}), so no protocol component is activated on the provider's thread; one swap at a time ({@code swap}, held only while engine code runs: no protocol code is
 * called under it). A protocol thread that calls a socket during the swap waits for the next engine
 * with a deadline (the grace period, {@value #GRACE_PROPERTY}), then gets an exception naming the update.
 */
@Component(service = EngineTracker.class, immediate = true)
public final class EngineTracker {
    /** The host's grace period for an update (the provider's handlers and parked sockets use it too). */
    public static final String GRACE_PROPERTY = "expkt.upgrade.grace.ms";
    static final long DEFAULT_GRACE_MILLIS = 3000;

    private final ReentrantLock swap = new ReentrantLock();
    private final List<KeptPacketService> services = new CopyOnWriteArrayList<>();
    private final Object engineChanged = new Object();
    private final Logger log;
    private final long graceMillis;
    private volatile PacketEngine engine;
    private volatile String lastRevision = "(none yet)";
    /** Why no engine will come now, when it is not the end of a grace period (SCR stopping); null otherwise. */
    private volatile String noEngineWhy;
    private volatile long swaps;
    private final BundleContext context;
    /** Runs the end of a grace period without an engine; one daemon thread, for the keeper's lifetime. */
    private final ScheduledExecutorService graceTimer;
    // guarded by swap
    private ServiceRegistration<EngineReady> ready;
    private ScheduledFuture<?> readyEnds;
    private boolean stopped;

    @Activate
    public EngineTracker(BundleContext context, @Reference(service = LoggerFactory.class) Logger log,
                         @Reference(service = StateHandover.class, target = "(component.name=expkt.keeper.internal.StateHandoverComponent)")
                         ServiceReference<StateHandover> handoverRegistered) {
        // handoverRegistered is only an ordering constraint (see the class comment): never dereferenced
        this.log = log;
        this.context = context;
        this.graceMillis = grace(context.getProperty(GRACE_PROPERTY));
        this.graceTimer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "expkt-keeper-grace");
            t.setDaemon(true);
            return t;
        });
    }

    @Deactivate
    void deactivate() {
        ServiceRegistration<EngineReady> r;
        swap.lock();
        try {
            stopped = true;
            r = ready;
            ready = null;
            if (readyEnds != null) {
                readyEnds.cancel(false);
            }
        } finally {
            swap.unlock();
        }
        unregister(r);
        graceTimer.shutdownNow();
    }

    private static void unregister(ServiceRegistration<EngineReady> r) {
        if (r != null) {
            try {
                r.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the framework unregistered it with the bundle
            }
        }
    }

    static long grace(String value) {
        if (value == null || value.isBlank()) {
            return DEFAULT_GRACE_MILLIS;
        }
        try {
            long ms = Long.parseLong(value.trim());
            if (ms >= 0) {
                return ms;
            }
        } catch (NumberFormatException ignored) {
            // falls through to the exception naming the value
        }
        throw new IllegalArgumentException(GRACE_PROPERTY + "=" + value + " is not a number of milliseconds >= 0");
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindEngine(PacketEngine next) {
        swap.lock();
        try {
            PacketEngine previous = engine;
            if (previous != null) {
                leave(previous);
            }
            engine = next;
            noEngineWhy = null;
            lastRevision = next.revision();
            swaps++;
            int failed = 0;
            for (KeptPacketService s : services) {
                failed += s.engineArrived(next);
            }
            if (previous != null || swaps > 1) {
                log.info("packet engine {} took over: {} bundle(s) replayed on it{}", lastRevision, services.size(),
                        failed == 0 ? "" : ", " + failed + " socket(s) could not be restored (expkt:keeper)");
            }
            if (readyEnds != null) {
                readyEnds.cancel(false); // came back within the grace period: the protocols stay
                readyEnds = null;
            }
        } finally {
            swap.unlock();
        }
        synchronized (engineChanged) {
            engineChanged.notifyAll();
        }
        // not on this thread: registering it activates the waiting protocol components (their code), and
        // this may be SCR activating the tracker itself (an engine already there): a protocol's
        // PacketService would then need this tracker while it is being activated ("Circular reference
        // detected"). The grace timer's thread runs it, in order with the end of a grace period.
        swap.lock();
        try {
            if (!stopped) {
                graceTimer.execute(this::registerReady);
            }
        } finally {
            swap.unlock();
        }
    }

    /** Registers {@link EngineReady} if an engine serves and it is not registered yet (on the grace timer's thread). */
    private void registerReady() {
        boolean register;
        swap.lock();
        try {
            register = ready == null && !stopped && engine != null;
        } finally {
            swap.unlock();
        }
        if (register) {
            ServiceRegistration<EngineReady> r = context.registerService(EngineReady.class, new EngineReady(), null);
            swap.lock();
            try {
                if (ready == null && !stopped) {
                    ready = r;
                    r = null;
                }
            } finally {
                swap.unlock();
            }
            unregister(r); // stopped meanwhile
        }
    }

    void unbindEngine(PacketEngine gone) {
        String stopping;
        swap.lock();
        try {
            if (engine != gone) {
                return; // bindEngine of its successor has moved everyone already
            }
            leave(gone);
            engine = null;
            stopping = extenderStopping();
            if (stopping != null) {
                // no grace period: a protocol call waiting for the replay would hold SCR's stop (it disposes the
                // protocols after the provider) for the whole period, for an engine that cannot come before SCR
                // starts again, and the keeper's own components go with SCR anyway
                noEngineWhy = "the packet provider (last: " + lastRevision + ") left because " + stopping
                        + ": no engine comes back before it starts again";
            } else if (ready != null && !stopped) {
                readyEnds = graceTimer.schedule(this::noEngineCame, graceMillis, TimeUnit.MILLISECONDS);
            }
        } finally {
            swap.unlock();
        }
        if (stopping != null) {
            for (KeptPacketService s : services) {
                s.noEngine();
            }
            log.info("packet engine {} left because {}: the protocols' calls fail at once instead of waiting {} ms for it",
                    lastRevision, stopping, graceMillis);
        }
        synchronized (engineChanged) {
            engineChanged.notifyAll();
        }
    }

    /**
     * "SCR (bundle 13) is stopping" when the extender that runs this bundle's components (and the provider's) is
     * stopping (its update or refresh), or the framework is; null otherwise (an update of the provider: its engine
     * comes back within the grace period).
     */
    private String extenderStopping() {
        return extenderStopping(context);
    }

    /** {@link #extenderStopping()} for any of the keeper's trackers ({@link VrEngineTracker} too). */
    static String extenderStopping(BundleContext context) {
        try {
            if (context.getBundle(0).getState() == Bundle.STOPPING) {
                return "the framework is stopping";
            }
            BundleWiring wiring = context.getBundle().adapt(BundleWiring.class);
            if (wiring != null) {
                for (BundleWire w : wiring.getRequiredWires("osgi.extender")) {
                    Bundle scr = w.getProvider().getBundle();
                    if (scr.getState() == Bundle.STOPPING) {
                        return scr.getSymbolicName() + " (bundle " + scr.getBundleId() + ") is stopping";
                    }
                }
            }
            return null;
        } catch (IllegalStateException e) {
            return "the keeper is stopping"; // its context is gone
        }
    }

    /** Why calls waiting for an engine fail: the end of the grace period, or an engine that cannot come now. */
    String whyNoEngine() {
        String why = noEngineWhy;
        return why != null ? why : "the packet provider is being updated (last: " + lastRevision
                + ") and did not come back within the grace period of " + graceMillis + " ms (" + GRACE_PROPERTY + ")";
    }

    /** The grace period ended without an engine: the protocols' PacketService goes (they are deactivated). */
    private void noEngineCame() {
        ServiceRegistration<EngineReady> r;
        swap.lock();
        try {
            if (engine != null || readyEnds == null) {
                return;
            }
            readyEnds = null;
            r = ready;
            ready = null;
        } finally {
            swap.unlock();
        }
        for (KeptPacketService s : services) {
            s.noEngine();
        }
        synchronized (engineChanged) {
            engineChanged.notifyAll();
        }
        log.warn("no packet engine came back within the grace period of {} ms after {} left: the protocols' packet "
                + "service is withdrawn (their components are deactivated until a provider runs again)", graceMillis, lastRevision);
        unregister(r);
    }

    private void leave(PacketEngine gone) {
        for (KeptPacketService s : services) {
            s.engineLeaving();
        }
        log.info("packet engine {} left: {} bundle(s) wait for the next (grace {} ms)", lastRevision, services.size(),
                graceMillis);
    }

    /** Adds a service and opens its session on the engine there is now, if any (under the swap lock). */
    void add(KeptPacketService service) {
        swap.lock();
        try {
            services.add(service);
            PacketEngine now = engine;
            if (now != null) {
                service.engineArrived(now);
            }
        } finally {
            swap.unlock();
        }
    }

    void remove(KeptPacketService service) {
        services.remove(service);
    }

    /** Notified when an engine came or went, a socket was replayed or failed: wakes the threads waiting for their replay. */
    Object engineChanged() {
        return engineChanged;
    }

    long graceMillis() {
        return graceMillis;
    }

    /** The engine serving now, or null during an update. */
    PacketEngine engine() {
        return engine;
    }

    String lastRevision() {
        return lastRevision;
    }

    /** How many engines took over since the keeper started (1: the first one, never updated). */
    long swaps() {
        return swaps;
    }

    List<KeptPacketService> services() {
        return List.copyOf(services);
    }
}
