package expkt.vr.internal;

import expkt.api.runtime.VrSocketDTO;
import expkt.api.packet.Expkt;
import expkt.api.vr.RawIpSocket;
import expkt.api.vr.SocketCallback;
import expkt.api.vr.VirtualRouter;
import expkt.linux.Errno;
import expkt.linux.Fds;
import expkt.linux.IpSockets;
import expkt.linux.Selectable;
import expkt.linux.SharedDispatcher;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A raw IP socket on an fd of our own (socket(2) through FFM).
 *
 * <p>Closing while another thread sends or receives: every operation holds a use count; the fd is
 * closed by whoever drops the count to zero after close() was called, so an fd number is never used
 * after it was released (and possibly reused by someone else).
 */
final class RawIpSocketImpl implements RawIpSocket, SocketOwner.Owned, Selectable {
    private static final int SLICE_MILLIS = 100;

    private final VrTable table;
    private final VrExec exec;
    private final SocketOwner owner;
    private final int domain;
    private final int protocol;
    private final AtomicInteger users = new AtomicInteger();
    private final AtomicInteger fd = new AtomicInteger(-1);
    // one address segment per direction, reused: the hot path allocates nothing
    private final MemorySegment sendAddr;
    private final MemorySegment recvAddr;
    private final MemorySegment recvAddrLen;
    private final MemorySegment pollFd;
    private volatile VirtualRouter vr;
    private volatile boolean closed;
    /** Parked for the next revision ({@link #park}): the last use gives the descriptor up without closing it. */
    private volatile boolean parked;
    private volatile boolean bound;
    /** The address it is bound to, or null (for the runtime DTOs). */
    private volatile InetAddress boundTo;
    private volatile boolean headerIncluded;
    private volatile long timeoutMillis;
    /** Selectors watching the descriptor; added under watchLock while open, told before the fd closes. */
    private final List<Selectable.Watcher> watchers = new CopyOnWriteArrayList<>();
    private final Object watchLock = new Object();
    /** Set (under watchLock) when close starts; {@link #closed} follows once the watchers were told. */
    private boolean closing;
    /** The callback on the provider's shared lane (the seed's set_callback); holds a use of the fd while set. */
    private final LaneCallback callback;
    private volatile int callbackBufSize = 9000;

    RawIpSocketImpl(VrTable table, VrExec exec, SocketOwner owner, VirtualRouter vr, int domain, int protocol) throws IOException {
        this(table, exec, owner, vr, domain, protocol, () -> null);
    }

    RawIpSocketImpl(VrTable table, VrExec exec, SocketOwner owner, VirtualRouter vr, int domain, int protocol,
                    Supplier<SharedDispatcher> dispatchers) throws IOException {
        this.callback = new LaneCallback(dispatchers, () -> "raw socket (protocol " + protocol + ") in " + this.vr.name()
                + " of " + owner.owner(), true);
        if (domain != AF_INET && domain != AF_INET6) {
            throw new IllegalArgumentException("raw socket domain " + domain + " is neither AF_INET (2) nor AF_INET6 (10)");
        }
        if (protocol < 1 || protocol > 255) {
            throw new IllegalArgumentException("raw socket protocol " + protocol + " is outside 1..255");
        }
        this.table = table;
        this.exec = exec;
        this.owner = owner;
        this.domain = domain;
        this.protocol = protocol;
        Arena arena = Arena.ofAuto();
        this.sendAddr = arena.allocate(IpSockets.SOCKADDR_STORAGE);
        this.recvAddr = arena.allocate(IpSockets.SOCKADDR_STORAGE);
        this.recvAddrLen = arena.allocate(4);
        this.pollFd = arena.allocate(8);
        this.fd.set(makeIn(vr));
        this.vr = vr;
    }

    /**
     * Around a descriptor a previous revision of this bundle parked ({@link #park}): the same kernel socket,
     * checked to still be that socket (same inode), in {@code vr}, with the parked header-included and bound state.
     */
    RawIpSocketImpl(VrTable table, VrExec exec, SocketOwner owner, VirtualRouter vr, expkt.api.spi.ParkedRawSocket parked,
                    Supplier<SharedDispatcher> dispatchers) throws IOException {
        this.callback = new LaneCallback(dispatchers, () -> "raw socket (protocol " + parked.protocol() + ") in " + this.vr.name()
                + " of " + owner.owner(), true);
        long inode = inodeOf(parked.fd());
        if (parked.fdInode() != 0 && inode != parked.fdInode()) {
            throw new IOException(parked + ": the descriptor is no longer that socket (inode " + inode + ", parked "
                    + parked.fdInode() + "): it was closed underneath");
        }
        this.table = table;
        this.exec = exec;
        this.owner = owner;
        this.domain = parked.domain();
        this.protocol = parked.protocol();
        Arena arena = Arena.ofAuto();
        this.sendAddr = arena.allocate(IpSockets.SOCKADDR_STORAGE);
        this.recvAddr = arena.allocate(IpSockets.SOCKADDR_STORAGE);
        this.recvAddrLen = arena.allocate(4);
        this.pollFd = arena.allocate(8);
        this.headerIncluded = parked.headerIncluded();
        this.boundTo = parked.boundTo();
        this.bound = parked.boundTo() != null;
        this.fd.set(parked.fd());
        this.vr = vr;
    }

