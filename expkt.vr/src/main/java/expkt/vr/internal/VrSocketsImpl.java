package expkt.vr.internal;

import expkt.api.spi.ParkedRawSocket;
import expkt.api.spi.VrSession;
import expkt.api.vr.AllVrServerSocket;
import expkt.api.vr.L3Socket;
import expkt.api.vr.RawIpSocket;
import expkt.api.vr.VirtualRouter;
import expkt.api.vr.VrSockets;

import java.io.IOException;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One bundle's VrSockets: opens sockets in VRs and records them in the bundle's {@link SocketOwner}.
 * Plain Java, so it is tested directly. It is also the bundle's {@link VrSession} on this revision of
 * {@code expkt.vr} ({@code component.VrEngineComponent}): the keeper forwards the bundle's calls here, parks
 * its raw sockets' descriptors when this revision goes ({@link #park}) and has the next one adopt them.
 *
 * <p>Threading: thread-safe.
 */
public final class VrSocketsImpl implements VrSession {
    private final VrTable table;
    private final VrExec exec;
    private final SocketOwner owner;
    private final Supplier<VirtualRouter> affinity;
    private final Supplier<expkt.linux.SharedDispatcher> dispatchers;
    private final Supplier<String> revision;

    public VrSocketsImpl(VrTable table, VrExec exec, SocketOwner owner, Supplier<VirtualRouter> affinity) {
        this(table, exec, owner, affinity, () -> null);
    }

    /** @param dispatchers the L2 provider's shared dispatcher for socket callbacks, or null while it is not running */
    public VrSocketsImpl(VrTable table, VrExec exec, SocketOwner owner, Supplier<VirtualRouter> affinity,
                         Supplier<expkt.linux.SharedDispatcher> dispatchers) {
        this(table, exec, owner, affinity, dispatchers, () -> "expkt.vr");
    }

    /** @param revision names this revision of expkt.vr in what it parks */
    public VrSocketsImpl(VrTable table, VrExec exec, SocketOwner owner, Supplier<VirtualRouter> affinity,
                         Supplier<expkt.linux.SharedDispatcher> dispatchers, Supplier<String> revision) {
        this.revision = revision;
        this.dispatchers = dispatchers;
        this.table = table;
        this.exec = exec;
        this.owner = owner;
        this.affinity = affinity;
    }

    public SocketOwner owner() {
        return owner;
    }

    @Override
    public VirtualRouter affinity() {
        return affinity.get();
    }

    private VirtualRouter resolve(String vr) {
        return vr == null ? affinity.get() : table.byName(vr);
    }

    private static ProtocolFamily family(ProtocolFamily f) {
        if (f == null) {
            return StandardProtocolFamily.INET;
        }
        if (f != StandardProtocolFamily.INET && f != StandardProtocolFamily.INET6) {
            throw new IllegalArgumentException("protocol family " + f + " is not an IP family (INET or INET6)");
        }
        return f;
    }

    DatagramChannel makeDatagram(VirtualRouter vr, ProtocolFamily f) throws IOException {
        return exec.open(vr, () -> DatagramChannel.open(f), VrExec::fdOfChannel);
    }

    SocketChannel makeSocket(VirtualRouter vr, ProtocolFamily f) throws IOException {
        return exec.open(vr, () -> SocketChannel.open(f), VrExec::fdOfChannel);
    }

    ServerSocketChannel makeServer(VirtualRouter vr, ProtocolFamily f) throws IOException {
        return exec.open(vr, () -> ServerSocketChannel.open(f), VrExec::fdOfChannel);
    }

    /** Records a channel made elsewhere (an accepted connection) as the bundle's. */
    <C extends NetworkChannel> C adopt(String kind, VirtualRouter vr, C ch) throws IOException {
        owner.add(new PlainChannel(kind, vr, ch));
        return ch;
    }

    @Override
    public DatagramChannel openDatagramChannel(String vr, ProtocolFamily family) throws IOException {
        VirtualRouter v = resolve(vr);
        return adopt("udp", v, makeDatagram(v, family(family)));
    }

    @Override
    public SocketChannel openSocketChannel(String vr, ProtocolFamily family) throws IOException {
        VirtualRouter v = resolve(vr);
        return adopt("tcp", v, makeSocket(v, family(family)));
    }

    @Override
    public ServerSocketChannel openServerSocketChannel(String vr, ProtocolFamily family) throws IOException {
        VirtualRouter v = resolve(vr);
        return adopt("tcp-listen", v, makeServer(v, family(family)));
    }

    @Override
    public L3Socket<DatagramChannel> udpSocket(String vr, ProtocolFamily family) throws IOException {
        ProtocolFamily f = family(family);
        return owner.add(new L3SocketImpl<>("udp", f, table, resolve(vr), v -> makeDatagram(v, f), owner, dispatchers));
    }

    @Override
    public L3Socket<SocketChannel> tcpSocket(String vr, ProtocolFamily family) throws IOException {
        ProtocolFamily f = family(family);
        return owner.add(new L3SocketImpl<>("tcp", f, table, resolve(vr), v -> makeSocket(v, f), owner, dispatchers));
    }

