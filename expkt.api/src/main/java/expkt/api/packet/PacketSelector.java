package expkt.api.packet;

import expkt.api.vr.L3Socket;
import expkt.api.vr.RawIpSocket;
import org.osgi.annotation.versioning.ProviderType;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * The seed's {@code select()}: "the socket behaves as any other socket. For example, select() can be
 * used to block for the next packet and recvfrom() can be used to retrieve a packet." One thread
 * waits in one loop on several L2 {@link PacketSocket}s, L3 sockets ({@link L3Socket}: UDP, TCP,
 * listening TCP) and raw IP sockets ({@link RawIpSocket}) of any VR, and a timeout. Get one from
 * {@link PacketService#selector()}; it belongs to the bundle that made it and is closed when that
 * bundle stops.
 *
 * <pre>{@code
 * try (PacketSelector sel = packets.selector()) {
 *     sel.register(l2a, "l2a");
 *     sel.register(udp, "udp");                        // an L3Socket<DatagramChannel> in a VR
 *     sel.register(icmp, "icmp");                      // a RawIpSocket
 *     while (running) {
 *         if (sel.select(Duration.ofSeconds(1)) == 0) { // the timeout
 *             continue;
 *         }
 *         for (PacketSelector.Key k : sel.selectedKeys()) {
 *             if (k.socket() == l2a) { l2a.recvfrom(buf, from); } // ...
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p>What "ready" means: an L2 socket has a frame in its receive ring; an L3 socket's channel has a
 * datagram, stream data or end of stream, or (listening) a connection to accept; a raw socket has a
 * packet. Readiness is level-triggered, as select(2) is: a socket left unread is ready again at the
 * next {@code select}; read until it returns nothing ({@code recvfrom} -1, {@code receive} null, or a
 * non-blocking channel's null) and it is reported again only for new data. Each call reports each
 * ready socket once. An L2 frame from an interface that stopped being a port is reported but skipped
 * by the receive: a non-blocking {@code recvfrom} then returns -1 (a blocking one waits), so read
 * selected sockets in non-blocking mode, as with select(2).
 *
 * <p>No file descriptor is handed out: a key names the socket object, and a socket that is closed
 * (or, for an L3 or raw socket, moved to another VR with {@code setVr}, which replaces its kernel
 * socket) tells every selector it is registered with before its old descriptor goes, so a key never
 * waits on a descriptor that was closed or reused. Closing a socket cancels its keys; closing an
 * {@link L3Socket}'s channel directly (not through the socket) is found at the next {@code select},
 * which then cancels the key. An L2 socket is read by a selector or by a callback, not both: each
 * refuses the other with an {@link IllegalStateException}.
 *
 * <p>Threading: one thread selects at a time (a second concurrent {@code select} waits for the first
 * to return); {@link #register}, {@link Key#cancel()}, {@link #wakeup()} and {@link #close()} may be
 * called from any thread, also while another thread is blocked in {@code select}. {@code select}
 * allocates nothing.
 *
 * @since 1.4
 */
@ProviderType
public interface PacketSelector extends AutoCloseable {

    /**
     * A socket's registration with this selector (the seed's socket in select()'s read list).
     * Threading: any thread.
     */
    @ProviderType
    interface Key {
        /** The registered socket: the {@link PacketSocket}, {@link L3Socket} or {@link RawIpSocket} object. */
        Object socket();

        /** What was given to {@code register}, or null. */
        Object attachment();

        /** The selector it belongs to. */
        PacketSelector selector();

        /** False once cancelled, its socket closed, or the selector closed. */
        boolean isValid();

        /** Stops watching the socket (the socket stays open). Idempotent. */
        void cancel();
    }

    /** Watches an L2 socket for frames. A socket with a callback is refused ({@link IllegalStateException}). */
    Key register(PacketSocket socket, Object attachment) throws IOException;

    /** Watches an L3 socket (its current channel, and the new one after a VR change) for input or connections. */
    Key register(L3Socket<?> socket, Object attachment) throws IOException;

    /** Watches a raw IP socket for packets. */
    Key register(RawIpSocket socket, Object attachment) throws IOException;

    /**
     * Waits until at least one registered socket is ready, {@link #wakeup()} is called, or the
     * timeout passes, as Python's {@code select.select(r, [], [], timeout)}: {@code null} waits for
     * ever, {@link Duration#ZERO} looks and returns at once. Returns how many sockets are ready (0 on
     * timeout or wakeup); they are {@link #selectedKeys()} until the next call.
     *
     * @throws IllegalArgumentException for a negative timeout
     * @throws java.nio.channels.ClosedSelectorException once closed
     */
    int select(Duration timeout) throws IOException;

    /** {@code select(null)}: waits for ever (or a wakeup). */
    default int select() throws IOException {
        return select(null);
    }

    /** As {@link #select(Duration)}, handing each ready key to {@code action} once, on this thread. */
    default int select(Consumer<Key> action, Duration timeout) throws IOException {
        int n = select(timeout);
        List<Key> ready = selectedKeys();
        for (int i = 0; i < n; i++) {
            action.accept(ready.get(i));
        }
        return n;
    }

    /**
     * The keys the last {@code select} found ready, each once: a read-only view that the next
     * {@code select} replaces (unlike {@link java.nio.channels.Selector}, nothing accumulates and
     * nothing has to be removed). Selecting thread.
     */
    List<Key> selectedKeys();

    /** The valid keys. Allocates a copy. */
    List<Key> keys();

    /** Makes a blocked (or the next) {@code select} return at once. */
    void wakeup();

    boolean isOpen();

    /** Cancels every key and releases the selector's kernel resources; a blocked {@code select} returns 0. Idempotent. */
    @Override
    void close();
}
