package expkt.provider.rx;

import expkt.api.packet.Direction;
import expkt.api.packet.ExosSockAddr;
import expkt.api.spi.ExosSockAddrs;
import expkt.api.packet.FrameView;
import expkt.api.packet.PacketType;
import expkt.api.packet.Port;
import expkt.api.packet.Vlan;
import expkt.api.spi.FrameWindow;
import expkt.linux.PacketSockets;
import expkt.provider.dataplane.DataPlaneModel;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.function.BooleanSupplier;

/**
 * The receive path of one packet socket: reads its {@link RxRing} in place (no system call while
 * frames are queued, no allocation per frame), skips frames of interfaces that stopped being ports,
 * and fills the {@link ExosSockAddr} of each frame (port, VLAN, direction, VR) from one data-plane
 * model. When the ring is empty a blocking socket waits in poll(2) in slices of
 * {@value #POLL_SLICE_MILLIS} ms so that a close from another thread is noticed.
 *
 * <p>Threading: one receiving thread at a time (the socket's receive lock, held by the caller);
 * {@link #blocking(boolean)} and {@link #timeoutMillis(int)} may be set from any thread.
 */
public final class RxPath {
    public static final int POLL_SLICE_MILLIS = 100;
    /** How many view objects a socket hands out in turn. */
    static final int VIEWS = 8;

    /** Replaced only by {@link #ring(RxRing)} under the receive lock (a LATENCY ring re-made for a larger MTU). */
    private RxRing ring;
    private final int fd;
    private final MemorySegment pollfd;
    private final FramePorts ports;
    private final BooleanSupplier open;
    /**
     * The views handed out, in turn (so that a view kept past its frame is, for the next
     * {@value #VIEWS} - 1 frames, another object than the current one, released, and throws when read).
     */
    private final FrameWindow[] views = new FrameWindow[VIEWS];
    private int viewAt;
    private volatile boolean blocking = true;
    private volatile int timeoutMillis;
    private long received;
    /** The model the current frame was checked against (so a concurrent reconfiguration cannot split a frame's address). */
    private DataPlaneModel frameModel;
    /** The current frame's port under {@link #frameModel} (looked up once per frame, in {@link #nextFrame}). */
    private Port framePort;
    /** {@link #vrIdOf}'s last answer, for {@link #vrPort} under {@link #vrModel}. Receiving thread only. */
    private DataPlaneModel vrModel;
    private Port vrPort;
    private int vrId;
    /**
     * While a lane runs this socket's callback or handler: the time after which receive calls report "no
     * frame" (the frames stay in the ring; the lane calls again after its other sockets had their turn;
     * the budget is {@code dispatch.LaneRegistry}'s). 0 outside a call. Written and read by the receiving
     * thread only.
     */
    private long budgetDeadline;
    /** When the running call's budget started (System.nanoTime); receiving thread only. */
    private long budgetStart;
    /** Frames handed out in the running call so far; receiving thread only. */
    private int budgetFrames;
    /** Frames still to hand out before the clock is read again (see {@link #overBudget()}); receiving thread only. */
    private int budgetUntilCheck;
    /** True once the running call's budget was found spent: "no frame" until {@link #endBudget()}, with no more clock reads. */
    private boolean budgetSpent;
    /** Asked, each time the ring is found empty, whether the ring must be re-made first (null: never). */
    private volatile RingRefit refit;

    /**
     * Re-makes the socket's ring when the ports' MTU outgrew it: {@link #pending()} is a volatile read
     * (nothing allocated); {@link #apply()} runs on the receiving thread, under the receive lock, while
     * the ring is empty, and hands the new ring over with {@link #ring(RxRing)}.
     */
    public interface RingRefit {
        boolean pending();

        void apply() throws IOException;
    }

    /**
     * @param ring the socket's receive ring
     * @param fd the socket, for poll(2)
     * @param pollfd a native {@code struct pollfd} owned by the socket (outlives this path)
     * @param ports the data plane's ports, to address frames
     * @param open false once the socket is closed (checked before reading and after each poll slice)
     */
    public RxPath(RxRing ring, int fd, MemorySegment pollfd, FramePorts ports, BooleanSupplier open) {
        this.ring = ring;
        for (int i = 0; i < VIEWS; i++) {
            views[i] = new FrameWindow();
        }
        this.fd = fd;
        this.pollfd = pollfd;
        this.ports = ports;
        this.open = open;
    }

