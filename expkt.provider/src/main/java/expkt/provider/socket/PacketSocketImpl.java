package expkt.provider.socket;

import expkt.api.net.SlotPort;
import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Expkt;
import expkt.api.packet.Filter;
import expkt.api.packet.FrameClaim;
import expkt.api.packet.FrameView;
import expkt.api.packet.PacketCallback;
import expkt.api.packet.PacketSocket;
import expkt.api.packet.RxMode;
import expkt.api.spi.BundleIdentity;
import expkt.linux.Fds;
import expkt.linux.LinuxException;
import expkt.linux.PacketSockets;
import expkt.linux.Selectable;
import expkt.provider.dispatch.BusyPoll;
import expkt.provider.dispatch.LaneRegistry;
import expkt.provider.dispatch.Readable;
import expkt.provider.dispatch.Registration;
import expkt.provider.rx.Fanout;
import expkt.provider.rx.RxPath;
import expkt.provider.rx.RxRing;
import expkt.provider.tx.TxPath;
import expkt.provider.tx.TxRings;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One L2 packet socket: an AF_PACKET socket bound to ETH_P_ALL in the punt namespace (where only the
 * punt links are: see {@code dataplane.PuntLinks}; in the data-plane namespace on the degrade path
 * without nftables) plus, with punt links, a send-only socket in the data-plane namespace, a
 * receive ring (TPACKET_V3, or TPACKET_V2 for {@link RxMode#LATENCY}: see {@link RxRing}), a classic
 * BPF program compiled from its filters, and nftables rules named after them.
 *
 * <p>This class is the façade: it holds the fd, the arenas, the locks, the options and {@link #close()},
 * and delegates each concern to one part: {@link SocketFilters} (the BPF program and nft rules),
 * {@link RxPath} (the receive path: reads the ring in place, waits in poll(2) slices of
 * {@value RxPath#POLL_SLICE_MILLIS} ms so that {@link #close()} is noticed), {@link TxPath} (the send
 * path), {@link SocketLane} (which lane reads the socket: its callback's or a whiteboard handler's
 * registration) and {@link ParkedPart} (parking the kernel part across an update of the owner's
 * bundle, its adoption and its closing).
 *
 * <p>Threading: one receiving thread and one sending thread at a time (each side has its own lock);
 * filters, callback and close may be called from any thread.
 */
public final class PacketSocketImpl implements PacketSocket, Selectable {
    private final L2Engine engine;
    private final long id;
    private final BundleIdentity owner;
    /** The owner as commands and log lines name it: {@code bsn version [id]}, or {@code bsn (handlers) [id]}. */
    private final String ownerName;
    /** True for a socket the handler whiteboard opened (it outlives its bundle's packet service). */
    private final boolean handlerSocket;
    /**
     * The receive socket (bound in the punt namespace, its ring mapped): part of the kernel part, which
     * moves to the next revision's socket when this one is parked and adopted (see {@link #takeKernelPart}).
     * Written under the filter and receive locks.
     */
    private volatile int fd;
    /** The socket frames are sent on: {@link #fd} itself, or (punt links) one in the data plane bound to no protocol. */
    private final int txFd;
    /** The mapping of the receive ring; replaced (under the receive lock) when a LATENCY ring is re-made. */
    private Arena ringArena;
    /** The frame slot a LATENCY ring should have for the ports' MTU now (0: no change asked). */
    private volatile int wantedFrameSize;
    private final RxMode rxMode;
    /** The pollfd of the receive path; moves with it at an adoption. */
    private Arena controlArena = Arena.ofShared();
    private final ReentrantLock rxLock = new ReentrantLock();
    /**
     * The lane thread running this socket's callback or handler now: it holds {@link #rxLock} for the
     * whole call, so its receive calls skip the lock (two atomic operations per frame saved). Written by
     * that thread only, under the lock; another thread never reads its own identity here, so a plain field
     * is enough.
     */
    private Thread rxHeldBy;
    private final ReentrantLock txLock = new ReentrantLock();
    private final Object filterLock = new Object();
    /** The filters and the receive path: the kernel part's, they move with it at an adoption (under all three locks). */
    private volatile SocketFilters filters;
    private volatile RxPath rx;
    /** Which façade the kernel part (filters, receive path) serves now: moves with it. */
    private ParkedPart.Face face;
    private final TxPath tx;
    /** The transmit rings of tryClaim, per port, made on the first claim (send lock). */
    private final TxRings claims;
    private volatile boolean closed;
    /** Who reads this socket on a lane: its callback, or a whiteboard handler. */
    private final SocketLane lane;
    /** Parking across an update of the owner's bundle, and adoption. */
    private final ParkedPart parking;
    /** The filter names at close, for the row of a callback still running after it. */
    private volatile List<String> closedFilterNames = List.of();
    /** Counted kernel drops; read and added to under filterLock (never from a closed fd). */
    private long drops;
    /** Selectors watching this socket (added under filterLock while open); told before the fd goes. */
    private final List<Selectable.Watcher> watchers = new CopyOnWriteArrayList<>();
    /** The callback's {@code bufSize}: what a receive inside a callback call copies of a frame at most. */
    private volatile int callbackBufSize = 9000;
    /** The user's blocking mode; a lane call reads non-blocking whatever it is (guarded by modeLock). */
    private boolean userBlocking = true;
    private boolean inLaneCall;
    /** True during a call of the socket's callback (not a whiteboard handler's): receives honour bufSize. Lane thread. */
    private boolean inCallback;
    private final Object modeLock = new Object();
    /** A lane call's view of a caller's byte[] as a buffer, reused while the callback reuses its array (lane thread). */
    private ByteBuffer laneWrap;
    /** The other sockets of this socket's fanout group, when it leads one (they carry its BPF program); set once, before any filter. */
    private volatile List<PacketSocketImpl> fanoutMembers = List.of();
    /** The socket whose filters this one carries (a fanout member), or null. */
    private volatile PacketSocketImpl fanoutLeader;
    /** The kernel's id of the fanout group this socket is in (0..65535), -1 if none. */
    private volatile int fanoutGroup = -1;
    /** Its own SO_BUSY_POLL in µs, or -1: the host's default ({@link L2Engine#busyPollMicros()}). */
    private volatile int busyPollMicros = -1;
    /** The user's receive timeout, ms (0: none): kept here so that an adopted receive path gets it too. */
    private volatile int timeoutMillis;
    /**
     * The token its kernel part is parked under with the keeper when it is closed while the provider stops
     * for an update ({@link #handoverToken()}); 0: never asked for, the socket closes as usual.
     */
    private volatile long handoverToken;

    PacketSocketImpl(L2Engine engine, long id, BundleIdentity owner, String purpose, int fd, int txFd, Arena ringArena, RxRing ring, RxMode rxMode) {
        this.txFd = txFd;
        this.rxMode = rxMode;
        this.engine = engine;
        this.id = id;
        this.owner = owner;
        this.handlerSocket = purpose != null;
        this.ownerName = purpose == null ? owner.withVersion() : owner.qualified(purpose);
        this.fd = fd;
        this.ringArena = ringArena;
        this.lane = new SocketLane(this, engine, filterLock);
        this.parking = new ParkedPart(this, engine);
        ParkedPart.Face f = new ParkedPart.Face(this);
        this.face = f;
        this.filters = new SocketFilters(engine, this, fd, filterLock, f::alive);
        this.rx = new RxPath(ring, fd, controlArena.allocate(PacketSockets.POLLFD_SIZE, 8), engine, f::readable);
        if (rxMode == RxMode.LATENCY) {
            // through the face: after an adoption the ring is re-made by the socket that reads it
            rx.refit(new RxPath.RingRefit() {
                @Override
                public boolean pending() {
                    PacketSocketImpl s = f.socket;
                    return s != null && s.wantedFrameSize > s.rx.ring().frameSize();
                }

                @Override
                public void apply() throws IOException {
                    PacketSocketImpl s = f.socket;
                    if (s != null) {
                        s.refitRing();
                    }
                }
            });
        }
        this.tx = new TxPath(txFd, txLock, engine::model, this::isOpen, engine.dataPlane().fdb(), engine::txFdOf);
        this.claims = new TxRings(engine::model, engine::openTxSocket);
    }

    public long id() {
        return id;
    }

    /** The bundle that opened it (for a handler's socket: the bundle whose handler it was opened for). */
    public BundleIdentity owner() {
        return owner;
    }

    /**
     * The owner as {@code expkt:sockets}, {@code expkt:acl} and log lines name it: {@code bsn version [id]}
     * for a packet-service socket, {@code bsn (handlers) [id]} for a handler's.
     */
    public String ownerName() {
        return ownerName;
    }

    /** Whether the handler whiteboard opened it (then its bundle's packet service does not close it). */
    public boolean isHandlerSocket() {
        return handlerSocket;
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
        PacketSocketImpl leader = fanoutLeader;
        if (leader != null) {
            throw new IllegalStateException(this + " is a fanout member of " + leader + ": it carries that socket's filters");
        }
        if (filter == null) {
            throw new IllegalArgumentException("filter is null");
        }
        synchronized (filterLock) {
            ensureOpen();
            if (parking.setupFilter(filter)) {
                return; // in force already: adopted with a parked kernel part, or brought by one
            }
            filters.setup(filter);
        }
    }

    // ---------------------------------------------------------------- provider update: hand the kernel part over

    /**
     * The token under which a close while the provider stops for an update parks this socket's receive fd
     * and ring with the keeper, for the next revision to adopt ({@link L2Engine#adopt}); 0 for a socket that
     * is not handed over (a handler or fanout socket, no punt links).
     */
    public long handoverToken() {
        synchronized (filterLock) {
            if (handlerSocket || closed || fanoutLeader != null || !fanoutMembers.isEmpty() || fanoutGroup != -1 || !engine.punting()) {
                return 0;
            }
            if (handoverToken == 0) {
                long t;
                do {
                    t = java.util.concurrent.ThreadLocalRandom.current().nextLong();
                } while (t == 0);
                handoverToken = t;
            }
            return handoverToken;
        }
    }

    /** True once {@link #close} parked the fd and ring with the keeper for the next provider revision. */
    public boolean handedOver() {
        return handedOver;
    }

    private volatile boolean handedOver;

    /**
     * Marks this whiteboard handler socket to be parked with the keeper under {@code token} when it closes
     * while the provider stops for an update ({@link #handOver()}): the handler runtime of the next revision
     * adopts it under the same token ({@link L2Engine#adoptParked}), derived from the handler's
     * (symbolic name, filter name), so its frames queue in the ring during the swap instead of being lost.
     * A fanout socket stays in its kernel group while parked; its leader's close then leaves the members
     * open, and the caller closes (parks) each of them too. False (nothing marked, the socket closes as
     * usual) for a closed socket, a 0 token, or without punt links.
     */
    public boolean handOverAs(long token) {
        synchronized (filterLock) {
            if (!handlerSocket || closed || token == 0 || !engine.punting()) {
                return false;
            }
            handoverToken = token;
            return true;
        }
    }

    /**
     * Parks the receive fd and ring with the keeper instead of closing them (the provider stops for an
     * update and the keeper asked for a token): the fd stays bound with its BPF program, so frames go on
     * queueing in the ring, and the reader's position goes along, so the next revision delivers each of
     * them once. The filters' nft rules stay (the engine is stopping for the update). False if it could not
     * be parked (then the caller closes as usual). After a close's wait for the lane (nobody calls back).
     */
    private boolean handOver() {
        long token = handoverToken;
        // a kept socket's fanout group is not handed over; a handler's is, member by member (handOverAs)
        if (token == 0 || (!handlerSocket && (!fanoutMembers.isEmpty() || fanoutLeader != null)) || !engine.handsOverSockets()) {
            return false;
        }
        rxLock.lock(); // a blocked receiver notices the close within one poll slice
        try {
            RxRing ring = rx.ring();
            rx.releaseView();
            long fdInode;
            try {
                fdInode = ((Number) java.nio.file.Files.getAttribute(java.nio.file.Path.of("/proc/self/fd/" + fd), "unix:ino")).longValue();
            } catch (IOException | RuntimeException e) {
                return false;
            }
            if (!engine.parkSocket(token, fd, fdInode, ringArena, ring, rxMode)) {
                return false;
            }
            handedOver = true;
            synchronized (filterLock) {
                // the names die with this engine's registry; the rules stay for the next revision to replace
                for (String n : filterNames()) {
                    engine.registry().release(n, this);
                }
            }
            releaseSendPart();
            lane.clear();
            controlArena.close();
            engine.forget(this);
            return true;
        } finally {
            rxLock.unlock();
        }
    }

    // ---------------------------------------------------------------- hot upgrade: park and adopt (ParkedPart)

    /**
     * Called by the owner's packet service: {@code stopping} says whether the owner's bundle is
     * STOPPING now (then a close parks the kernel part for its next revision: see {@link #close(long)}).
     */
    public void ownerStopping(java.util.function.BooleanSupplier stopping) {
        parking.ownerStopping(stopping);
    }

    /** True while its kernel part is parked: closed by its owner's stopping bundle, kept for the next revision. */
    public boolean isParked() {
        return parking.isParked();
    }

    /** Milliseconds since it was parked, -1 if it is not. */
    public long parkedMillis() {
        return parking.parkedMillis();
    }

    /** How many revisions of its owner's bundle its kernel part has served (1: never adopted). */
    public int revisions() {
        return parking.revisions();
    }

    /** The id of the parked socket whose kernel part this one took over, 0 if none. */
    public long adoptedFrom() {
        return parking.adoptedFrom();
    }

    /**
     * Closes a parked socket's kernel part for good (see {@link ParkedPart#closeParked}); does nothing
     * if it is not parked. Any thread.
     */
    public void closeParked(String why) {
        parking.closeParked(why);
    }

    /** The receive side's kernel objects: what an adoption moves, and what a release closes. */
    record ReceivePart(int fd, Arena ring, Arena control, RxPath rx) {
        /**
         * Closes them, the fd only if {@code closeFd} (on the degrade path the one fd also sends: whoever
         * holds the send part closes it). A view kept past this throws instead of reading unmapped memory.
         */
        void close(boolean closeFd) {
            rx.releaseView();
            ring.close();
            control.close();
            if (closeFd) {
                Fds.closeQuietly(fd);
            }
        }
    }

    /**
     * Takes over {@code parked}'s kernel part (receive fd, ring, pollfd, receive path, filters, drop
     * count, wanted frame size) and re-points its face here; returns this socket's own receive part for
     * the caller to close. The parked façade keeps only its send part. Under both sockets' receive locks
     * and filter locks ({@link ParkedPart}).
     */
    ReceivePart takeKernelPart(PacketSocketImpl parked) {
        ReceivePart mine = new ReceivePart(fd, ringArena, controlArena, rx);
        face.socket = null;
        ParkedPart.Face taken = parked.face;
        taken.socket = this;
        face = taken;
        fd = parked.fd;
        ringArena = parked.ringArena;
        controlArena = parked.controlArena;
        rx = parked.rx;
        drops = parked.drops;
        wantedFrameSize = parked.wantedFrameSize;
        SocketFilters f = parked.filters;
        f.rebind(this, filterLock, taken::alive);
        filters = f;
        parked.ringArena = null; // moved: never closed by the parked façade
        parked.controlArena = null;
        return mine;
    }

    /**
     * Replaces how an adopter's own unused receive part is closed after it took over a parked socket
     * (by default on a thread of its own, off the adoption's path: {@code ParkedPart}); returns the one
     * before. For tests.
     */
    public static java.util.concurrent.Executor adoptionCloser(java.util.concurrent.Executor closer) {
        java.util.concurrent.Executor before = ParkedPart.ownPartCloser;
        ParkedPart.ownPartCloser = java.util.Objects.requireNonNull(closer);
        return before;
    }

    /** Gives the receive path (an adopted one) this socket's blocking mode and timeout. */
    void applyReceiveOptions() {
        synchronized (modeLock) {
            rx.blocking(userBlocking && !inLaneCall);
        }
        rx.timeoutMillis(timeoutMillis);
    }

    /** What a socket keeps that an adopter does not take, and what every release closes: its send path. */
    void releaseSendPart() {
        txLock.lock();
        try {
            tx.close();
            claims.close();
        } finally {
            txLock.unlock();
        }
        if (txFd != fd) {
            Fds.closeQuietly(txFd);
        }
    }

    /** Removes its filters and nft rules, logging a failure as {@code what} + id. Filter lock. */
    void dropFilters(String what) {
        try {
            filters.drop();
        } catch (IOException | RuntimeException e) {
            engine.log().warn(what + id + " of " + ownerName + ": removing its filters failed", e);
        }
    }

    ParkedPart parking() {
        return parking;
    }

    SocketLane lane() {
        return lane;
    }

    Object filterLock() {
        return filterLock;
    }

    ReentrantLock rxLock() {
        return rxLock;
    }

    int txFd() {
        return txFd;
    }

    SocketFilters filterPart() {
        return filters;
    }

    /** True while a PacketSelector watches it. */
    boolean selected() {
        return !watchers.isEmpty();
    }

    PacketSocketImpl fanoutLeader() {
        return fanoutLeader;
    }

    // ---------------------------------------------------------------- fanout: one filter's frames over several sockets

    /**
     * Makes this socket and {@code members} one PACKET_FANOUT group in hash mode ({@link Fanout}): each
     * frame the filters of this socket match goes to exactly one socket of the group, a flow always to the
     * same one. The members carry this socket's BPF program from now on (every change of it is applied to
     * them too) and take no filters of their own; closing this socket closes them. Only before any filter
     * is set (so no frame is ever lost to a member without the program, or doubled by one outside the
     * group) and with members opened alike (same mode, no filter, no reader). Returns the group id.
     * Any thread.
     */
    public int joinFanout(List<PacketSocketImpl> members) throws IOException {
        synchronized (filterLock) {
            ensureOpen();
            if (!filters.list().isEmpty() || fanoutGroup != -1 || fanoutLeader != null) {
                throw new IllegalStateException(this + " has filters or is in a fanout group already: a group is made before any filter");
            }
            for (PacketSocketImpl m : members) {
                if (m == this || m.engine != engine || !m.isOpen() || !m.filters().isEmpty() || m.fanoutGroup != -1
                        || m.rxMode != rxMode) {
                    throw new IllegalArgumentException(m + " cannot join the fanout group of " + this
                            + " (it must be another open socket of the same engine and mode, without filters or group)");
                }
            }
            int group = Fanout.create(fd);
            fanoutGroup = group;
            for (PacketSocketImpl m : members) {
                synchronized (m.filterLock) {
                    Fanout.join(m.fd, group);
                    m.fanoutGroup = group;
                    m.fanoutLeader = this;
                }
            }
            fanoutMembers = List.copyOf(members);
            return group;
        }
    }

    /**
     * Takes up the fanout group that this socket and {@code members}, all adopted from parked handler sockets
     * ({@link L2Engine#adoptParked}), are in already in the kernel (their fds never left it): the same state
     * {@link #joinFanout} leaves, without joining again. Throws naming the socket whose group differs (then
     * the caller closes them all and opens anew). Any thread.
     */
    public void resumeFanout(List<PacketSocketImpl> members) throws IOException {
        synchronized (filterLock) {
            ensureOpen();
            if (!filters.list().isEmpty() || fanoutGroup != -1 || fanoutLeader != null) {
                throw new IllegalStateException(this + " has filters or is in a fanout group already");
            }
            // id | type << 16 | flags << 24 (0 also for no group: a hash group with id 0 looks the same)
            int group = Fanout.read(fd);
            for (PacketSocketImpl m : members) {
                int g = Fanout.read(m.fd);
                if (g != group || m == this || m.engine != engine || m.rxMode != rxMode) {
                    throw new IOException(m + " is in fanout group 0x" + Integer.toHexString(g) + ", " + this + " in 0x"
                            + Integer.toHexString(group) + ": they were not parked as one group");
                }
            }
            fanoutGroup = group & 0xFFFF;
            for (PacketSocketImpl m : members) {
                synchronized (m.filterLock) {
                    m.fanoutGroup = group & 0xFFFF;
                    m.fanoutLeader = this;
                }
            }
            fanoutMembers = List.copyOf(members);
        }
    }

    /** The kernel's id of this socket's fanout group (0..65535), -1 if it is in none. */
    public int fanoutGroup() {
        return fanoutGroup;
    }

    /** The sockets of this socket's fanout group other than itself, when it leads one; else empty. */
    public List<PacketSocketImpl> fanoutMembers() {
        return fanoutMembers;
    }

    /**
     * Attaches {@code program} to the fanout members too (called by {@link SocketFilters} under this
     * socket's filter lock, right after attaching it here). A member already closed is skipped: its fd
     * may be another file's by now.
     */
    void attachToFanoutMembers(long[] program) throws IOException {
        for (PacketSocketImpl m : fanoutMembers) {
            synchronized (m.filterLock) {
                if (!m.closed) {
                    PacketSockets.attachFilter(m.fd, program);
                }
            }
        }
    }

    @Override
    public List<Filter> filters() {
        return filters.list();
    }

    /** What the data plane does for this socket's filter {@code name}: "enforced", or why not ({@code expkt:acl}'s STATE). */
    public String filterState(String name) {
        return filters.state(name);
    }

    @Override
    public void removeFilters() throws IOException {
        synchronized (filterLock) {
            parking.settled();
            filters.remove();
        }
    }

    /** Re-installs the BPF program and nft rules after the data plane's ports changed. */
    void reapply() throws IOException {
        filters.reapply();
    }

    // ---------------------------------------------------------------- receive: RxPath, under the receive lock

    /**
     * Inside a callback call (the lane's thread) a receive never blocks, and copies at most the
     * callback's {@code bufSize} bytes of a frame (the seed's {@code set_callback(func, buf_size)}, as
     * Python's {@code recvfrom(buf_size)}): the address's captured and original lengths tell when a
     * frame was cut. {@link #receive} (zero-copy) is not cut: the view is the whole frame.
     */
    @Override
    public FrameView receive(ExosSockAddr from) throws IOException {
        if (parking.unsettled()) {
            parking.settle();
        }
        if (rxHeldBy == Thread.currentThread()) {
            return rx.receive(from); // the lane's call holds the receive lock already
        }
        rxLock.lock();
        try {
            return rx.receive(from);
        } finally {
            rxLock.unlock();
        }
    }

    @Override
    public int recvfrom(ByteBuffer dst, ExosSockAddr from) throws IOException {
        if (parking.unsettled()) {
            parking.settle();
        }
        if (rxHeldBy == Thread.currentThread()) {
            return recvfromLocked(dst, from); // the lane's call holds the receive lock already
        }
        rxLock.lock();
        try {
            return recvfromLocked(dst, from);
        } finally {
            rxLock.unlock();
        }
    }

    /** Under the receive lock: inside a callback call, copies at most the callback's bufSize. */
    private int recvfromLocked(ByteBuffer dst, ExosSockAddr from) throws IOException {
        if (inCallback && dst.remaining() > callbackBufSize) {
            int limit = dst.limit();
            dst.limit(dst.position() + callbackBufSize);
            try {
                return rx.recvfrom(dst, from);
            } finally {
                dst.limit(limit);
            }
        }
        return rx.recvfrom(dst, from);
    }

    @Override
    public int recvfrom(byte[] buf, ExosSockAddr from) throws IOException {
        if (parking.unsettled()) {
            parking.settle();
        }
        if (rxHeldBy == Thread.currentThread()) {
            return recvfromLocked(buf, from); // the lane's call holds the receive lock already
        }
        rxLock.lock();
        try {
            return recvfromLocked(buf, from);
        } finally {
            rxLock.unlock();
        }
    }

    /** Under the receive lock: inside a callback call, copies at most the callback's bufSize. */
    private int recvfromLocked(byte[] buf, ExosSockAddr from) throws IOException {
        if (inCallback && buf != null && buf.length > callbackBufSize) {
            ByteBuffer w = laneWrap;
            if (w == null || w.array() != buf) {
                w = ByteBuffer.wrap(buf); // once per array the callback uses, not per frame
                laneWrap = w;
            }
            w.clear().limit(callbackBufSize);
            return rx.recvfrom(w, from);
        }
        return rx.recvfrom(buf, from);
    }

    /** True if a frame is waiting in the ring (for the dispatcher and tests). */
    public boolean readable() {
        return !closed && rx.ready();
    }

    /**
     * Makes sure a LATENCY ring's frame slots hold {@code frameSize} bytes (a port's MTU grew): re-made
     * at once if no receive is running and no frame is queued, else by the receiver when it next finds
     * its ring empty (a blocked receiver: after its current poll slice), so no queued frame is lost.
     * A THROUGHPUT ring's blocks already hold any frame up to the block size, and slots never shrink.
     * Any thread (the data plane's link thread).
     */
    public void fitRing(int frameSize) throws IOException {
        if (rxMode != RxMode.LATENCY || closed) {
            return;
        }
        synchronized (this) {
            if (frameSize <= wantedFrameSize) {
                return;
            }
            wantedFrameSize = frameSize;
        }
        if (rxLock.tryLock()) {
            try {
                if (!closed && !rx.ready()) {
                    refitRing();
                }
            } finally {
                rxLock.unlock();
            }
        }
    }

    /** The block size of the receive ring (the same for every ring the socket has had). Any thread. */
    public int ringBlockSize() {
        return rx.ring().blockSize();
    }

    /** The frame slot size of the receive ring (LATENCY), 0 for a THROUGHPUT ring. */
    public int ringFrameSize() {
        return rx.ring().frameSize();
    }

    /**
     * Re-makes the LATENCY ring with the wanted frame slots. Under the receive lock, when the ring
     * holds no frame the application has not read (a view of the last one received becomes invalid:
     * reading it throws IllegalStateException rather than reading freed memory). The kernel refuses a new ring while the old one is mapped (EBUSY), and a
     * new PACKET_VERSION while any ring exists: unmap, release the ring (a zero tpacket_req), then set
     * version, ring and mapping again. The socket stays bound throughout (the kernel unhooks it while it
     * swaps the ring, so frames arriving in that instant are not delivered to it).
     */
    private void refitRing() throws IOException {
        RxRing old = rx.ring();
        int want = wantedFrameSize;
        if (want <= old.frameSize()) {
            return;
        }
        ringArena.close();
        try {
            try (Arena a = Arena.ofConfined()) {
                PacketSockets.setsockopt(fd, PacketSockets.SOL_PACKET, PacketSockets.PACKET_RX_RING, a.allocate(16, 4),
                        "PACKET_RX_RING release (to re-make the ring)");
            }
            Arena next = Arena.ofShared();
            try {
                ringArena = next;
                rx.ring(RxRing.v2(PacketSockets.rxRingV2(fd, old.blockSize(), old.blockNr(), want, next), old.blockSize(),
                        old.blockNr(), want));
            } catch (IOException | RuntimeException e) {
                next.close();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            // the old ring is gone: without a ring this socket can receive nothing, so it is closed (loudly)
            wantedFrameSize = 0;
            engine.log().error("socket #" + id + " of " + ownerName + ": re-making its receive ring with " + want
                    + "-byte frame slots failed; the socket is closed", e);
            ringArena = Arena.ofShared(); // nothing mapped any more: what close() closes
            close(); // the receive lock is reentrant: this thread holds it
            throw e;
        }
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

    /**
     * Claims a slot of the port's transmit ring (see {@link TxRings}). The send lock is taken per call,
     * not held between claim and commit: the socket's one sending thread owns the open claim.
     */
    @Override
    public FrameClaim tryClaim(SlotPort port) throws IOException {
        txLock.lock();
        try {
            ensureOpen();
            return claims.tryClaim(port);
        } finally {
            txLock.unlock();
        }
    }

    @Override
    public int flush() throws IOException {
        txLock.lock();
        try {
            ensureOpen();
            return claims.flush();
        } finally {
            txLock.unlock();
        }
    }

    // ---------------------------------------------------------------- lane calls and registration: SocketLane

    /**
     * A lane call of this socket's callback ({@code callback}) or handler begins: takes the receive lock
     * for the whole call, not per frame (see {@link #rxHeldBy}), starts the receive path's time budget and
     * makes reads non-blocking. Lane thread, allocation-free; {@link #leaveLaneCall} undoes it.
     */
    void enterLaneCall(boolean callback) {
        rxLock.lock();
        rxHeldBy = Thread.currentThread();
        long start = System.nanoTime(); // once per call: the receive path reads the clock only every few frames
        rx.startBudget(start, start + LaneRegistry.CALL_BUDGET_NANOS);
        laneCall(true, callback);
    }

    /** The lane call is over: a view kept by the handler or callback throws when read. Lane thread. */
    void leaveLaneCall() {
        try {
            laneCall(false, false);
            rx.releaseView();
            rx.endBudget();
            rxHeldBy = null;
        } finally {
            rxLock.unlock();
        }
    }

    /**
     * Enters or leaves a lane call: reads inside it never block (a callback on a blocking socket that
     * reads once too often would otherwise hold the shared lane in poll(2)); the user's mode is back
     * afterwards. Lane thread.
     */
    private void laneCall(boolean in, boolean callback) {
        inCallback = callback;
        synchronized (modeLock) {
            inLaneCall = in;
            rx.blocking(!in && userBlocking);
        }
    }

    @Override
    public void setCallback(PacketCallback callback, int bufSize, int flags) throws IOException {
        if (callback == null) {
            throw new IllegalArgumentException("callback is null");
        }
        if (bufSize < 14 || bufSize > 65536) {
            throw new IllegalArgumentException("callback buffer size " + bufSize + " is outside 14..65536");
        }
        if (flags != 0) {
            throw new IllegalArgumentException("callback flags " + flags + " are not supported (pass 0)");
        }
        parking.settle();
        // under the filter lock: close cannot have closed the fd meanwhile, and stops what is registered here
        synchronized (filterLock) {
            ensureOpen();
            lane.refuseCallbackIfHandler();
            if (!watchers.isEmpty()) {
                throw new IllegalStateException(this + " is registered with a PacketSelector; cancel its key before setting a callback");
            }
            this.callbackBufSize = bufSize; // before the first lane call can run
            lane.setCallback(callback);
        }
    }

    /**
     * The lane registration of this socket's callback (also while a callback stuck past its close
     * still runs), or null.
     */
    public Registration callbackRegistration() {
        return lane.callbackRegistration();
    }

    /** Stops the callback; a call in progress is waited for (bounded), unless it is this very call. */
    @Override
    public void removeCallback() throws IOException {
        Registration r;
        synchronized (filterLock) {
            ensureOpen();
            r = lane.removeCallback();
        }
        if (r != null) {
            lane.detach(r, System.nanoTime() + LaneRegistry.CALL_DEADLINE_NANOS);
        }
    }

    /**
     * Puts this socket on lane {@code lane} (a whiteboard handler's delivery loop): {@code target} is
     * called whenever frames wait, within the lane's budget. One reader per socket.
     */
    public Registration attachReader(Readable target, String lane, String ownLane) throws IOException {
        synchronized (filterLock) {
            ensureOpen();
            Registration current = this.lane.reader();
            if (current != null) {
                throw new IllegalStateException(this + " is read by " + current + " already");
            }
            if (!watchers.isEmpty()) {
                throw new IllegalStateException(this + " is registered with a PacketSelector");
            }
            return this.lane.attach(target, lane, ownLane);
        }
    }

    /**
     * Stops the reader and waits for its running call, holding no lock, until {@code deadlineNanos}
     * (see {@link SocketLane#detach}). True: idle, the socket has no reader any more.
     */
    public boolean detachReader(Registration r, long deadlineNanos) {
        return lane.detach(r, deadlineNanos);
    }

    // ---------------------------------------------------------------- options, close

    public boolean hasCallback() {
        return lane.hasCallback();
    }

    /** The names of its filters (after close: those it had, for a socket whose callback still runs). */
    public List<String> filterNames() {
        List<String> names = new java.util.ArrayList<>();
        for (Filter f : filters.list()) {
            names.add(f.name());
        }
        return names.isEmpty() && closed ? closedFilterNames : names;
    }

    @Override
    public void setBlocking(boolean blocking) throws IOException {
        ensureOpen();
        synchronized (modeLock) {
            userBlocking = blocking;
            rx.blocking(blocking && !inLaneCall);
        }
    }

    /** The mode the user set (inside a callback call reads are non-blocking whatever it is). */
    public boolean isBlocking() {
        synchronized (modeLock) {
            return userBlocking;
        }
    }

    // ---------------------------------------------------------------- Selectable: PacketSelector

    @Override
    public int watch(Selectable.Watcher watcher) throws IOException {
        parking.settle();
        synchronized (filterLock) {
            ensureOpen();
            Registration reader = lane.reader();
            if (reader != null) {
                throw new IllegalStateException(this + " is read by " + reader + " (a callback or handler): it cannot be selected too");
            }
            watchers.add(watcher);
            return fd;
        }
    }

    @Override
    public void unwatch(Selectable.Watcher watcher) {
        watchers.remove(watcher);
    }

    @Override
    public boolean userSpaceReadiness() {
        return true;
    }

    @Override
    public boolean ready() {
        return readable();
    }

    /** True while frames come from copies the keeper drained out of the ring during a provider update, which epoll does not report. */
    public boolean backlogged() {
        return !closed && rx.backlogged();
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
        timeoutMillis = (int) Math.min(Integer.MAX_VALUE, ms);
        rx.timeoutMillis(timeoutMillis);
    }

    @Override
    public int getsockopt(int level, int option) throws IOException {
        ensureOpen();
        checkOption(level, option);
        return option == Expkt.SO_BUSY_POLL ? busyPollMicros() : filters.vrId();
    }

    @Override
    public void setsockopt(int level, int option, int value) throws IOException {
        ensureOpen();
        checkOption(level, option);
        if (option == Expkt.SO_BUSY_POLL) {
            busyPollMicros(value);
        } else {
            filters.vrId(value);
        }
    }

    /**
     * The busy-poll budget in force, µs: the socket's own {@code SO_BUSY_POLL}, or the host's default.
     * Any thread.
     */
    public int busyPollMicros() {
        int own = busyPollMicros;
        return own >= 0 ? own : engine.busyPollMicros(rxMode);
    }

    /**
     * Sets the socket's busy-poll budget (0..{@value BusyPoll#MAX_MICROS} µs; -1: the host's default) and
     * its fanout members' (one filter's sockets poll alike). The lane reads it before its next wait.
     */
    public void busyPollMicros(int micros) {
        if (micros != -1) {
            BusyPoll.check(micros, "socket #" + id + ": SO_BUSY_POLL");
        }
        busyPollMicros = micros;
        for (PacketSocketImpl m : fanoutMembers) {
            m.busyPollMicros = micros;
        }
    }

    private static void checkOption(int level, int option) {
        if (level != Expkt.SOL_SOCKET) {
            throw new IllegalArgumentException("socket option level " + level + " is not supported (only SOL_SOCKET = "
                    + Expkt.SOL_SOCKET + ")");
        }
        if (option != Expkt.SO_VRID && option != Expkt.SO_BUSY_POLL) {
            throw new IllegalArgumentException("socket option " + option + " is not supported (only SO_VRID = " + Expkt.SO_VRID
                    + " and SO_BUSY_POLL = " + Expkt.SO_BUSY_POLL + ")");
        }
    }

    @Override
    public long drops() {
        // under the filter lock: close sets closed under it before the fd can go, so a closed (possibly
        // reused) fd is never read (PACKET_STATISTICS also resets the counters it reads)
        synchronized (filterLock) {
            if (closed && !parking.isParked()) {
                return drops; // a parked socket's fd is still its own: its ring goes on filling
            }
            try {
                drops += PacketSockets.statistics(fd)[1];
            } catch (LinuxException e) {
                // what was counted so far
            }
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

    /** Clock reads of the callback budget since the socket opened (far fewer than frames: see {@link RxPath}). */
    public long budgetClockReads() {
        return rx.budgetClockReads();
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    /**
     * Closes the socket: its callback (or handler) stops being called, its filters and nftables rules
     * go, then its fd and ring. A call in progress is waited for, holding no lock, up to
     * {@link LaneRegistry#CALL_DEADLINE_NANOS}: so after close returns the callback is never called
     * again and never reads a released ring. Past the deadline the call is abandoned as stuck (shown so
     * in {@code expkt:handlers}): the filters go at once, the fd and ring when the call returns. From
     * the socket's own callback, they go when that call returns.
     */
    @Override
    public void close() {
        close(System.nanoTime() + LaneRegistry.CALL_DEADLINE_NANOS);
    }

    /** Stops the lane from calling this socket's callback or handler (a call in progress goes on); for a close that follows. */
    void stopCalls() {
        lane.stopCalls();
    }

    /** As {@link #close()}, waiting for a running call until {@code deadlineNanos} (one deadline for many sockets). */
    public void close(long deadlineNanos) {
        Registration r;
        boolean park;
        synchronized (filterLock) {
            if (closed) {
                return;
            }
            drops();
            closedFilterNames = filterNames();
            park = parking.mayPark();
            closed = true;
            r = lane.closing();
        }
        for (Selectable.Watcher w : watchers) { // before the fd can go (release), while its number is still ours
            try {
                w.fdGone(this);
            } catch (RuntimeException e) {
                engine.log().warn("closing socket #" + id + " of " + ownerName + ": a selector failed to let it go", e);
            }
        }
        watchers.clear();
        boolean idle = r == null || (!r.stuck() && engine.dispatcher().awaitIdle(r, deadlineNanos));
        if (idle && !park && handOver()) {
            return; // the next provider revision adopts the fd and ring, with the frames queued meanwhile
        }
        if (parking.parkOnClose(park, idle)) {
            return;
        }
        synchronized (filterLock) {
            dropFilters("closing socket #");
        }
        if (idle) {
            release();
        } else {
            engine.dispatcher().onceIdle(r, this::release);
        }
        for (PacketSocketImpl m : fanoutMembers) {
            m.close(deadlineNanos); // they carried this socket's filters, which are gone
        }
    }

    /** Releases the fd, the ring and the send path: nobody reads them any more. */
    void release() {
        rxLock.lock(); // a blocked receiver notices within one poll slice
        try {
            releaseSendPart();
            lane.clear();
            new ReceivePart(fd, ringArena, controlArena, rx).close(true);
        } finally {
            rxLock.unlock();
            engine.forget(this);
        }
    }

    @Override
    public String toString() {
        return "packet socket #" + id + " of " + ownerName + (isParked() ? " (parked)" : closed ? " (closed)" : "");
    }
}
