package expkt.keeper.internal;

import expkt.api.spi.BundleIdentity;
import expkt.api.spi.VrEngine;
import expkt.api.spi.VrSession;
import expkt.api.vr.AllVrServerSocket;
import expkt.api.vr.L3Socket;
import expkt.api.vr.RawIpSocket;
import expkt.api.vr.VirtualRouter;
import expkt.api.vr.VrSockets;
import org.osgi.framework.Bundle;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ServiceScope;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import java.io.IOException;
import java.net.ProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The per-bundle {@link VrSockets} the protocols hold (bundle scope). It is the keeper's, not
 * {@code expkt.vr}'s: an update of {@code expkt.vr} does not unregister it, so a protocol component
 * referencing it is not deactivated. Every call goes to the bundle's {@link VrSession} on the current VR
 * engine. Raw sockets are {@link KeptRawIpSocket}s: their descriptor is parked when the engine goes and
 * adopted by the next one, so the protocol keeps the same object and the same kernel socket; L3 sockets are
 * {@link KeptL3Socket}s, whose JDK channel is adopted likewise. Plain channels ({@code openDatagramChannel}
 * and its siblings: JDK objects the protocol holds itself) are parked unclosed and recorded as the owner's
 * by the next revision. {@code ALL} server sockets are {@link KeptAllVrServerSocket}s: their listening channels
 * are adopted like an L3 socket's (expkt.provider/DESIGN.md, "An update of expkt.vr").
 *
 * <p>When the using bundle stops, every socket it opened here is closed.
 *
 * <p>Threading: thread-safe. {@link #engineArrived}/{@link #engineLeaving} run under the tracker's swap lock;
 * an open racing with them is serialised on this object's monitor (engine code only runs under it).
 */
@Component(service = VrSockets.class, scope = ServiceScope.BUNDLE)
public final class KeptVrSockets implements VrSockets, VrEngineFollower {
    /** The manifest header a protocol declares its VR with (expkt.vr's VrHeaders.VIRTUAL_ROUTER). */
    static final String VIRTUAL_ROUTER_HEADER = "Expkt-VirtualRouter";

    private final VrEngineTracker tracker;
    private final Logger log;
    private final BundleIdentity owner;
    private final String declaredVr;
    private final List<KeptVrSocket<?, ?>> raws = new CopyOnWriteArrayList<>();
    /** Plain channels parked by the engine that left, for the next one (guarded by this). */
    private final List<expkt.api.spi.ParkedChannel> parkedChannels = new java.util.ArrayList<>();
    private volatile int channelsMoved;
    private volatile VrSession session;
    private volatile boolean released;
    private volatile boolean noEngine;

    @Activate
    public KeptVrSockets(ComponentContext context, @Reference VrEngineTracker tracker, @Reference VrEngineReady ready,
                         @Reference(service = LoggerFactory.class) Logger log) {
        Bundle b = context.getUsingBundle();
        this.owner = b == null ? BundleIdentity.outsideOsgi("(unknown)")
                : BundleIdentity.of(b.getBundleId(), String.valueOf(b.getSymbolicName()), b.getVersion().toString());
        this.declaredVr = b == null ? null : b.getHeaders("").get(VIRTUAL_ROUTER_HEADER);
        this.tracker = tracker;
        this.log = log;
        tracker.add(this);
    }

    @Deactivate
    void deactivate() {
        tracker.remove(this);
        VrSession s;
        int kept = 0;
        synchronized (this) {
            released = true;
            s = session;
            session = null;
            for (KeptVrSocket<?, ?> k : raws) {
                if (k.isOpen()) {
                    kept++;
                }
                k.released();
            }
            raws.clear();
            for (expkt.api.spi.ParkedChannel c : parkedChannels) {
                try {
                    c.channel().close(); // parked during a swap: no revision records it now, so it is closed here
                } catch (IOException ignored) {
                    // closing releases the descriptor even when it reports an error
                }
            }
            parkedChannels.clear();
        }
        synchronized (tracker.engineChanged()) {
            tracker.engineChanged().notifyAll();
        }
        int n = s == null ? 0 : s.release();
        if (n > 0) {
            log.info("closed {} socket(s) left open by {}", n, owner);
        } else if (kept > 0) {
            log.info("closed {} kept socket(s) left open by {} (parked during an update of expkt.vr)", kept, owner);
        }
    }

    BundleIdentity owner() {
        return owner;
    }

    /** How many plain channels moved to a new revision of expkt.vr since this service was made. */
    int channelsMoved() {
        return channelsMoved;
    }

    List<KeptVrSocket<?, ?>> kept() {
        return List.copyOf(raws);
    }

    /** A new engine serves: opens this owner's session on it, adopts the parked raw sockets; returns {adopted, failed}. */
    @Override
    public int[] engineArrived(VrEngine engine) {
        VrSession next;
        try {
            next = engine.session(owner, declaredVr);
        } catch (RuntimeException e) {
            log.error("{}: no session on VR engine {}: {} kept socket(s) cannot be restored", owner.withVersion(), engine.revision(),
                    raws.size(), e);
            for (KeptVrSocket<?, ?> k : raws) {
                k.failed(engine.revision(), e);
            }
            return new int[] {0, raws.size()};
        }
        int adopted = 0;
        int failed = 0;
        noEngine = false;
        synchronized (this) {
            if (released) {
                next.release();
                return new int[] {0, 0};
            }
            session = next;
            for (expkt.api.spi.ParkedChannel c : parkedChannels) {
                if (c.channel().isOpen()) {
                    try {
                        next.adoptChannel(c);
                        channelsMoved++;
                    } catch (RuntimeException e) {
                        log.warn("{}: {} could not take over {} channel in {}: {}", owner.withVersion(), engine.revision(), c.kind(),
                                c.vr().name(), e.toString());
                    }
                }
            }
            parkedChannels.clear();
            for (KeptVrSocket<?, ?> k : raws) {
                switch (k.replayOn(next, engine.revision())) {
                    case ADOPTED -> adopted++;
                    case FAILED -> {
                        failed++;
                        log.warn("{}: {}", owner.withVersion(), k.failureText());
                    }
                    case CLOSED -> { }
                }
            }
            raws.removeIf(k -> !k.isOpen() && k.failureText() == null);
        }
        return new int[] {adopted, failed};
    }

    /** The engine is going: parks every raw socket's descriptor, releases the session; returns how many were parked. */
    @Override
    public int engineLeaving() {
        VrSession old;
        int parked = 0;
        synchronized (this) {
            old = session;
            session = null;
            for (KeptVrSocket<?, ?> k : raws) {
                if (k.detach(old)) {
                    parked++;
                }
            }
            if (old != null) {
                try {
                    parkedChannels.addAll(old.parkChannels());
                } catch (RuntimeException e) {
                    log.warn("{}: could not park its channels: the update closes them: {}", owner.withVersion(), e.toString());
                }
            }
        }
        if (old != null) {
            int closed = old.release();
            if (closed > 0) {
                // every socket kind is kept: what is left is a socket whose parking failed (its WARN/failure says why)
                log.warn("{}: the update of expkt.vr closed {} socket(s) of this bundle that could not be parked: their calls throw "
                        + "ClosedChannelException", owner.withVersion(), closed);
            }
        }
        return parked;
    }

    @Override
    public void noEngine() {
        noEngine = true;
    }

    boolean engineGoneForGood() {
        return noEngine;
    }

    VrEngineTracker tracker() {
        return tracker;
    }

    /** This owner's session, waiting up to the grace period while expkt.vr is being replaced. */
    VrSession awaitSession() throws IOException {
        VrSession s = session;
        if (s != null) {
            return s;
        }
        long deadline = tracker.graceDeadline();
        Object changed = tracker.engineChanged();
        synchronized (changed) {
            while ((s = session) == null) {
                if (released) {
                    throw new IllegalStateException("the VrSockets service of " + owner + " is released: no more sockets");
                }
                if (noEngine || !tracker.awaitChange(deadline)) {
                    throw new IOException(tracker.whyNoEngine());
                }
            }
        }
        return s;
    }

    @Override
    public VirtualRouter affinity() {
        try {
            return awaitSession().affinity();
        } catch (IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    @Override
    public DatagramChannel openDatagramChannel(String vr, ProtocolFamily family) throws IOException {
        return awaitSession().openDatagramChannel(vr, family);
    }

    @Override
    public SocketChannel openSocketChannel(String vr, ProtocolFamily family) throws IOException {
        return awaitSession().openSocketChannel(vr, family);
    }

    @Override
    public ServerSocketChannel openServerSocketChannel(String vr, ProtocolFamily family) throws IOException {
        return awaitSession().openServerSocketChannel(vr, family);
    }

    @Override
    public L3Socket<DatagramChannel> udpSocket(String vr, ProtocolFamily family) throws IOException {
        return keep(s -> new KeptL3Socket<>(this, "udp", s.udpSocket(vr, family), tracker.lastRevision()));
    }

    @Override
    public L3Socket<SocketChannel> tcpSocket(String vr, ProtocolFamily family) throws IOException {
        return keep(s -> new KeptL3Socket<>(this, "tcp", s.tcpSocket(vr, family), tracker.lastRevision()));
    }

    @Override
    public L3Socket<ServerSocketChannel> tcpServerSocket(String vr, ProtocolFamily family) throws IOException {
        return keep(s -> new KeptL3Socket<>(this, "tcp-listen", s.tcpServerSocket(vr, family), tracker.lastRevision()));
    }

    /** An ALL server socket kept across updates of expkt.vr: the same object, the same listening channels. */
    @Override
    public AllVrServerSocket serverSocketAllVrs(ProtocolFamily family) throws IOException {
        return keep(s -> new KeptAllVrServerSocket(this, s.serverSocketAllVrs(family), tracker.lastRevision()));
    }

    /** A raw socket kept across updates of expkt.vr: the same object, the same kernel socket. */
    @Override
    public RawIpSocket rawSocket(String vr, int domain, int protocol) throws IOException {
        return keep(s -> new KeptRawIpSocket(this, s.rawSocket(vr, domain, protocol), tracker.lastRevision()));
    }

    /** Opens an engine socket on a session and wraps it in the socket the keeper keeps. */
    private interface Opener<K extends KeptVrSocket<?, ?>> {
        K open(VrSession s) throws IOException;
    }

    /** Opens on the current session (waiting for one during a swap) and keeps what it opened. */
    private <K extends KeptVrSocket<?, ?>> K keep(Opener<K> opener) throws IOException {
        while (true) {
            VrSession s = awaitSession();
            synchronized (this) {
                if (session != s) {
                    continue; // a swap came between: open on the next engine
                }
                K k = opener.open(s);
                raws.removeIf(r -> !r.isOpen() && r.failureText() == null); // closed by the protocol: no longer kept
                raws.add(k);
                return k;
            }
        }
    }

    void forget(KeptVrSocket<?, ?> socket) {
        raws.remove(socket);
    }
}
