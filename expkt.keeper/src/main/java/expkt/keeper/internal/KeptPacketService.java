package expkt.keeper.internal;

import expkt.api.packet.PacketSelector;
import expkt.api.packet.PacketService;
import expkt.api.packet.PacketSocket;
import expkt.api.packet.Port;
import expkt.api.packet.RxMode;
import expkt.api.packet.Vlan;
import expkt.api.spi.BundleIdentity;
import expkt.api.spi.EngineSession;
import expkt.api.spi.PacketEngine;
import org.osgi.framework.Bundle;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ServiceScope;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

/**
 * The per-bundle {@link PacketService} the protocols hold (bundle scope: one instance per using bundle).
 * It is the keeper's, not the provider's: an update of the provider does not unregister it, so the
 * protocol's component is not deactivated. Each socket it hands out is a {@link KeptSocket} that
 * forwards to a socket of the current engine's session and is replayed on the next engine after an
 * update (its filters, callback and options, in order). Each selector it hands out is a {@link KeptSelector}
 * that keeps its keys and is registered again on the next engine's selector after the sockets were replayed
 * (a blocked {@code select} waits for it and goes on).
 *
 * <p>When the using bundle stops, the framework releases this instance: every socket the bundle opened is
 * closed with its filters and kernel rules, even if its code never closed them; or, while the bundle is
 * STOPPING for an update (a refresh, a transient stop: its next revision will start), parked by the engine
 * for the bundle's next revision for the grace period {@code expkt.upgrade.grace.ms}
 * (README-handlers.md, "Callback sockets").
 *
 * <p>Threading: thread-safe. {@link #engineArrived}/{@link #engineLeaving} run under the tracker's swap
 * lock; an open that races with them is serialised on this instance's monitor (engine code only, never
 * protocol code, runs under it).
 */
@Component(service = PacketService.class, scope = ServiceScope.BUNDLE)
public final class KeptPacketService implements PacketService {
    private final EngineTracker tracker;
    private final Logger log;
    private final BundleIdentity owner;
    private final BooleanSupplier ownerStopping;
    private final List<KeptSocket> sockets = new CopyOnWriteArrayList<>();
    private final List<KeptSelector> selectors = new CopyOnWriteArrayList<>();
    /** What a {@link KeptSelector} needs of this service and the tracker. */
    private final KeptSelector.Owner selectorOwner = new KeptSelector.Owner() {
        @Override
        public Object changed() {
            return tracker.engineChanged();
        }

        @Override
        public long graceMillis() {
            return tracker.graceMillis();
        }

        @Override
        public boolean engineGoneForGood() {
            return noEngine;
        }

        @Override
        public String lastRevision() {
            return tracker.lastRevision();
        }

        @Override
        public String whyNoEngine() {
            return tracker.whyNoEngine();
        }

        @Override
        public void closed(KeptSelector selector) {
            selectors.remove(selector);
        }

        @Override
        public void refused(String what, Exception cause) {
            log.warn("{}: {}", what, String.valueOf(cause), cause);
        }
    };
    private volatile EngineSession session;
    /** What the last session answered: {@link #ports()} and {@link #vlans()} answer it while an update is under way. */
    private volatile List<Port> lastPorts = List.of();
    private volatile List<Vlan> lastVlans = List.of();
    private volatile boolean released;
    /** No engine came back within the grace period: calls fail at once instead of waiting. */
    private volatile boolean noEngine;

    @Activate
    public KeptPacketService(ComponentContext context, @Reference EngineTracker tracker, @Reference EngineReady ready,
                             @Reference(service = LoggerFactory.class) Logger log) {
        Bundle b = context.getUsingBundle();
        this.owner = b == null ? BundleIdentity.outsideOsgi("(unknown)")
                : BundleIdentity.of(b.getBundleId(), String.valueOf(b.getSymbolicName()), b.getVersion().toString());
        // a socket closed while the bundle is STOPPING for an update is parked for its next revision. An
        // operator's stop (Bundle.stop(), Gogo "stop N") first marks the bundle not persistently started:
        // no revision is coming, so its sockets are closed at once, as the host promises for a stopped bundle
        this.ownerStopping = b == null ? () -> false : () -> b.getState() == Bundle.STOPPING && startsAgain(b);
        this.tracker = tracker;
        this.log = log;
        tracker.add(this);
    }

    /**
     * Whether a STOPPING bundle is to start again: an update, a refresh and a transient stop leave it
     * persistently started (Felix marks it stopped before STOPPING only for a persistent stop).
     */
    static boolean startsAgain(Bundle b) {
        BundleStartLevel level = b.adapt(BundleStartLevel.class);
        return level != null && level.isPersistentlyStarted();
    }

    @Deactivate
    void deactivate() {
        tracker.remove(this);
        EngineSession s;
        synchronized (this) {
            released = true;
            for (KeptSelector sel : selectors) {
                sel.close(); // the host owns what it gave out: a select blocked in the owner's thread returns
            }
            selectors.clear();
            s = session;
            session = null;
            for (KeptSocket k : sockets) {
                k.released();
            }
            sockets.clear();
        }
        synchronized (tracker.engineChanged()) {
            tracker.engineChanged().notifyAll(); // a thread waiting for a replay sees the release
        }
        int n = s == null ? 0 : s.release();
        if (n > 0) {
            log.info("{} released the packet service with {} socket(s) still open: closed them with their filters",
                    owner.withVersion(), n);
        }
    }

    BundleIdentity owner() {
        return owner;
    }

    List<KeptSocket> sockets() {
        return List.copyOf(sockets);
    }

