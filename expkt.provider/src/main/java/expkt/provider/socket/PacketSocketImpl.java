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
import expkt.provider.dispatch.HandleTimes;
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
 * <p>This class is the façade: it holds the fd, the arenas, the locks, the options, the socket's lane
 * registration (its callback's, or a whiteboard handler's) and {@link #close()}, and delegates each concern to one part: {@link SocketFilters}
 * (the BPF program and nft rules), {@link RxPath} (the receive path: reads the ring in place, waits
 * in poll(2) slices of {@value RxPath#POLL_SLICE_MILLIS} ms so that {@link #close()} is noticed) and
 * {@link TxPath} (the send path).
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
     * moves to the next revision's socket when this one is parked and adopted (see {@link #adopt}).
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
    private Face face;
    private final TxPath tx;
    /** The transmit rings of tryClaim, per port, made on the first claim (send lock). */
    private final TxRings claims;
    private volatile boolean closed;
    private volatile PacketCallback callback;
    /** The lane registration reading this socket (its callback, or a whiteboard handler), or null. Set under filterLock. */
    private volatile Registration reader;
    /** What {@link #reader} runs, to tell a callback's registration from a handler's. */
    private volatile LaneReader laneReader;
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
    /** True while the owner's bundle is STOPPING (an update or a stop): a close then parks the kernel part. Null: never. */
    private volatile java.util.function.BooleanSupplier ownerStopping;
    /** When it was parked (System.nanoTime), 0 while not parked. Written under the filter lock. */
    private volatile long parkedAt;
    /** How many revisions of the owner's bundle this kernel part has served (1 + adoptions). */
    private volatile int revisions = 1;
    /** The id of the parked socket this one adopted, 0 if none. */
    private volatile long adoptedFrom;
    /**
     * Names of the filters an adopted kernel part brought that this revision has not set up again (yet):
     * removed at its first receive, callback, selector or close. Filter lock; null when none.
     */
    private java.util.Set<String> unconfirmed;

    /**
     * The façade a kernel part serves: its receive path and filters ask it whether they are open. One
     * per kernel part, re-pointed at the adopter when a parked part is adopted.
     */
    private static final class Face {
        volatile PacketSocketImpl socket;

        Face(PacketSocketImpl socket) {
            this.socket = socket;
        }

        /** The receive path may be read: its façade is open. */
        boolean readable() {
            PacketSocketImpl s = socket;
            return s != null && !s.closed;
        }

        /** The kernel part holds filters: its façade is open, or it is parked (a port change re-applies them too). */
        boolean alive() {
            PacketSocketImpl s = socket;
            return s != null && (!s.closed || s.parkedAt != 0);
        }
    }

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
        Face f = new Face(this);
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
            java.util.Set<String> u = unconfirmed;
            if (u != null && u.remove(filter.name())) {
                if (u.isEmpty()) {
                    unconfirmed = null;
                }
                if (filters.list().contains(filter)) {
                    return; // the adopted part has it already, in force since before the update
                }
                filters.removeSome(java.util.Set.of(filter.name())); // the same name, another match: replaced below
            } else if (adoptable()) {
                PacketSocketImpl parked = engine.parkedFor(owner.symbolicName(), filter.name());
                if (parked != null) {
                    String why = parked.adoptableBy(this, filter);
                    if (why == null && adopt(parked, filter)) {
                        return;
                    }
                    parked.closeParked(ownerName + " sets up filter \"" + filter.name() + "\" on socket #" + id + " but "
                            + (why == null ? "the parked socket could not be taken over" : why)
                            + ": a new socket replaces the parked one");
                }
            }
            filters.setup(filter);
        }
    }

    // ---------------------------------------------------------------- hot upgrade: park and adopt

    /**
     * Called by the owner's packet service: {@code stopping} says whether the owner's bundle is
     * STOPPING now (then a close parks the kernel part for its next revision: see {@link #close(long)}).
     */
    public void ownerStopping(java.util.function.BooleanSupplier stopping) {
        this.ownerStopping = stopping;
    }

    /** True while its kernel part is parked: closed by its owner's stopping bundle, kept for the next revision. */
    public boolean isParked() {
        return parkedAt != 0;
    }

    /** Milliseconds since it was parked, -1 if it is not. */
    public long parkedMillis() {
        long at = parkedAt;
        return at == 0 ? -1 : (System.nanoTime() - at) / 1_000_000;
    }

    /** How many revisions of its owner's bundle its kernel part has served (1: never adopted). */
    public int revisions() {
        return revisions;
    }

    /** The id of the parked socket whose kernel part this one took over, 0 if none. */
    public long adoptedFrom() {
        return adoptedFrom;
    }

    /** A close now parks the kernel part: the owner's bundle is stopping and the socket is a plain callback or receive socket. */
    private boolean mayPark() {
        java.util.function.BooleanSupplier stopping = ownerStopping;
        return stopping != null && !handlerSocket && fanoutLeader == null && fanoutMembers.isEmpty() && !filters.list().isEmpty()
                && engine.mayPark() && stopping.getAsBoolean();
    }

    /** This new socket may take over a parked kernel part: nothing of its own yet (no filter, reader, selector, group). Filter lock. */
    private boolean adoptable() {
        return !handlerSocket && ownerStopping != null && filters.list().isEmpty() && reader == null && watchers.isEmpty()
                && fanoutGroup == -1 && fanoutLeader == null && callback == null;
    }

    /** Null if {@code adopter}, setting up {@code first}, may take over this parked part; else why not. */
    private String adoptableBy(PacketSocketImpl adopter, Filter first) {
        List<Filter> mine = filters.list();
        if (mine.isEmpty() || !mine.get(0).equals(first)) {
            return "the parked socket #" + id + " of " + ownerName + " has " + mine + " (another filter)";
        }
        if (adopter.rxMode != rxMode) {
            return "the parked socket #" + id + " of " + ownerName + " is " + rxMode + ", the new one " + adopter.rxMode;
        }
        if (adopter.filters.vrId() != filters.vrId()) {
            return "the parked socket #" + id + " of " + ownerName + " is in VR id " + filters.vrId() + ", the new one in "
                    + adopter.filters.vrId();
        }
        return null;
    }

    /**
     * Takes over {@code parked}'s kernel part (receive fd, ring, BPF program, nft rules, filter names,
     * the frames queued meanwhile): this socket's own receive part (no filter: it received nothing) is
     * released. Under this socket's filter lock; the receive locks are only tried (a receiver blocked in
     * one of them: no adoption, the caller closes the parked part). True if taken over.
     */
    private boolean adopt(PacketSocketImpl parked, Filter first) {
        if (!rxLock.tryLock()) {
            return false;
        }
        try {
            boolean parkedRx;
            try {
                // a receiver of the old revision notices its close within one poll slice
                parkedRx = parked.rxLock.tryLock(2L * RxPath.POLL_SLICE_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            if (!parkedRx) {
                return false;
            }
            try {
                int myFd;
                Arena myRing;
                Arena myControl;
                RxPath myRx;
                synchronized (parked.filterLock) {
                    if (parked.parkedAt == 0) {
                        return false; // closed meanwhile (grace over, uninstalled)
                    }
                    parked.drops(); // its kernel counters up to now, then they count on here
                    parked.parkedAt = 0;
                    myFd = fd;
                    myRing = ringArena;
                    myControl = controlArena;
                    myRx = rx;
                    Face mine = face;
                    mine.socket = null;
                    Face taken = parked.face;
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
                    revisions = parked.revisions + 1;
                    adoptedFrom = parked.id;
                    java.util.Set<String> rest = new java.util.HashSet<>();
                    for (Filter x : f.list()) {
                        rest.add(x.name());
                    }
                    rest.remove(first.name());
                    unconfirmed = rest.isEmpty() ? null : rest;
                }
                engine.unparked(parked);
                synchronized (modeLock) {
                    rx.blocking(userBlocking && !inLaneCall);
                }
                rx.timeoutMillis(timeoutMillis);
                // this socket's own receive part: no filter ever matched on it
                myRx.releaseView();
                myRing.close();
                myControl.close();
                if (myFd != txFd) {
                    Fds.closeQuietly(myFd);
                }
                parked.releaseSendPart();
                engine.forget(parked);
                engine.log().info("socket #" + id + " of " + ownerName + " took over the parked socket #" + parked.id + " of "
                        + parked.ownerName + " (filter(s) " + filters.list().stream().map(Filter::name).toList() + ", "
                        + rx.received() + " frames received so far by its revisions, " + revisions + " revision(s)): frames queued "
                        + "while the bundle was updated come first");
                return true;
            } finally {
                parked.rxLock.unlock();
            }
        } finally {
            rxLock.unlock();
        }
    }

    /** What a parked socket keeps that its adopter does not take: its send path (the adopter has its own). */
    private void releaseSendPart() {
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
        controlArena = null;
        ringArena = null;
    }

    /**
     * Closes a parked socket's kernel part for good (nobody adopted it within the grace period, its
     * bundle was uninstalled, the next revision set up another filter or mode, the host stops): its
     * filters and nft rules go, then the fd and ring. Does nothing if it is not parked (adopted, or
     * closed already). Any thread.
     */
    public void closeParked(String why) {
        synchronized (filterLock) {
            if (parkedAt == 0) {
                return;
            }
            drops();
            parkedAt = 0;
            try {
                filters.drop();
            } catch (IOException | RuntimeException e) {
                engine.log().warn("closing the parked socket #" + id + " of " + ownerName + ": removing its filters failed", e);
            }
        }
        engine.unparked(this);
        engine.log().info("expkt sockets: closed the parked socket #" + id + " of " + ownerName + ": " + why);
        release();
    }

    /**
     * The filters an adopted part brought that this revision did not set up again go now (it reads, or
     * sets a callback or selector: its filters are what it set up). Filter lock taken here.
     */
    private void settleAdopted() {
        synchronized (filterLock) {
            java.util.Set<String> u = unconfirmed;
            if (u == null) {
                return;
            }
            unconfirmed = null;
            if (closed) {
                return;
            }
            try {
                filters.removeSome(u);
                engine.log().info("socket #" + id + " of " + ownerName + ": the filter(s) " + u + " of the adopted socket #"
                        + adoptedFrom + " were not set up again by this revision: removed");
            } catch (IOException | RuntimeException e) {
                engine.log().warn("socket #" + id + " of " + ownerName + ": removing the adopted filter(s) " + u
                        + " this revision did not set up again failed", e);
            }
        }
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
            unconfirmed = null;
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
        if (unconfirmed != null) {
            settleAdopted();
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
        if (unconfirmed != null) {
            settleAdopted();
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
        if (unconfirmed != null) {
            settleAdopted();
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

    // ---------------------------------------------------------------- lane registration: callback or handler

    /**
     * What a lane runs for this socket: the callback, or a whiteboard handler's delivery loop. Sets the
     * receive path's time budget around each call (the budget is the dispatch registry's,
     * {@link LaneRegistry#CALL_BUDGET_NANOS}; the receive path enforces it: "no frame" once spent), and
     * reports the frames the call consumed. Lane thread.
     */
    private final class LaneReader implements Readable {
        private final Readable handler; // null: the socket's callback

        LaneReader(Readable handler) {
            this.handler = handler;
        }

        @Override
        public void onReadable() throws Exception {
            if (closed) {
                return;
            }
            // the receive lock for the whole call, not per frame (see rxHeldBy)
            rxLock.lock();
            rxHeldBy = Thread.currentThread();
            long start = System.nanoTime(); // once per call: the receive path reads the clock only every few frames
            rx.startBudget(start, start + LaneRegistry.CALL_BUDGET_NANOS);
            laneCall(true, handler == null);
            try {
                if (handler != null) {
                    handler.onReadable();
                } else {
                    PacketCallback cb = callback;
                    if (cb != null) {
                        cb.onReadable(PacketSocketImpl.this);
                    }
                }
            } finally {
                laneCall(false, false);
                rx.releaseView(); // the call is over: a view kept by the handler or callback throws when read
                rx.endBudget();
                rxHeldBy = null;
                rxLock.unlock();
            }
        }

        @Override
        public long consumed() {
            return rx.received();
        }

        @Override
        public boolean ready() {
            return readable();
        }

        @Override
        public long busyPollNanos() {
            return busyPollMicros() * 1000L;
        }

        @Override
        public String describe() {
            return handler != null ? handler.describe() : "the callback of socket #" + id + " of " + ownerName;
        }

        @Override
        public HandleTimes handleTimes() {
            // a whiteboard handler keeps its histogram for its socket's life (across its bundle's updates)
            return handler != null ? handler.handleTimes() : new HandleTimes();
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
        settleAdopted();
        // under the filter lock: close cannot have closed the fd meanwhile, and stops what is registered here
        synchronized (filterLock) {
            ensureOpen();
            LaneReader current = laneReader;
            if (reader != null && current != null && current.handler != null) {
                throw new IllegalStateException(this + " is read by a whiteboard handler; it takes no callback");
            }
            if (!watchers.isEmpty()) {
                throw new IllegalStateException(this + " is registered with a PacketSelector; cancel its key before setting a callback");
            }
            this.callback = callback;
            this.callbackBufSize = bufSize;
            if (reader == null) {
                LaneReader r = new LaneReader(null);
                reader = engine.dispatcher().attach(id, fd, r, LaneRegistry.SHARED, "own-#" + id);
                laneReader = r;
            }
        }
    }

    /**
     * The lane registration of this socket's callback (also while a callback stuck past its close
     * still runs), or null.
     */
    public Registration callbackRegistration() {
        Registration r = reader;
        LaneReader lr = laneReader;
        return r != null && lr != null && lr.handler == null ? r : null;
    }

    /** Stops the callback; a call in progress is waited for (bounded), unless it is this very call. */
    @Override
    public void removeCallback() throws IOException {
        Registration r;
        synchronized (filterLock) {
            ensureOpen();
            callback = null;
            r = callbackRegistration();
        }
        if (r != null) {
            detachReader(r, System.nanoTime() + LaneRegistry.CALL_DEADLINE_NANOS);
        }
    }

    /**
     * Puts this socket on lane {@code lane} (a whiteboard handler's delivery loop): {@code target} is
     * called whenever frames wait, within the lane's budget. One reader per socket.
     */
    public Registration attachReader(Readable target, String lane, String ownLane) throws IOException {
        synchronized (filterLock) {
            ensureOpen();
            if (reader != null) {
                throw new IllegalStateException(this + " is read by " + reader + " already");
            }
            if (!watchers.isEmpty()) {
                throw new IllegalStateException(this + " is registered with a PacketSelector");
            }
            LaneReader lr = new LaneReader(target);
            Registration r = engine.dispatcher().attach(id, fd, lr, lane, ownLane);
            reader = r;
            laneReader = lr;
            return r;
        }
    }

    /**
     * Stops the reader and waits for its running call, holding no lock, until {@code deadlineNanos}.
     * True: idle, the socket has no reader any more. False: the call is stuck (abandoned by the
     * registry) or is this very thread's: the reader stays recorded, so {@link #close()} releases the
     * fd and ring only when the call returns.
     */
    public boolean detachReader(Registration r, long deadlineNanos) {
        boolean idle = engine.dispatcher().awaitIdle(r, deadlineNanos);
        if (idle) {
            forgetReader(r);
        } else if (!r.stuck()) {
            engine.dispatcher().onceIdle(r, () -> forgetReader(r)); // stopped from its own call
        }
        return idle;
    }

    private void forgetReader(Registration r) {
        synchronized (filterLock) {
            if (reader == r && !closed) {
                reader = null;
                laneReader = null;
            }
        }
    }

    // ---------------------------------------------------------------- options, close

    public boolean hasCallback() {
        return callback != null;
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
        settleAdopted();
        synchronized (filterLock) {
            ensureOpen();
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
            if (closed && parkedAt == 0) {
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
        Registration r = reader;
        if (r != null) {
            engine.dispatcher().stop(r);
        }
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
            park = mayPark();
            closed = true;
            callback = null;
            r = reader;
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
        if (park && idle && park()) {
            return;
        }
        if (park) {
            engine.log().warn("expkt sockets: " + ownerName + " closed socket #" + id + " while its bundle stops, but it cannot be "
                    + "parked: " + (idle ? "the provider stops" : "its callback is still running (stuck, or closing its own socket)")
                    + "; closed, frames arriving until the next revision's socket opens are lost", null);
        } else if (ownerStopping != null) {
            engine.log().info("expkt sockets: " + ownerName + " closed socket #" + id + " (bundle not stopping"
                    + (filters.list().isEmpty() && closedFilterNames.isEmpty() ? ", no filter" : "") + "): closed, not parked");
        }
        synchronized (filterLock) {
            try {
                filters.drop();
            } catch (IOException | RuntimeException e) {
                engine.log().warn("closing socket #" + id + " of " + ownerName + ": removing its filters failed", e);
            }
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

    /**
     * Parks the kernel part of a socket its stopping owner closed (its callback stopped and idle): the
     * fd, ring, BPF program, nft rules and filter names stay, frames keep queueing in the ring, until
     * the next revision adopts it or {@link #closeParked} (the engine's grace timer, an uninstall, the
     * host's stop). False if the engine no longer parks (then the caller closes as usual).
     */
    private boolean park() {
        synchronized (filterLock) {
            reader = null;
            laneReader = null;
            parkedAt = Math.max(1, System.nanoTime());
        }
        if (!engine.parked(this)) {
            synchronized (filterLock) {
                parkedAt = 0;
            }
            return false;
        }
        engine.log().info("expkt sockets: " + ownerName + " closed socket #" + id + " while its bundle stops: parked (filter(s) "
                + closedFilterNames + ", ring and kernel rules kept) for the bundle's next revision");
        return true;
    }

    /** Releases the fd, the ring and the send path: nobody reads them any more. */
    private void release() {
        rxLock.lock(); // a blocked receiver notices within one poll slice
        try {
            txLock.lock();
            try {
                tx.close();
                claims.close();
            } finally {
                txLock.unlock();
            }
            reader = null;
            laneReader = null;
            rx.releaseView(); // a view kept past close throws instead of reading unmapped memory
            ringArena.close();
            controlArena.close();
            Fds.closeQuietly(fd);
            if (txFd != fd) {
                Fds.closeQuietly(txFd);
            }
        } finally {
            rxLock.unlock();
            engine.forget(this);
        }
    }

    @Override
    public String toString() {
        return "packet socket #" + id + " of " + ownerName + (parkedAt != 0 ? " (parked)" : closed ? " (closed)" : "");
    }
}
