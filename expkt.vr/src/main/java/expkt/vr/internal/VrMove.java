package expkt.vr.internal;

import expkt.api.vr.VirtualRouter;
import expkt.linux.Selectable;

import java.io.IOException;
import java.util.List;

/**
 * A socket's VR change, one rule for every kind of socket (L3 channels, raw IP fds): a kernel socket
 * cannot change namespace, so a move opens a fresh descriptor in the target VR, tells the selectors
 * watching the old one (while both are open, so they swap the numbers), makes the fresh one current
 * and closes the old one. Refused, naming both VRs, while the socket has a callback or once it is
 * bound or connected.
 *
 * <p>Threading: {@link #move} runs under the socket's own monitor (the caller holds it), as do the
 * socket's other changes of its descriptor.
 */
final class VrMove {
    private VrMove() {
    }

    /**
     * What differs between kinds of socket in a move; {@code D} is the descriptor (a channel, an fd number).
     */
    interface Movable<D> {
        /** Null while the socket may still move; else what pins it to its VR ("bound to 10.0.0.1:53"). */
        String pinnedBy() throws IOException;

        /** A fresh descriptor in {@code target}, set up like the current one (closed again if that fails). */
        D openIn(VirtualRouter target) throws IOException;

        /** The fd number of a descriptor, for the selectors. */
        int fdOf(D fresh) throws IOException;

        /** Makes {@code fresh} (in {@code target}) the socket's descriptor and closes the old one. */
        void install(D fresh, VirtualRouter target) throws IOException;
    }

    /**
     * Moves a socket from {@code from} to {@code target} (nothing when they are the same VR).
     *
     * @param what       what the socket is, for messages ("udp socket", "raw socket (protocol 1)")
     * @param callback   the socket's callback (a lane watches its descriptor while one is set)
     * @param selectable the socket as the selectors know it
     * @param watchers   the selectors watching its descriptor
     */
    static <D> void move(String what, VirtualRouter from, VirtualRouter target, LaneCallback callback, Movable<D> socket,
                         Selectable selectable, List<Selectable.Watcher> watchers) throws IOException {
        if (target.equals(from)) {
            return;
        }
        if (callback.active()) {
            throw new IllegalStateException("cannot move " + what + " from VR " + from.name() + " to VR " + target.name()
                    + ": it has a callback (remove it first, set it again after the move)");
        }
        String pin = socket.pinnedBy();
        if (pin != null) {
            throw new IllegalStateException("cannot move " + what + " from VR " + from.name() + " to VR " + target.name()
                    + ": it is " + pin + " (a socket's VR can change only before bind or connect)");
        }
        D fresh = socket.openIn(target);
        if (!watchers.isEmpty()) {
            int freshFd = socket.fdOf(fresh);
            for (Selectable.Watcher w : watchers) { // both descriptors are open: the selector swaps the numbers
                w.fdReplaced(selectable, freshFd);
            }
        }
        socket.install(fresh, target);
    }
}
