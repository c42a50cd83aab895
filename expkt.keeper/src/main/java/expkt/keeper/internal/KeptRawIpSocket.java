package expkt.keeper.internal;

import expkt.api.spi.ParkedRawSocket;
import expkt.api.spi.VrSession;
import expkt.api.vr.RawIpSocket;
import expkt.api.vr.SocketCallback;
import expkt.api.vr.VirtualRouter;
import expkt.linux.Fds;
import expkt.linux.Selectable;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A protocol's raw IP socket as the keeper holds it: forwards every call to a raw socket of the current
 * {@code expkt.vr} revision ({@link #delegate}) and records what is not part of the kernel socket — the
 * receive timeout, the callback, the selectors watching it — so that after an update of {@code expkt.vr}
 * the next revision adopts the same descriptor ({@link VrSession#adopt}: VR, IP_HDRINCL and the bound
 * address come with it) and the record is set up on it again. The protocol keeps this object, the kernel
 * socket is never closed: what arrives during the swap queues in it and is received after.
 *
 * <p>Calls during an update: the parked engine socket throws {@code ClosedChannelException}; a call that
 * got it while this socket is being moved waits (up to the grace period) for the adoption and is made
 * again on the adopted socket — a send that failed so was not sent, so nothing is sent twice. A socket
 * whose adoption failed (its descriptor closed underneath, its VR gone) fails every later call with an
 * exception naming the revision and the cause, and {@code expkt:keeper} lists it. A receive waiting across
 * the swap starts its timeout again on the adopted socket.
 *
 * <p>Threading: as the engine's socket for send and receive (no lock, one volatile read, nothing allocated);
 * the calls that change the record, the detach and the replay are serialised on this object.
 */
public final class KeptRawIpSocket implements RawIpSocket, Selectable, KeptVrSocket {

    private final KeptVrSockets service;
    private final int domain;
    private final int protocol;
    private volatile RawIpSocket delegate;
    /** The engine socket being replaced while an update is under way, else null. */
    private volatile RawIpSocket leaving;
    private volatile boolean closed;
    private volatile Exception failure;
    private volatile String failedOn;
    private volatile String servedBy;
    private volatile int replays;
    private volatile int adoptions;

    // the record: guarded by this
    private ParkedRawSocket parked;
    private Duration timeout;
    private volatile SocketCallback<? super RawIpSocket> callback;
    private int callbackBufSize;
    private int callbackFlags;
    private final List<Selectable.Watcher> watchers = new CopyOnWriteArrayList<>();

    KeptRawIpSocket(KeptVrSockets service, RawIpSocket delegate, String servedBy) {
        this.service = service;
        this.delegate = delegate;
        this.domain = delegate.domain();
        this.protocol = delegate.protocol();
        this.servedBy = servedBy;
    }

    // ---- the swap ---------------------------------------------------------------------------------

    /** The engine is going: parks the descriptor with {@code old}; later calls wait for the adoption. True if parked. */
    @Override
    public synchronized boolean detach(VrSession old) {
        RawIpSocket d = delegate;
        if (closed || failure != null || old == null) {
            return false;
        }
        leaving = d;
        try {
            parked = old.park(d);
        } catch (RuntimeException e) {
            parked = null;
            failure = e;
        }
        return parked != null;
    }

    /** Adopts the parked descriptor on {@code session} and sets the record up on it again. */
    @Override
    public synchronized Replay replayOn(VrSession session, String revision) {
        if (closed) {
            return Replay.CLOSED;
        }
        ParkedRawSocket p = parked;
        parked = null;
        RawIpSocket next = null;
        try {
            if (p == null) {
                throw new IOException("nothing was parked for it when " + servedBy + " left"
                        + (failure == null ? "" : ": " + failure));
            }
            try {
                next = session.adopt(p);
            } catch (IOException | RuntimeException e) {
                Fds.closeQuietly(p.fd()); // still ours: nobody else will take it
                throw e;
            }
            if (timeout != null) {
                next.setReceiveTimeout(timeout);
            }
            if (callback != null) {
                next.setCallback(this::onReadable, callbackBufSize, callbackFlags);
            }
            for (Selectable.Watcher w : watchers) {
                if (next instanceof Selectable s) {
                    s.watch(w); // the same descriptor: the watcher's registration stays valid, the socket tells it of a close
                }
            }
        } catch (IOException | RuntimeException e) {
            if (next != null) {
                closeQuietly(next);
            }
            failed(revision, e);
            return Replay.FAILED;
        }
        delegate = next;
        leaving = null;
        failure = null;
        servedBy = revision;
        replays++;
        adoptions++;
        return Replay.ADOPTED;
    }

    @Override
    public void failed(String revision, Exception cause) {
        failedOn = revision;
        failure = cause;
        leaving = null;
        for (Selectable.Watcher w : watchers) {
            w.fdGone(this);
        }
        watchers.clear();
        synchronized (service.tracker().engineChanged()) {
            service.tracker().engineChanged().notifyAll();
        }
    }

    /** The owner's service was released: closes the engine socket, or the parked descriptor. */
    @Override
    public synchronized void released() {
        if (closed) {
            return;
        }
        closed = true;
        ParkedRawSocket p = parked;
        parked = null;
        if (p != null) {
            Fds.closeQuietly(p.fd());
        }
        closeQuietly(delegate);
    }

    /** The engine's close releases the descriptor even when it reports an error: nothing else to do for it. */
    private static void closeQuietly(RawIpSocket s) {
        try {
            s.close();
        } catch (IOException | RuntimeException ignored) {
            // see above
        }
    }

    private void onReadable(RawIpSocket engineSocket) throws Exception {
        SocketCallback<? super RawIpSocket> cb = callback;
        if (cb != null) {
            cb.onReadable(this);
        }
    }

    /** The socket to make a call again on after {@code e}, if it failed because of an update; else {@code e}. */
    private RawIpSocket replacementFor(RawIpSocket used, IOException e) throws IOException {
        if (closed) {
            throw e;
        }
        RawIpSocket now = delegate;
        if (now != used) {
            return now; // adopted since the call began
        }
        if (leaving != used) {
            if (failure != null) {
                throw restoreFailure();
            }
            throw e; // not an update: the engine's own answer
        }
        long deadline = System.nanoTime() + service.tracker().graceMillis() * 1_000_000L;
        Object changed = service.tracker().engineChanged();
        synchronized (changed) {
            while (delegate == used && failure == null && !closed) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || service.engineGoneForGood()) {
                    throw new IOException(this + ": " + service.tracker().whyNoEngine(), e);
                }
                try {
                    changed.wait(Math.max(1, left / 1_000_000L));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while expkt.vr was being updated");
                }
            }
        }
        if (closed) {
            throw e;
        }
        if (failure != null) {
            throw restoreFailure();
        }
        return delegate;
    }

    private IOException restoreFailure() {
        return new IOException(this + " could not be restored on " + failedOn + ": " + failure, failure);
    }

    private RawIpSocket current() throws IOException {
        if (failure != null && leaving == null && !closed) {
            throw restoreFailure();
        }
        return delegate;
    }

    @Override
    public String failureText() {
        Exception f = failure;
        return f == null ? null : "on " + failedOn + ": " + f;
    }

    @Override
    public String servedBy() {
        return servedBy;
    }

    @Override
    public int replays() {
        return replays;
    }

    @Override
    public int adoptions() {
        return adoptions;
    }

    @Override
    public String ownerName() {
        return service.owner().toString();
    }

    @Override
    public String kind() {
        return "raw";
    }

    // ---- RawIpSocket ------------------------------------------------------------------------------

    @Override
    public int domain() {
        return domain;
    }

    @Override
    public int protocol() {
        return protocol;
    }

    @Override
    public VirtualRouter vr() {
        return delegate.vr();
    }

    @Override
    public void setVr(String name) throws IOException {
        RawIpSocket d = current();
        try {
            d.setVr(name);
        } catch (ClosedChannelException e) {
            replacementFor(d, e).setVr(name);
        }
    }

    @Override
    public void setVrId(int vrId) throws IOException {
        RawIpSocket d = current();
        try {
            d.setVrId(vrId);
        } catch (ClosedChannelException e) {
            replacementFor(d, e).setVrId(vrId);
        }
    }

    @Override
    public int getsockopt(int level, int option) throws IOException {
        RawIpSocket d = current();
        try {
            return d.getsockopt(level, option);
        } catch (ClosedChannelException e) {
            return replacementFor(d, e).getsockopt(level, option);
        }
    }

    /** Kernel options live in the kernel socket, which the next revision adopts: nothing to record. */
    @Override
    public void setsockopt(int level, int option, int value) throws IOException {
        RawIpSocket d = current();
        try {
            d.setsockopt(level, option, value);
        } catch (ClosedChannelException e) {
            replacementFor(d, e).setsockopt(level, option, value);
        }
    }

    @Override
    public boolean isBound() {
        return delegate.isBound();
    }

    @Override
    public void setHeaderIncluded(boolean included) throws IOException {
        RawIpSocket d = current();
        try {
            d.setHeaderIncluded(included);
        } catch (ClosedChannelException e) {
            replacementFor(d, e).setHeaderIncluded(included);
        }
    }

    @Override
    public boolean isHeaderIncluded() {
        return delegate.isHeaderIncluded();
    }

    @Override
    public synchronized void setReceiveTimeout(Duration t) {
        delegate.setReceiveTimeout(t); // validates; a field of the engine socket, parked or not
        timeout = t;
    }

    @Override
    public Duration receiveTimeout() {
        return delegate.receiveTimeout();
    }

    @Override
    public void bind(InetAddress local) throws IOException {
        RawIpSocket d = current();
        try {
            d.bind(local);
        } catch (ClosedChannelException e) {
            replacementFor(d, e).bind(local);
        }
    }

    @Override
    public int send(ByteBuffer packet, InetAddress destination) throws IOException {
        RawIpSocket d = current();
        try {
            return d.send(packet, destination);
        } catch (ClosedChannelException e) {
            return replacementFor(d, e).send(packet, destination);
        }
    }

    @Override
    public int send(byte[] packet, int offset, int length, InetAddress destination) throws IOException {
        RawIpSocket d = current();
        try {
            return d.send(packet, offset, length, destination);
        } catch (ClosedChannelException e) {
            return replacementFor(d, e).send(packet, offset, length, destination);
        }
    }

    @Override
    public InetAddress receive(ByteBuffer into) throws IOException {
        RawIpSocket d = current();
        try {
            return d.receive(into);
        } catch (ClosedChannelException e) {
            return replacementFor(d, e).receive(into);
        }
    }

    @Override
    public int receive(byte[] into, int offset, int length) throws IOException {
        RawIpSocket d = current();
        try {
            return d.receive(into, offset, length);
        } catch (ClosedChannelException e) {
            return replacementFor(d, e).receive(into, offset, length);
        }
    }

    @Override
    public void setCallback(SocketCallback<? super RawIpSocket> cb, int bufSize, int flags) throws IOException {
        if (cb == null) {
            throw new IllegalArgumentException("callback is null");
        }
        // recorded first: a call the lane makes at once finds it; undone if the engine refuses
        SocketCallback<? super RawIpSocket> before;
        synchronized (this) {
            before = callback;
            callback = cb;
            callbackBufSize = bufSize;
            callbackFlags = flags;
        }
        RawIpSocket d = current();
        try {
            try {
                d.setCallback(this::onReadable, bufSize, flags);
            } catch (ClosedChannelException e) {
                replacementFor(d, e).setCallback(this::onReadable, bufSize, flags); // not under this: the replay needs it
            }
        } catch (IOException | RuntimeException e) {
            synchronized (this) {
                callback = before;
            }
            throw e;
        }
    }

    @Override
    public synchronized void removeCallback() throws IOException {
        callback = null;
        delegate.removeCallback();
    }

    @Override
    public boolean isOpen() {
        return !closed && failure == null;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            ParkedRawSocket p = parked;
            parked = null;
            if (p != null) {
                Fds.closeQuietly(p.fd()); // closed during the swap: the next revision will not adopt it
            }
            for (Selectable.Watcher w : watchers) {
                w.fdGone(this);
            }
            watchers.clear();
        }
        closeQuietly(delegate);
        service.forget(this);
        synchronized (service.tracker().engineChanged()) {
            service.tracker().engineChanged().notifyAll(); // a call waiting for the adoption sees the close
        }
    }

    // ---- Selectable (PacketSelector) --------------------------------------------------------------

    @Override
    public int watch(Selectable.Watcher watcher) throws IOException {
        RawIpSocket d = current();
        if (!(d instanceof Selectable s)) {
            throw new IllegalStateException(this + ": the VR engine's raw socket cannot be watched by a selector");
        }
        int fd;
        try {
            fd = s.watch(watcher);
        } catch (ClosedChannelException e) {
            RawIpSocket r = replacementFor(d, e);
            fd = ((Selectable) r).watch(watcher);
        }
        watchers.add(watcher); // not under this: a replay waited for above needs it
        return fd;
    }

    @Override
    public synchronized void unwatch(Selectable.Watcher watcher) {
        watchers.remove(watcher);
        if (delegate instanceof Selectable s) {
            s.unwatch(watcher);
        }
    }

    @Override
    public boolean userSpaceReadiness() {
        return false;
    }

    @Override
    public boolean ready() {
        return false; // the kernel's readiness is the answer
    }

    @Override
    public String toString() {
        return "kept raw socket (protocol " + protocol + ") of " + service.owner() + " [" + delegate + "]";
    }
}
