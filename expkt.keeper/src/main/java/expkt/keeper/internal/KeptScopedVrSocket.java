package expkt.keeper.internal;

import expkt.api.vr.SocketCallback;
import expkt.api.vr.VirtualRouter;
import expkt.api.vr.VrScoped;
import expkt.linux.Selectable;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;

/**
 * A kept VR socket that is {@link VrScoped} and can be watched by a selector ({@link KeptRawIpSocket},
 * {@link KeptL3Socket}): the VR calls, the kernel options, the callback and the selector's watch are forwarded the
 * same way for both kinds, so they are written once here. Each call is made on {@link #current()} and, if it met the parked
 * engine socket ({@code ClosedChannelException}), once more on {@link #replacementFor} — a call that failed so was
 * not made, so nothing is made twice. {@code getsockopt} stays with each kind (a raw socket's is made again after
 * an update, an L3 socket's answers from the socket it meets).
 *
 * <p>Threading: as {@link KeptVrSocket}: the forwarding takes no lock and allocates nothing (volatile reads);
 * {@link #unwatch} and the writes of the callback record are serialised on this object with the detach and the
 * replay; {@link #watch} and {@link #keepCallback} make their engine call outside the lock, because a replay they
 * wait for needs it. The engine's lane reads the callback without a lock (a volatile read).
 *
 * @param <D> the engine socket forwarded to
 * @param <P> what its session parks of it
 */
abstract class KeptScopedVrSocket<D extends VrScoped & Closeable, P> extends KeptVrSocket<D, P> implements VrScoped, Selectable {

    /** The engine call that sets a callback, in the kind's signature (a raw socket's takes buffer size and flags). */
    @FunctionalInterface
    interface SetCallback<D> {
        void on(D engineSocket) throws IOException;
    }

    /** The protocol's callback, told with this socket (not the engine's): written under this, read without a lock. */
    private volatile SocketCallback<? super D> callback;

    KeptScopedVrSocket(KeptVrSockets service, D delegate, String servedBy) {
        super(service, delegate, servedBy);
    }

    /** This socket as the protocol holds it: what its callback is told with. */
    abstract D self();

    // ---- the callback -----------------------------------------------------------------------------

    /** Set on every engine socket in turn: tells the protocol's callback with the socket the protocol holds. */
    final void onReadable(D engineSocket) throws Exception {
        SocketCallback<? super D> cb = callback;
        if (cb != null) {
            cb.onReadable(self());
        }
    }

    /** Whether the protocol set a callback: the replay sets {@link #onReadable} on the adopted socket then. */
    final boolean hasCallback() {
        return callback != null;
    }

    /**
     * Records {@code cb} first, with what {@code record} keeps of it (under this), so that a call the lane makes at
     * once finds it; then makes {@code set} on the engine socket, once more on the adopted one if it met the parked
     * one. Undone (the callback before) if the engine refuses.
     */
    final void keepCallback(SocketCallback<? super D> cb, Runnable record, SetCallback<D> set) throws IOException {
        if (cb == null) {
            throw new IllegalArgumentException("callback is null");
        }
        SocketCallback<? super D> before;
        synchronized (this) {
            before = callback;
            callback = cb;
            record.run();
        }
        D d = current();
        try {
            try {
                set.on(d);
            } catch (ClosedChannelException e) {
                set.on(replacementFor(d, e)); // not under this: the replay needs it
            }
        } catch (IOException | RuntimeException e) {
            synchronized (this) {
                callback = before;
            }
            throw e;
        }
    }

    /** The protocol removed its callback: the replay sets none; the caller removes the engine socket's under this. */
    final void forgetCallback() {
        callback = null;
    }

    // ---- VrScoped ---------------------------------------------------------------------------------

    @Override
    public final VirtualRouter vr() {
        return delegate.vr();
    }

    @Override
    public final void setVr(String name) throws IOException {
        D d = current();
        try {
            d.setVr(name);
        } catch (ClosedChannelException e) {
            replacementFor(d, e).setVr(name);
        }
    }

    @Override
    public final void setVrId(int vrId) throws IOException {
        D d = current();
        try {
            d.setVrId(vrId);
        } catch (ClosedChannelException e) {
            replacementFor(d, e).setVrId(vrId);
        }
    }

    /** Kernel options live in the kernel socket, which the next revision adopts: nothing to record. */
    @Override
    public final void setsockopt(int level, int option, int value) throws IOException {
        D d = current();
        try {
            d.setsockopt(level, option, value);
        } catch (ClosedChannelException e) {
            replacementFor(d, e).setsockopt(level, option, value);
        }
    }

    @Override
    public final boolean isBound() {
        return delegate.isBound();
    }

    // ---- Selectable (PacketSelector) --------------------------------------------------------------

    /** Watches the engine socket; the watcher is recorded so that the replay watches the adopted one with it. */
    @Override
    public final int watch(Selectable.Watcher watcher) throws IOException {
        D d = current();
        if (!(d instanceof Selectable s)) {
            throw new IllegalStateException(this + ": the VR engine's " + kind() + " socket cannot be watched by a selector");
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
    public final synchronized void unwatch(Selectable.Watcher watcher) {
        watchers.remove(watcher);
        if (delegate instanceof Selectable s) {
            s.unwatch(watcher);
        }
    }

    @Override
    public final boolean userSpaceReadiness() {
        return false;
    }

    @Override
    public final boolean ready() {
        return false; // the kernel's readiness is the answer
    }
}