    /** The inode of the socket behind {@code fd} ({@code socket:[N]}), 0 if it is no socket. */
    static long inodeOf(int fd) throws IOException {
        String link;
        try {
            link = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/" + fd)).toString();
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException("fd " + fd + " is not open", e);
        }
        if (!link.startsWith("socket:[") || !link.endsWith("]")) {
            return 0;
        }
        return Long.parseLong(link.substring("socket:[".length(), link.length() - 1));
    }

    /**
     * Takes the descriptor out without closing it, for the next revision of this bundle (an update): from now
     * on this object is closed for its users (their calls throw ClosedChannelException; one already in a
     * system call finishes it on the still open descriptor), its callback is removed, and its selector
     * watchers are forgotten without being told (the descriptor they watch stays that socket). Null if it
     * was closed or parked already.
     */
    synchronized expkt.api.spi.ParkedRawSocket park(String by) {
        synchronized (watchLock) {
            if (closing) {
                return null;
            }
            closing = true;
        }
        owner.remove(this);
        int f = fd.get();
        long inode = 0;
        try {
            inode = inodeOf(f);
        } catch (IOException | RuntimeException e) {
            // 0: the adoption checks nothing then
        }
        watchers.clear();
        parked = true;
        closed = true;
        removeCallback();
        if (users.get() == 0) {
            release();
        }
        return new expkt.api.spi.ParkedRawSocket(by, f, inode, domain, protocol, vr, headerIncluded, boundTo);
    }

    private int makeIn(VirtualRouter target) throws IOException {
        FdBox box = exec.open(target, () -> new FdBox(IpSockets.socket(domain, IpSockets.SOCK_RAW, protocol)), b -> b.fd);
        return box.fd;
    }

    /** Lets VrExec close the fd if binding it to a VRF device fails. */
    private record FdBox(int fd) implements java.io.Closeable {
        @Override
        public void close() {
            Fds.closeQuietly(fd);
        }
    }

    private int enter() throws ClosedChannelException {
        users.incrementAndGet();
        if (closed) {
            leave();
            throw new ClosedChannelException();
        }
        return fd.get();
    }

    private void leave() {
        if (users.decrementAndGet() == 0 && closed) {
            release();
        }
    }

    private void release() {
        int f = fd.getAndSet(-1);
        if (f >= 0 && !parked) {
            Fds.closeQuietly(f);
        }
    }

    @Override
    public int domain() {
        return domain;
    }

    @Override
    public int protocol() {
        return protocol;
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
        int f = enter();
        try {
            VrMove.move("raw socket (protocol " + protocol + ")", vr, target, callback, new VrMove.Movable<Integer>() {
                @Override
                public String pinnedBy() {
                    return bound ? "bound" : null;
                }

                @Override
                public Integer openIn(VirtualRouter in) throws IOException {
                    int fresh = makeIn(in);
                    try {
                        if (headerIncluded) {
                            setHdrIncl(fresh, true);
                        }
                    } catch (IOException | RuntimeException e) {
                        Fds.closeQuietly(fresh);
                        throw e;
                    }
                    return fresh;
                }

                @Override
                public int fdOf(Integer fresh) {
                    return fresh;
                }

                @Override
                public void install(Integer fresh, VirtualRouter in) {
                    // the old fd is still held by this very operation; others see the new one from now on
                    fd.set(fresh);
                    vr = in;
                    Fds.closeQuietly(f);
                }
            }, this, watchers);
        } finally {
            leave();
        }
    }

    @Override
    public int getsockopt(int level, int option) throws IOException {
        if (level == Expkt.SOL_SOCKET && option == Expkt.SO_VRID) {
            return vr.id();
        }
        int f = enter();
        try {
            return IpSockets.getInt(f, level, option);
        } finally {
            leave();
        }
    }

    @Override
    public void setsockopt(int level, int option, int value) throws IOException {
        if (level == Expkt.SOL_SOCKET && option == Expkt.SO_VRID) {
            setVrId(value);
            return;
        }
        int f = enter();
        try {
            IpSockets.setInt(f, level, option, value);
            if ((level == IPPROTO_IP && option == IP_HDRINCL) || (level == IPPROTO_IPV6 && option == IPV6_HDRINCL)) {
                headerIncluded = value != 0;
            }
        } finally {
            leave();
        }
    }

