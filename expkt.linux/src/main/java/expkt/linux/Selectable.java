package expkt.linux;

import java.io.IOException;

/**
 * A socket that a selector ({@code expkt.api.packet.PacketSelector}, implemented by the L2 provider)
 * can wait on: the provider's packet sockets and the VR bundle's L3 and raw IP sockets implement it,
 * so the selector can watch sockets of both bundles without their fd ever reaching bundle code.
 *
 * <p>The contract that keeps a descriptor from outliving its socket: between {@link #watch} and
 * {@link #unwatch} the socket calls {@link Watcher#fdGone} <em>before</em> its descriptor is closed
 * (so the watcher removes it from its epoll set while the number still names this socket), and
 * {@link Watcher#fdReplaced} while both the old and the new descriptor are open (a VR change makes a
 * new kernel socket).
 *
 * <p>Threading: every method may be called from any thread. A socket calls its watchers without
 * holding a lock that {@link #unwatch} takes.
 */
public interface Selectable {

    /** Told by the socket about its descriptor. Implemented by the selector. */
    interface Watcher {
        /** The socket is closing: its descriptor is still open now and is closed after this returns. */
        void fdGone(Selectable socket);

        /** The socket's descriptor became {@code newFd}; the old one is still open now and closed after this returns. */
        void fdReplaced(Selectable socket, int newFd);
    }

    /**
     * Starts telling {@code watcher} about the descriptor; returns the descriptor now.
     *
     * @throws java.nio.channels.ClosedChannelException if the socket is closed
     * @throws IllegalStateException if the socket cannot be selected now (e.g. a callback reads it)
     */
    int watch(Watcher watcher) throws IOException;

    /** Stops telling {@code watcher}. Idempotent. */
    void unwatch(Watcher watcher);

    /**
     * True when readiness lives in user space (a packet socket's receive ring): the selector asks
     * {@link #ready()} and uses edge-triggered epoll only to be woken. False: the kernel's level-triggered
     * readiness of the descriptor is the answer.
     */
    boolean userSpaceReadiness();

    /** With {@link #userSpaceReadiness()}: true if data waits. Cheap, no system call. */
    boolean ready();

    boolean isOpen();
}
