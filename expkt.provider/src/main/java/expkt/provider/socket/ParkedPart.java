package expkt.provider.socket;

import expkt.api.packet.Filter;
import expkt.provider.rx.RxPath;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * The hot-upgrade side of one callback or receive socket: whether its close parks its kernel part
 * (receive fd, ring, BPF program, nft rules, filter names: the fields of {@link PacketSocketImpl} that
 * a {@link Face} follows), the state while parked, the adoption of a parked part by the next revision
 * of the owner's bundle, and the closing of a parked part nobody adopted. README-handlers.md,
 * "Callback sockets", says what a protocol writer sees; {@code L2Engine} keeps the parked sockets and
 * their grace timers. Kept apart from the façade because none of it runs unless a bundle is updated,
 * and its rules (who may adopt what, in which lock order) are easier to check in one place.
 *
 * <p>Threading: the parking state is written under the socket's filter lock and read without it
 * (volatile), except {@link #unconfirmed}, which the receive path only tests for null (a stale
 * non-null costs one trip through {@link #settle()}, which re-reads it under the lock). An adoption
 * runs on the adopter's thread in {@code setupFilter}, holding the adopter's filter lock; it takes the
 * locks in one order: the adopter's receive lock (tried), the parked socket's receive lock (tried for
 * two poll slices: an old revision's receiver notices its close within one), the parked socket's filter
 * lock. No lock is waited for without a bound, so an adoption never deadlocks with the old revision.
 */
final class ParkedPart {
    private final PacketSocketImpl socket;
    private final L2Engine engine;
    /** True while the owner's bundle is STOPPING (an update or a stop): a close then parks the kernel part. Null: never. */
    private volatile BooleanSupplier ownerStopping;
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
    private Set<String> unconfirmed;

    /**
     * The façade a kernel part serves: its receive path and filters ask it whether they are open. One
     * per kernel part, re-pointed at the adopter when a parked part is adopted (so the part's own
     * callbacks, made once when the socket opened, follow it without being made again).
     */
    static final class Face {
        volatile PacketSocketImpl socket;

        Face(PacketSocketImpl socket) {
            this.socket = socket;
        }

        /** The receive path may be read: its façade is open. */
        boolean readable() {
            PacketSocketImpl s = socket;
            return s != null && s.isOpen();
        }

        /** The kernel part holds filters: its façade is open, or it is parked (a port change re-applies them too). */
        boolean alive() {
            PacketSocketImpl s = socket;
            return s != null && (s.isOpen() || s.isParked());
        }
    }

    ParkedPart(PacketSocketImpl socket, L2Engine engine) {
        this.socket = socket;
        this.engine = engine;
    }

    void ownerStopping(BooleanSupplier stopping) {
        this.ownerStopping = stopping;
    }

    boolean isParked() {
        return parkedAt != 0;
    }

    /** Milliseconds since it was parked, -1 if it is not. */
    long parkedMillis() {
        long at = parkedAt;
        return at == 0 ? -1 : (System.nanoTime() - at) / 1_000_000;
    }

    int revisions() {
        return revisions;
    }

    long adoptedFrom() {
        return adoptedFrom;
    }

    /** Filters an adopted part brought wait for this revision's word (see {@link #settle()}). The receive path's test. */
    boolean unsettled() {
        return unconfirmed != null;
    }

    /** The revision removed its filters itself: nothing adopted is left to settle. Filter lock. */
    void settled() {
        unconfirmed = null;
    }

    /** A close now parks the kernel part: the owner's bundle is stopping and the socket is a plain callback or receive socket. Filter lock. */
    boolean mayPark() {
        BooleanSupplier stopping = ownerStopping;
        return stopping != null && !socket.isHandlerSocket() && socket.fanoutLeader() == null && socket.fanoutMembers().isEmpty()
                && !socket.filters().isEmpty() && engine.mayPark() && stopping.getAsBoolean();
    }

    /**
     * Before the socket's filter {@code filter} is set up as usual (filter lock held): if it is one an
     * adopted part brought, it is in force already (or is replaced: same name, another match); if this new
     * socket may adopt a parked part holding it, adopts it; a parked part it may not adopt is closed,
     * saying why. True: nothing more to set up.
     */
    boolean setupFilter(Filter filter) throws IOException {
        Set<String> u = unconfirmed;
        if (u != null && u.remove(filter.name())) {
            if (u.isEmpty()) {
                unconfirmed = null;
            }
            if (socket.filters().contains(filter)) {
                return true; // the adopted part has it already, in force since before the update
            }
            socket.filterPart().removeSome(Set.of(filter.name())); // the same name, another match: replaced by the caller
        } else if (adoptable()) {
            PacketSocketImpl parked = engine.parkedFor(socket.owner().symbolicName(), filter.name());
            if (parked != null) {
                String why = parked.parking().adoptableBy(socket, filter);
                if (why == null && adopt(parked, filter)) {
                    return true;
                }
                parked.parking().closeParked(socket.ownerName() + " sets up filter \"" + filter.name() + "\" on socket #" + socket.id()
                        + " but " + (why == null ? "the parked socket could not be taken over" : why)
                        + ": a new socket replaces the parked one");
            }
        }
        return false;
    }

    /** This new socket may take over a parked kernel part: nothing of its own yet (no filter, reader, selector, group). Filter lock. */
    private boolean adoptable() {
        return !socket.isHandlerSocket() && ownerStopping != null && socket.filters().isEmpty() && socket.lane().idle()
                && !socket.selected() && socket.fanoutGroup() == -1 && socket.fanoutLeader() == null;
    }

    /** Null if {@code adopter}, setting up {@code first}, may take over this parked part; else why not. */
    private String adoptableBy(PacketSocketImpl adopter, Filter first) {
        List<Filter> mine = socket.filters();
        String parked = "the parked socket #" + socket.id() + " of " + socket.ownerName();
        if (mine.isEmpty() || !mine.get(0).equals(first)) {
            return parked + " has " + mine + " (another filter)";
        }
        if (adopter.rxMode() != socket.rxMode()) {
            return parked + " is " + socket.rxMode() + ", the new one " + adopter.rxMode();
        }
        int vr = socket.filterPart().vrId();
        if (adopter.filterPart().vrId() != vr) {
            return parked + " is in VR id " + vr + ", the new one in " + adopter.filterPart().vrId();
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
        ReentrantLock rxLock = socket.rxLock();
        if (!rxLock.tryLock()) {
            return false;
        }
        try {
            ReentrantLock parkedRxLock = parked.rxLock();
            boolean parkedRx;
            try {
                // a receiver of the old revision notices its close within one poll slice
                parkedRx = parkedRxLock.tryLock(2L * RxPath.POLL_SLICE_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            if (!parkedRx) {
                return false;
            }
            try {
                ParkedPart from = parked.parking();
                PacketSocketImpl.ReceivePart own;
                synchronized (parked.filterLock()) {
                    if (from.parkedAt == 0) {
                        return false; // closed meanwhile (grace over, uninstalled)
                    }
                    parked.drops(); // its kernel counters up to now, then they count on here
                    from.parkedAt = 0;
                    own = socket.takeKernelPart(parked);
                    revisions = from.revisions + 1;
                    adoptedFrom = parked.id();
                    Set<String> rest = new HashSet<>();
                    for (Filter x : socket.filters()) {
                        rest.add(x.name());
                    }
                    rest.remove(first.name());
                    unconfirmed = rest.isEmpty() ? null : rest;
                }
                engine.unparked(parked);
                socket.applyReceiveOptions();
                // this socket's own receive part: no filter ever matched on it (on the degrade path its fd also sends: kept).
                // Closed after the adoption, not in it: closing a packet socket with a ring waits for RCU grace periods
                // in the kernel (24-28 ms on a loaded 2-vCPU VM), and until this setupFilter returns and the revision sets
                // its callback nothing reads the adopted ring, which fills with the stream meanwhile
                boolean closeFd = own.fd() != socket.txFd();
                closeLater(own, closeFd);
                parked.releaseSendPart();
                engine.forget(parked);
                engine.log().info("socket #" + socket.id() + " of " + socket.ownerName() + " took over the parked socket #" + parked.id()
                        + " of " + parked.ownerName() + " (filter(s) " + socket.filters().stream().map(Filter::name).toList() + ", "
                        + socket.received() + " frames received so far by its revisions, " + revisions + " revision(s)): frames queued "
                        + "while the bundle was updated come first");
                return true;
            } finally {
                parkedRxLock.unlock();
            }
        } finally {
            rxLock.unlock();
        }
    }

    /**
     * How an adopter's own unused receive part is closed after the adoption: on a thread of its own, so
     * the kernel's teardown of the socket is not in the window where nobody reads the adopted ring
     * (replaced by a test through {@link PacketSocketImpl#adoptionCloser}).
     */
    static volatile java.util.concurrent.Executor ownPartCloser =
            task -> Thread.ofPlatform().daemon().name("expkt-adopted-close").start(task);

    private void closeLater(PacketSocketImpl.ReceivePart own, boolean closeFd) {
        Runnable close = () -> {
            try {
                own.close(closeFd);
            } catch (RuntimeException e) {
                engine.log().warn("socket #" + socket.id() + " of " + socket.ownerName() + ": closing its own receive part, unused since it"
                        + " took over a parked socket, failed", e);
            }
        };
        try {
            ownPartCloser.execute(close);
        } catch (RuntimeException e) { // no thread to be had: close it here, as before
            close.run();
        }
    }

    /**
     * The closing socket's decision, its callback stopped ({@code idle}: no call runs any more): parks
     * the kernel part if {@code mayPark} (decided under the filter lock as the socket was marked closed)
     * and it can, else says in the log why a stopping owner's socket was not parked. True: parked, the
     * close is over; false: the caller closes as usual.
     */
    boolean parkOnClose(boolean mayPark, boolean idle) {
        if (mayPark && idle && park()) {
            return true;
        }
        if (mayPark) {
            engine.log().warn("expkt sockets: " + socket.ownerName() + " closed socket #" + socket.id() + " while its bundle stops, but it "
                    + "cannot be parked: " + (idle ? "the provider stops" : "its callback is still running (stuck, or closing its own socket)")
                    + "; closed, frames arriving until the next revision's socket opens are lost", null);
        } else if (ownerStopping != null) {
            engine.log().info("expkt sockets: " + socket.ownerName() + " closed socket #" + socket.id() + " (bundle not stopping"
                    + (socket.filterNames().isEmpty() ? ", no filter" : "") + "): closed, not parked");
        }
        return false;
    }

    /**
     * Parks the kernel part of a socket its stopping owner closed (its callback stopped and idle): the
     * fd, ring, BPF program, nft rules and filter names stay, frames keep queueing in the ring, until
     * the next revision adopts it or {@link #closeParked} (the engine's grace timer, an uninstall, the
     * host's stop). False if the engine no longer parks (then the caller closes as usual).
     */
    private boolean park() {
        synchronized (socket.filterLock()) {
            socket.lane().clear();
            parkedAt = Math.max(1, System.nanoTime());
        }
        if (!engine.parked(socket)) {
            synchronized (socket.filterLock()) {
                parkedAt = 0;
            }
            return false;
        }
        engine.log().info("expkt sockets: " + socket.ownerName() + " closed socket #" + socket.id() + " while its bundle stops: parked "
                + "(filter(s) " + socket.filterNames() + ", ring and kernel rules kept) for the bundle's next revision");
        return true;
    }

    /**
     * Closes a parked kernel part for good (nobody adopted it within the grace period, its bundle was
     * uninstalled, the next revision set up another filter or mode, the host stops): its filters and
     * nft rules go, then the fd and ring. Does nothing if it is not parked (adopted, or closed
     * already). Any thread.
     */
    void closeParked(String why) {
        synchronized (socket.filterLock()) {
            if (parkedAt == 0) {
                return;
            }
            socket.drops();
            parkedAt = 0;
            socket.dropFilters("closing the parked socket #");
        }
        engine.unparked(socket);
        engine.log().info("expkt sockets: closed the parked socket #" + socket.id() + " of " + socket.ownerName() + ": " + why);
        socket.release();
    }

    /**
     * The filters an adopted part brought that this revision did not set up again go now (it reads, or
     * sets a callback or selector: its filters are what it set up). Filter lock taken here.
     */
    void settle() {
        synchronized (socket.filterLock()) {
            Set<String> u = unconfirmed;
            if (u == null) {
                return;
            }
            unconfirmed = null;
            if (!socket.isOpen()) {
                return;
            }
            try {
                socket.filterPart().removeSome(u);
                engine.log().info("socket #" + socket.id() + " of " + socket.ownerName() + ": the filter(s) " + u + " of the adopted socket #"
                        + adoptedFrom + " were not set up again by this revision: removed");
            } catch (IOException | RuntimeException e) {
                engine.log().warn("socket #" + socket.id() + " of " + socket.ownerName() + ": removing the adopted filter(s) " + u
                        + " this revision did not set up again failed", e);
            }
        }
    }
}
