package expkt.keeper.internal;

import expkt.api.spi.ParkedChannel;
import expkt.api.spi.VrSession;
import expkt.api.vr.L3Socket;
import expkt.api.vr.SocketCallback;

import java.io.IOException;
import java.nio.channels.NetworkChannel;

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
public final class KeptL3Socket<C extends NetworkChannel> extends KeptScopedVrSocket<L3Socket<C>, ParkedChannel> implements L3Socket<C> {
    private final String kind;

    KeptL3Socket(KeptVrSockets service, String kind, L3Socket<C> delegate, String servedBy) {
        super(service, delegate, servedBy);
        this.kind = kind;
    }

    // ---- the swap (KeptVrSocket) ------------------------------------------------------------------

    @Override
    ParkedChannel park(VrSession old, L3Socket<C> socket) {
        return old.parkL3(socket);
    }

    /** The same JDK channel, with the family its VR changes make channels with. */
    @Override
    @SuppressWarnings("unchecked")
    L3Socket<C> adopt(VrSession session, ParkedChannel what) throws IOException {
        return (L3Socket<C>) session.adoptL3(what);
    }

    @Override
    void discard(ParkedChannel what) {
        closeQuietly(what.channel());
    }

    @Override
    void restore(L3Socket<C> next) throws IOException {
        if (hasCallback()) {
            next.setCallback(this::onReadable);
        }
    }

    @Override
    L3Socket<C> self() {
        return this;
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
    public int getsockopt(int level, int option) throws IOException {
        return current().getsockopt(level, option);
    }

    @Override
    public void setCallback(SocketCallback<? super L3Socket<C>> cb) throws IOException {
        keepCallback(cb, () -> { }, d -> d.setCallback(this::onReadable)); // nothing but the callback to record
    }

    @Override
    public synchronized void removeCallback() throws IOException {
        forgetCallback();
        delegate.removeCallback();
    }

    /** Also closed when the channel is: the protocol may close it directly. */
    @Override
    public boolean isOpen() {
        return super.isOpen() && delegate.channel().isOpen();
    }

    @Override
    public String toString() {
        return "kept " + kind + " socket of " + service.owner() + " [" + delegate + "]";
    }
}
