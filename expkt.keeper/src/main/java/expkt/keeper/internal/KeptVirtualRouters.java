package expkt.keeper.internal;

import expkt.api.runtime.VrSocketDTO;
import expkt.api.spi.BundleIdentity;
import expkt.api.spi.VrEngine;
import expkt.api.spi.VrNamespaces;
import expkt.api.spi.VrRegistryView;
import expkt.api.spi.VrSocketListing;
import expkt.api.vr.VirtualRouter;
import expkt.api.vr.VirtualRouters;
import org.osgi.framework.Bundle;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ServiceScope;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The per-bundle {@link VirtualRouters} the protocols and the provider hold (bundle scope). It is the keeper's,
 * not {@code expkt.vr}'s: an update of {@code expkt.vr} does not unregister it, so a component with a static
 * reference to it is not deactivated (until 2026-12-02 {@code expkt.vr} registered it, and every such component
 * restarted with each update). Each call goes to the bundle's {@link VrRegistryView} on the current VR engine
 * ({@link VrEngine#virtualRouters}). The object also implements {@link VrNamespaces} and {@link VrSocketListing}, as
 * {@code expkt.vr}'s service object did: the provider tests {@code instanceof} on what it binds.
 *
 * <p><b>While no engine serves</b> (the swap, at most the grace period {@value EngineTracker#GRACE_PROPERTY}):
 * {@link #byName}, {@link #byId}, {@link #list}, {@link #hostDefault} and {@link #affinity} answer at once from
 * the last answers the engine that left gave (taken when it left, and after each change it announced). They are
 * not waited for, because their callers cannot afford a wait: the provider looks VRs up while it sets a socket's
 * filter up (under its own locks), the runtime DTOs and the consoles read the list; and a wait buys nothing, as
 * {@link VirtualRouter}s are plain values and the VRs are ConfigAdmin's configurations, which an update does not
 * change (the next revision adds the same VRs again). Lookups follow the registry's rules (a name is matched
 * case-insensitively, {@code ALL} is refused, an unknown one is an {@link IllegalArgumentException} naming it and
 * the update). {@link #byNamespaceInode} and {@link #vrSockets} need the engine itself (the namespaces' files, the
 * open sockets): they wait for the next engine up to the grace period, then throw
 * {@link IllegalStateException} naming the update. The registry's change listeners
 * ({@link #onVrChange}) are the keeper's: one forwarding listener is registered on each engine's view, so a
 * listener registered before, during or after a swap is called for changes of every later revision, and once
 * more when a revision arrives whose VRs differ from the last ones seen (the VRs changed across the swap).
 * When no engine comes back within the grace period, the marker {@link VrEngineReady} goes and with it this
 * service, as {@link KeptVrSockets} does.
 *
 * <p>Threading: thread-safe. {@link #engineArrived}/{@link #engineLeaving} run under the tracker's swap lock;
 * change listeners are called on the thread that changed the registry (a UserVr configuration) or on the thread
 * of the swap, outside this object's monitor: they must return at once (the provider hands its work to a thread
 * of its own), as {@link VrNamespaces#onVrChange} says.
 */
@Component(service = {VirtualRouters.class, VrNamespaces.class, VrSocketListing.class}, scope = ServiceScope.BUNDLE)
public final class KeptVirtualRouters implements VirtualRouters, VrNamespaces, VrSocketListing, VrEngineFollower {
    private final VrEngineTracker tracker;
    private final Logger log;
    private final BundleIdentity owner;
    private final String declaredVr;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    /** The current engine's view, null while none serves. */
    private volatile VrRegistryView view;
    /** The last answers an engine gave: what is answered while none serves. */
    private volatile Snapshot last;
    private volatile boolean noEngine;
    private volatile boolean released;
    private volatile long moves;
    /** Lookups answered from the last VRs while no engine served. */
    private final java.util.concurrent.atomic.LongAdder answeredDuringSwap = new java.util.concurrent.atomic.LongAdder();
    // guarded by this
    private AutoCloseable engineWatch;

    /** The last answers of one revision: VirtualRouter values, or the failure text the engine gave instead. */
    record Snapshot(String revision, List<VirtualRouter> list, VirtualRouter hostDefault, String hostDefaultError,
                    VirtualRouter affinity, String affinityError) {
    }

    @Activate
    public KeptVirtualRouters(ComponentContext context, @Reference VrEngineTracker tracker, @Reference VrEngineReady ready,
                              @Reference(service = LoggerFactory.class) Logger log) {
        Bundle b = context.getUsingBundle();
        this.owner = b == null ? BundleIdentity.outsideOsgi("(unknown)")
                : BundleIdentity.of(b.getBundleId(), String.valueOf(b.getSymbolicName()), b.getVersion().toString());
        this.declaredVr = b == null ? null : b.getHeaders("").get(KeptVrSockets.VIRTUAL_ROUTER_HEADER);
        this.tracker = tracker;
        this.log = log;
        tracker.add(this);
    }

    @Deactivate
    void deactivate() {
        tracker.remove(this);
        released = true;
        synchronized (this) {
            closeWatch();
            view = null;
        }
        listeners.clear();
        synchronized (tracker.engineChanged()) {
            tracker.engineChanged().notifyAll();
        }
    }

    // ---- VrEngineFollower (under the tracker's swap lock) ------------------------------------------

    /** A new engine serves: takes this bundle's view of it, forwards its changes; tells the listeners if the VRs differ. */
    @Override
    public int[] engineArrived(VrEngine engine) {
        VrRegistryView next;
        try {
            next = engine.virtualRouters(owner, declaredVr);
        } catch (RuntimeException e) {
            log.error("{}: no VirtualRouters on VR engine {}: the last VRs of {} are answered until the next engine", owner.withVersion(),
                    engine.revision(), last == null ? "(none)" : last.revision(), e);
            return new int[] {0, 0};
        }
        Snapshot before = last;
        boolean changed;
        synchronized (this) {
            if (released) {
                return new int[] {0, 0};
            }
            noEngine = false;
            closeWatch();
            try {
                engineWatch = next.onVrChange(() -> engineChanged(next));
            } catch (RuntimeException e) {
                log.warn("{}: VR engine {} takes no change listener: VR changes of this revision are not told: {}", owner.withVersion(),
                        engine.revision(), e.toString());
            }
            view = next;
            last = snapshot(next, engine.revision());
            changed = before != null && !before.list().equals(last.list());
            if (before != null) {
                moves++;
            }
        }
        if (changed) {
            fire(); // the VRs changed across the swap: the listeners see it as one change
        }
        return new int[] {0, 0};
    }

    /** The engine is going: keeps its last answers and stops following its changes. */
    @Override
    public int engineLeaving() {
        synchronized (this) {
            VrRegistryView v = view;
            if (v != null) {
                Snapshot s = snapshot(v, tracker.lastRevision());
                if (s != null) {
                    last = s;
                }
            }
            closeWatch();
            view = null;
        }
        return 0;
    }

    @Override
    public void noEngine() {
        noEngine = true;
    }

    /** A change the current engine announced: refresh the last answers, then tell the listeners. */
    private void engineChanged(VrRegistryView from) {
        synchronized (this) {
            if (view != from) {
                return; // a revision that left: its change is not this bundle's any more
            }
            Snapshot s = snapshot(from, tracker.lastRevision());
            if (s != null) {
                last = s;
            }
        }
        fire();
    }

    private void fire() {
        for (Runnable r : listeners) {
            try {
                r.run();
            } catch (RuntimeException e) {
                log.error("{}: a VR change listener failed: {}", owner.withVersion(), r, e);
            }
        }
    }

    private void closeWatch() {
        AutoCloseable w = engineWatch;
        engineWatch = null;
        if (w != null) {
            try {
                w.close();
            } catch (Exception e) {
                log.warn("{}: could not stop following the VR changes of {}: {}", owner.withVersion(), tracker.lastRevision(), e.toString());
            }
        }
    }

    /** The answers of {@code v} now; null if even its list fails (the last snapshot then stays). */
    private Snapshot snapshot(VrRegistryView v, String revision) {
        List<VirtualRouter> list;
        try {
            list = List.copyOf(v.list());
        } catch (RuntimeException e) {
            log.warn("{}: the VRs of {} could not be read: the ones read before are kept: {}", owner.withVersion(), revision, e.toString());
            return null;
        }
        VirtualRouter hostDefault = null;
        String hostDefaultError = null;
        try {
            hostDefault = v.hostDefault();
        } catch (RuntimeException e) {
            hostDefaultError = e.getMessage();
        }
        VirtualRouter affinity = null;
        String affinityError = null;
        try {
            affinity = v.affinity();
        } catch (RuntimeException e) {
            affinityError = e.getMessage();
        }
        return new Snapshot(revision, list, hostDefault, hostDefaultError, affinity, affinityError);
    }

    // ---- what expkt:keeper and the tests read ---------------------------------------------------------

    BundleIdentity owner() {
        return owner;
    }

    int listeners() {
        return listeners.size();
    }

    /** How many times this bundle's VirtualRouters moved to a new revision of expkt.vr. */
    long moves() {
        return moves;
    }

    /** How many lookups were answered from the last VRs while no engine served (during updates of expkt.vr). */
    long answeredDuringSwap() {
        return answeredDuringSwap.sum();
    }

    // ---- VirtualRouters -------------------------------------------------------------------------------

    @Override
    public VirtualRouter byName(String name) {
        VrRegistryView v = view;
        if (v != null) {
            return v.byName(name);
        }
        Snapshot s = lastOrFail();
        if (name == null) {
            throw new IllegalArgumentException("VR name is null");
        }
        String n = name.strip();
        if (n.equalsIgnoreCase(VirtualRouter.ALL)) {
            throw new IllegalArgumentException("VR \"" + name + "\" means every VR: only a listening socket serves ALL (VrSockets.serverSocketAllVrs)");
        }
        String key = n.toLowerCase(Locale.ROOT);
        for (VirtualRouter vr : s.list()) {
            if (vr.name().toLowerCase(Locale.ROOT).equals(key)) {
                return vr;
            }
        }
        throw new IllegalArgumentException("unknown VR \"" + name + "\"; known: " + names(s) + duringSwap(s));
    }

    @Override
    public VirtualRouter byId(int id) {
        VrRegistryView v = view;
        if (v != null) {
            return v.byId(id);
        }
        Snapshot s = lastOrFail();
        for (VirtualRouter vr : s.list()) {
            if (vr.id() == id) {
                return vr;
            }
        }
        List<Integer> ids = new ArrayList<>();
        for (VirtualRouter vr : s.list()) {
            ids.add(vr.id());
        }
        throw new IllegalArgumentException("unknown VR id " + id + "; known: " + ids + duringSwap(s));
    }

    @Override
    public List<VirtualRouter> list() {
        VrRegistryView v = view;
        return v != null ? v.list() : lastOrFail().list();
    }

    @Override
    public VirtualRouter affinity() {
        VrRegistryView v = view;
        if (v != null) {
            return v.affinity();
        }
        Snapshot s = lastOrFail();
        if (s.affinity() == null) {
            throw new IllegalArgumentException(s.affinityError() + duringSwap(s));
        }
        return s.affinity();
    }

    @Override
    public VirtualRouter hostDefault() {
        VrRegistryView v = view;
        if (v != null) {
            return v.hostDefault();
        }
        Snapshot s = lastOrFail();
        if (s.hostDefault() == null) {
            throw new IllegalArgumentException(s.hostDefaultError() + duringSwap(s));
        }
        return s.hostDefault();
    }

    // ---- VrNamespaces, VrSocketListing ------------------------------------------------------------------

    /** The engine's answer; during a swap it waits for the next engine (the namespaces' files are its to read). */
    @Override
    public Optional<VirtualRouter> byNamespaceInode(long inode) {
        return awaitView().byNamespaceInode(inode);
    }

    /** The keeper's: listeners stay registered across updates of expkt.vr (see the class). */
    @Override
    public AutoCloseable onVrChange(Runnable listener) {
        if (listener == null) {
            throw new IllegalArgumentException("listener is null");
        }
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /** The engine's open sockets; during a swap it waits for the next engine (the parked sockets are listed by it). */
    @Override
    public List<VrSocketDTO> vrSockets() {
        return awaitView().vrSockets();
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    private Snapshot lastOrFail() {
        Snapshot s = last;
        if (s == null) {
            // only before the first engine arrived, which the marker's requirement rules out in OSGi
            throw new IllegalStateException("no VR engine (expkt.vr) has served yet");
        }
        if (noEngine) {
            throw new IllegalStateException(tracker.whyNoEngine());
        }
        answeredDuringSwap.increment();
        return s;
    }

    /** The current view, waiting up to the grace period while expkt.vr is being replaced. */
    private VrRegistryView awaitView() {
        VrRegistryView v = view;
        if (v != null) {
            return v;
        }
        long deadline = tracker.graceDeadline();
        Object changed = tracker.engineChanged();
        synchronized (changed) {
            while ((v = view) == null) {
                if (released) {
                    throw new IllegalStateException("the VirtualRouters service of " + owner + " is released");
                }
                try {
                    if (noEngine || !tracker.awaitChange(deadline)) {
                        throw new IllegalStateException(tracker.whyNoEngine());
                    }
                } catch (InterruptedIOException e) {
                    throw new IllegalStateException(e.getMessage(), e);
                }
            }
        }
        return v;
    }

    private static List<String> names(Snapshot s) {
        List<String> n = new ArrayList<>();
        for (VirtualRouter vr : s.list()) {
            n.add(vr.name());
        }
        return n;
    }

    private static String duringSwap(Snapshot s) {
        return " (expkt.vr is being updated: the VRs of " + s.revision() + ")";
    }
}
