package expkt.keeper.internal;

import expkt.api.spi.ParkedChannel;
import expkt.api.spi.VrSession;
import expkt.api.vr.L3Socket;
import expkt.api.vr.SocketCallback;
import expkt.api.vr.VirtualRouter;
import expkt.linux.Selectable;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NetworkChannel;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A protocol's L3 socket as the keeper holds it: forwards to an L3 socket of the current {@code expkt.vr}
 * revision ({@link #delegate}) and records the callback and the selectors watching it, so that after an
 * update the next revision adopts the same JDK channel ({@link VrSession#adoptL3}) and the record is set up
 * on it again. {@link #channel()} is that channel throughout: the protocol's reads, writes, binds and
 * options go to it directly and never see the swap. Only the calls of this object that the engine serves
 * (a VR change, the callback, a selector's watch) may meet the parked engine socket; they wait for the
 * adoption up to the grace period, as {@link KeptRawIpSocket}'s do.
 *
 * <p>Threading: as the engine's socket; the record, the detach and the replay are serialised on this object.
 *
 * @param <C> the channel type
 */
public final class KeptL3Socket<C extends NetworkChannel> implements L3Socket<C>, Selectable, KeptVrSocket {
    private final KeptVrSockets service;
    private final String kind;
    private volatile L3Socket<C> delegate;
    private volatile L3Socket<C> leaving;
    private volatile boolean closed;
    private volatile Exception failure;
    private volatile String failedOn;
    private volatile String servedBy;
    private volatile int replays;
    private volatile int adoptions;
    // the record: guarded by this
    private ParkedChannel parked;
    private volatile SocketCallback<? super L3Socket<C>> callback;
    private final List<Selectable.Watcher> watchers = new CopyOnWriteArrayList<>();

    KeptL3Socket(KeptVrSockets service, String kind, L3Socket<C> delegate, String servedBy) {
        this.service = service;
        this.kind = kind;
        this.delegate = delegate;
        this.servedBy = servedBy;
    }

    @Override
    public synchronized boolean detach(VrSession old) {
        if (closed || failure != null || old == null) {
            return false;
        }
        leaving = delegate;
        try {
            parked = old.parkL3(delegate);
        } catch (RuntimeException e) {
            parked = null;
            failure = e;
        }
        return parked != null;
    }

    @Override
    @SuppressWarnings("unchecked")
    public synchronized Replay replayOn(VrSession session, String revision) {
        if (closed) {
            return Replay.CLOSED;
        }
        ParkedChannel p = parked;
        parked = null;
        L3Socket<C> next = null;
        try {
            if (p == null) {
                throw new IOException("nothing was parked for it when " + servedBy + " left" + (failure == null ? "" : ": " + failure));
            }
            try {
                next = (L3Socket<C>) session.adoptL3(p);
            } catch (IOException | RuntimeException e) {
                closeQuietly(p.channel()); // still ours: nobody else will take it
                throw e;
            }
            if (callback != null) {
                next.setCallback(this::onReadable);
            }
            for (Selectable.Watcher w : watchers) {
                if (next instanceof Selectable s) {
                    s.watch(w); // the same channel, the same descriptor: the watcher's registration stays valid
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

    @Override
    public synchronized void released() {
        if (closed) {
            return;
        }
        closed = true;
        ParkedChannel p = parked;
        parked = null;
        if (p != null) {
            closeQuietly(p.channel());
        }
        closeQuietly(delegate);
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing releases the descriptor even when it reports an error
        }
    }

    private void onReadable(L3Socket<C> engineSocket) throws Exception {
        SocketCallback<? super L3Socket<C>> cb = callback;
        if (cb != null) {
            cb.onReadable(this);
        }
    }

    /** As {@link KeptRawIpSocket}'s: the socket to make a call again on, if it failed because of an update. */
    private L3Socket<C> replacementFor(L3Socket<C> used, IOException e) throws IOException {
        if (closed) {
            throw e;
        }
        L3Socket<C> now = delegate;
        if (now != used) {
            return now;
        }
        if (leaving != used) {
            if (failure != null) {
                throw restoreFailure();
            }
            throw e;
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

    private L3Socket<C> current() throws IOException {
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
        return kind;
    }

    // ---- L3Socket ---------------------------------------------------------------------------------

    /** The JDK channel: the same object across updates of expkt.vr (a VR change replaces it, as before). */
    @Override
    public C channel() {
        return delegate.channel();
    }

    @Override
    public VirtualRouter vr() {
        return delegate.vr();
    }

    @Override
    public void setVr(String name) throws IOException {
        L3Socket<C> d = current();
        try {
            d.setVr(name);
        } catch (ClosedChannelException e) {
            replacementFor(d, e).setVr(name);
        }
    }

    @Override
    public void setVrId(int vrId) throws IOException {
        L3Socket<C> d = current();
        try {
            d.setVrId(vrId);
        } catch (ClosedChannelException e) {
            replacementFor(d, e).setVrId(vrId);
        }
    }

    @Override
    public int getsockopt(int level, int option) throws IOException {
        return current().getsockopt(level, option);
    }

    @Override
    public void setsockopt(int level, int option, int value) throws IOException {
        L3Socket<C> d = current();
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
    public void setCallback(SocketCallback<? super L3Socket<C>> cb) throws IOException {
        if (cb == null) {
            throw new IllegalArgumentException("callback is null");
        }
        SocketCallback<? super L3Socket<C>> before;
        synchronized (this) {
            before = callback;
            callback = cb; // recorded first: a call the lane makes at once finds it; undone if the engine refuses
        }
        L3Socket<C> d = current();
        try {
            try {
                d.setCallback(this::onReadable);
            } catch (ClosedChannelException e) {
                replacementFor(d, e).setCallback(this::onReadable); // not under this: the replay needs it
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
        return !closed && failure == null && delegate.channel().isOpen();
    }

    @Override
    public void close() throws IOException {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            ParkedChannel p = parked;
            parked = null;
            if (p != null) {
                closeQuietly(p.channel()); // closed during the swap: the next revision will not adopt it
            }
            for (Selectable.Watcher w : watchers) {
                w.fdGone(this);
            }
            watchers.clear();
        }
        closeQuietly(delegate);
        service.forget(this);
        synchronized (service.tracker().engineChanged()) {
            service.tracker().engineChanged().notifyAll();
        }
    }

    // ---- Selectable (PacketSelector) --------------------------------------------------------------

    @Override
    public int watch(Selectable.Watcher watcher) throws IOException {
        L3Socket<C> d = current();
        if (!(d instanceof Selectable s)) {
            throw new IllegalStateException(this + ": the VR engine's L3 socket cannot be watched by a selector");
        }
        int fd;
        try {
            fd = s.watch(watcher);
        } catch (ClosedChannelException e) {
            fd = ((Selectable) replacementFor(d, e)).watch(watcher);
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
        return "kept " + kind + " socket of " + service.owner() + " [" + delegate + "]";
    }
}
