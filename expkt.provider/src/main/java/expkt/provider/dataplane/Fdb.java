package expkt.provider.dataplane;

import expkt.linux.BridgeFdbEvents;
import expkt.linux.Epoll;
import expkt.linux.Fds;
import expkt.linux.LinuxException;

import java.util.ArrayList;
import java.util.List;

/**
 * The data plane's forwarding database: where a unicast MAC was last seen, per VLAN, so that
 * {@code sendto(frame, vlanName)} forwards a frame to a known destination out of one port instead of
 * flooding it. Two sources, looked up in this order:
 * <ol>
 *   <li><b>kernel</b>: the forwarding database of the Linux bridge(s) the ports are enslaved to, mirrored
 *   from rtnetlink ({@link BridgeFdbEvents}: a dump at start and after lost notifications, then the
 *   bridge's own notifications of every entry learned, moved and aged out) by a thread of its own
 *   ({@code expkt-fdb-<ns>}). The bridge sees every frame its ports receive. An entry with a VLAN (a
 *   bridge that filters VLANs) counts for that VLAN only; one without (a bridge without VLAN filtering,
 *   as on the kernel of 2026-12-01, whose {@code CONFIG_BRIDGE_VLAN_FILTERING} is off) counts for every
 *   VLAN its port is a member of.</li>
 *   <li><b>learned</b>: the provider's own learning, from the frames its sockets receive (source MAC,
 *   ingress port, VLAN tag; an untagged frame counts for the VLAN its port is an untagged member of),
 *   aged after {@link #AGING_MILLIS}. It sees only frames some socket's filter brings up: an address
 *   that sends nothing the host receives stays unknown, and frames to it are flooded.</li>
 * </ol>
 * The entry must point to a port that is a member of the VLAN sent to; otherwise the address is unknown
 * in that VLAN and the frame is flooded.
 *
 * <p>Ports are named by their model key ({@link DataPlaneModel#key}): the ifindex in the data plane's
 * namespace (the bridge's entries are all there), space and ifindex for a port of a VR namespace, whose
 * ifindexes are its own — so the learned part learns on every port a socket receives from, VR
 * namespaces' included (spaces 1..15: {@link FdbTable#MAX_PORT}), and one table serves a VLAN whose
 * members span namespaces (an address that moves from one namespace's port to another's moves).
 *
 * <p>Threading: {@link #learn} is called by the receiving threads of every socket concurrently and
 * allocates nothing; {@link #unicastPort} by senders; {@link #entries} by commands. The mirror thread
 * alone reads the netlink socket; {@link #close} stops it with a deadline.
 */
public final class Fdb implements AutoCloseable {
    /** How long a learned address lives after it was last seen: the Linux bridge's and EXOS's default, 300 s. */
    public static final long AGING_MILLIS = 300_000;
    /** Slots per table. */
    static final int CAPACITY = 16384;
    static final long STOP_MILLIS = 3000;

    private final FdbTable learned = new FdbTable(CAPACITY, AGING_MILLIS);
    private final FdbTable kernel = new FdbTable(CAPACITY, Long.MAX_VALUE);
    private final BridgeFdbEvents events;
    private final Thread mirror;
    private final String name;
    private volatile boolean stopping;
    private volatile String kernelError;
    private volatile boolean dumpWanted = true;
    private final Object dumps = new Object();
    private long dumpsDone;
    private volatile long kernelMessages;

    /**
     * A database whose kernel part mirrors the bridges of the data-plane namespace: {@code events} is a
     * socket opened in that namespace (null: no kernel part, and {@code kernelError} says why).
     */
    public Fdb(String name, BridgeFdbEvents events, String kernelError) {
        this.name = name;
        this.events = events;
        this.kernelError = kernelError;
        int ep = -1;
        int wake = -1;
        if (events != null) {
            // the mirror waits on its socket and on an eventfd that close() signals: a provider update waits for
            // this thread, and should not wait out a poll slice while frames queue unread in the parked rings
            try (java.lang.foreign.Arena a = java.lang.foreign.Arena.ofConfined()) {
                ep = Epoll.create();
                wake = Epoll.eventfd();
                Epoll.ctl(ep, Epoll.EPOLL_CTL_ADD, events.fd(), Epoll.EPOLLIN, 0, a.allocate(Epoll.EVENT_SIZE, 8));
                Epoll.ctl(ep, Epoll.EPOLL_CTL_ADD, wake, Epoll.EPOLLIN, 1, a.allocate(Epoll.EVENT_SIZE, 8));
            } catch (LinuxException | RuntimeException e) {
                Fds.closeQuietly(ep);
                Fds.closeQuietly(wake);
                ep = -1; // then the mirror polls its socket in 100 ms slices, as before
                wake = -1;
            }
        }
        this.mirrorEpoll = ep;
        this.mirrorWake = wake;
        this.mirror = events == null ? null
                : Thread.ofPlatform().daemon().name("expkt-fdb" + (name.isEmpty() ? "" : "-" + name)).start(this::follow);
    }

