package expkt.keeper.internal;

import expkt.api.spi.EngineHandover;
import expkt.api.spi.ParkedDataPlane;
import expkt.api.spi.ParkedSocket;
import expkt.linux.Fds;
import expkt.linux.Exec;
import expkt.linux.NetNs;
import expkt.linux.Nftables;
import expkt.linux.ParkedRingDrain;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Holds the data plane's kernel part that a provider revision stopping for an update parked
 * ({@link ParkedDataPlane}: the punt namespace's fd, the punt links, the nftables table) until the next
 * revision takes it. When none takes it within the grace period ({@value EngineTracker#GRACE_PROPERTY}),
 * or the keeper stops, it is discarded here with {@code expkt.linux} only (no provider class): the nft
 * table and the links' near ends are deleted in the data plane's namespace, the punt namespace's fd is
 * closed (its far ends go with it). So nothing leaks, whatever the provider does next.
 *
 * <p>While a socket's kernel part is parked, nobody reads its ring, and a swap longer than the ring holds
 * (~0.3 s at 100 kpps of small frames in the default ring) would make the kernel drop. So the timer's
 * thread drains every parked ring every {@value #DRAIN_PERIOD_MILLIS} ms ({@link ParkedRingDrain}): what
 * the kernel retired is copied out and the block handed back, and the copies go with the part to the
 * revision that takes it, which reads them first. The copies of all parked sockets together are bounded
 * by {@value #BACKLOG_PROPERTY} (default {@value #DEFAULT_BACKLOG_BYTES} bytes); past it a ring is left to
 * fill (and the kernel to drop, counted on the socket as usual), and the keeper warns once per swap and
 * counts it in {@code expkt:keeper}.
 *
 * <p>Threading: thread-safe ({@code this}); the discard runs on the timer's platform thread (it enters
 * the data plane's namespace) or on the keeper's deactivating thread; the drain on the timer's thread,
 * under {@code this}, so a part is never drained and taken at once.
 */
@Component(service = {EngineHandover.class, EngineHandoverComponent.class}, immediate = true)
public final class EngineHandoverComponent implements EngineHandover {
    private static final Duration IP_TIMEOUT = Duration.ofSeconds(10);
    /** Framework property: the most bytes of copies drained out of parked rings held at once, all sockets together. */
    public static final String BACKLOG_PROPERTY = "expkt.upgrade.backlog.bytes";
    static final long DEFAULT_BACKLOG_BYTES = 64L << 20;
    /**
     * How often parked rings are drained. A block retires when full or after the ring's retire timeout; at
     * 100 kpps the default ring (256 blocks of 16 KiB) fills in ~0.3 s, so 2 ms leaves it nearly empty.
     */
    static final long DRAIN_PERIOD_MILLIS = 2;

    private final Logger log;
    private final long graceMillis;
    private final Nftables.Locations nftables;
    private final ScheduledExecutorService timer;
    // guarded by this
    private ParkedDataPlane parked;
    private ScheduledFuture<?> discardAt;
    private String lastOutcome = "(no provider revision started since the keeper)";
    private long adoptions;
    private long builds;
    /** Sockets' kernel parts by token, each with its discard timer. */
    private final java.util.Map<Long, ParkedSocket> sockets = new java.util.HashMap<>();
    private final java.util.Map<Long, ScheduledFuture<?>> socketTimers = new java.util.HashMap<>();
    private long socketsTaken;
    private long socketsDiscarded;
    private final long backlogBudget;
    /** The drain of each parked socket's ring, by token. */
    private final java.util.Map<Long, ParkedRingDrain> drains = new java.util.HashMap<>();
    private ScheduledFuture<?> drainTask;
    private long drainedFrames;
    private long drainedBytes;
    private long backlogFull;
    private boolean backlogFullWarned;
    private long backlogPeakBytes;

    @Activate
    public EngineHandoverComponent(BundleContext context, @Reference(service = LoggerFactory.class) Logger log) {
        this.log = log;
        this.graceMillis = EngineTracker.grace(context.getProperty(EngineTracker.GRACE_PROPERTY));
        this.backlogBudget = backlogBudget(context.getProperty(BACKLOG_PROPERTY));
        this.nftables = new Nftables.Locations(context.getProperty(Nftables.LIBRARY_PROPERTY), context.getProperty(Nftables.BINARY_PROPERTY));
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "expkt-keeper-handover");
            t.setDaemon(true);
            return t;
        });
    }

    @Deactivate
    void deactivate() {
        ParkedDataPlane p;
        List<ParkedSocket> left;
        synchronized (this) {
            p = parked;
            parked = null;
            if (discardAt != null) {
                discardAt.cancel(false);
                discardAt = null;
            }
            left = new ArrayList<>(sockets.values());
            sockets.clear();
            socketTimers.clear();
            drains.clear();
            if (drainTask != null) {
                drainTask.cancel(false);
                drainTask = null;
            }
        }
        timer.shutdownNow();
        for (ParkedSocket s : left) {
            discard(s);
        }
        if (p != null) {
            discard(p, "the keeper stops");
        }
    }

    /** The value of {@value #BACKLOG_PROPERTY}: bytes, at least 0 (0: parked rings are not drained). */
    static long backlogBudget(String value) {
        if (value == null || value.isBlank()) {
            return DEFAULT_BACKLOG_BYTES;
        }
        try {
            long n = Long.parseLong(value.trim());
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException(BACKLOG_PROPERTY + "=" + value + " is not a number of bytes >= 0");
    }

    @Override
    public void parkSocket(long token, ParkedSocket part) {
        ParkedSocket before;
        synchronized (this) {
            before = sockets.put(token, part);
            ScheduledFuture<?> t = socketTimers.put(token, timer.schedule(() -> expireSocket(token, part), graceMillis, TimeUnit.MILLISECONDS));
            if (t != null) {
                t.cancel(false);
            }
            drains.put(token, new ParkedRingDrain(part.ring(), part.blockSize(), part.blockNr(), part.frameSize(), part.block(), part.left(),
                    part.frame(), part.holding(), part.backlog()));
            if (drainTask == null && backlogBudget > 0) {
                backlogFullWarned = false;
                drainTask = timer.scheduleWithFixedDelay(this::drainParkedRings, 0, DRAIN_PERIOD_MILLIS, TimeUnit.MILLISECONDS);
            }
        }
        if (before != null && before != part) {
            discard(before);
        }
    }

    @Override
    public synchronized ParkedSocket takeSocket(long token) {
        ScheduledFuture<?> t = socketTimers.remove(token);
        if (t != null) {
            t.cancel(false);
        }
        ParkedSocket p = sockets.remove(token);
        ParkedRingDrain d = drains.remove(token);
        stopDrainingIfNothingParked();
        if (p != null) {
            socketsTaken++;
            if (d != null) {
                // the copies come first, then the ring from where the drain stopped
                drainNow(d);
                p = p.withBacklog(d.backlog(), d.block(), d.left(), d.frame(), d.holding());
            }
        }
        return p;
    }

    private void stopDrainingIfNothingParked() {
        if (drains.isEmpty() && drainTask != null) {
            drainTask.cancel(false);
            drainTask = null;
        }
    }

    /** Drains every parked ring within what is left of the budget. Timer thread; never throws (the task would stop). */
    private synchronized void drainParkedRings() {
        try {
            for (ParkedRingDrain d : drains.values()) {
                drainNow(d);
            }
        } catch (RuntimeException e) {
            log.error("draining the parked sockets' rings failed; what is parked stays, and frames may drop if the swap outlasts a ring", e);
        }
    }

    /** Drains {@code d} within the budget left; under {@code this}. */
    private void drainNow(ParkedRingDrain d) {
        long held = 0;
        for (ParkedRingDrain x : drains.values()) {
            held += x.backlogBytes();
        }
        if (!drains.containsValue(d)) {
            held += d.backlogBytes();
        }
        long framesBefore = d.copiedFrames();
        long copied = d.drain(Math.max(0, backlogBudget - held));
        drainedBytes += copied;
        drainedFrames += d.copiedFrames() - framesBefore;
        backlogPeakBytes = Math.max(backlogPeakBytes, held + copied);
        if (d.budgetReached()) {
            backlogFull++;
            if (!backlogFullWarned) {
                backlogFullWarned = true;
                log.warn("the parked sockets' backlog reached its budget of {} bytes ({}): frames now wait in the rings only, and drop when "
                        + "a ring is full", backlogBudget, BACKLOG_PROPERTY);
            }
        }
    }

    private void expireSocket(long token, ParkedSocket part) {
        synchronized (this) {
            if (sockets.get(token) != part) {
                return;
            }
            sockets.remove(token);
            socketTimers.remove(token);
            drains.remove(token);
            stopDrainingIfNothingParked();
            socketsDiscarded++;
        }
        discard(part);
        log.warn("discarded the {} (no provider revision took it within the grace period of {} ms)", part, graceMillis);
    }

    /** Unmaps the ring and closes the fd (if it still is that socket). Never throws. */
    static void discard(ParkedSocket p) {
        try {
            p.ringArena().close();
        } catch (IllegalStateException | UnsupportedOperationException e) {
            // closed already
        }
        try {
            Object ino = java.nio.file.Files.getAttribute(java.nio.file.Path.of("/proc/self/fd/" + p.fd()), "unix:ino");
            if (((Number) ino).longValue() == p.fdInode()) {
                Fds.closeQuietly(p.fd());
            }
        } catch (IOException | RuntimeException e) {
            // not open any more
        }
    }

    @Override
    public void park(ParkedDataPlane part) {
        ParkedDataPlane before;
        synchronized (this) {
            before = parked;
            parked = part;
            if (discardAt != null) {
                discardAt.cancel(false);
            }
            discardAt = timer.schedule(() -> expire(part), graceMillis, TimeUnit.MILLISECONDS);
        }
        if (before != null) {
            discard(before, "another revision parked its own");
        }
    }

    @Override
    public synchronized ParkedDataPlane take() {
        ParkedDataPlane p = parked;
        parked = null;
        if (discardAt != null) {
            discardAt.cancel(false);
            discardAt = null;
        }
        return p;
    }

    @Override
    public synchronized void taken(String revision, String outcome) {
        lastOutcome = revision + ": " + outcome;
        if (outcome.startsWith("adopted")) {
            adoptions++;
        } else {
            builds++;
        }
    }

    /** What {@code expkt:keeper} shows: the last revision's outcome and what is parked now. */
    synchronized String describe() {
        return "data plane kernel part: " + lastOutcome + " (adopted " + adoptions + ", built " + builds + " time(s) since the keeper started)"
                + "\nsocket kernel parts: " + socketsTaken + " adopted, " + socketsDiscarded + " discarded since the keeper started, "
                + sockets.size() + " parked now"
                + "\nparked rings drained: " + drainedFrames + " frames (" + drainedBytes + " bytes) copied out while no revision read them"
                + ", at most " + backlogPeakBytes + " bytes held at once, budget " + backlogBudget + " bytes (" + BACKLOG_PROPERTY + ")"
                + (backlogFull == 0 ? "" : ", reached " + backlogFull + " time(s): frames waited in the rings only")
                + (parked == null ? "" : "\nparked now: " + parked + " (discarded " + graceMillis + " ms after it was parked unless a revision takes it)");
    }

    private void expire(ParkedDataPlane part) {
        synchronized (this) {
            if (parked != part) {
                return; // taken meanwhile
            }
            parked = null;
            discardAt = null;
        }
        discard(part, "no provider revision took it within the grace period of " + graceMillis + " ms");
    }

    /**
     * Deletes the nftables table and the links' near ends in the data plane's namespace (if it still is the
     * namespace they were parked in), closes the punt namespace's fd (if it still is that namespace).
     * Logs what it did, and what failed, and never throws.
     */
    void discard(ParkedDataPlane p, String why) {
        List<String> failed = new ArrayList<>();
        try {
            NetNs dp = p.dataPlaneNetns().isBlank() ? null : NetNs.open(p.dataPlaneNetns());
            try {
                long inode = dp == null ? NetNs.currentInode() : dp.inode();
                if (inode != p.dataPlaneInode()) {
                    failed.add("the data plane's namespace is another one now (inode " + inode + "): its table and links are left alone");
                } else {
                    NetNs.call(dp, () -> {
                        try (Nftables nft = Nftables.open(nftables)) {
                            nft.run("{\"nftables\":[{\"delete\":{\"table\":{\"family\":" + quote(p.nftFamily()) + ",\"name\":"
                                    + quote(p.nftTable()) + "}}}]}");
                        } catch (IOException e) {
                            failed.add("table " + p.nftFamily() + " " + p.nftTable() + ": " + e.getMessage());
                        }
                        for (ParkedDataPlane.PuntLink l : p.links()) {
                            for (String dev : new String[] {l.ingressDevice(), l.egressDevice()}) {
                                try {
                                    Exec.check(List.of(Exec.tool("ip", "iproute2").toString(), "link", "del", dev), null, IP_TIMEOUT);
                                } catch (IOException e) {
                                    // gone already (with its port, or with the punt namespace)
                                }
                            }
                        }
                        return null;
                    });
                }
            } finally {
                if (dp != null) {
                    dp.close();
                }
            }
        } catch (Exception e) {
            failed.add("the data plane's namespace " + (p.dataPlaneNetns().isBlank() ? "(the host's own)" : p.dataPlaneNetns()) + ": " + e);
        }
        try {
            NetNs.adopt("expkt-punt (parked)", p.puntNsFd(), p.puntNsInode()).close();
        } catch (IOException e) {
            failed.add("the punt namespace: " + e.getMessage());
        }
        if (failed.isEmpty()) {
            log.warn("discarded the data plane's kernel part parked by {} ({}): table {} {} and {} punt link pair(s) deleted, punt namespace "
                    + "closed", p.parkedBy(), why, p.nftFamily(), p.nftTable(), p.links().size());
        } else {
            log.warn("discarded the data plane's kernel part parked by {} ({}); not all of it: {}", p.parkedBy(), why,
                    String.join("; ", failed));
        }
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
