package expkt.vr.internal;

import expkt.api.runtime.VrSocketDTO;
import expkt.api.spi.BundleIdentity;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sockets one bundle opened through its VrSockets service: closed all together when the bundle
 * stops. Sockets the bundle closed itself are dropped on the next open ({@link #prune()}), so a bundle
 * that opens and closes sockets for ever does not grow this set.
 *
 * <p>Threading: thread-safe.
 */
public final class SocketOwner {
    /** An owned socket: something to close, whether it is still open, and a line for the listing. */
    public interface Owned extends Closeable {
        boolean isOpen();

        /** Kind, VR and state, e.g. {@code udp VR-Default(2) bound /10.0.0.1:5000}. */
        String describe();

        /**
         * A fresh runtime DTO of this socket without its owner (the listing fills that in,
         * {@link VrSocketRows}), or null for a socket not listed as one (an {@code AllVrServerSocket},
         * which holds one listening channel per kernel scope and shows in {@code expkt:vr}).
         */
        default VrSocketDTO dto() {
            return null;
        }
    }

    private final BundleIdentity owner;
    private final Set<Owned> sockets = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    public SocketOwner(BundleIdentity owner) {
        if (owner == null) {
            throw new IllegalArgumentException("socket owner is null");
        }
        this.owner = owner;
    }

    /** The owning bundle; listings and messages print it as {@code org.example.proto [42]} ({@link BundleIdentity#toString()}). */
    public BundleIdentity owner() {
        return owner;
    }

    /** Takes ownership; after {@link #closeAll()} the socket is closed at once and an error raised. */
    public <T extends Owned> T add(T socket) throws IOException {
        prune();
        sockets.add(socket);
        if (closed) {
            sockets.remove(socket);
            socket.close();
            throw new IllegalStateException("the VrSockets service of " + owner + " is released: no more sockets");
        }
        return socket;
    }

    /** Whether {@code socket} is one of this owner's (and not closed through {@link #closeAll()}). */
    public boolean owns(Owned socket) {
        return sockets.contains(socket);
    }

    public void remove(Owned socket) {
        sockets.remove(socket);
    }

    public void prune() {
        sockets.removeIf(s -> !s.isOpen());
    }

    public List<Owned> open() {
        List<Owned> out = new ArrayList<>();
        for (Owned s : sockets) {
            if (s.isOpen()) {
                out.add(s);
            }
        }
        return out;
    }

    public boolean isClosed() {
        return closed;
    }

    /** Closes every socket still open; returns how many were. Never throws. */
    public int closeAll() {
        closed = true;
        int n = 0;
        for (Owned s : List.copyOf(sockets)) {
            try {
                if (s.isOpen()) {
                    n++;
                }
                s.close();
            } catch (IOException | RuntimeException ignored) {
                // closing releases the fd even when it reports an error; nothing else to do for it
            }
            sockets.remove(s);
        }
        return n;
    }
}
