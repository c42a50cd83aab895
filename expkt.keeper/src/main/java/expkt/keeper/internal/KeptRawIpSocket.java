package expkt.keeper.internal;

import expkt.api.spi.ParkedRawSocket;
import expkt.api.spi.VrSession;
import expkt.api.vr.RawIpSocket;
import expkt.api.vr.SocketCallback;
import expkt.linux.Fds;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;

/**
 * A protocol's raw IP socket as the keeper holds it: forwards every call to a raw socket of the current
 * {@code expkt.vr} revision ({@link #delegate}) and records what is not part of the kernel socket — the
 * receive timeout, the callback, the selectors watching it — so that after an update of {@code expkt.vr}
 * the next revision adopts the same descriptor ({@link VrSession#adopt}: VR, IP_HDRINCL and the bound
 * address come with it) and the record is set up on it again. The protocol keeps this object, the kernel
 * socket is never closed: what arrives during the swap queues in it and is received after.
 *
 * <p>Calls during an update: the parked engine socket throws {@code ClosedChannelException}; a call that
 * got it while this socket is being moved waits (up to the grace period) for the adoption and is made
 * again on the adopted socket — a send that failed so was not sent, so nothing is sent twice. A socket
 * whose adoption failed (its descriptor closed underneath, its VR gone) fails every later call with an
 * exception naming the revision and the cause, and {@code expkt:keeper} lists it. A receive waiting across
 * the swap starts its timeout again on the adopted socket.
 *
 * <p>Threading: as the engine's socket for send and receive (no lock, one volatile read, nothing allocated);
 * the calls that change the record, the detach and the replay are serialised on this object.
 */
public final class KeptRawIpSocket extends KeptScopedVrSocket<RawIpSocket, ParkedRawSocket> implements RawIpSocket {

    private final int domain;
    private final int protocol;

    // the record: guarded by this
    private Duration timeout;
    private int callbackBufSize;
    private int callbackFlags;

    KeptRawIpSocket(KeptVrSockets service, RawIpSocket delegate, String servedBy) {
        super(service, delegate, servedBy);
        this.domain = delegate.domain();
        this.protocol = delegate.protocol();
    }

    // ---- the swap (KeptVrSocket) ------------------------------------------------------------------

    @Override
    ParkedRawSocket park(VrSession old, RawIpSocket socket) {
        return old.park(socket);
    }

    /** The same descriptor: VR, IP_HDRINCL and the bound address come with it. */
    @Override
    RawIpSocket adopt(VrSession session, ParkedRawSocket what) throws IOException {
        return session.adopt(what);
    }

    @Override
    void discard(ParkedRawSocket what) {
        Fds.closeQuietly(what.fd());
    }

    @Override
    void restore(RawIpSocket next) throws IOException {
        if (timeout != null) {
            next.setReceiveTimeout(timeout);
        }
        if (hasCallback()) {
            next.setCallback(this::onReadable, callbackBufSize, callbackFlags);
        }
    }

    @Override
    RawIpSocket self() {
        return this;
    }

    @Override
    public String kind() {
        return "raw";
    }

    // ---- RawIpSocket ------------------------------------------------------------------------------

    @Override
    public int domain() {
        return domain;
    }

    @Override
    public int protocol() {
        return protocol;
    }

    @Override
    public int getsockopt(int level, int option) throws IOException {
        RawIpSocket d = current();
        try {
            return d.getsockopt(level, option);
        } catch (ClosedChannelException e) {
            return replacementFor(d, e).getsockopt(level, option);
        }
    }

    @Override
    public void setHeaderIncluded(boolean included) throws IOException {
        RawIpSocket d = current();
        try {
            d.setHeaderIncluded(included);
        } catch (ClosedChannelException e) {
            replacementFor(d, e).setHeaderIncluded(included);
        }
    }

    @Override
    public boolean isHeaderIncluded() {
        return delegate.isHeaderIncluded();
    }

    @Override
    public synchronized void setReceiveTimeout(Duration t) {
        delegate.setReceiveTimeout(t); // validates; a field of the engine socket, parked or not
        timeout = t;
    }

    @Override
    public Duration receiveTimeout() {
        return delegate.receiveTimeout();
    }

    @Override
    public void bind(InetAddress local) throws IOException {
        RawIpSocket d = current();
        try {
            d.bind(local);
        } catch (ClosedChannelException e) {
            replacementFor(d, e).bind(local);
        }
    }

    @Override
    public int send(ByteBuffer packet, InetAddress destination) throws IOException {
        RawIpSocket d = current();
        try {
            return d.send(packet, destination);
        } catch (ClosedChannelException e) {
            return replacementFor(d, e).send(packet, destination);
        }
    }

    @Override
    public int send(byte[] packet, int offset, int length, InetAddress destination) throws IOException {
        RawIpSocket d = current();
        try {
            return d.send(packet, offset, length, destination);
        } catch (ClosedChannelException e) {
            return replacementFor(d, e).send(packet, offset, length, destination);
        }
    }

    @Override
    public InetAddress receive(ByteBuffer into) throws IOException {
        RawIpSocket d = current();
        try {
            return d.receive(into);
        } catch (ClosedChannelException e) {
            return replacementFor(d, e).receive(into);
        }
    }

    @Override
    public int receive(byte[] into, int offset, int length) throws IOException {
        RawIpSocket d = current();
        try {
            return d.receive(into, offset, length);
        } catch (ClosedChannelException e) {
            return replacementFor(d, e).receive(into, offset, length);
        }
    }

    @Override
    public void setCallback(SocketCallback<? super RawIpSocket> cb, int bufSize, int flags) throws IOException {
        keepCallback(cb, () -> {
            callbackBufSize = bufSize;
            callbackFlags = flags;
        }, d -> d.setCallback(this::onReadable, bufSize, flags));
    }

    @Override
    public synchronized void removeCallback() throws IOException {
        forgetCallback();
        delegate.removeCallback();
    }

    @Override
    public String toString() {
        return "kept raw socket (protocol " + protocol + ") of " + service.owner() + " [" + delegate + "]";
    }
}