    @Override
    public void setHeaderIncluded(boolean included) throws IOException {
        int f = enter();
        try {
            setHdrIncl(f, included);
            headerIncluded = included;
        } finally {
            leave();
        }
    }

    private void setHdrIncl(int f, boolean on) throws IOException {
        if (domain == AF_INET) {
            IpSockets.setInt(f, IPPROTO_IP, IP_HDRINCL, on ? 1 : 0);
        } else {
            IpSockets.setInt(f, IPPROTO_IPV6, IPV6_HDRINCL, on ? 1 : 0);
        }
    }

    @Override
    public boolean isHeaderIncluded() {
        return headerIncluded;
    }

    @Override
    public void setReceiveTimeout(Duration timeout) {
        if (timeout == null || timeout.isNegative()) {
            throw new IllegalArgumentException("receive timeout " + timeout + " must be zero (for ever) or positive");
        }
        timeoutMillis = timeout.toMillis();
    }

    @Override
    public Duration receiveTimeout() {
        return Duration.ofMillis(timeoutMillis);
    }

    @Override
    public synchronized void bind(InetAddress local) throws IOException {
        checkFamily(local);
        int f = enter();
        try {
            IpSockets.bind(f, local, 0);
            bound = true;
            boundTo = local;
        } finally {
            leave();
        }
    }

    private void checkFamily(InetAddress a) {
        boolean v4 = a instanceof java.net.Inet4Address;
        if (v4 != (domain == AF_INET)) {
            throw new IllegalArgumentException("address " + a.getHostAddress() + " does not fit a raw socket of domain "
                    + (domain == AF_INET ? "AF_INET" : "AF_INET6"));
        }
    }

    @Override
    public int send(ByteBuffer packet, InetAddress destination) throws IOException {
        int n = send(MemorySegment.ofBuffer(packet), packet.remaining(), destination);
        packet.position(packet.position() + n);
        return n;
    }

    @Override
    public int send(byte[] packet, int offset, int length, InetAddress destination) throws IOException {
        java.util.Objects.checkFromIndexSize(offset, length, packet.length);
        return send(MemorySegment.ofArray(packet).asSlice(offset, length), length, destination);
    }

    private int send(MemorySegment data, int length, InetAddress destination) throws IOException {
        int f = enter();
        try {
            int saLen;
            synchronized (sendAddr) {
                if (destination != null) {
                    checkFamily(destination);
                    saLen = IpSockets.writeSockaddr(sendAddr, destination, 0);
                } else {
                    saLen = destinationFromHeader(data, length);
                }
                return IpSockets.sendTo(f, data, length, 0, sendAddr, saLen);
            }
        } finally {
            leave();
        }
    }

