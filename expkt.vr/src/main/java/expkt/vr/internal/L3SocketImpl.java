package expkt.vr.internal;

import expkt.api.runtime.VrSocketDTO;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import expkt.api.packet.Expkt;
import expkt.api.vr.L3Socket;
import expkt.api.vr.SocketCallback;
import expkt.api.vr.VirtualRouter;
import expkt.linux.Selectable;
import expkt.linux.SharedDispatcher;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * An expkt L3 socket over a JDK channel. A VR change on a socket not yet bound or connected makes a
 * new channel in the new VR and closes the old one (a kernel socket cannot change namespace).
 */
final class L3SocketImpl<C extends NetworkChannel> implements L3Socket<C>, SocketOwner.Owned, Selectable {
    /** Makes this socket's kind of channel in a VR. */
    interface ChannelMaker<C> {
        C make(VirtualRouter vr) throws IOException;
    }

    private final String kind;
    private final VrTable table;
    private final ChannelMaker<C> maker;
    private final SocketOwner owner;
    private volatile C channel;
    private volatile VirtualRouter vr;
    /** Selectors watching the channel's descriptor (changed under this object's monitor). */
    private final List<Selectable.Watcher> watchers = new CopyOnWriteArrayList<>();
    /** The callback on the provider's shared lane (the seed's set_callback). */
    private final LaneCallback callback;

    private final ProtocolFamily family;
    /** Parked for the next revision ({@link #park}): the channel is no longer this object's to use or close. */
    private volatile boolean parked;

    L3SocketImpl(String kind, VrTable table, VirtualRouter vr, ChannelMaker<C> maker, SocketOwner owner) throws IOException {
        this(kind, StandardProtocolFamily.INET, table, vr, maker, owner, () -> null);
    }

    L3SocketImpl(String kind, ProtocolFamily family, VrTable table, VirtualRouter vr, ChannelMaker<C> maker, SocketOwner owner,
                 Supplier<SharedDispatcher> dispatchers) throws IOException {
        this.family = family;
        this.callback = new LaneCallback(dispatchers, () -> kind + " socket in " + this.vr.name() + " of " + owner.owner(), false);
        this.kind = kind;
        this.table = table;
        this.maker = maker;
        this.owner = owner;
        this.vr = vr;
        this.channel = maker.make(vr);
    }

    /** Around the channel a previous revision of this bundle parked ({@link #park}): the same kernel socket, in {@code vr}. */
    L3SocketImpl(String kind, ProtocolFamily family, VrTable table, VirtualRouter vr, ChannelMaker<C> maker, SocketOwner owner,
                 Supplier<SharedDispatcher> dispatchers, C parked) {
        this.family = family;
        this.callback = new LaneCallback(dispatchers, () -> kind + " socket in " + this.vr.name() + " of " + owner.owner(), false);
        this.kind = kind;
        this.table = table;
        this.maker = maker;
        this.owner = owner;
        this.vr = vr;
        this.channel = parked;
    }

    /**
     * Takes the channel out without closing it, for the next revision of this bundle (an update): from now on
     * this object is closed for its users (a VR change, a callback, a selector's watch throw
     * ClosedChannelException), its callback is removed and its watchers forgotten without being told (the
     * descriptor they watch stays that socket). Null if it was closed or parked already.
     */
    synchronized expkt.api.spi.ParkedChannel park() {
        C ch = channel;
        if (parked || !ch.isOpen()) {
            return null;
        }
        parked = true;
        owner.remove(this);
        callback.remove(null);
        watchers.clear();
        return new expkt.api.spi.ParkedChannel(kind, vr, ch, family);
    }

    @Override
    public C channel() {
        return channel;
    }

    @Override
    public VirtualRouter vr() {
        return vr;
    }

    @Override
    public void setVr(String name) throws IOException {
        move(table.byName(name));
    }

    @Override
    public void setVrId(int vrId) throws IOException {
        move(table.byId(vrId));
    }

    private synchronized void move(VirtualRouter target) throws IOException {
        C old = channel;
        if (parked || !old.isOpen()) {
            throw new ClosedChannelException();
        }
        VrMove.move(kind + " socket", vr, target, callback, new VrMove.Movable<C>() {
            @Override
            public String pinnedBy() throws IOException {
                return boundState(old);
            }

            @Override
            public C openIn(VirtualRouter in) throws IOException {
                return maker.make(in);
            }

            @Override
            public int fdOf(C fresh) {
                return VrExec.fdOfChannel(fresh);
            }

            @Override
            public void install(C fresh, VirtualRouter in) throws IOException {
                channel = fresh;
                vr = in;
                old.close();
            }
        }, this, watchers);
    }

