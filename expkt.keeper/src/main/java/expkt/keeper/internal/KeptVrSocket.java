package expkt.keeper.internal;

import expkt.api.spi.VrSession;
import expkt.linux.Selectable;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A socket kept across updates of {@code expkt.vr} ({@link KeptRawIpSocket}, {@link KeptL3Socket},
 * {@link KeptAllVrServerSocket}): what the three share — the swap (park the engine socket's kernel part with
 * the old session, adopt it on the next and set the record up on it again), a call that met the parked engine
 * socket waiting for the adoption, the failure every later call names, and the figures of {@code expkt:keeper}.
 * A subclass says how its kind is parked, adopted, discarded and restored, and forwards its own calls: each
 * gets {@link #current()}, calls it, and on {@code ClosedChannelException} makes the call once more on
 * {@link #replacementFor} (a call that failed so was not made, so nothing is made twice).
 *
 * <p>Threading: {@link #detach} and {@link #replayOn} run under the VR tracker's swap lock; they, the record of a
 * subclass, {@link #released()} and the close are serialised on this object. The forwarding path takes no lock
 * and allocates nothing (volatile reads).
 *
 * @param <D> the engine socket forwarded to
 * @param <P> what its session parks of it (a descriptor, a channel, the channels of an {@code ALL} socket)
 */
abstract class KeptVrSocket<D extends AutoCloseable, P> {
    enum Replay { ADOPTED, FAILED, CLOSED }

    final KeptVrSockets service;
    volatile D delegate;
    /** The engine socket being replaced while an update is under way, else null. */
    volatile D leaving;
    volatile boolean closed;
    volatile Exception failure;
    private volatile String failedOn;
    private volatile String servedBy;
    private volatile int replays;
    private volatile int adoptions;
    /** What the old session parked, until the next adopts it: guarded by this. */
    private P parked;
    /** Selectors watching the socket (a raw or L3 socket's; an ALL socket's stays empty). */
    final List<Selectable.Watcher> watchers = new CopyOnWriteArrayList<>();

    KeptVrSocket(KeptVrSockets service, D delegate, String servedBy) {
        this.service = service;
        this.delegate = delegate;
        this.servedBy = servedBy;
    }

    /** Parks {@code socket} with {@code old}: its kernel part, left open; null if it is not that session's. */
    abstract P park(VrSession old, D socket);

    /** The next revision's socket around what was parked. */
    abstract D adopt(VrSession session, P what) throws IOException;

    /** Closes what was parked and will not be adopted: it is still the keeper's, nobody else will close it. */
    abstract void discard(P what);

    /** Sets what is not kernel state (timeout, callback) up again on the adopted socket; runs under this. */
    abstract void restore(D next) throws IOException;

    /** {@code raw}, {@code udp}/{@code tcp}/{@code tcp-listen} or {@code tcp-ALL}. */
    abstract String kind();

    /** Neither closed nor failed; a kind whose channel can be closed underneath adds that. */
    public boolean isOpen() {
        return !closed && failure == null;
    }

    /** The protocol closes it: {@link #closeKept}. */
    public final void close() {
        closeKept();
    }

    // ---- the swap ---------------------------------------------------------------------------------

    /** The engine is going: parks the kernel part with {@code old}; later calls wait for the adoption. True if parked. */
    final synchronized boolean detach(VrSession old) {
        if (closed || failure != null || old == null) {
            return false;
        }
        leaving = delegate;
        try {
            parked = park(old, delegate);
        } catch (RuntimeException e) {
            parked = null;
            failure = e;
        }
        return parked != null;
    }

    /** Adopts what was parked on {@code session} and sets the record up on it again. */
    final synchronized Replay replayOn(VrSession session, String revision) {
        if (closed) {
            return Replay.CLOSED;
        }
        P p = parked;
        parked = null;
        D next = null;
        try {
            if (p == null) {
                throw new IOException("nothing was parked for it when " + servedBy + " left" + (failure == null ? "" : ": " + failure));
            }
            try {
                next = adopt(session, p);
            } catch (IOException | RuntimeException e) {
                discard(p);
                throw e;
            }
            restore(next);
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

    /** No session on the new engine, or the adoption failed: every later call fails naming {@code revision} and {@code cause}. */
    final void failed(String revision, Exception cause) {
        failedOn = revision;
        failure = cause;
        leaving = null;
        forgetWatchers();
        wakeWaiters();
    }

    /** The owner's service was released: closes the engine socket, or what is parked. */
    final synchronized void released() {
        if (closed) {
            return;
        }
        closed = true;
        P p = parked;
        parked = null;
        if (p != null) {
            discard(p);
        }
        closeQuietly(delegate);
    }

    /**
     * The protocol closes it: what is parked is discarded (the next revision will not adopt it), watchers are
     * told, and a call waiting for the adoption sees the close. False if it was closed already.
     */
    final boolean closeKept() {
        synchronized (this) {
            if (closed) {
                return false;
            }
            closed = true;
            P p = parked;
            parked = null;
            if (p != null) {
                discard(p);
            }
            forgetWatchers();
        }
        closeQuietly(delegate);
        service.forget(this);
        wakeWaiters();
        return true;
    }

    private void forgetWatchers() {
        if (this instanceof Selectable self) {
            for (Selectable.Watcher w : watchers) {
                w.fdGone(self);
            }
        }
        watchers.clear();
    }

    private void wakeWaiters() {
        Object changed = service.tracker().engineChanged();
        synchronized (changed) {
            changed.notifyAll();
        }
    }

    /** The engine's close releases the descriptor even when it reports an error: nothing else to do for it. */
    static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // see above
        }
    }

    /**
     * The socket to make a call again on after {@code e} (a {@code ClosedChannelException} from {@code used}), if
     * it failed because of an update: waits for the adoption up to the grace period; no engine by then, or SCR
     * stopping: an {@code IOException} naming the update. Not an update: {@code e} itself.
     */
    final D replacementFor(D used, IOException e) throws IOException {
        if (closed) {
            throw e;
        }
        D now = delegate;
        if (now != used) {
            return now; // adopted since the call began
        }
        if (leaving != used) {
            if (failure != null) {
                throw restoreFailure();
            }
            throw e; // not an update: the engine's own answer
        }
        long deadline = service.tracker().graceDeadline();
        Object changed = service.tracker().engineChanged();
        synchronized (changed) {
            while (delegate == used && failure == null && !closed) {
                if (service.engineGoneForGood() || !service.tracker().awaitChange(deadline)) {
                    throw new IOException(this + ": " + service.tracker().whyNoEngine(), e);
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

    final IOException restoreFailure() {
        return new IOException(this + " could not be restored on " + failedOn + ": " + failure, failure);
    }

    /** The engine socket to call now; one whose adoption failed: the failure, naming revision and cause. */
    final D current() throws IOException {
        if (failure != null && leaving == null && !closed) {
            throw restoreFailure();
        }
        return delegate;
    }

    /** Why it could not be restored, or null. */
    final String failureText() {
        Exception f = failure;
        return f == null ? null : "on " + failedOn + ": " + f;
    }

    final String servedBy() {
        return servedBy;
    }

    final int replays() {
        return replays;
    }

    final int adoptions() {
        return adoptions;
    }

    final String ownerName() {
        return service.owner().toString();
    }
}