    @Override
    public L3Socket<ServerSocketChannel> tcpServerSocket(String vr, ProtocolFamily family) throws IOException {
        ProtocolFamily f = family(family);
        return owner.add(new L3SocketImpl<>("tcp-listen", f, table, resolve(vr), v -> makeServer(v, f), owner, dispatchers));
    }

    @Override
    public RawIpSocket rawSocket(String vr, int domain, int protocol) throws IOException {
        return owner.add(new RawIpSocketImpl(table, exec, owner, resolve(vr), domain, protocol, dispatchers));
    }

    @Override
    public ParkedRawSocket park(RawIpSocket socket) {
        if (socket instanceof RawIpSocketImpl raw && owner.owns(raw)) {
            return raw.park(revision.get());
        }
        return null;
    }

    @Override
    public RawIpSocket adopt(ParkedRawSocket parked) throws IOException {
        return owner.add(new RawIpSocketImpl(table, exec, owner, parked.vr(), parked, dispatchers));
    }

    @Override
    public java.util.List<expkt.api.spi.ParkedChannel> parkChannels() {
        java.util.List<expkt.api.spi.ParkedChannel> out = new java.util.ArrayList<>();
        for (SocketOwner.Owned o : owner.open()) {
            if (o instanceof PlainChannel p) {
                owner.remove(p);
                out.add(new expkt.api.spi.ParkedChannel(p.kind(), p.vr(), p.channel(), null));
            }
        }
        return out;
    }

    @Override
    public void adoptChannel(expkt.api.spi.ParkedChannel parked) {
        try {
            owner.add(new PlainChannel(parked.kind(), parked.vr(), parked.channel()));
        } catch (IOException e) {
            // add closes it only after this session was released: IllegalStateException then, never IOException
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public expkt.api.spi.ParkedChannel parkL3(L3Socket<?> socket) {
        if (socket instanceof L3SocketImpl<?> l3 && owner.owns(l3)) {
            return l3.park();
        }
        return null;
    }

    @Override
    public L3Socket<?> adoptL3(expkt.api.spi.ParkedChannel parked) throws IOException {
        ProtocolFamily f = family(parked.family());
        NetworkChannel ch = parked.channel();
        if (!ch.isOpen()) {
            throw new java.nio.channels.ClosedChannelException();
        }
        return switch (parked.kind()) {
            case "udp" -> owner.add(new L3SocketImpl<>("udp", f, table, parked.vr(), v -> makeDatagram(v, f), owner, dispatchers,
                    (DatagramChannel) ch));
            case "tcp" -> owner.add(new L3SocketImpl<>("tcp", f, table, parked.vr(), v -> makeSocket(v, f), owner, dispatchers,
                    (SocketChannel) ch));
            case "tcp-listen" -> owner.add(new L3SocketImpl<>("tcp-listen", f, table, parked.vr(), v -> makeServer(v, f), owner,
                    dispatchers, (ServerSocketChannel) ch));
            default -> throw new IllegalArgumentException("parked channel of kind " + parked.kind() + " is no L3 socket's");
        };
    }

    @Override
    public int release() {
        int n = owner.closeAll();
        table.removeOwner(owner);
        return n;
    }

    @Override
    public AllVrServerSocket serverSocketAllVrs(ProtocolFamily family) throws IOException {
        ProtocolFamily f = family(family);
        Map<VirtualRouter, ServerSocketChannel> channels = new LinkedHashMap<>();
        try {
            for (VirtualRouter vr : AllVrServerSocketImpl.oneVrPerKernelScope(table)) {
                channels.put(vr, makeServer(vr, f));
            }
        } catch (IOException | RuntimeException e) {
            for (ServerSocketChannel c : channels.values()) {
                c.close();
            }
            throw e;
        }
        return owner.add(new AllVrServerSocketImpl(this, owner, channels, f));
    }

    @Override
    public expkt.api.spi.ParkedAllVrServerSocket parkAll(AllVrServerSocket socket) {
        if (socket instanceof AllVrServerSocketImpl all && owner.owns(all)) {
            return all.park();
        }
        return null;
    }

    /**
     * The channels as they were parked, each for its VR, and their selector: the table is not consulted (the next
     * revision's user VRs may not be configured yet, and an ALL socket serves the VRs it was made with, whatever
     * changed since).
     */
    @Override
    public AllVrServerSocket adoptAll(expkt.api.spi.ParkedAllVrServerSocket parked) throws IOException {
        Map<VirtualRouter, ServerSocketChannel> channels = new LinkedHashMap<>();
        for (expkt.api.spi.ParkedChannel p : parked.channels()) {
            if (!"tcp-listen".equals(p.kind()) || !(p.channel() instanceof ServerSocketChannel ssc)) {
                throw new IllegalArgumentException("parked " + p.kind() + " channel in " + p.vr().name() + " is no listening channel of an ALL socket");
            }
            if (!ssc.isOpen()) {
                throw new IOException("the listening channel of the ALL socket in VR " + p.vr().name() + " was closed while parked");
            }
            channels.put(p.vr(), ssc);
        }
        if (!parked.selector().isOpen()) {
            throw new IOException("the selector of the ALL socket in " + channels.keySet().stream().map(VirtualRouter::name).toList()
                    + " was closed while parked");
        }
        return owner.add(new AllVrServerSocketImpl(this, owner, channels, family(parked.channels().get(0).family()), parked.selector()));
    }
}