    /** The mirror's epoll set (its netlink socket and {@link #mirrorWake}); -1: it polls the socket in slices. */
    private final int mirrorEpoll;
    /** The eventfd {@link #close} signals to end the mirror's wait at once; -1 without {@link #mirrorEpoll}. */
    private final int mirrorWake;

    /** Opens the kernel part in the data plane's namespace; if that fails the database learns only. */
    public static Fdb open(DataPlane dataPlane) {
        String ns = dataPlane.describeNamespace().replaceAll("[^A-Za-z0-9_.-]", "");
        try {
            return new Fdb(ns, dataPlane.call(BridgeFdbEvents::open), null);
        } catch (Exception e) {
            return new Fdb(ns, null, "cannot read the kernel's bridge FDB through rtnetlink: " + e);
        }
    }

    /**
     * Learns that {@code srcMac} (the six bytes of a frame's source, in the low 48 bits) arrived on
     * port {@code portKey} ({@link DataPlaneModel#key}) in {@code vlan} (the tag, -1 for an untagged
     * frame). A multicast source (a bad frame) is not learned. The receive path's one call; allocation-free.
     */
    public void learn(int portKey, int vlan, long srcMac) {
        learn(portKey, vlan, srcMac, System.nanoTime());
    }

    /**
     * As {@link #learn(int, int, long)}, at {@code nanoTime} (a {@link System#nanoTime()} the caller read at
     * most about a millisecond ago): the receive path reads the clock once per call, not per frame (a clock
     * read costs ~28 ns on these VMs, more than the C reader's whole per-frame cost). Allocation-free.
     */
    public void learn(int portKey, int vlan, long srcMac, long nanoTime) {
        if ((srcMac & (1L << 40)) != 0 || srcMac == 0) {
            return;
        }
        learned.learn(vlan, srcMac, portKey, learned.millisAt(nanoTime));
    }

    /** Where the result of {@link #unicastPort} came from. */
    public enum Source {
        KERNEL, LEARNED
    }

    /**
     * The port (its model key, {@link DataPlaneModel#key}) a unicast {@code dstMac} is known on in VLAN
     * {@code tag}, or -1 if unknown there. {@code memberTagged}/{@code memberUntagged} say whether a port
     * key is a tagged / untagged member of that VLAN. Allocation-free.
     */
    public int unicastPort(int tag, long dstMac, MemberTest memberTagged, MemberTest memberUntagged) {
        if ((dstMac & (1L << 40)) != 0) {
            return -1; // broadcast and multicast are flooded
        }
        long now = kernel.now();
        int i = kernel.lookup(tag, dstMac, now);
        if (i >= 0 && (memberTagged.test(i) || memberUntagged.test(i))) {
            return i;
        }
        i = kernel.lookup(-1, dstMac, now);
        if (i >= 0 && (memberTagged.test(i) || memberUntagged.test(i))) {
            return i;
        }
        now = learned.now();
        i = learned.lookup(tag, dstMac, now);
        if (i >= 0 && (memberTagged.test(i) || memberUntagged.test(i))) {
            return i;
        }
        i = learned.lookup(-1, dstMac, now);
        if (i >= 0 && memberUntagged.test(i)) {
            return i; // seen untagged on a port that is an untagged member of this VLAN
        }
        return -1;
    }

    /** Whether a port key ({@link DataPlaneModel#key}) is in some set (a VLAN's tagged or untagged members); allocation-free. */
    @FunctionalInterface
    public interface MemberTest {
        boolean test(int portKey);
    }

    /**
     * One entry as {@code expkt:fdb} shows it.
     *
     * @param vlan the VLAN tag, -1 for none (an untagged frame, a kernel entry without VLAN)
     * @param port the port's model key ({@link DataPlaneModel#key}; a kernel entry's is its ifindex)
     */
    public record Entry(long mac, int vlan, int port, Source source, long ageMillis) {
    }

    /**
     * Every entry now, kernel ones first. Asks the kernel for a fresh dump first (at most
     * {@code waitMillis}), so that the kernel entries' ages are the bridge's own.
     */
    public List<Entry> entries(long waitMillis) {
        if (mirror != null && waitMillis > 0) {
            refresh(waitMillis);
        }
        List<Entry> out = new ArrayList<>();
        for (FdbTable.Entry e : kernel.entries()) {
            out.add(new Entry(e.mac(), e.vlan(), e.ifIndex(), Source.KERNEL, e.ageMillis()));
        }
        for (FdbTable.Entry e : learned.entries()) {
            out.add(new Entry(e.mac(), e.vlan(), e.ifIndex(), Source.LEARNED, e.ageMillis()));
        }
        return out;
    }

