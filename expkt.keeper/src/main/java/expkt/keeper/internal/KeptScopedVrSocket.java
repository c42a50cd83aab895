package expkt.keeper.internal;

import expkt.api.vr.VirtualRouter;
import expkt.api.vr.VrScoped;
import expkt.linux.Selectable;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;

/**
 * A kept VR socket that is {@link VrScoped} and can be watched by a selector ({@link KeptRawIpSocket},
 * {@link KeptL3Socket}): the VR calls, the kernel options and the selector's watch are forwarded the same way for
 * both kinds, so they are written once here. Each call is made on {@link #current()} and, if it met the parked
 * engine socket ({@code ClosedChannelException}), once more on {@link #replacementFor} — a call that failed so was
 * not made, so nothing is made twice. {@code getsockopt} stays with each kind (a raw socket's is made again after
 * an update, an L3 socket's answers from the socket it meets).
 *
 * <p>Threading: as {@link KeptVrSocket}: the forwarding takes no lock and allocates nothing (volatile reads);
 * {@link #unwatch} is serialised on this object with the detach and the replay; {@link #watch} records its
 * watcher outside the lock, because a replay it waited for needs the lock.
 *
 * @param <D> the engine socket forwarded to
 * @param <P> what its session parks of it
 */
abstract class KeptScopedVrSocket<D extends VrScoped & AutoCloseable, P> extends KeptVrSocket<D, P> implements VrScoped, Selectable {

    KeptScopedVrSocket(KeptVrSockets service, D delegate, String servedBy) {
        super(service, delegate, servedBy);
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
