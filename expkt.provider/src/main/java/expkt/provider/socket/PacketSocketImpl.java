package expkt.provider.socket;

import expkt.api.net.SlotPort;
import expkt.api.packet.Direction;
import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Expkt;
import expkt.api.packet.Filter;
import expkt.api.packet.FilterAction;
import expkt.api.packet.FrameView;
import expkt.api.packet.PacketCallback;
import expkt.api.packet.PacketSocket;
import expkt.api.packet.PacketType;
import expkt.api.packet.RxMode;
import expkt.api.packet.Port;
import expkt.api.packet.Vlan;
import expkt.linux.Fds;
import expkt.linux.LinuxException;
import expkt.linux.PacketSockets;
import expkt.provider.bpf.BpfCompiler;
import expkt.provider.core.Owner;
import expkt.provider.dataplane.DataPlaneModel;
import expkt.provider.dispatch.Dispatcher;
import expkt.provider.ring.RxRing;
import expkt.provider.ring.TxBatch;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One L2 packet socket: an AF_PACKET socket bound to ETH_P_ALL in the data-plane namespace, a
 * receive ring (TPACKET_V3, or TPACKET_V2 for {@link RxMode#LATENCY}: see {@link RxRing}), a classic BPF program compiled from its filters, and nftables rules named
 * after them.
 *
 * <p>Receive: {@link #receive} reads the ring in place (no system call while frames are queued, no
 * allocation per frame); when the ring is empty a blocking socket waits in poll(2) in slices of
 * {@value #POLL_SLICE_MILLIS} ms so that {@link #close()} from another thread is noticed.
 *
 * <p>Threading: one receiving thread and one sending thread at a time (each side has its own lock);
 * filters, callback and close may be called from any thread.
 */
public final class PacketSocketImpl implements PacketSocket {
    static final int POLL_SLICE_MILLIS = 100;

    private final L2Engine engine;
    private final long id;
    private final Owner owner;
    private final int fd;
    private final Arena ringArena;
    private final RxRing ring;
    private final RxMode rxMode;
    private final Arena controlArena = Arena.ofShared();
    private final MemorySegment pollfd;
    private final FrameView view = new FrameView();
    private final ReentrantLock rxLock = new ReentrantLock();
    private final ReentrantLock txLock = new ReentrantLock();
    private final Object filterLock = new Object();
    private final List<Filter> filters = new CopyOnWriteArrayList<>();
    private TxBatch tx;
    private volatile boolean closed;
    private volatile boolean blocking = true;
    private volatile int timeoutMillis;
    private volatile int vrId = -1;
    private volatile PacketCallback callback;
    private long drops;
    private long received;
    /** The model the current frame was checked against (so a concurrent reconfiguration cannot split a frame's address). */
    private DataPlaneModel frameModel;

    PacketSocketImpl(L2Engine engine, long id, Owner owner, int fd, Arena ringArena, RxRing ring, RxMode rxMode) {
        this.rxMode = rxMode;
        this.engine = engine;
        this.id = id;
        this.owner = owner;
        this.fd = fd;
        this.ringArena = ringArena;
        this.ring = ring;
        this.pollfd = controlArena.allocate(PacketSockets.POLLFD_SIZE, 8);
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

    // ---------------------------------------------------------------- filters

    @Override
    public void setupFilter(Filter filter) throws IOException {
        if (filter == null) {
            throw new IllegalArgumentException("filter is null");
        }
        synchronized (filterLock) {
            ensureOpen();
            List<Port> ports = engine.portsOf(filter, vrId);
            engine.registry().claim(filter, this);
            boolean rulesAdded = false;
            try {
                engine.prepare(filter, ports);
                List<Filter> next = new ArrayList<>(filters);
                next.add(filter);
                long[] program = engine.compile(next, vrId);
                engine.addRules(filter, ports);
                rulesAdded = true;
                PacketSockets.attachFilter(fd, program);
                filters.add(filter);
            } catch (IOException | RuntimeException e) {
                if (rulesAdded) {
                    engine.removeRulesQuietly(List.of(filter.name()));
                }
                engine.registry().release(filter.name(), this);
                throw e;
            }
        }
    }

    @Override
    public List<Filter> filters() {
        return List.copyOf(filters);
    }

    @Override
    public void removeFilters() throws IOException {
        synchronized (filterLock) {
            ensureOpen();
            dropFilters();
        }
    }

    private void dropFilters() throws IOException {
        if (filters.isEmpty()) {
            return;
        }
        List<String> names = new ArrayList<>();
        for (Filter f : filters) {
            names.add(f.name());
        }
        try {
            PacketSockets.attachFilter(fd, BpfCompiler.REJECT_ALL);
        } finally {
            filters.clear();
            try {
                engine.removeRules(names);
            } finally {
                for (String n : names) {
                    engine.registry().release(n, this);
                }
            }
        }
    }

    /** Re-installs the BPF program and nft rules after the data plane's ports changed. */
    void reapply() throws IOException {
        synchronized (filterLock) {
            if (closed || filters.isEmpty()) {
                return;
            }
            List<String> names = new ArrayList<>();
            for (Filter f : filters) {
                names.add(f.name());
            }
            engine.removeRules(names);
            for (Filter f : filters) {
                List<Port> ports = engine.portsOf(f, vrId);
                engine.prepare(f, ports);
                engine.addRules(f, ports);
            }
            PacketSockets.attachFilter(fd, engine.compile(filters, vrId));
        }
    }

    // ---------------------------------------------------------------- receive

    @Override
    public FrameView receive(ExosSockAddr from) throws IOException {
        rxLock.lock();
        try {
            ensureOpen();
            if (overBudget() || !nextFrame()) {
                return null;
            }
            int len = ring.snapLength();
            fill(from, len);
            return view.wrap(ring.segment(), ring.frameOffset(), len);
        } finally {
            rxLock.unlock();
        }
    }

    @Override
    public int recvfrom(ByteBuffer dst, ExosSockAddr from) throws IOException {
        rxLock.lock();
        try {
            ensureOpen();
            if (overBudget() || !nextFrame()) {
                return -1;
            }
            int n = Math.min(ring.snapLength(), dst.remaining());
            if (dst.hasArray()) {
                MemorySegment.copy(ring.segment(), ValueLayout.JAVA_BYTE, ring.frameOffset(), dst.array(),
                        dst.arrayOffset() + dst.position(), n);
            } else {
                MemorySegment.copy(ring.segment(), ring.frameOffset(), MemorySegment.ofBuffer(dst), 0, n);
            }
            dst.position(dst.position() + n);
            fill(from, n);
            return n;
        } finally {
            rxLock.unlock();
        }
    }

    @Override
    public int recvfrom(byte[] buf, ExosSockAddr from) throws IOException {
        rxLock.lock();
        try {
            ensureOpen();
            if (overBudget() || !nextFrame()) {
                return -1;
            }
            int n = Math.min(ring.snapLength(), buf.length);
            MemorySegment.copy(ring.segment(), ValueLayout.JAVA_BYTE, ring.frameOffset(), buf, 0, n);
            fill(from, n);
            return n;
        } finally {
            rxLock.unlock();
        }
    }

    /** Moves the ring to the next frame from a port, waiting as the socket's mode says. */
    private boolean nextFrame() throws IOException {
        DataPlaneModel model = engine.model();
        long deadline = 0;
        while (true) {
            while (ring.next()) {
                if (engine.portOfFrame(model, ring.ifIndex()) != null) {
                    received++;
                    frameModel = model;
                    return true;
                }
                // a frame from an interface that stopped being a port since the filter was compiled
            }
            if (!blocking) {
                return false;
            }
            int wait = POLL_SLICE_MILLIS;
            int t = timeoutMillis;
            if (t > 0) {
                long now = System.nanoTime();
                if (deadline == 0) {
                    deadline = now + t * 1_000_000L;
                }
                long left = (deadline - now) / 1_000_000L;
                if (left <= 0) {
                    return false;
                }
                wait = (int) Math.min(wait, left);
            }
            PacketSockets.poll(pollfd, fd, (short) (PacketSockets.POLLIN | PacketSockets.POLLERR), wait);
            ensureOpen();
            model = engine.model();
        }
    }

    private void fill(ExosSockAddr from, int captured) {
        DataPlaneModel model = frameModel;
        int ifIndex = ring.ifIndex();
        Port port = engine.portOfFrame(model, ifIndex);
        int vid = ring.vlanId();
        Vlan vlan = vid < 0 ? null : model.vlanByTag(vid);
        // a copy from a capture link is a frame that was leaving its port (EGRESS + UP_AND_DROP)
        int pkttype = engine.isCapture(ifIndex) ? PacketSockets.PACKET_OUTGOING : ring.packetType();
        int wire = ring.wireLength() + (vid < 0 ? 0 : 4);
        if (from != null) {
            from.set(port.slotPort().slot(), port.slotPort().port(), port.ifName(), port.ifIndex(),
                    vid < 0 ? ExosSockAddr.NO_VLAN : vid, vlan == null ? null : vlan.name(), model.vrId(), model.vrName(),
                    pkttype == PacketSockets.PACKET_OUTGOING ? Direction.EGRESS : Direction.INGRESS,
                    PacketType.ofCode(pkttype), ring.timestampNanos(), wire, captured, ring.protocol());
        }
    }

    /**
     * The whole TCI (priority, DEI, id) of the tag the kernel took off the frame last received, for
     * writing the frame back as it was on the wire ({@code expkt:capture}); meaningful only when that
     * frame's address has a VLAN id. Receiving thread only, valid until the next receive.
     */
    public int lastVlanTci() {
        return ring.vlanTci();
    }

    /** The TPID (0x8100, 0x88A8) of that tag; as {@link #lastVlanTci()}. */
    public int lastVlanTpid() {
        return ring.vlanTpid();
    }

    /** True if a frame is waiting in the ring (for the dispatcher and tests). */
    public boolean readable() {
        return !closed && ring.ready();
    }

    // ---------------------------------------------------------------- send

    @Override
    public void sendto(ByteBuffer frame, List<SlotPort> slotPorts) throws IOException {
        ensureOpen();
        if (frame == null) {
            throw new IllegalArgumentException("frame is null");
        }
        if (slotPorts == null || slotPorts.isEmpty()) {
            throw new IllegalArgumentException("sendto needs slot:ports or a VLAN name; none was given");
        }
        DataPlaneModel model = engine.model();
        int len = frame.remaining();
        List<Port> ports = new ArrayList<>(slotPorts.size());
        for (SlotPort sp : slotPorts) {
            if (sp == null) {
                throw new IllegalArgumentException("slot:port list " + slotPorts + " holds null");
            }
            Port p = model.port(sp);
            checkLength(len, p, isTagged(frame));
            ports.add(p);
        }
        txLock.lock();
        try {
            ensureOpen();
            TxBatch b = batch();
            long at = b.put(frame);
            for (Port p : ports) {
                if (b.count() == TxBatch.MAX_MESSAGES) {
                    b.send(fd);
                    at = b.put(rewind(frame, len));
                }
                b.add(at, len, p.ifIndex(), false, 0);
            }
            b.send(fd);
        } finally {
            txLock.unlock();
        }
    }

    /** Moves a consumed buffer back over its last {@code len} bytes (to copy it again after a flush). */
    private static ByteBuffer rewind(ByteBuffer frame, int len) {
        return frame.position(frame.limit() - len);
    }

    /**
     * Sends a burst: every frame out of every port, in as few sendmmsg(2) calls as the batch allows.
     * Checks everything first, so a bad frame or port sends nothing.
     */
    @Override
    public int sendBurst(List<ByteBuffer> frames, List<SlotPort> slotPorts) throws IOException {
        ensureOpen();
        if (frames == null || frames.isEmpty()) {
            throw new IllegalArgumentException("sendBurst needs at least one frame");
        }
        if (slotPorts == null || slotPorts.isEmpty()) {
            throw new IllegalArgumentException("sendto needs slot:ports or a VLAN name; none was given");
        }
        DataPlaneModel model = engine.model();
        List<Port> ports = new ArrayList<>(slotPorts.size());
        for (SlotPort sp : slotPorts) {
            if (sp == null) {
                throw new IllegalArgumentException("slot:port list " + slotPorts + " holds null");
            }
            ports.add(model.port(sp));
        }
        for (int i = 0; i < frames.size(); i++) {
            ByteBuffer f = frames.get(i);
            if (f == null) {
                throw new IllegalArgumentException("frame " + i + " of the burst is null");
            }
            for (Port p : ports) {
                try {
                    checkLength(f.remaining(), p, isTagged(f));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("frame " + i + " of the burst: " + e.getMessage(), e);
                }
            }
        }
        int sent = 0;
        txLock.lock();
        try {
            ensureOpen();
            TxBatch b = batch();
            for (ByteBuffer f : frames) {
                int len = f.remaining();
                if (b.room() < len || b.count() + ports.size() > TxBatch.MAX_MESSAGES) {
                    sent += b.send(fd);
                }
                long at = b.put(f);
                for (Port p : ports) {
                    if (b.count() == TxBatch.MAX_MESSAGES) {
                        sent += b.send(fd);
                        at = b.put(rewind(f, len));
                    }
                    b.add(at, len, p.ifIndex(), false, 0);
                }
            }
            sent += b.send(fd);
        } finally {
            txLock.unlock();
        }
        return sent;
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
        ensureOpen();
        if (frame == null) {
            throw new IllegalArgumentException("frame is null");
        }
        if (vlanName == null || vlanName.isEmpty()) {
            throw new IllegalArgumentException("sendto needs slot:ports or a VLAN name; none was given");
        }
        DataPlaneModel model = engine.model();
        Vlan vlan = model.vlan(vlanName);
        int len = frame.remaining();
        if (len >= 14 && isTagged(frame)) {
            throw new IllegalArgumentException("frame sent to VLAN " + vlanName + " already carries a VLAN tag (ethertype 0x"
                    + Integer.toHexString(frame.getShort(frame.position() + 12) & 0xFFFF) + "): send it untagged");
        }
        List<Port> tagged = new ArrayList<>();
        List<Port> untagged = new ArrayList<>();
        for (SlotPort sp : vlan.tagged().stream().sorted().toList()) {
            Port p = model.port(sp);
            checkLength(len, p, true);
            tagged.add(p);
        }
        for (SlotPort sp : vlan.untagged().stream().sorted().toList()) {
            Port p = model.port(sp);
            checkLength(len, p, false);
            untagged.add(p);
        }
        if (tagged.isEmpty() && untagged.isEmpty()) {
            throw new IllegalArgumentException("VLAN " + vlanName + " has no member ports to send to");
        }
        txLock.lock();
        try {
            ensureOpen();
            TxBatch b = batch();
            long at = b.put(frame);
            for (Port p : tagged) {
                if (b.count() == TxBatch.MAX_MESSAGES) {
                    b.send(fd);
                    at = b.put(rewind(frame, len));
                }
                b.add(at, len, p.ifIndex(), true, vlan.tag());
            }
            for (Port p : untagged) {
                if (b.count() == TxBatch.MAX_MESSAGES) {
                    b.send(fd);
                    at = b.put(rewind(frame, len));
                }
                b.add(at, len, p.ifIndex(), false, 0);
            }
            b.send(fd);
        } finally {
            txLock.unlock();
        }
    }

    @Override
    public void sendto(byte[] frame, String vlanName) throws IOException {
        if (frame == null) {
            throw new IllegalArgumentException("frame is null");
        }
        sendto(ByteBuffer.wrap(frame), vlanName);
    }

    private static boolean isTagged(ByteBuffer frame) {
        if (frame.remaining() < 14) {
            return false;
        }
        int et = frame.getShort(frame.position() + 12) & 0xFFFF;
        return et == PacketSockets.ETH_P_8021Q || et == PacketSockets.ETH_P_8021AD;
    }

    private static void checkLength(int len, Port p, boolean tagged) {
        if (len < 14) {
            throw new IllegalArgumentException("frame of " + len + " bytes is shorter than an Ethernet header (14 bytes)");
        }
        int max = 14 + p.mtu() + (tagged ? 4 : 0);
        if (len > max) {
            throw new IllegalArgumentException("frame of " + len + " bytes is longer than port " + p.slotPort() + " ("
                    + p.ifName() + ") takes: MTU " + p.mtu() + " + " + (max - p.mtu()) + " header bytes = " + max);
        }
    }

    private TxBatch batch() {
        if (tx == null) {
            tx = new TxBatch();
        }
        return tx;
    }

    // ---------------------------------------------------------------- callback, options, close

    /**
     * While the dispatcher runs this socket's callback: the time after which receive calls report "no
     * frame" (the frames stay in the ring; the dispatcher calls back after the other sockets had their
     * turn). 0 outside a callback. Written and read by the receiving thread only.
     */
    private long budgetDeadline;

    private boolean overBudget() {
        long d = budgetDeadline;
        return d != 0 && System.nanoTime() - d > 0;
    }

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
                    budgetDeadline = System.nanoTime() + Dispatcher.CALL_BUDGET_NANOS;
                    try {
                        cb.onReadable(PacketSocketImpl.this);
                    } finally {
                        budgetDeadline = 0;
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
        this.blocking = blocking;
    }

    public boolean isBlocking() {
        return blocking;
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
        this.timeoutMillis = (int) Math.min(Integer.MAX_VALUE, ms);
    }

    @Override
    public int getsockopt(int level, int option) throws IOException {
        ensureOpen();
        checkOption(level, option);
        return vrId;
    }

    @Override
    public void setsockopt(int level, int option, int value) throws IOException {
        ensureOpen();
        checkOption(level, option);
        synchronized (filterLock) {
            if (value != -1) {
                engine.vrScope().byId(value); // throws naming an unknown id
            }
            int old = vrId;
            vrId = value;
            try {
                reapply();
            } catch (IOException | RuntimeException e) {
                vrId = old;
                throw e;
            }
        }
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
        return ring.segment().byteSize();
    }

    @Override
    public RxMode rxMode() {
        return rxMode;
    }

    /** Frames handed to the application since the socket opened. */
    public long received() {
        return received;
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
                    dropFilters();
                } catch (IOException | RuntimeException e) {
                    engine.log().warn("closing socket #" + id + " of " + owner + ": removing its filters failed", e);
                }
            }
            txLock.lock();
            try {
                if (tx != null) {
                    tx.close();
                }
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
