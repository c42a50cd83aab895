package expkt.provider.socket;

import expkt.api.net.SlotPort;
import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Expkt;
import expkt.api.packet.Filter;
import expkt.api.packet.FrameView;
import expkt.api.packet.PacketCallback;
import expkt.api.packet.PacketSocket;
import expkt.api.packet.RxMode;
import expkt.linux.Fds;
import expkt.linux.LinuxException;
import expkt.linux.PacketSockets;
import expkt.provider.core.Owner;
import expkt.provider.dispatch.Dispatcher;
import expkt.provider.rx.RxPath;
import expkt.provider.rx.RxRing;
import expkt.provider.tx.TxPath;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One L2 packet socket: an AF_PACKET socket bound to ETH_P_ALL in the data-plane namespace, a
 * receive ring (TPACKET_V3, or TPACKET_V2 for {@link RxMode#LATENCY}: see {@link RxRing}), a classic
 * BPF program compiled from its filters, and nftables rules named after them.
 *
 * <p>This class is the façade: it holds the fd, the arenas, the locks, the options, the callback
 * registration and {@link #close()}, and delegates each concern to one part: {@link SocketFilters}
 * (the BPF program and nft rules), {@link RxPath} (the receive path: reads the ring in place, waits
 * in poll(2) slices of {@value RxPath#POLL_SLICE_MILLIS} ms so that {@link #close()} is noticed) and
 * {@link TxPath} (the send path).
 *
 * <p>Threading: one receiving thread and one sending thread at a time (each side has its own lock);
 * filters, callback and close may be called from any thread.
 */
public final class PacketSocketImpl implements PacketSocket {
    private final L2Engine engine;
    private final long id;
    private final Owner owner;
    private final int fd;
    private final Arena ringArena;
    private final RxMode rxMode;
    private final Arena controlArena = Arena.ofShared();
    private final ReentrantLock rxLock = new ReentrantLock();
    private final ReentrantLock txLock = new ReentrantLock();
    private final Object filterLock = new Object();
    private final SocketFilters filters;
    private final RxPath rx;
    private final TxPath tx;
    private volatile boolean closed;
    private volatile PacketCallback callback;
    private long drops;

    PacketSocketImpl(L2Engine engine, long id, Owner owner, int fd, Arena ringArena, RxRing ring, RxMode rxMode) {
        this.rxMode = rxMode;
        this.engine = engine;
        this.id = id;
        this.owner = owner;
        this.fd = fd;
        this.ringArena = ringArena;
        this.filters = new SocketFilters(engine, this, fd, filterLock, this::isOpen);
        this.rx = new RxPath(ring, fd, controlArena.allocate(PacketSockets.POLLFD_SIZE, 8), engine, this::isOpen);
        this.tx = new TxPath(fd, txLock, engine::model, this::isOpen);
    }

    public long id() {
        return id;
    }

    public Owner owner() {
        return owner;
    }

    public int fd() {
        return fd;
    }

    private void ensureOpen() throws ClosedChannelException {
        if (closed) {
            throw new ClosedChannelException();
        }
    }

    // ---------------------------------------------------------------- filters: SocketFilters

    @Override
    public void setupFilter(Filter filter) throws IOException {
        filters.setup(filter);
    }

    @Override
    public List<Filter> filters() {
        return filters.list();
    }

    @Override
    public void removeFilters() throws IOException {
        filters.remove();
    }

    /** Re-installs the BPF program and nft rules after the data plane's ports changed. */
    void reapply() throws IOException {
        filters.reapply();
    }

    // ---------------------------------------------------------------- receive: RxPath, under the receive lock

    @Override
    public FrameView receive(ExosSockAddr from) throws IOException {
        rxLock.lock();
        try {
            return rx.receive(from);
        } finally {
            rxLock.unlock();
        }
    }

    @Override
    public int recvfrom(ByteBuffer dst, ExosSockAddr from) throws IOException {
        rxLock.lock();
        try {
            return rx.recvfrom(dst, from);
        } finally {
            rxLock.unlock();
        }
    }

    @Override
    public int recvfrom(byte[] buf, ExosSockAddr from) throws IOException {
        rxLock.lock();
        try {
            return rx.recvfrom(buf, from);
        } finally {
            rxLock.unlock();
        }
    }

    /**
     * The whole TCI (priority, DEI, id) of the tag the kernel took off the frame last received, for
     * writing the frame back as it was on the wire ({@code expkt:capture}); meaningful only when that
     * frame's address has a VLAN id. Receiving thread only, valid until the next receive.
     */
    public int lastVlanTci() {
        return rx.lastVlanTci();
    }

    /** The TPID (0x8100, 0x88A8) of that tag; as {@link #lastVlanTci()}. */
    public int lastVlanTpid() {
        return rx.lastVlanTpid();
    }

    /** True if a frame is waiting in the ring (for the dispatcher and tests). */
    public boolean readable() {
        return !closed && rx.ready();
    }

    // ---------------------------------------------------------------- send: TxPath

    @Override
    public void sendto(ByteBuffer frame, List<SlotPort> slotPorts) throws IOException {
        tx.sendto(frame, slotPorts);
    }

    /**
     * Sends a burst: every frame out of every port, in as few sendmmsg(2) calls as the batch allows.
     * Checks everything first, so a bad frame or port sends nothing.
     */
    @Override
    public int sendBurst(List<ByteBuffer> frames, List<SlotPort> slotPorts) throws IOException {
        return tx.sendBurst(frames, slotPorts);
    }

    @Override
    public void sendto(byte[] frame, SlotPort... slotPorts) throws IOException {
        if (frame == null) {
            throw new IllegalArgumentException("frame is null");
        }
        sendto(ByteBuffer.wrap(frame), slotPorts == null ? List.of() : List.of(slotPorts));
    }

    @Override
    public void sendto(ByteBuffer frame, String vlanName) throws IOException {
        tx.sendto(frame, vlanName);
    }

    @Override
    public void sendto(byte[] frame, String vlanName) throws IOException {
        if (frame == null) {
            throw new IllegalArgumentException("frame is null");
        }
        sendto(ByteBuffer.wrap(frame), vlanName);
    }

    // ---------------------------------------------------------------- callback, options, close

    @Override
    public void setCallback(PacketCallback callback, int bufSize, int flags) throws IOException {
        ensureOpen();
        if (callback == null) {
            throw new IllegalArgumentException("callback is null");
        }
        if (bufSize < 14 || bufSize > 65536) {
            throw new IllegalArgumentException("callback buffer size " + bufSize + " is outside 14..65536");
        }
        if (flags != 0) {
            throw new IllegalArgumentException("callback flags " + flags + " are not supported (pass 0)");
        }
        this.callback = callback;
        engine.dispatcher().register(id, fd, new Dispatcher.Readable() {
            @Override
            public void onReadable() throws Exception {
                PacketCallback cb = PacketSocketImpl.this.callback;
                if (cb != null && !closed) {
                    rx.startBudget(System.nanoTime() + Dispatcher.CALL_BUDGET_NANOS);
                    try {
                        cb.onReadable(PacketSocketImpl.this);
                    } finally {
                        rx.endBudget();
                    }
                }
            }

            @Override
            public String describe() {
                return "socket #" + id + " of " + owner;
            }
        });
    }

    @Override
    public void removeCallback() throws IOException {
        ensureOpen();
        dropCallback();
    }

    private void dropCallback() {
        callback = null;
        engine.dispatcher().unregister(id, fd);
    }

    public boolean hasCallback() {
        return callback != null;
    }

    @Override
    public void setBlocking(boolean blocking) throws IOException {
        ensureOpen();
        rx.blocking(blocking);
    }

    public boolean isBlocking() {
        return rx.blocking();
    }

    @Override
    public void setTimeout(Duration timeout) throws IOException {
        ensureOpen();
        if (timeout != null && timeout.isNegative()) {
            throw new IllegalArgumentException("timeout " + timeout + " is negative");
        }
        long ms = timeout == null ? 0 : timeout.toMillis();
        if (timeout != null && !timeout.isZero() && ms == 0) {
            ms = 1;
        }
        rx.timeoutMillis((int) Math.min(Integer.MAX_VALUE, ms));
    }

    @Override
    public int getsockopt(int level, int option) throws IOException {
        ensureOpen();
        checkOption(level, option);
        return filters.vrId();
    }

    @Override
    public void setsockopt(int level, int option, int value) throws IOException {
        ensureOpen();
        checkOption(level, option);
        filters.vrId(value);
    }

    private static void checkOption(int level, int option) {
        if (level != Expkt.SOL_SOCKET) {
            throw new IllegalArgumentException("socket option level " + level + " is not supported (only SOL_SOCKET = "
                    + Expkt.SOL_SOCKET + ")");
        }
        if (option != Expkt.SO_VRID) {
            throw new IllegalArgumentException("socket option " + option + " is not supported (only SO_VRID = " + Expkt.SO_VRID + ")");
        }
    }

    @Override
    public long drops() {
        if (closed) {
            return drops;
        }
        try {
            long[] s = PacketSockets.statistics(fd);
            synchronized (this) {
                drops += s[1];
                return drops;
            }
        } catch (LinuxException e) {
            return drops;
        }
    }

    /** Bytes of the socket's receive ring (its block size x block count when it was opened). */
    public long ringBytes() {
        return rx.ringBytes();
    }

    @Override
    public RxMode rxMode() {
        return rxMode;
    }

    /** Frames handed to the application since the socket opened. */
    public long received() {
        return rx.received();
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    @Override
    public void close() {
        synchronized (filterLock) {
            if (closed) {
                return;
            }
            drops();
            closed = true;
        }
        dropCallback();
        rxLock.lock(); // a blocked receiver notices within one poll slice
        try {
            synchronized (filterLock) {
                try {
                    filters.drop();
                } catch (IOException | RuntimeException e) {
                    engine.log().warn("closing socket #" + id + " of " + owner + ": removing its filters failed", e);
                }
            }
            txLock.lock();
            try {
                tx.close();
            } finally {
                txLock.unlock();
            }
            ringArena.close();
            controlArena.close();
            Fds.closeQuietly(fd);
        } finally {
            rxLock.unlock();
            engine.forget(this);
        }
    }

    @Override
    public String toString() {
        return "packet socket #" + id + " of " + owner + (closed ? " (closed)" : "");
    }
}