    /** Null when neither bound nor connected; else what it is, naming the address. */
    private static String boundState(NetworkChannel ch) throws IOException {
        if (ch instanceof SocketChannel sc && (sc.isConnected() || sc.isConnectionPending())) {
            return "connected to " + sc.getRemoteAddress();
        }
        if (ch instanceof DatagramChannel dc && dc.isConnected()) {
            return "connected to " + dc.getRemoteAddress();
        }
        SocketAddress local = ch.getLocalAddress();
        if (local != null) {
            return (ch instanceof ServerSocketChannel ? "bound (listening) to " : "bound to ") + local;
        }
        return null;
    }

    @Override
    public boolean isBound() {
        try {
            return boundState(channel) != null;
        } catch (IOException e) {
            return true;
        }
    }

    @Override
    public int getsockopt(int level, int option) {
        if (level == Expkt.SOL_SOCKET && option == Expkt.SO_VRID) {
            return vr.id();
        }
        throw new UnsupportedOperationException("option level " + level + " option " + option
                + " is not handled by an expkt L3 socket (only SOL_SOCKET/SO_VRID): use channel().getOption(...)");
    }

    @Override
    public void setsockopt(int level, int option, int value) throws IOException {
        if (level == Expkt.SOL_SOCKET && option == Expkt.SO_VRID) {
            setVrId(value);
            return;
        }
        throw new UnsupportedOperationException("option level " + level + " option " + option
                + " is not handled by an expkt L3 socket (only SOL_SOCKET/SO_VRID): use channel().setOption(...)");
    }

    @Override
    public boolean isOpen() {
        return !parked && channel.isOpen();
    }

    @Override
    public void close() throws IOException {
        owner.remove(this);
        if (parked) {
            return; // the channel is the next revision's
        }
        // the callback first, holding no lock (a running call may use this socket): after this it is never
        // called again; a call stuck past the deadline (or this very call) closes the channel when it returns
        boolean idle = callback.remove(this::closeChannelQuietly) != LaneCallback.RUNNING;
        synchronized (this) {
            for (Selectable.Watcher w : watchers) { // before the descriptor goes
                w.fdGone(this);
            }
            watchers.clear();
            if (idle) {
                channel.close();
            }
        }
    }

    private void closeChannelQuietly() {
        try {
            channel.close();
        } catch (IOException e) {
            // closing releases the descriptor even when it reports an error
        }
    }

    // ---------------------------------------------------------------- callback (the seed's set_callback)

    @Override
    public void setCallback(SocketCallback<? super L3Socket<C>> cb) throws IOException {
        if (cb == null) {
            throw new IllegalArgumentException("callback is null");
        }
        synchronized (this) {
            C ch = channel;
            if (parked || !ch.isOpen()) {
                throw new ClosedChannelException();
            }
            if (!watchers.isEmpty()) {
                throw new IllegalStateException(this + " is registered with a PacketSelector: cancel its key before setting a callback");
            }
            ((SelectableChannel) ch).configureBlocking(false); // a read inside the callback never blocks
            callback.set(() -> cb.onReadable(this), VrExec.fdOfChannel(ch));
        }
    }

    @Override
    public void removeCallback() {
        callback.remove(null);
    }

    // ---------------------------------------------------------------- Selectable (PacketSelector)

    @Override
    public synchronized int watch(Selectable.Watcher watcher) throws IOException {
        C ch = channel;
        if (parked || !ch.isOpen()) {
            throw new ClosedChannelException();
        }
        if (callback.active()) {
            throw new IllegalStateException(this + " has a callback: remove it before registering with a PacketSelector");
        }
        int fd = VrExec.fdOfChannel(ch);
        watchers.add(watcher);
        return fd;
    }

    @Override
    public void unwatch(Selectable.Watcher watcher) {
        watchers.remove(watcher);
    }

    @Override
    public boolean userSpaceReadiness() {
        return false;
    }

    @Override
    public boolean ready() {
        return false; // the kernel's readiness is the answer
    }

    @Override
    public String describe() {
        String state;
        try {
            state = boundState(channel);
        } catch (IOException e) {
            state = "?";
        }
        return kind + " " + vr.name() + "(" + vr.id() + ") " + (state == null ? "unbound" : state);
    }

    @Override
    public VrSocketDTO dto() {
        C ch = channel;
        VirtualRouter v = vr;
        VrSocketDTO d = new VrSocketDTO();
        d.kind = VrSocketDTO.L3;
        d.transport = kind;
        d.ipProtocol = kind.equals("udp") ? 17 : 6;
        d.family = String.valueOf(family);
        d.vrId = v.id();
        d.vr = v.name();
        d.localAddress = VrSocketRows.local(ch);
        d.remoteAddress = VrSocketRows.remote(ch);
        d.lane = callback.lane();
        d.callback = d.lane != null;
        d.callbackState = callback.state();
        d.received = -1; // reads go through the JDK channel: not counted
        return d;
    }

    @Override
    public String toString() {
        return "L3Socket[" + describe() + "]";
    }
}
