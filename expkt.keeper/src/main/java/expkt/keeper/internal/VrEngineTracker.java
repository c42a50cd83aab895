package expkt.keeper.internal;

import expkt.api.spi.VrEngine;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
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
 * Follows {@code expkt.vr}'s {@link VrEngine} service and moves every {@link KeptVrSockets} from one
 * revision to the next, as {@link EngineTracker} does for the packet engine, with the same rules: a
 * dynamic optional reference (the engine's departure deactivates nothing), the same grace period
 * ({@value EngineTracker#GRACE_PROPERTY}, read with {@link EngineTracker#grace}), no grace period when SCR or
 * the framework is stopping ({@link EngineTracker#extenderStopping}), and a marker ({@link VrEngineReady})
 * registered on a timer thread while an engine serves or is expected back, which the protocols'
 * {@code VrSockets} requires. When the engine goes, each kept socket's kernel part (a raw socket's descriptor,
 * an L3 socket's channel, an ALL socket's channels and selector) is parked; when the next comes, it adopts them.
 *
 * <p>A second tracker rather than a generic one: the two engines are independent services with their own
 * swap (an update of one must not wait for the other), and what is shared (the grace period, the
 * stopping test) is {@link EngineTracker}'s static helpers.
 *
 * <p>Threading: bind/unbind on the thread that starts or stops {@code expkt.vr}; {@link VrEngineReady} is
 * registered and unregistered on the timer thread {@code expkt-keeper-vr-grace}; one swap at a time
 * ({@code swap}, held only while engine code runs, never protocol code). A protocol thread calling during
 * the swap waits on {@link #engineChanged()} with a deadline (the grace period).
 */
@Component(service = VrEngineTracker.class, immediate = true)
public final class VrEngineTracker {
    private final ReentrantLock swap = new ReentrantLock();
    private final List<KeptVrSockets> services = new CopyOnWriteArrayList<>();
    private final Object engineChanged = new Object();
    private final Logger log;
    private final BundleContext context;
    private final long graceMillis;
    private final ScheduledExecutorService timer;
    private volatile VrEngine engine;
    private volatile String lastRevision = "(none yet)";
    private volatile String noEngineWhy;
    private volatile long swaps;
    // guarded by swap
    private ServiceRegistration<VrEngineReady> ready;
    private ScheduledFuture<?> readyEnds;
    private boolean stopped;

    @Activate
    public VrEngineTracker(BundleContext context, @Reference(service = LoggerFactory.class) Logger log) {
        this.context = context;
        this.log = log;
        this.graceMillis = EngineTracker.grace(context.getProperty(EngineTracker.GRACE_PROPERTY));
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "expkt-keeper-vr-grace");
            t.setDaemon(true);
            return t;
        });
    }

    @Deactivate
    void deactivate() {
        ServiceRegistration<VrEngineReady> r;
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
        timer.shutdownNow();
    }

    private static void unregister(ServiceRegistration<VrEngineReady> r) {
        if (r != null) {
            try {
                r.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the framework unregistered it with the bundle
            }
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindEngine(VrEngine next) {
        swap.lock();
        try {
            VrEngine previous = engine;
            if (previous != null) {
                leave();
            }
            engine = next;
            noEngineWhy = null;
            lastRevision = next.revision();
            swaps++;
            int failed = 0;
            int adopted = 0;
            for (KeptVrSockets s : services) {
                int[] r = s.engineArrived(next);
                adopted += r[0];
                failed += r[1];
            }
            if (previous != null || swaps > 1) {
                log.info("VR engine {} took over: {} bundle(s), {} socket(s) adopted{}", lastRevision, services.size(), adopted,
                        failed == 0 ? "" : ", " + failed + " could not be restored (expkt:keeper)");
            }
            if (readyEnds != null) {
                readyEnds.cancel(false);
                readyEnds = null;
            }
            if (!stopped) {
                // not on this thread: registering it activates waiting protocol components (their code)
                timer.execute(this::registerReady);
            }
        } finally {
            swap.unlock();
        }
        synchronized (engineChanged) {
            engineChanged.notifyAll();
        }
    }

    private void registerReady() {
        boolean register;
        swap.lock();
        try {
            register = ready == null && !stopped && engine != null;
        } finally {
            swap.unlock();
        }
        if (register) {
            ServiceRegistration<VrEngineReady> r = context.registerService(VrEngineReady.class, new VrEngineReady(), null);
            swap.lock();
            try {
                if (ready == null && !stopped) {
                    ready = r;
                    r = null;
                }
            } finally {
                swap.unlock();
            }
            unregister(r);
        }
    }

    void unbindEngine(VrEngine gone) {
        String stopping;
        swap.lock();
        try {
            if (engine != gone) {
                return; // bindEngine of its successor has moved everyone already
            }
            leave();
            engine = null;
            stopping = EngineTracker.extenderStopping(context);
            if (stopping != null) {
                noEngineWhy = "expkt.vr (last: " + lastRevision + ") left because " + stopping + ": no VR engine comes back before it starts again";
            } else if (ready != null && !stopped) {
                readyEnds = timer.schedule(this::noEngineCame, graceMillis, TimeUnit.MILLISECONDS);
            }
        } finally {
            swap.unlock();
        }
        if (stopping != null) {
            for (KeptVrSockets s : services) {
                s.noEngine();
            }
        }
        synchronized (engineChanged) {
            engineChanged.notifyAll();
        }
    }

    private void noEngineCame() {
        ServiceRegistration<VrEngineReady> r;
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
        for (KeptVrSockets s : services) {
            s.noEngine();
        }
        synchronized (engineChanged) {
            engineChanged.notifyAll();
        }
        log.warn("no VR engine (expkt.vr) came back within the grace period of {} ms after {} left: the protocols' VrSockets "
                + "is withdrawn (their components are deactivated until expkt.vr runs again)", graceMillis, lastRevision);
        unregister(r);
    }

    /** Under the swap lock: every service parks its kept sockets and channels and releases its session. */
    private void leave() {
        int parked = 0;
        for (KeptVrSockets s : services) {
            parked += s.engineLeaving();
        }
        log.info("VR engine {} left: {} bundle(s) wait for the next (grace {} ms), {} socket(s) parked", lastRevision,
                services.size(), graceMillis, parked);
    }

    /** Why calls waiting for a VR engine fail. */
    String whyNoEngine() {
        String why = noEngineWhy;
        return why != null ? why : "expkt.vr is being updated (last: " + lastRevision + ") and did not come back within the grace period of "
                + graceMillis + " ms (" + EngineTracker.GRACE_PROPERTY + ")";
    }

    /** Adds a service and opens its session on the engine there is now, if any (under the swap lock). */
    void add(KeptVrSockets service) {
        swap.lock();
        try {
            services.add(service);
            VrEngine now = engine;
            if (now != null) {
                service.engineArrived(now);
            }
        } finally {
            swap.unlock();
        }
    }

    void remove(KeptVrSockets service) {
        services.remove(service);
    }

    Object engineChanged() {
        return engineChanged;
    }

    long graceMillis() {
        return graceMillis;
    }

    VrEngine engine() {
        return engine;
    }

    String lastRevision() {
        return lastRevision;
    }

    long swaps() {
        return swaps;
    }

    List<KeptVrSockets> services() {
        return List.copyOf(services);
    }
}