    /** Asks the mirror thread for a dump and waits (at most {@code waitMillis}) until it was read. */
    void refresh(long waitMillis) {
        long deadline = System.nanoTime() + waitMillis * 1_000_000L;
        synchronized (dumps) {
            long target = dumpsDone + 1;
            dumpWanted = true;
            wakeMirror(); // it waits without slices
            while (dumpsDone < target && !stopping) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    return;
                }
                try {
                    dumps.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Entries each table holds at most. */
    public static int capacity() {
        return CAPACITY;
    }

    /** Why the kernel part does not work (null if it does). */
    public String kernelError() {
        return kernelError;
    }

    /** True if the kernel's bridge FDB is followed. */
    public boolean followsKernel() {
        return mirror != null && kernelError == null;
    }

    /** Addresses learned (new or after aging out) by the receive path so far. */
    public long learnedCount() {
        return learned.learnedCount();
    }

    /** Times an address could not be learned because its part of the table was full. */
    public long tableFull() {
        return learned.full() + kernel.full();
    }

    /** Bridge FDB messages read from the kernel so far. */
    public long kernelMessages() {
        return kernelMessages;
    }

    private final java.util.concurrent.atomic.AtomicLong forwarded = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong flooded = new java.util.concurrent.atomic.AtomicLong();

    /** Counts one VLAN send: {@code forwardedToOnePort} true if it went to the one port of a known destination. */
    public void counted(boolean forwardedToOnePort) {
        (forwardedToOnePort ? forwarded : flooded).incrementAndGet();
    }

    /** VLAN sends that went out of one port (a known unicast destination). */
    public long forwardedSends() {
        return forwarded.get();
    }

    /** VLAN sends that were flooded (broadcast, multicast, unknown unicast). */
    public long floodedSends() {
        return flooded.get();
    }

    /** Forgets what was learned on port {@code portKey} (an interface that stopped being a port). */
    public void forgetPort(int portKey) {
        learned.removePort(portKey);
    }

    private void follow() {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            wakeScratch = arena.allocate(8, 8);
            follow(mirrorEpoll < 0 ? null : arena.allocate((long) Epoll.EVENT_SIZE * 2, 8));
        }
    }

    /** The eventfd that wakes the mirror, -1 if it polls in slices (for tests: its count must go back to 0). */
    public int mirrorWakeFd() {
        return mirrorWake;
    }

    /** 8 bytes of the mirror thread's own, to drain {@link #mirrorWake}. Mirror thread only. */
    private java.lang.foreign.MemorySegment wakeScratch;

    /** Wakes the mirror (close, a wanted dump); never throws. Any thread. */
    private void wakeMirror() {
        if (mirrorWake >= 0) {
            try (java.lang.foreign.Arena a = java.lang.foreign.Arena.ofConfined()) {
                Epoll.signal(mirrorWake, a.allocate(8, 8));
            } catch (RuntimeException e) {
                // closed meanwhile: the mirror has ended
            }
        }
    }

    private void follow(java.lang.foreign.MemorySegment ready) {
        boolean dumping = false;
        while (!stopping) {
            try {
                if (dumpWanted && !dumping) {
                    dumpWanted = false;
                    events.requestDump();
                    dumping = true;
                }
                List<BridgeFdbEvents.Entry> got;
                if (ready != null) {
                    // no slices: close() and refresh() signal the eventfd, so nothing wakes this thread while idle
                    int n = Epoll.wait(mirrorEpoll, ready, 2, -1);
                    if (stopping) {
                        break;
                    }
                    for (int i = 0; i < n; i++) {
                        if (Epoll.eventData(ready, i) == 1) {
                            Epoll.drain(mirrorWake, wakeScratch); // level-triggered: reset, or it fires again at once
                        }
                    }
                    if (dumpWanted && !dumping) {
                        continue; // a refresh() asked for a dump: request it first
                    }
                    got = events.poll(0);
                } else {
                    got = events.poll(100);
                }
                if (events.overrun()) {
                    kernel.clear(); // notifications were lost: what is mirrored may be wrong, read it all again
                    dumpWanted = true;
                    dumping = false;
                }
                if (!got.isEmpty()) {
                    kernelMessages += got.size();
                    apply(got);
                }
                if (dumping && events.dumpDone()) {
                    dumping = false;
                    synchronized (dumps) {
                        dumpsDone++;
                        dumps.notifyAll();
                    }
                }
                kernelError = null;
            } catch (Exception e) {
                kernelError = "following the kernel's bridge FDB failed: " + e;
                dumping = false;
                dumpWanted = true;
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    private void apply(List<BridgeFdbEvents.Entry> got) {
        long now = kernel.now();
        for (BridgeFdbEvents.Entry e : got) {
            if (!e.forwarding()) {
                continue;
            }
            if (e.deleted()) {
                kernel.remove(e.vlan(), e.mac(), e.ifIndex());
            } else {
                // a dump answer's age is the bridge's; a notification is of now (or says when it was updated)
                long at = e.updatedAgoMillis() >= 0 ? now - e.updatedAgoMillis() : now;
                kernel.learn(e.vlan(), e.mac(), e.ifIndex(), at);
            }
        }
    }

    /** Stops the mirror thread (waiting {@value #STOP_MILLIS} ms at most) and closes its socket. */
    @Override
    public void close() {
        stopping = true;
        synchronized (dumps) {
            dumps.notifyAll();
        }
        wakeMirror();
        if (mirror != null) {
            try {
                mirror.join(STOP_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (!mirror.isAlive()) {
                events.close();
                Fds.closeQuietly(mirrorEpoll);
                Fds.closeQuietly(mirrorWake);
            }
        }
    }
}
