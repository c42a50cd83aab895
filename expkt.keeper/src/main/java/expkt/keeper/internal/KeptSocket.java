package expkt.keeper.internal;

import expkt.api.net.SlotPort;
import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Filter;
import expkt.api.packet.FrameClaim;
import expkt.api.packet.FrameView;
import expkt.api.packet.PacketCallback;
import expkt.api.packet.PacketSocket;
import expkt.api.packet.PartialSendException;
import expkt.api.packet.RxMode;
import expkt.api.spi.EngineSession;
import expkt.linux.Selectable;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A protocol's packet socket as the keeper holds it: it forwards every call to a socket of the current
 * engine ({@link #delegate}) and records what the protocol asked of it — the receive mode, the options,
 * the filters in order, the callback — so that after a provider update it is replayed on the next engine
 * ({@link #replayOn}) and the protocol keeps the same object, the same callback and continuous drop
 * counts.
 *
 * <p>Calls during an update: the old engine's socket keeps answering until it is closed; a call that
 * fails because it was closed for the update waits (up to the grace period) for the replay and is made
 * again on the new socket — a send that failed was not sent, so nothing is sent twice. A socket that
 * cannot be replayed (the new engine refuses a filter, say) fails every later call with an exception
 * naming the revision and the cause, and {@code expkt:keeper} lists it.
 *
 * <p>Threading: as the engine's socket for the data calls (receive, send: no lock, one volatile read);
 * the calls that change what is recorded (filters, callback, options, close) and the replay are
 * serialised on this object.
 */
public final class KeptSocket implements PacketSocket, Selectable {
    private final KeptPacketService service;
    private final EngineTracker tracker;
    private final RxMode mode;

    private volatile PacketSocket delegate;
    /** The engine socket being replaced while an update is under way, else null. */
    private volatile PacketSocket leaving;
    private volatile boolean closed;
    private volatile Exception failure;
    private volatile String servedBy;
    private volatile String failedOn;
    private volatile long dropsBefore;
    private volatile int replays;
    /** The token the leaving engine parks this socket's kernel part under (0: none); the replay adopts it. */
    private long handoverToken;
    /** How many replays adopted the kernel part (the ring's frames kept), not a new socket. */
    private volatile int adoptions;

    // the record: guarded by this
    private final List<Filter> filters = new ArrayList<>();
    private final List<int[]> options = new ArrayList<>();
    private Boolean blocking;
    private Duration timeout;
    private boolean timeoutSet;
    /** The protocol's callback, given this socket: what the replay sets up again (null: none). */
    private PacketCallback forwarder;
    private int callbackBufSize;
    private int callbackFlags;

    KeptSocket(KeptPacketService service, EngineTracker tracker, RxMode mode, PacketSocket delegate, String servedBy) {
        this.service = service;
        this.tracker = tracker;
        this.mode = mode;
        this.delegate = delegate;
        this.servedBy = servedBy;
    }

    // ---- the swap ---------------------------------------------------------------------------------

    /** The engine is going: the socket it serves keeps answering until it is closed; later calls wait for the replay. */
    synchronized void detach(EngineSession old) {
        PacketSocket d = delegate;
        if (d == null || closed) {
            return;
        }
        leaving = d;
        handoverToken = 0;
        if (old != null) {
            try {
                handoverToken = old.handoverToken(d); // its close then parks the fd and ring for the next engine
            } catch (RuntimeException e) {
                // an engine without the handover: the replay opens a new socket
            }
        }
        try {
            dropsBefore += d.drops();
        } catch (RuntimeException e) {
            // the count of a socket already failing is lost, not the update
        }
    }

    /** Opens this socket again on {@code session} with what was recorded; false (and failed) if it could not be. */
    synchronized boolean replayOn(EngineSession session, String revision) {
        if (closed) {
            return true;
        }
        PacketSocket next = null;
        try {
            long token = handoverToken;
            handoverToken = 0;
            if (token != 0) {
                try {
                    next = session.adopt(token, mode); // the frames queued in its ring during the swap come first
                    adoptions++;
                } catch (IOException | RuntimeException e) {
                    next = null;
                    service.adoptionFailed(this, revision, e);
                }
            }
            if (next == null) {
                next = session.open(mode);
            }
            for (int[] o : options) {
                next.setsockopt(o[0], o[1], o[2]);
            }
            if (blocking != null) {
                next.setBlocking(blocking);
            }
            if (timeoutSet) {
                next.setTimeout(timeout);
            }
            for (Filter f : filters) {
                next.setupFilter(f);
            }
            if (forwarder != null) {
                next.setCallback(forwarder, callbackBufSize, callbackFlags);
            }
        } catch (IOException | RuntimeException e) {
            if (next != null) {
                next.close();
            }
            failed(revision, e);
            return false;
        }
        delegate = next;
        leaving = null;
        failure = null;
        servedBy = revision;
        replays++;
        return true;
    }

    void failed(String revision, Exception cause) {
        failedOn = revision;
        failure = cause;
        leaving = null;
        synchronized (tracker.engineChanged()) {
            tracker.engineChanged().notifyAll();
        }
    }

    /** The owner's service was released: the engine's session closes (or parks) the engine socket. */
    void released() {
        closed = true;
    }

    /**
     * The socket to make a failed call again on, if the call failed because of an update; else the
     * call's own exception. Waits up to the grace period for the replay.
     */
    private PacketSocket replacementFor(PacketSocket used, Exception e) throws IOException {
        if (closed) {
            throw rethrow(e);
        }
        PacketSocket now = delegate;
        if (now != used) {
            return now; // replayed since the call began
        }
        if (leaving != used) {
            if (failure != null) {
                throw restoreFailure();
            }
            throw rethrow(e); // not an update: the engine's own answer
        }
        long deadline = tracker.graceDeadline();
        Object changed = tracker.engineChanged();
        synchronized (changed) {
            while (delegate == used && failure == null && !closed) {
                if (service.engineGoneForGood() || !tracker.awaitChange(deadline)) {
                    throw new IOException("socket " + this + ": " + tracker.whyNoEngine(), e);
                }
            }
        }
        if (closed) {
            throw rethrow(e);
        }
        if (failure != null) {
            throw restoreFailure();
        }
        return delegate;
    }

    private IOException restoreFailure() {
        Exception f = failure;
        return new IOException("socket " + this + " could not be restored on " + failedOn
                + " after the provider's update: " + f.getMessage(), f);
    }

    private static IOException rethrow(Exception e) {
        if (e instanceof RuntimeException r) {
            throw r;
        }
        return (IOException) e;
    }

    /** The socket calls go to now; fails if the replay failed. */
    private PacketSocket current() throws IOException {
        if (failure != null) {
            throw restoreFailure();
        }
        return delegate;
    }

    // ---- what operators see ----------------------------------------------------------------------

    /** The engine revision serving this socket now ({@link expkt.api.spi.PacketEngine#revision()}). */
    String servedBy() {
        return servedBy;
    }

    /** Why the last replay failed, or null. */
    String failureText() {
        Exception f = failure;
        return f == null ? null : failedOn + ": " + f;
    }

    int replays() {
        return replays;
    }

    /** How many of the replays took the previous engine's kernel part over (fd and ring kept). */
    int adoptions() {
        return adoptions;
    }

    String ownerName() {
        return service.owner().withVersion();
    }

    // ---- PacketSocket ----------------------------------------------------------------------------

    @Override
    public void setupFilter(Filter filter) throws IOException {
        PacketSocket d = current();
        try {
            d.setupFilter(filter);
        } catch (IOException | RuntimeException e) {
            replacementFor(d, e);
            setupFilter(filter); // replayed meanwhile, without this filter: set it up on the new socket
            return;
        }
        synchronized (this) {
            if (delegate == d) {
                filters.add(filter);
                return;
            }
        }
        // replayed between the call and the record: the new socket has not got it yet
        setupFilter(filter);
    }

    @Override
    public List<Filter> filters() {
        synchronized (this) {
            return List.copyOf(filters);
        }
    }

    @Override
    public void removeFilters() throws IOException {
        PacketSocket d = current();
        try {
            d.removeFilters();
        } catch (IOException | RuntimeException e) {
            replacementFor(d, e);
            removeFilters();
            return;
        }
        synchronized (this) {
            filters.clear();
            if (delegate != d) {
                delegate.removeFilters();
            }
        }
    }

    @Override
    public int recvfrom(ByteBuffer dst, ExosSockAddr from) throws IOException {
        PacketSocket d = delegate;
        try {
            return d.recvfrom(dst, from);
        } catch (IOException | RuntimeException e) {
            return replacementFor(d, e).recvfrom(dst, from);
        }
    }

    @Override
    public int recvfrom(byte[] buf, ExosSockAddr from) throws IOException {
        PacketSocket d = delegate;
        try {
            return d.recvfrom(buf, from);
        } catch (IOException | RuntimeException e) {
            return replacementFor(d, e).recvfrom(buf, from);
        }
    }

    @Override
    public FrameView receive(ExosSockAddr from) throws IOException {
        PacketSocket d = delegate;
        try {
            return d.receive(from);
        } catch (IOException | RuntimeException e) {
            return replacementFor(d, e).receive(from);
        }
    }

    @Override
    public void sendto(ByteBuffer frame, List<SlotPort> slotPorts) throws IOException {
        PacketSocket d = delegate;
        int position = frame == null ? 0 : frame.position();
        try {
            d.sendto(frame, slotPorts);
        } catch (IOException | RuntimeException e) {
            PacketSocket next = replacementFor(d, e);
            frame.position(position);
            next.sendto(frame, slotPorts);
        }
    }

    @Override
    public void sendto(byte[] frame, SlotPort... slotPorts) throws IOException {
        PacketSocket d = delegate;
        try {
            d.sendto(frame, slotPorts);
        } catch (IOException | RuntimeException e) {
            replacementFor(d, e).sendto(frame, slotPorts);
        }
    }

    @Override
    public void sendto(ByteBuffer frame, String vlanName) throws IOException {
        PacketSocket d = delegate;
        int position = frame == null ? 0 : frame.position();
        try {
            d.sendto(frame, vlanName);
        } catch (IOException | RuntimeException e) {
            PacketSocket next = replacementFor(d, e);
            frame.position(position);
            next.sendto(frame, vlanName);
        }
    }

    @Override
    public void sendto(byte[] frame, String vlanName) throws IOException {
        PacketSocket d = delegate;
        try {
            d.sendto(frame, vlanName);
        } catch (IOException | RuntimeException e) {
            replacementFor(d, e).sendto(frame, vlanName);
        }
    }

    @Override
    public int sendBurst(List<ByteBuffer> frames, List<SlotPort> slotPorts) throws IOException {
        PacketSocket d = delegate;
        try {
            return d.sendBurst(frames, slotPorts);
        } catch (IOException | RuntimeException e) {
            if (e instanceof PartialSendException) {
                throw (PartialSendException) e; // part of the burst went: the caller knows how much, nothing is sent twice
            }
            return replacementFor(d, e).sendBurst(frames, slotPorts);
        }
    }

    @Override
    public FrameClaim tryClaim(SlotPort port) throws IOException {
        PacketSocket d = delegate;
        try {
            return d.tryClaim(port);
        } catch (IOException | RuntimeException e) {
            return replacementFor(d, e).tryClaim(port);
        }
    }

    @Override
    public int flush() throws IOException {
        PacketSocket d = delegate;
        try {
            return d.flush();
        } catch (IOException | RuntimeException e) {
            return replacementFor(d, e).flush();
        }
    }

    @Override
    public void setCallback(PacketCallback callback, int bufSize, int flags) throws IOException {
        if (callback == null) {
            throw new IllegalArgumentException("callback is null (removeCallback() removes one)");
        }
        // the protocol's callback gets this socket, the one it holds, not the engine's
        PacketCallback f = s -> callback.onReadable(this);
        PacketSocket d = current();
        try {
            d.setCallback(f, bufSize, flags);
        } catch (IOException | RuntimeException e) {
            replacementFor(d, e);
            setCallback(callback, bufSize, flags);
            return;
        }
        synchronized (this) {
            this.forwarder = f;
            this.callbackBufSize = bufSize;
            this.callbackFlags = flags;
            if (delegate != d) {
                delegate.setCallback(f, bufSize, flags);
            }
        }
    }

    @Override
    public void removeCallback() throws IOException {
        PacketSocket d = current();
        try {
            d.removeCallback();
        } catch (IOException | RuntimeException e) {
            replacementFor(d, e);
            removeCallback();
            return;
        }
        synchronized (this) {
            forwarder = null;
            if (delegate != d) {
                delegate.removeCallback();
            }
        }
    }

    @Override
    public void setBlocking(boolean blocking) throws IOException {
        PacketSocket d = current();
        try {
            d.setBlocking(blocking);
        } catch (IOException | RuntimeException e) {
            replacementFor(d, e);
            setBlocking(blocking);
            return;
        }
        synchronized (this) {
            this.blocking = blocking;
            if (delegate != d) {
                delegate.setBlocking(blocking);
            }
        }
    }

    /**
     * Whether receive calls block: what was set with {@link #setBlocking}, else the engine's default for a
     * new socket (blocking, as a seed socket). Public like the engine socket's own, for tests and tools.
     */
    public synchronized boolean isBlocking() {
        return blocking == null || blocking;
    }

    @Override
    public void setTimeout(Duration timeout) throws IOException {
        PacketSocket d = current();
        try {
            d.setTimeout(timeout);
        } catch (IOException | RuntimeException e) {
            replacementFor(d, e);
            setTimeout(timeout);
            return;
        }
        synchronized (this) {
            this.timeout = timeout;
            this.timeoutSet = true;
            if (delegate != d) {
                delegate.setTimeout(timeout);
            }
        }
    }

    @Override
    public int getsockopt(int level, int option) throws IOException {
        PacketSocket d = current();
        try {
            return d.getsockopt(level, option);
        } catch (IOException | RuntimeException e) {
            return replacementFor(d, e).getsockopt(level, option);
        }
    }

    @Override
    public void setsockopt(int level, int option, int value) throws IOException {
        PacketSocket d = current();
        try {
            d.setsockopt(level, option, value);
        } catch (IOException | RuntimeException e) {
            replacementFor(d, e);
            setsockopt(level, option, value);
            return;
        }
        synchronized (this) {
            options.removeIf(o -> o[0] == level && o[1] == option);
            options.add(new int[] {level, option, value});
            if (delegate != d) {
                delegate.setsockopt(level, option, value);
            }
        }
    }

    @Override
    public long drops() {
        PacketSocket d = delegate;
        long before = dropsBefore;
        try {
            return before + (leaving == d ? 0 : d.drops());
        } catch (RuntimeException e) {
            return before;
        }
    }

    @Override
    public RxMode rxMode() {
        return mode;
    }

    @Override
    public boolean isOpen() {
        return !closed && failure == null;
    }

    @Override
    public void close() {
        PacketSocket d;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            d = delegate;
        }
        service.forget(this);
        d.close();
        synchronized (tracker.engineChanged()) {
            tracker.engineChanged().notifyAll();
        }
    }

    // ---- Selectable: a selector of the engine watches the engine's socket under this one ---------

    private Selectable selectable() {
        if (delegate instanceof Selectable s) {
            return s;
        }
        throw new IllegalStateException("socket " + this + " cannot be selected: the engine's socket is not selectable");
    }

    @Override
    public int watch(Watcher watcher) throws IOException {
        return selectable().watch(watcher);
    }

    @Override
    public void unwatch(Watcher watcher) {
        selectable().unwatch(watcher);
    }

    @Override
    public boolean userSpaceReadiness() {
        return selectable().userSpaceReadiness();
    }

    @Override
    public boolean ready() {
        return selectable().ready();
    }

    @Override
    public String toString() {
        return String.valueOf(delegate);
    }
}
