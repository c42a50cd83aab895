package expkt.keeper.internal;

import expkt.api.spi.ParkedAllVrServerSocket;
import expkt.api.spi.ParkedChannel;
import expkt.api.spi.VrSession;
import expkt.api.vr.AllVrServerSocket;
import expkt.api.vr.VirtualRouter;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.Map;

/**
 * A protocol's {@code ALL} server socket as the keeper holds it: forwards to an {@code ALL} socket of the current
 * {@code expkt.vr} revision ({@link #delegate}); when it goes, the old revision gives up the listening channels
 * (one per kernel scope) and their selector unclosed ({@link VrSession#parkAll}) and the next wraps the same ones
 * ({@link VrSession#adoptAll}), each channel for the VR it served: a connection made during the swap waits in the
 * channel's backlog and is accepted after it, and {@link #channels()} gives the same channel objects throughout.
 * The set of VRs stays the one the socket was made with, across the swap as across any VR change (a VR added
 * later is not served; a removed VR's channel stays open in its namespace until the socket is closed).
 * An {@code accept} or {@code bind} that meets the parked socket waits for the adoption up to the grace period
 * and is made again on the adopted socket (an {@code accept}'s timeout starts again), as {@link KeptL3Socket}'s
 * calls do. There is no callback or selector watcher to set up again: the selector moves with the channels.
 *
 * <p>Threading: as the engine's socket ({@link #accept} from one thread at a time); the detach and the replay
 * are serialised on this object.
 */
public final class KeptAllVrServerSocket extends KeptVrSocket<AllVrServerSocket, ParkedAllVrServerSocket> implements AllVrServerSocket {

    KeptAllVrServerSocket(KeptVrSockets service, AllVrServerSocket delegate, String servedBy) {
        super(service, delegate, servedBy);
    }

    // ---- the swap (KeptVrSocket) ------------------------------------------------------------------

    @Override
    ParkedAllVrServerSocket park(VrSession old, AllVrServerSocket socket) {
        return old.parkAll(socket);
    }

    @Override
    AllVrServerSocket adopt(VrSession session, ParkedAllVrServerSocket what) throws IOException {
        return session.adoptAll(what);
    }

    @Override
    void discard(ParkedAllVrServerSocket what) {
        for (ParkedChannel c : what.channels()) {
            closeQuietly(c.channel());
        }
        closeQuietly(what.selector());
    }

    /** Nothing but kernel state, the channels and their selector: the adopted socket is complete. */
    @Override
    void restore(AllVrServerSocket next) {
        // the listening channels carry the bound address and the backlog, the selector their registrations
    }

    @Override
    String kind() {
        return "tcp-ALL";
    }

    // ---- AllVrServerSocket ------------------------------------------------------------------------

    @Override
    public void bind(SocketAddress local, int backlog) throws IOException {
        AllVrServerSocket d = current();
        try {
            d.bind(local, backlog);
        } catch (ClosedChannelException e) {
            replacementFor(d, e).bind(local, backlog);
        }
    }

    /** The same channel objects across updates of expkt.vr. */
    @Override
    public Map<VirtualRouter, ServerSocketChannel> channels() {
        return delegate.channels();
    }

    @Override
    public Accepted accept() throws IOException {
        return accept(Duration.ZERO);
    }

    @Override
    public Accepted accept(Duration timeout) throws IOException {
        AllVrServerSocket d = current();
        try {
            return d.accept(timeout);
        } catch (ClosedChannelException e) {
            return replacementFor(d, e).accept(timeout);
        }
    }

    @Override
    public String toString() {
        return "kept ALL server socket of " + service.owner() + " [" + delegate + "]";
    }
}