    /** Sets the hook asked whether the ring must be re-made (see {@link RingRefit}). */
    public void refit(RingRefit refit) {
        this.refit = refit;
    }

    /** The ring now. Receiving thread (under the receive lock). */
    public RxRing ring() {
        return ring;
    }

    /** Replaces the ring (the old one is unmapped by the caller). Receiving thread, under the receive lock. */
    public void ring(RxRing next) {
        releaseView();
        this.ring = next;
    }

    /**
     * Releases the view handed out last (its reads throw from now on): called before the ring moves on
     * (every receive), when a lane's call of the socket's callback or handler returns, and at close.
     * Receiving thread (or the closer, once no receive runs).
     */
    public void releaseView() {
        views[viewAt].release();
    }

    private void ensureOpen() throws ClosedChannelException {
        if (!open.getAsBoolean()) {
            throw new ClosedChannelException();
        }
    }

    /**
     * A zero-copy view of the next frame, whole (its outer VLAN tag back in place), valid until the next
     * receive; null if none (see {@code PacketSocket}).
     */
    public FrameView receive(ExosSockAddr from) throws IOException {
        releaseView();
        ensureOpen();
        if (overBudget() || !nextFrame()) {
            return null;
        }
        int len = ring.snapLength();
        fill(from, len);
        int at = viewAt + 1 == VIEWS ? 0 : viewAt + 1;
        viewAt = at;
        return views[at].wrap(ring.frameSegmentReadOnly(), ring.frameOffset(), len);
    }

    /** Copies the next frame (whole) into {@code dst}; -1 if none. */
    public int recvfrom(ByteBuffer dst, ExosSockAddr from) throws IOException {
        releaseView();
        ensureOpen();
        if (overBudget() || !nextFrame()) {
            return -1;
        }
        int n = Math.min(ring.snapLength(), dst.remaining());
        if (dst.hasArray()) {
            MemorySegment.copy(ring.frameSegment(), ValueLayout.JAVA_BYTE, ring.frameOffset(), dst.array(),
                    dst.arrayOffset() + dst.position(), n);
        } else {
            MemorySegment.copy(ring.frameSegment(), ring.frameOffset(), MemorySegment.ofBuffer(dst), 0, n);
        }
        dst.position(dst.position() + n);
        fill(from, n);
        return n;
    }

    /** Copies the next frame (whole) into {@code buf}; -1 if none. */
    public int recvfrom(byte[] buf, ExosSockAddr from) throws IOException {
        releaseView();
        ensureOpen();
        if (overBudget() || !nextFrame()) {
            return -1;
        }
        int n = Math.min(ring.snapLength(), buf.length);
        MemorySegment.copy(ring.frameSegment(), ValueLayout.JAVA_BYTE, ring.frameOffset(), buf, 0, n);
        fill(from, n);
        return n;
    }

