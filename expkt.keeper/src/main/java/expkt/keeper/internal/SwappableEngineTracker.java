package expkt.keeper.internal;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.log.Logger;

import java.io.InterruptedIOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What {@link EngineTracker} (the provider's packet engine) and {@link VrEngineTracker} ({@code expkt.vr}'s VR engine)
 * do alike to move the keeper's services from one revision of their engine to the next: the list of services
 * (added with the engine there is now, under the swap lock), the swap itself (the services leave the old engine
 * and arrive on the next), the monitor that wakes calls waiting for the next engine, the grace period
 * ({@value EngineTracker#GRACE_PROPERTY}; none when SCR or the framework is stopping,
 * {@link EngineTracker#extenderStopping(BundleContext)}), and the ready marker the protocols' service requires:
 * registered on the grace timer's thread while an engine serves or is expected back, unregistered when none came
 * back within the grace period or the tracker stops. A subclass says what its services do when the engine comes,
 * goes or will not come back, and what it logs.
 *
 * <p>Each tracker is its own instance with its own lock, monitor and timer: the two engines are independent
 * services, and an update of one must not wait for the other's swap. The subclass is the DS component:
 * annotations are not inherited, so its {@code @Activate} constructor, {@code @Reference} bind/unbind methods and
 * {@code @Deactivate} call {@link #engineBound}, {@link #engineUnbound} and {@link #stop}.
 *
 * <p>Threading: {@link #engineBound}/{@link #engineUnbound} run on the thread that starts or stops the engine's
 * bundle; the ready marker is registered and unregistered on the grace timer's thread (never inline: registering
 * it activates protocol components, their code, and the bind may be SCR activating the tracker itself, which a
 * protocol's service would then need while it is being activated, SCR's "Circular reference detected"); one swap
 * at a time ({@code swap}, held only while engine code runs, never protocol code). A protocol thread calling during
 * the swap waits on {@link #engineChanged()} with a deadline (the grace period).
 *
 * @param <E> the engine service followed
 * @param <S> the keeper's service moved from one revision of it to the next
 */
abstract class SwappableEngineTracker<E, S> {
    private final ReentrantLock swap = new ReentrantLock();
    private final List<S> services = new CopyOnWriteArrayList<>();
    private final Object engineChanged = new Object();
    final Logger log;
    final BundleContext context;
    private final long graceMillis;
    /** Runs the ready marker's registration and the end of a grace period; one daemon thread, for the tracker's lifetime. */
    private final ScheduledExecutorService graceTimer;
    private volatile E engine;
    private volatile String lastRevision = "(none yet)";
    /** Why no engine will come now, when it is not the end of a grace period (SCR stopping); null otherwise. */
    private volatile String noEngineWhy;
    private volatile long swaps;
    // guarded by swap
    private ServiceRegistration<?> ready;
    private ScheduledFuture<?> readyEnds;
    private boolean stopped;

    /** Reads the grace period (an invalid value fails the activation) and starts the grace timer's thread {@code timerThread}. */
    SwappableEngineTracker(BundleContext context, Logger log, String timerThread) {
        this.log = log;
        this.context = context;
        this.graceMillis = EngineTracker.grace(context.getProperty(EngineTracker.GRACE_PROPERTY));
        this.graceTimer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, timerThread);
            t.setDaemon(true);
            return t;
        });
    }

    // ---- what the kind does -----------------------------------------------------------------------

    /** The engine's revision, as named in logs and failures. */
    abstract String revision(E engine);

    /** Under the swap lock: every service leaves the engine going and logs it. */
    abstract void leave();

    /** Under the swap lock: every service arrives on {@code next}; logged when it is an update ({@code update}). */
    abstract void arrive(E next, boolean update);

    /** Under the swap lock: {@code service}, added while {@code now} serves, opens its session on it. */
    abstract void openOn(S service, E now);

    /** No engine comes before the grace period ends: {@code service}'s waiting calls fail at once. */
    abstract void noEngine(S service);

    /** The engine as failures name it ("the packet provider", "expkt.vr"). */
    abstract String engineName();

    /** Why no engine comes after it left because {@code stopping} (SCR or the framework stopping). */
    abstract String leftForGood(String stopping);

    /** Called after the services were told, when the engine left because {@code stopping}; nothing by default. */
    void loggedLeftForGood(String stopping) {
    }

    /** Logs that no engine came back within the grace period (the marker, and with it the protocols, go). */
    abstract void warnNoEngineCame();

    /** Registers the ready marker the protocols' service requires (on the grace timer's thread). */
    abstract ServiceRegistration<?> registerMarker();

    // ---- the swap ---------------------------------------------------------------------------------

    /** The next engine (or the first) takes over: the services leave the one before, if any, and arrive on it. */
    final void engineBound(E next) {
        swap.lock();
        try {
            E previous = engine;
            if (previous != null) {
                leave();
            }
            engine = next;
            noEngineWhy = null;
            lastRevision = revision(next);
            swaps++;
            arrive(next, previous != null || swaps > 1);
            if (readyEnds != null) {
                readyEnds.cancel(false); // came back within the grace period: the protocols stay
                readyEnds = null;
            }
        } finally {
            swap.unlock();
        }
        notifyChanged();
        // not on this thread: registering it activates the waiting protocol components (their code), and
        // this may be SCR activating the tracker itself (an engine already there): a protocol's service would
        // then need this tracker while it is being activated ("Circular reference detected"). The grace
        // timer's thread runs it, in order with the end of a grace period.
        swap.lock();
        try {
            if (!stopped) {
                graceTimer.execute(this::registerReady);
            }
        } finally {
            swap.unlock();
        }
    }

    /** Registers the ready marker if an engine serves and it is not registered yet (on the grace timer's thread). */
    private void registerReady() {
        boolean register;
        swap.lock();
        try {
            register = ready == null && !stopped && engine != null;
        } finally {
            swap.unlock();
        }
        if (register) {
            ServiceRegistration<?> r = registerMarker();
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

    /** The engine goes: the services leave it and wait for the next up to the grace period, or not at all when SCR stops. */
    final void engineUnbound(E gone) {
        String stopping;
        swap.lock();
        try {
            if (engine != gone) {
                return; // the bind of its successor has moved everyone already
            }
            leave();
            engine = null;
            stopping = EngineTracker.extenderStopping(context);
            if (stopping != null) {
                // no grace period: a protocol call waiting for the replay would hold SCR's stop (it disposes the
                // protocols after the engine's bundle) for the whole period, for an engine that cannot come before
                // SCR starts again, and the keeper's own components go with SCR anyway
                noEngineWhy = leftForGood(stopping);
            } else if (ready != null && !stopped) {
                readyEnds = graceTimer.schedule(this::noEngineCame, graceMillis, TimeUnit.MILLISECONDS);
            }
        } finally {
            swap.unlock();
        }
        if (stopping != null) {
            for (S s : services) {
                noEngine(s);
            }
            loggedLeftForGood(stopping);
        }
        notifyChanged();
    }

    /** The grace period ended without an engine: the ready marker goes, and with it the protocols' service. */
    private void noEngineCame() {
        ServiceRegistration<?> r;
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
        for (S s : services) {
            noEngine(s);
        }
        notifyChanged();
        warnNoEngineCame();
        unregister(r);
    }

    /** The tracker's component is deactivated: the marker goes, the grace timer stops. */
    final void stop() {
        ServiceRegistration<?> r;
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

    private static void unregister(ServiceRegistration<?> r) {
        if (r != null) {
            try {
                r.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the framework unregistered it with the bundle
            }
        }
    }

    private void notifyChanged() {
        synchronized (engineChanged) {
            engineChanged.notifyAll();
        }
    }

    // ---- the services and what they read ---------------------------------------------------------

    /** Why calls waiting for an engine fail: the end of the grace period, or an engine that cannot come now. */
    final String whyNoEngine() {
        String why = noEngineWhy;
        return why != null ? why : engineName() + " is being updated (last: " + lastRevision
                + ") and did not come back within the grace period of " + graceMillis + " ms (" + EngineTracker.GRACE_PROPERTY + ")";
    }

    /** Adds a service and opens its session on the engine there is now, if any (under the swap lock). */
    final void add(S service) {
        swap.lock();
        try {
            services.add(service);
            E now = engine;
            if (now != null) {
                openOn(service, now);
            }
        } finally {
            swap.unlock();
        }
    }

    final void remove(S service) {
        services.remove(service);
    }

    /** The services, as the swap iterates them (a copy-on-write list: the subclass reads it, never changes it). */
    final List<S> live() {
        return services;
    }

    /** Notified when an engine came or went, a socket was replayed or failed: wakes the threads waiting for their replay. */
    final Object engineChanged() {
        return engineChanged;
    }

    final long graceMillis() {
        return graceMillis;
    }

    /** When a call that meets the update now stops waiting for the next engine: the grace period from now ({@link System#nanoTime}). */
    final long graceDeadline() {
        return System.nanoTime() + graceMillis * 1_000_000L;
    }

    /**
     * One wait on {@link #engineChanged()}, whose monitor the caller holds, for what is left until {@code deadline}
     * ({@link #graceDeadline()}): false, without waiting, when nothing is left. The caller tests its condition again
     * after each wait (a notify or a spurious wake-up). Interrupted: the interrupt is kept and an
     * {@code InterruptedIOException} names the update. Allocates nothing unless interrupted.
     */
    final boolean awaitChange(long deadline) throws InterruptedIOException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            return false;
        }
        try {
            engineChanged.wait(Math.max(1, left / 1_000_000L));
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while " + engineName() + " was being updated");
        }
        return true;
    }

    /** Whether the ready marker is registered now (its withdrawal ends a grace period: tests wait for it). */
    final boolean markerRegistered() {
        swap.lock();
        try {
            return ready != null;
        } finally {
            swap.unlock();
        }
    }

    /** The engine serving now, or null during an update. */
    final E engine() {
        return engine;
    }

    final String lastRevision() {
        return lastRevision;
    }

    /** How many engines took over since the keeper started (1: the first one, never updated). */
    final long swaps() {
        return swaps;
    }

    final List<S> services() {
        return List.copyOf(services);
    }
}