    /** With IP_HDRINCL the destination may come from the header the caller built. */
    private int destinationFromHeader(MemorySegment data, int length) {
        if (!headerIncluded) {
            throw new IllegalArgumentException("no destination given, and IP_HDRINCL is off so there is no IP header to take it from");
        }
        sendAddr.asSlice(0, 28).fill((byte) 0);
        if (domain == AF_INET) {
            if (length < 20) {
                throw new IllegalArgumentException("packet of " + length + " bytes is shorter than an IPv4 header (20)");
            }
            sendAddr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_INET);
            MemorySegment.copy(data, 16, sendAddr, 4, 4);
            return 16;
        }
        if (length < 40) {
            throw new IllegalArgumentException("packet of " + length + " bytes is shorter than an IPv6 header (40)");
        }
        sendAddr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_INET6);
        MemorySegment.copy(data, 24, sendAddr, 8, 16);
        return 28;
    }

    /** Inside a callback call: null when nothing waits (never blocks), at most the callback's bufSize bytes. */
    @Override
    public InetAddress receive(ByteBuffer into) throws IOException {
        int n = receive(MemorySegment.ofBuffer(into), into.remaining());
        if (n < 0) {
            return null;
        }
        into.position(into.position() + n);
        return IpSockets.readSockaddr(recvAddr);
    }

    /** Inside a callback call: -1 when nothing waits (never blocks), at most the callback's bufSize bytes. */
    @Override
    public int receive(byte[] into, int offset, int length) throws IOException {
        java.util.Objects.checkFromIndexSize(offset, length, into.length);
        return receive(MemorySegment.ofArray(into).asSlice(offset, length), length);
    }

    private int receive(MemorySegment data, int length) throws IOException {
        if (callback.inCall()) {
            return receiveNow(data, Math.min(length, callbackBufSize));
        }
        long timeout = timeoutMillis;
        long deadline = timeout == 0 ? Long.MAX_VALUE : System.nanoTime() + timeout * 1_000_000L;
        while (true) {
            int f = enter();
            try {
                long left = timeout == 0 ? SLICE_MILLIS : (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    throw new SocketTimeoutException("raw socket (protocol " + protocol + ", VR " + vr.name() + "): nothing received in "
                            + timeout + " ms");
                }
                int revents = IpSockets.poll(pollFd, f, IpSockets.POLLIN, (int) Math.min(left, SLICE_MILLIS));
                if ((revents & IpSockets.POLLIN) != 0) {
                    int n = IpSockets.recvFrom(f, data, length, IpSockets.MSG_DONTWAIT, recvAddr, recvAddrLen);
                    if (n != -Errno.EAGAIN) {
                        callback.countRead();
                        return n;
                    }
                }
            } finally {
                leave();
            }
        }
    }

    /** One packet if one waits, else -1: what a callback's receive does. */
    private int receiveNow(MemorySegment data, int length) throws IOException {
        int f = enter();
        try {
            int n = IpSockets.recvFrom(f, data, length, IpSockets.MSG_DONTWAIT, recvAddr, recvAddrLen);
            if (n == -Errno.EAGAIN) {
                return -1;
            }
            callback.countRead();
            return n;
        } finally {
            leave();
        }
    }

    // ---------------------------------------------------------------- callback (the seed's set_callback)

    @Override
    public void setCallback(SocketCallback<? super RawIpSocket> cb, int bufSize, int flags) throws IOException {
        if (cb == null) {
            throw new IllegalArgumentException("callback is null");
        }
        if (bufSize < 1 || bufSize > 65535) {
            throw new IllegalArgumentException("callback buffer size " + bufSize + " is outside 1..65535");
        }
        if (flags != 0) {
            throw new IllegalArgumentException("callback flags " + flags + " are not supported (pass 0)");
        }
        synchronized (this) { // against a VR change (move)
            int f = enter();
            try {
                synchronized (watchLock) {
                    if (!watchers.isEmpty()) {
                        throw new IllegalStateException(this + " is registered with a PacketSelector: cancel its key before setting a callback");
                    }
                }
                callbackBufSize = bufSize;
                boolean first = !callback.active();
                if (first) {
                    users.incrementAndGet(); // the lane's use of the fd, given back when the callback is removed and idle
                }
                try {
                    callback.set(() -> cb.onReadable(this), f);
                } catch (IOException | RuntimeException e) {
                    if (first) {
                        leave();
                    }
                    throw e;
                }
            } finally {
                leave();
            }
        }
    }

    @Override
    public void removeCallback() {
        if (callback.remove(this::leave) == LaneCallback.IDLE) {
            leave(); // the lane's use of the fd
        }
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    @Override
    public boolean isBound() {
        return bound;
    }

    @Override
    public void close() {
        owner.remove(this);
        synchronized (watchLock) {
            if (closing) {
                return;
            }
            closing = true;
        }
        for (Selectable.Watcher w : watchers) { // before the fd can be released (closed is not set yet), while its number is still ours
            w.fdGone(this);
        }
        watchers.clear();
        closed = true;
        removeCallback(); // its use of the fd is given back once no call runs: then the fd goes
        if (users.get() == 0) {
            release();
        }
    }

    // ---------------------------------------------------------------- Selectable (PacketSelector)

    @Override
    public synchronized int watch(Selectable.Watcher watcher) throws IOException {
        int f = enter();
        try {
            synchronized (watchLock) {
                if (closing) {
                    throw new ClosedChannelException();
                }
                if (callback.active()) {
                    throw new IllegalStateException(this + " has a callback: remove it before registering with a PacketSelector");
                }
                watchers.add(watcher);
            }
            return f;
        } finally {
            leave();
        }
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
        return "raw " + (domain == AF_INET ? "AF_INET" : "AF_INET6") + " protocol " + protocol + " " + vr.name() + "(" + vr.id() + ")"
                + (bound ? " bound" : "") + (headerIncluded ? " hdrincl" : "");
    }

    @Override
    public VrSocketDTO dto() {
        VirtualRouter v = vr;
        InetAddress local = boundTo;
        VrSocketDTO d = new VrSocketDTO();
        d.kind = VrSocketDTO.RAW;
        d.transport = "raw";
        d.ipProtocol = protocol;
        d.family = domain == AF_INET6 ? "INET6" : "INET";
        d.vrId = v.id();
        d.vr = v.name();
        d.localAddress = local == null ? null : local.toString();
        d.lane = callback.lane();
        d.callback = d.lane != null;
        d.callbackState = callback.state();
        d.received = callback.reads();
        return d;
    }

    @Override
    public String toString() {
        return "RawIpSocket[" + describe() + "]";
    }
}