    /** A new engine serves: opens this owner's session on it and replays every socket; returns how many failed. */
    int engineArrived(PacketEngine engine) {
        EngineSession next;
        try {
            next = engine.session(owner, ownerStopping);
        } catch (IOException | RuntimeException e) {
            log.error("{}: no session on packet engine {}: {} socket(s) cannot be restored", owner.withVersion(),
                    engine.revision(), sockets.size(), e);
            for (KeptSocket k : sockets) {
                k.failed(engine.revision(), e);
            }
            return sockets.size();
        }
        int failed = 0;
        noEngine = false;
        synchronized (this) {
            if (released) {
                next.release();
                return 0;
            }
            session = next;
            try {
                lastPorts = next.ports();
                lastVlans = next.vlans();
            } catch (RuntimeException e) {
                // answered again on the next call
            }
            for (KeptSocket k : sockets) {
                if (!k.replayOn(next, engine.revision())) {
                    failed++;
                }
            }
            // after the sockets: each kept socket's registration goes to its replayed engine socket
            for (KeptSelector sel : selectors) {
                try {
                    sel.attach(next.selector());
                } catch (IOException | RuntimeException e) {
                    log.error("{}: no selector on packet engine {}: {} waits, then fails its select naming the update",
                            owner.withVersion(), engine.revision(), sel, e);
                }
            }
        }
        return failed;
    }

    /** The engine is going: releases this owner's session on it (its engine sockets close; the kept ones wait). */
    void engineLeaving() {
        EngineSession old;
        synchronized (this) {
            old = session;
            if (old != null) {
                try {
                    lastPorts = old.ports();
                    lastVlans = old.vlans();
                } catch (RuntimeException e) {
                    // keeps the lists answered before
                }
            }
            session = null;
            for (KeptSelector sel : selectors) {
                sel.detach(); // before the release closes the engine's selector under a blocked select
            }
            for (KeptSocket k : sockets) {
                k.detach(old);
            }
        }
        if (old != null) {
            old.release();
        }
    }

    /** The next engine could not adopt {@code socket}'s parked kernel part: it opens a new one (its queued frames are lost). */
    void adoptionFailed(KeptSocket socket, String revision, Exception cause) {
        log.warn("{}: {} could not take over the kernel part of {} parked by the previous engine, opening a new socket: {}",
                owner.withVersion(), revision, socket, cause.toString());
    }

    /** The grace period ended without an engine: waiting calls fail now (the service is withdrawn next). */
    void noEngine() {
        noEngine = true;
    }

    boolean engineGoneForGood() {
        return noEngine;
    }

    void forget(KeptSocket socket) {
        sockets.remove(socket);
    }

    @Override
    public PacketSocket socket(int domain, int type, int protocol) throws IOException {
        return keep(RxMode.THROUGHPUT, s -> s.socket(domain, type, protocol));
    }

    @Override
    public PacketSocket open() throws IOException {
        return keep(RxMode.THROUGHPUT, PacketService::open);
    }

    @Override
    public PacketSocket open(RxMode mode) throws IOException {
        if (mode == null) {
            throw new IllegalArgumentException("receive mode is null (THROUGHPUT or LATENCY)");
        }
        return keep(mode, s -> s.open(mode));
    }

    private interface Opener {
        PacketSocket open(EngineSession s) throws IOException;
    }

    private KeptSocket keep(RxMode mode, Opener opener) throws IOException {
        while (true) {
            EngineSession s = awaitSession();
            synchronized (this) {
                if (session != s) {
                    continue; // an engine swap came between: open on the next one
                }
                PacketSocket engineSocket = opener.open(s);
                KeptSocket k = new KeptSocket(this, tracker, mode, engineSocket, tracker.lastRevision());
                sockets.add(k);
                return k;
            }
        }
    }

    /**
     * A selector that survives a provider update: a {@link KeptSelector} keeping its keys and forwarding to a
     * selector of the current engine, registered again on the next one after an update (a blocked
     * {@code select} waits for it). Closed with this service when the owner's bundle stops.
     */
    @Override
    public PacketSelector selector() throws IOException {
        while (true) {
            EngineSession s = awaitSession();
            synchronized (this) {
                if (session != s) {
                    continue; // an engine swap came between: open on the next one
                }
                KeptSelector k = new KeptSelector(owner.withVersion(), selectorOwner, s.selector());
                selectors.add(k);
                return k;
            }
        }
    }

    List<KeptSelector> selectors() {
        return List.copyOf(selectors);
    }

    /** The data plane's ports; while the provider is being updated, the list its last revision answered (never blocks). */
    @Override
    public List<Port> ports() {
        EngineSession s = session;
        if (s == null) {
            return lastPorts;
        }
        List<Port> p = s.ports();
        lastPorts = p;
        return p;
    }

    /** The data plane's VLANs; while the provider is being updated, the list its last revision answered. */
    @Override
    public List<Vlan> vlans() {
        EngineSession s = session;
        if (s == null) {
            return lastVlans;
        }
        List<Vlan> v = s.vlans();
        lastVlans = v;
        return v;
    }

    /** This owner's session, waiting up to the grace period while the engine is being replaced. */
    EngineSession awaitSession() throws IOException {
        EngineSession s = session;
        if (s != null) {
            return s;
        }
        long deadline = tracker.graceDeadline();
        Object changed = tracker.engineChanged();
        synchronized (changed) {
            while ((s = session) == null) {
                if (released) {
                    throw new IllegalStateException("the packet service of " + owner.withVersion()
                            + " was released (the bundle stopped)");
                }
                if (noEngine || !tracker.awaitChange(deadline)) {
                    throw new IOException(tracker.whyNoEngine());
                }
            }
        }
        return s;
    }
}