    /** Moves the ring to the next frame from a port, waiting as the socket's mode says. */
    private boolean nextFrame() throws IOException {
        DataPlaneModel model = ports.model();
        long deadline = 0;
        while (true) {
            while (ring.next()) {
                Port port = ports.portOfFrame(model, ring.ifIndex());
                if (port != null) {
                    ring.restoreOuterTag(); // the frame as it was on the wire
                    received++;
                    frameModel = model;
                    framePort = port;
                    learn(model);
                    return true;
                }
                // a frame from an interface that stopped being a port since the filter was compiled
            }
            RingRefit r = refit;
            if (r != null && r.pending()) {
                r.apply(); // the ring is empty: re-make it now (larger slots), then look again
                continue;
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
            model = ports.model();
        }
    }

    private void fill(ExosSockAddr from, int captured) {
        DataPlaneModel model = frameModel;
        int ifIndex = ring.ifIndex();
        Port port = framePort; // resolved by nextFrame under the same model: not looked up twice per frame
        int vid = ring.vlanId();
        Vlan vlan = vid < 0 ? null : model.vlanByTag(vid);
        // a copy from a capture link is a frame that was leaving its port (EGRESS + UP_AND_DROP)
        int pkttype = ports.isCapture(ifIndex) ? PacketSockets.PACKET_OUTGOING : ring.packetType();
        int wire = ring.wireLength(); // with the outer tag
        if (from != null) {
            ExosSockAddrs.set(from, port.slotPort().slot(), port.slotPort().port(), port.ifName(), port.ifIndex(),
                    vid < 0 ? ExosSockAddr.NO_VLAN : vid, vlan == null ? null : vlan.name(), vrIdOf(model, port), port.vr(),
                    pkttype == PacketSockets.PACKET_OUTGOING ? Direction.EGRESS : Direction.INGRESS,
                    PacketType.ofCode(pkttype), ring.timestampNanos(), wire, captured, ring.protocol());
            if (vid >= 0) {
                // the whole outer tag (priority, DEI, 802.1Q or 802.1ad): the frame's bytes 12..15
                ExosSockAddrs.setVlanTag(from, ring.vlanTpid(), ring.vlanTci());
            }
        }
    }

    /**
     * The VR id of {@code port} under {@code model}: the model's answer is a hash-map lookup (its places by
     * slot:port, a record's hashCode and equals: ~10-20 ns), and the frames of a stream come from one port,
     * so the last answer is kept for that (model, port) pair; both are immutable, so it cannot go stale.
     * Receiving thread only.
     */
    private int vrIdOf(DataPlaneModel model, Port port) {
        if (port != vrPort || model != vrModel) {
            vrId = model.vrIdOf(port);
            vrPort = port;
            vrModel = model;
        }
        return vrId;
    }

    /**
     * Hands the current frame to the FDB's learning hook, unless it would teach nothing new: the same
     * source MAC, interface, VLAN and packet type as the last frame handed over, at the same learning time
     * (inside one lane call the time is the call's start) and under the same model. The FDB would find
     * that entry fresh and write nothing; the hook's lookups (port of the punt link, the model's port, a
     * hash probe of the FDB with volatile reads) were ~17 % of the lane thread's CPU per frame in the
     * rx64 profile of 2026-12-02, for a stream from one source. Receiving thread only; allocates nothing.
     */
    private void learn(DataPlaneModel model) {
        int ifIndex = ring.ifIndex();
        int vlan = ring.vlanId();
        int pkttype = ring.packetType();
        MemorySegment seg = ring.frameSegment();
        long off = ring.frameOffset();
        // the six source bytes, raw (only compared): bytes 6..9 and 10..11 of the frame
        long src = (seg.get(ValueLayout.JAVA_INT_UNALIGNED, off + 6) & 0xFFFF_FFFFL)
                | ((seg.get(ValueLayout.JAVA_SHORT_UNALIGNED, off + 10) & 0xFFFFL) << 32);
        long at = learnClock();
        if (at == learnedAt && src == learnedSrc && ifIndex == learnedIfIndex && vlan == learnedVlan
                && pkttype == learnedType && model == learnedModel) {
            return;
        }
        ports.learn(model, ifIndex, vlan, pkttype, seg, off, at);
        learnedAt = at;
        learnedSrc = src;
        learnedIfIndex = ifIndex;
        learnedVlan = vlan;
        learnedType = pkttype;
        learnedModel = model;
    }

    /** What {@link #learn} handed over last (see there). Receiving thread only. */
    private long learnedAt;
    private long learnedSrc;
    private int learnedIfIndex = -1;
    private int learnedVlan;
    private int learnedType;
    private DataPlaneModel learnedModel;

    /**
     * The time the FDB learns a frame at: inside a lane's call the call's start (read once per call by the
     * lane: the budget's start, at most the budget, ~1 ms, old), outside one (a blocking receive) the clock
     * now. A clock read per frame would cost ~28 ns (kvm-clock), about twice the C reader's whole cost per
     * frame. Receiving thread only.
     */
    private long learnClock() {
        return budgetDeadline != 0 ? budgetStart : System.nanoTime();
    }

    /**
     * Starts a callback's time budget: after {@code deadlineNanos} ({@link System#nanoTime()}) receive
     * calls report "no frame" until {@link #endBudget()}. Receiving thread only.
     */
    public void startBudget(long deadlineNanos) {
        startBudget(deadlineNanos - BUDGET_UNKNOWN_START, deadlineNanos);
    }

    /**
     * As {@link #startBudget(long)}, for a call that started at {@code startNanos} (the caller read the
     * clock already: this path does not read it again). Receiving thread only.
     */
    public void startBudget(long startNanos, long deadlineNanos) {
        budgetStart = startNanos;
        budgetDeadline = deadlineNanos;
        budgetFrames = 0;
        // the first check at the second receive, after the call's first frame: a check at the first one measured
        // nothing and, when the call had started late (a callback's own work, or a lane thread preempted for over
        // the budget on a loaded machine), ended the call before any frame, so the lane backed it off as "left its
        // frames unread" (BudgetFirstFrameTest)
        budgetUntilCheck = 2;
        budgetUntilCheckLast = 1;
        budgetSpent = false;
    }

    /** Ends the callback's time budget. Receiving thread only. */
    public void endBudget() {
        budgetDeadline = 0;
        budgetSpent = false;
    }

    /** {@link #startBudget(long)} without a start: the first check (after one frame) measures from the deadline's budget. */
    private static final long BUDGET_UNKNOWN_START = 1_000_000L;
    /** The most frames handed out between two clock reads of a call (~6 us at 100 ns per frame; 1 ms is the budget). */
    static final int MAX_FRAMES_BETWEEN_CHECKS = 64;

    /**
     * Whether the running call's budget is spent. A clock read costs ~28 ns on these VMs (kvm-clock), about
     * twice the C reader's whole per-frame cost, so the clock is not read per frame: the first check is after
     * the call's first frame (which measures what a frame costs, handler included), and each check
     * schedules the next one after half the frames that still fit in the budget at the cost measured so far,
     * at most twice as many as the last interval and at most {@value #MAX_FRAMES_BETWEEN_CHECKS}. A handler
     * that takes 0.4 ms per frame is checked after every frame (as when the clock was read per frame); one
     * that takes 100 ns after 1, 2, 4, ... 64 frames: ~14 clock reads per 512 frames instead of 512.
     */
    private boolean overBudget() {
        long d = budgetDeadline;
        if (d == 0) {
            return false;
        }
        if (budgetSpent) {
            return true;
        }
        int done = budgetFrames++;
        if (--budgetUntilCheck > 0) {
            return false;
        }
        long now = System.nanoTime();
        budgetClockReads++;
        long left = d - now;
        if (left <= 0) {
            budgetSpent = true;
            return true;
        }
        int last = budgetUntilCheckLast;
        long perFrame = done == 0 ? Long.MAX_VALUE : Math.max(1, (now - budgetStart) / done);
        long fit = perFrame == Long.MAX_VALUE ? 1 : left / perFrame / 2;
        int next = (int) Math.max(1, Math.min(Math.min(fit, 2L * last), MAX_FRAMES_BETWEEN_CHECKS));
        budgetUntilCheck = next;
        budgetUntilCheckLast = next;
        return false;
    }

    /** The interval {@link #overBudget()} chose last in the running call. Receiving thread only. */
    private int budgetUntilCheckLast;
    /** Clock reads of {@link #overBudget()} since the socket opened (written by the receiving thread). */
    private long budgetClockReads;

    /** How many times the call budget read the clock since the socket opened (tests: it must not be per frame). */
    public long budgetClockReads() {
        return budgetClockReads;
    }

    /**
     * True if a frame is waiting in the ring. Any thread: a ring being re-made at that moment answers
     * true (the reader finds out).
     */
    public boolean ready() {
        try {
            return ring.ready();
        } catch (IllegalStateException e) {
            return true; // unmapped under us by a refit
        }
    }

    /** True while the frames come from copies drained out of the ring during a provider update (see {@link RxRing#readingBacklog()}). */
    public boolean backlogged() {
        return ring.readingBacklog();
    }

    /** Bytes of the receive ring. */
    public long ringBytes() {
        return ring.segment().byteSize();
    }

    /** Frames handed to the application since the socket opened. */
    public long received() {
        return received;
    }

    public void blocking(boolean blocking) {
        this.blocking = blocking;
    }

    public boolean blocking() {
        return blocking;
    }

    /** The receive timeout of a blocking socket in ms; 0 waits without limit. */
    public void timeoutMillis(int timeoutMillis) {
        this.timeoutMillis = timeoutMillis;
    }
}
