package expkt.provider.whiteboard;

import expkt.api.handler.PacketHandler;
import expkt.api.handler.PacketSender;
import expkt.api.net.SlotPort;
import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Filter;
import expkt.api.packet.FrameView;
import expkt.api.packet.RxMode;
import expkt.api.spi.BundleIdentity;
import expkt.provider.dispatch.HandleTimes;
import expkt.provider.dispatch.LaneRegistry;
import expkt.provider.dispatch.Readable;
import expkt.provider.dispatch.Registration;
import expkt.provider.rx.Fanout;
import expkt.provider.socket.L2Engine;
import expkt.provider.socket.PacketSocketImpl;
import expkt.provider.core.ProviderLog;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The whiteboard handler runtime, independent of OSGi: for every {@link PacketHandler} it opens a
 * packet socket, installs the handler's filter and calls the handler once per frame. The OSGi side
 * ({@link expkt.provider.component.HandlerWhiteboard}) feeds it the handler services as they come and go.
 *
 * <h2>Lanes</h2>
 * A handler's socket is read on its bundle's lane ({@code lane-<bundle id>}) of the provider's
 * {@link LaneRegistry}: the same runner, budget and isolation rule as socket callbacks. A handler that
 * throws is counted (and logged at most once a second) and keeps being called; one that is slow holds
 * back only the handlers of its own bundle until the registry's rule moves it to a lane of its own
 * ({@code own-<bundle id>}); its frames wait in its own socket's ring, and when that ring is full the
 * kernel drops only that socket's frames. Each call delivers the frames ready in the ring until the ring
 * is empty or the registry's time budget ({@link LaneRegistry#CALL_BUDGET_NANOS}) is spent, as a callback
 * that reads until "no frame" does.
 *
 * <h2>Ordering and fan-out</h2>
 * Every handler has its own socket, so when the filters of two handlers match the same frame the
 * kernel puts a copy of it in both rings: each handler receives it exactly once, whatever the other
 * does. One handler sees its frames in the order the kernel queued them. Between two handlers there
 * is no defined order.
 *
 * <h2>Fanout lanes</h2>
 * A handler registered with {@link PacketHandler#LANES} = N &gt; 1 gets N sockets in one PACKET_FANOUT
 * group in hash mode ({@link expkt.provider.rx.Fanout}), all carrying its filter's BPF program, each read
 * on a lane of its own ({@code lane-<bundle id>} for the first, {@code lane-<bundle id>.<i>} for the
 * i-th): the kernel hands each matching frame to one of them by its flow hash, so one flow's frames
 * reach the handler on one lane, in order, and frames of different flows are handled on up to N threads
 * at once. Each lane replies through its own socket (no send lock shared between lanes).
 *
 * <h2>Hot upgrade: parking and adoption</h2>
 * A handler's socket, ring and kernel rules are keyed by (bundle symbolic name, filter name). When a
 * handler service goes away ({@link #unregister}), its socket is <em>parked</em>: the lane stops
 * watching it and nothing reads its ring. {@link #unregister} waits for the frame in progress (with
 * a deadline, holding no lock), so a frame is handled by exactly one version. A handler with the same
 * key that registers again <em>adopts</em> the parked socket and gets the queued frames first; with
 * another filter or receive mode it gets a new socket. A parked socket nobody adopts is closed after
 * {@code graceMillis} ({@link #bundleUpdated} restarts the wait).
 *
 * <h2>Stuck handlers</h2>
 * A handler still in {@code handle()} when the deadline of its unregister
 * ({@link LaneRegistry#CALL_DEADLINE_NANOS}) passes is abandoned: counted and shown as {@code stuck}
 * in {@code expkt:handlers}, its socket's filters and kernel rules removed at once (so a successor can
 * take the filter name), its fd and ring closed when the call returns; it is never called again. The
 * registry moves the other handlers of its lane to a new lane, so nobody waits for it.
 *
 * <p>Threading: thread-safe. The runtime's lock guards its maps only: no wait for a handler happens
 * under it. {@link #register}/{@link #unregister} may be called from any thread; handlers run on lane
 * threads.
 */
public final class HandlerRuntime implements AutoCloseable {
    /** Default grace period of a parked socket (framework property {@code expkt.upgrade.grace.ms}). */
    public static final long DEFAULT_GRACE_MILLIS = 3000;

    /** A handler's socket and counters: what survives an update of its bundle. */
    public record Key(String symbolicName, String filterName) {
    }

    /** One row of {@code expkt:handlers}. */
    public record Info(String symbolicName, long bundleId, String version, String filterName, String match,
                       String state, long socketId, long frames, long drops, long exceptions, long nanos,
                       int versions, String lane, long[] handleTimeCounts, long handleTimeSumNanos) {
    }

    private final L2Engine engine;
    private final ProviderLog log;
    private final long graceMillis;
    private final ScheduledExecutorService timer;
    private final Map<Key, Slot> slots = new HashMap<>();
    private final List<Slot> stuck = new ArrayList<>();
    private final List<Info> rejected = new CopyOnWriteArrayList<>();
    private boolean closed;

    public HandlerRuntime(L2Engine engine, long graceMillis, ProviderLog log) {
        if (graceMillis < 0) {
            throw new IllegalArgumentException("upgrade grace period " + graceMillis + " ms is negative");
        }
        this.engine = engine;
        this.log = log;
        this.graceMillis = graceMillis;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("expkt-upgrade-grace").unstarted(r));
    }

    public long graceMillis() {
        return graceMillis;
    }

    /**
     * Starts calling {@code handler} for the frames {@code filter} matches: adopts the parked socket
     * of the same (symbolic name, filter name) if there is one, otherwise opens a socket. A filter name
     * in use by another handler or socket gives an IllegalArgumentException naming the holder; nothing
     * is left behind.
     *
     * @return the registration, to pass to {@link #unregister}
     */
    public Registration register(BundleIdentity bundle, Filter filter, PacketHandler handler) throws IOException {
        return register(bundle, filter, RxMode.THROUGHPUT, handler);
    }

    /**
     * As {@link #register(BundleIdentity, Filter, PacketHandler)}, with the handler's socket in receive mode
     * {@code mode} (the handler's {@link RxMode#PROPERTY}). A parked socket of another mode is not
     * adopted: a new socket replaces it, as for a changed filter. If the previous handler of the same
     * key is still being unregistered (its last frame in progress), waits for that, up to the
     * deadline, holding no lock.
     */
    public Registration register(BundleIdentity bundle, Filter filter, RxMode mode, PacketHandler handler) throws IOException {
        return register(bundle, filter, mode, 1, handler);
    }

    /**
     * As {@link #register(BundleIdentity, Filter, RxMode, PacketHandler)}, spread over {@code lanes} fanout
     * lanes (the handler's {@link PacketHandler#LANES}; 1: one socket, one lane). A parked socket with
     * another number of lanes is not adopted.
     */
    public Registration register(BundleIdentity bundle, Filter filter, RxMode mode, int lanes, PacketHandler handler) throws IOException {
        if (lanes < 1 || lanes > Fanout.MAX_LANES) {
            throw new IllegalArgumentException("handler for filter \"" + filter.name() + "\": " + lanes + " lanes is outside 1.."
                    + Fanout.MAX_LANES);
        }
        while (true) {
            CountDownLatch previous;
            synchronized (this) {
                Slot slot = slots.get(new Key(bundle.symbolicName(), filter.name()));
                previous = slot == null ? null : slot.detaching;
                if (previous == null) {
                    return registerNow(bundle, filter, mode, lanes, handler);
                }
            }
            try {
                if (!previous.await(LaneRegistry.CALL_DEADLINE_NANOS / 1_000_000 + 1000, TimeUnit.MILLISECONDS)) {
                    throw new IllegalStateException("the previous handler of filter \"" + filter.name() + "\" is still being stopped");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted waiting for the previous handler of filter \"" + filter.name() + "\"", e);
            }
        }
    }

    private Registration registerNow(BundleIdentity bundle, Filter filter, RxMode mode, int lanes, PacketHandler handler) throws IOException {
        if (mode == null) {
            throw new IllegalArgumentException("receive mode of the handler for filter \"" + filter.name() + "\" is null");
        }
        if (closed) {
            throw new IllegalStateException("the expkt handler runtime is stopped");
        }
        if (handler == null) {
            throw new IllegalArgumentException("handler for filter \"" + filter.name() + "\" is null");
        }
        Key key = new Key(bundle.symbolicName(), filter.name());
        Slot slot = slots.get(key);
        if (slot != null && slot.binding != null) {
            throw new IllegalArgumentException("filter \"" + filter.name() + "\" already has a handler from "
                    + slot.binding.bundle.withVersion() + "; filter names are unique across the host");
        }
        if (slot != null && !slot.filter.equals(filter)) {
            log.info("expkt handlers: " + bundle.withVersion() + " registers filter \"" + filter.name() + "\" as " + filter
                    + ", the parked one was " + slot.filter + ": a new socket replaces the parked one");
            release(slot);
            slot = null;
        }
        if (slot != null && slot.socket.rxMode() != mode) {
            log.info("expkt handlers: " + bundle.withVersion() + " registers filter \"" + filter.name() + "\" in receive mode " + mode
                    + ", the parked socket is " + slot.socket.rxMode() + ": a new socket replaces the parked one");
            release(slot);
            slot = null;
        }
        if (slot != null && slot.members.length != lanes) {
            log.info("expkt handlers: " + bundle.withVersion() + " registers filter \"" + filter.name() + "\" on " + lanes
                    + " lane(s), the parked socket has " + slot.members.length + ": new sockets replace the parked one(s)");
            release(slot);
            slot = null;
        }
        boolean opened = false;
        try {
            if (slot == null) {
                slot = open(bundle, filter, mode, lanes);
                opened = true;
                slots.put(key, slot);
            }
            Registration r = new Registration(slot, bundle, handler);
            slot.adopt(r);
            return r;
        } catch (IOException | RuntimeException e) {
            if (opened) {
                release(slot);
            }
            throw e;
        }
    }

    private Slot open(BundleIdentity bundle, Filter filter, RxMode mode, int lanes) throws IOException {
        Key key = new Key(bundle.symbolicName(), filter.name());
        PacketSocketImpl[] adopted = adoptFromPreviousRevision(key, bundle, filter, mode, lanes);
        if (adopted != null) {
            return new Slot(key, filter, adopted);
        }
        PacketSocketImpl[] sockets = new PacketSocketImpl[lanes];
        try {
            for (int i = 0; i < lanes; i++) {
                String what = lanes == 1 ? "(handlers)" : "(handlers, fanout lane " + (i + 1) + "/" + lanes + ")";
                sockets[i] = engine.open(bundle, what, mode);
                sockets[i].setBlocking(false);
            }
            if (lanes > 1) {
                // the group before the filter: no frame reaches a member without the program, none is doubled
                sockets[0].joinFanout(List.of(sockets).subList(1, lanes));
            }
            sockets[0].setupFilter(filter);
        } catch (IOException | RuntimeException e) {
            for (PacketSocketImpl s : sockets) {
                if (s != null) {
                    s.close();
                }
            }
            throw e;
        }
        return new Slot(new Key(bundle.symbolicName(), filter.name()), filter, sockets);
    }

    /**
     * The sockets the previous provider revision parked with the keeper for this key when it stopped for an
     * update ({@link #close()}), one per fanout lane, with their fanout group taken up again and the filter
     * set up again (which replaces their BPF program and takes the filter's adopted nft rules); null when
     * nothing is parked under the key's tokens. Parked parts that cannot all be adopted (one missing or
     * stale, another receive mode, the filter fails) are closed and logged: new sockets are opened instead,
     * and the frames that queued in the old ones are lost.
     */
    private PacketSocketImpl[] adoptFromPreviousRevision(Key key, BundleIdentity bundle, Filter filter, RxMode mode, int lanes) {
        PacketSocketImpl[] s = new PacketSocketImpl[lanes];
        int found = 0;
        String why = null;
        for (int i = 0; i < lanes; i++) {
            try {
                s[i] = engine.adoptParked(bundle, lanes == 1 ? "(handlers)" : "(handlers, fanout lane " + (i + 1) + "/" + lanes + ")",
                        handoverToken(key, i, lanes), mode);
                if (s[i] != null) {
                    found++;
                }
            } catch (IOException | RuntimeException e) {
                why = e.getMessage();
            }
        }
        if (found == 0 && why == null) {
            return null; // nothing parked: the first revision, or the handler is new
        }
        try {
            if (found < lanes) {
                throw new IOException(why != null ? why : (lanes - found) + " of its " + lanes + " fanout sockets were not parked");
            }
            for (PacketSocketImpl x : s) {
                x.setBlocking(false);
            }
            if (lanes > 1) {
                s[0].resumeFanout(List.of(s).subList(1, lanes));
            }
            s[0].setupFilter(filter);
        } catch (IOException | RuntimeException e) {
            for (PacketSocketImpl x : s) {
                if (x != null) {
                    x.close();
                }
            }
            log.warn("expkt handlers: cannot adopt the socket(s) of filter \"" + filter.name() + "\" of " + bundle.withVersion()
                    + " that the previous provider revision parked (" + e.getMessage() + "): new sockets replace them, "
                    + "the frames queued in the old ones are lost", null);
            return null;
        }
        adoptedFromRevision += lanes;
        StringBuilder ids = new StringBuilder();
        for (PacketSocketImpl x : s) {
            ids.append(ids.length() == 0 ? "#" : ", #").append(x.id());
        }
        log.info("expkt handlers: filter \"" + filter.name() + "\" of " + bundle.withVersion() + " adopted socket " + ids
                + " from the previous provider revision: the frames queued during the update come first");
        return s;
    }

    /**
     * The token a handler's socket is parked under across a provider update: derived from its key
     * (symbolic name, filter name), the one thing both revisions know about it, and for a fanout handler
     * its lane and number of lanes (a handler that comes back with another number adopts none). 64 bits of
     * SHA-256, so a clash with another key or with the keeper's random socket tokens is not a practical concern.
     */
    static long handoverToken(Key key, int lane, int lanes) {
        try {
            java.security.MessageDigest d = java.security.MessageDigest.getInstance("SHA-256");
            byte[] h = d.digest(("expkt.handler\0" + key.symbolicName() + "\0" + key.filterName() + (lanes == 1 ? "" : "\0" + lane + "/" + lanes))
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            long t = java.nio.ByteBuffer.wrap(h).getLong();
            return t == 0 ? 1 : t;
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** Sockets adopted from the previous provider revision since this runtime started. */
    public long adoptedFromRevision() {
        return adoptedFromRevision;
    }

    /** Sockets parked for the next provider revision by {@link #close()} (0 unless it stopped for an update). */
    public long handedOver() {
        return handedOver;
    }

    private volatile long adoptedFromRevision;
    private volatile long handedOver;

    /**
     * The handler's service went away: parks its socket (see the class comment) and waits for the
     * frame in progress, if any, up to the deadline and holding no lock; past it the handler is
     * abandoned as stuck. A second call, or a call for a registration already replaced, does nothing.
     */
    public void unregister(Registration r) {
        unregister(r, false);
    }

    /**
     * As {@link #unregister(Registration)}, then closes the socket at once instead of parking it for a
     * successor (the handler's service changed its filter: nobody will adopt the old one).
     */
    public void unregisterAndRelease(Registration r) {
        unregister(r, true);
    }

    private void unregister(Registration r, boolean releaseNow) {
        Slot slot = r.slot;
        expkt.provider.dispatch.Registration[] readers;
        CountDownLatch detaching = new CountDownLatch(1);
        synchronized (this) {
            if (slot.binding != r || slot.detaching != null) {
                return;
            }
            slot.binding = null;
            slot.lastBundle = r.bundle;
            slot.parkedAt = System.nanoTime();
            slot.detaching = detaching;
            readers = slot.takeReaders();
        }
        expkt.provider.dispatch.Registration stuckReader = slot.detach(readers, System.nanoTime() + LaneRegistry.CALL_DEADLINE_NANOS);
        synchronized (this) {
            slot.detaching = null;
            detaching.countDown();
            if (stuckReader != null) {
                abandon(slot, stuckReader, r);
            } else if (closed || releaseNow) {
                release(slot);
            } else {
                slot.scheduleRelease(graceMillis);
            }
        }
    }

    /** The handler is stuck in handle() past the deadline. Under the runtime's lock. */
    private void abandon(Slot slot, expkt.provider.dispatch.Registration reader, Registration r) {
        log.warn("expkt handlers: the handler of filter \"" + slot.key.filterName() + "\" of " + r.bundle.withVersion() + " is still in handle() "
                + LaneRegistry.CALL_DEADLINE_NANOS / 1_000_000 + " ms after its service went: abandoned as stuck; its filter and "
                + "kernel rules go now, its socket when the call returns, and it is never called again", null);
        slots.remove(slot.key, slot);
        slot.stuckReader = reader;
        stuck.add(slot);
        stuckTotal++;
        slot.socket.close(); // filters now; fd and ring once the call returns (the socket waits for its reader)
    }

    /** A bundle of this symbolic name was updated: its parked sockets wait a full grace period again. */
    public synchronized void bundleUpdated(String symbolicName) {
        for (Slot s : slots.values()) {
            if (s.key.symbolicName().equals(symbolicName) && s.binding == null && s.detaching == null) {
                s.scheduleRelease(graceMillis);
            }
        }
    }

    /** Closes the parked sockets of this symbolic name now (tests, and a grace period of 0). */
    public synchronized int releaseParked(String symbolicName) {
        int n = 0;
        for (Slot s : List.copyOf(slots.values())) {
            if (s.key.symbolicName().equals(symbolicName) && s.binding == null && s.detaching == null) {
                release(s);
                n++;
            }
        }
        return n;
    }

    /** Remembers a handler service that could not be registered, for {@code expkt:handlers}. */
    public void rejected(BundleIdentity bundle, String filterName, String reason) {
        rejected.add(new Info(bundle.symbolicName(), bundle.bundleId(), bundle.version(), filterName, "-", "REJECTED: " + reason,
                -1, 0, 0, 0, 0, 0, "-", null, 0));
    }

    /** Forgets the rejected registrations of a bundle's filter (its service went away). */
    public void forgetRejected(long bundleId, String filterName) {
        rejected.removeIf(i -> i.bundleId() == bundleId && i.filterName().equals(filterName));
    }

    /** Closes a parked slot's socket (its reader is stopped and idle). Under the runtime's lock. */
    private void release(Slot slot) {
        slots.remove(slot.key, slot);
        slot.cancelRelease();
        slot.socket.close();
    }

    /** Every handler, parked, stuck socket and rejected registration, by symbolic name and filter name. */
    public synchronized List<Info> handlers() {
        List<Info> l = new ArrayList<>();
        long now = System.nanoTime();
        for (Slot s : slots.values()) {
            Registration b = s.binding;
            BundleIdentity who = b != null ? b.bundle : s.lastBundle;
            expkt.provider.dispatch.Registration reader = s.members[0].reader;
            String state = b != null ? (reader == null ? "active" : reader.state())
                    : "parked " + (now - s.parkedAt) / 1_000_000 + " ms";
            l.add(info(s, who, state, reader == null ? s.lastLane : s.laneNames()));
        }
        stuck.removeIf(s -> !s.stuckReader.stuck());
        for (Slot s : stuck) {
            l.add(info(s, s.lastBundle, s.stuckReader.state(), s.stuckReader.laneName()));
        }
        l.addAll(rejected);
        l.sort(Comparator.comparing(Info::symbolicName).thenComparing(Info::filterName).thenComparing(Info::version));
        return l;
    }

    private Info info(Slot s, BundleIdentity who, String state, String lane) {
        String match = s.filter.describeMatch() + (s.socket.rxMode() == RxMode.LATENCY ? " (latency)" : "")
                + (s.members.length > 1 ? " (fanout " + s.members.length + " lanes, hash)" : "");
        long frames = 0;
        long drops = 0;
        long exceptions = 0;
        long nanos = 0;
        long[] timeCounts = new long[HandleTimes.BUCKETS];
        long timeSum = 0;
        for (Member m : s.members) {
            frames += m.frames;
            drops += m.socket.drops();
            exceptions += m.exceptions;
            nanos += m.nanos();
            timeSum += m.handleTimes.addTo(timeCounts);
        }
        return new Info(s.key.symbolicName(), who.bundleId(), who.version(), s.key.filterName(), match, state,
                s.socket.id(), frames, drops, exceptions, nanos, s.versions, lane, timeCounts, timeSum);
    }

    /** Handlers abandoned as stuck since start (their calls may have returned since). */
    public long stuckTotal() {
        return stuckTotal;
    }

    private volatile long stuckTotal;

    /** The parked or active socket of a key, or null (for tests and commands). */
    public synchronized PacketSocketImpl socketOf(String symbolicName, String filterName) {
        Slot s = slots.get(new Key(symbolicName, filterName));
        return s == null ? null : s.socket;
    }

    /**
     * Stops every handler (waiting for their frames in progress together, up to one deadline, holding
     * no lock) and closes every socket; stuck handlers are abandoned as in {@link #unregister}. When the
     * provider stops for an update ({@link L2Engine#handsOverSocketsNow}), each socket, bound
     * or parked, is parked with the keeper under its key's {@link #handoverToken} instead: its fd stays
     * bound with its BPF program and frames go on queueing in its ring until the next revision's runtime
     * adopts it ({@link #register}); a fanout handler's sockets are parked each under its lane's token and
     * stay in their kernel group, which the next revision takes up again.
     */
    @Override
    public void close() {
        List<Slot> all;
        List<expkt.provider.dispatch.Registration[]> readers = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            all = List.copyOf(slots.values());
            for (Slot s : all) {
                s.cancelRelease();
                if (s.binding != null) {
                    s.lastBundle = s.binding.bundle;
                }
                s.binding = null;
                readers.add(s.takeReaders());
            }
        }
        long deadline = System.nanoTime() + LaneRegistry.CALL_DEADLINE_NANOS;
        for (int i = 0; i < all.size(); i++) {
            Slot s = all.get(i);
            expkt.provider.dispatch.Registration stuckReader = s.detach(readers.get(i), deadline);
            synchronized (this) {
                if (stuckReader != null) {
                    abandonQuietly(s, stuckReader);
                } else {
                    int n = s.members.length;
                    boolean handOver = engine.handsOverSocketsNow();
                    for (int m = 0; m < n && handOver; m++) {
                        handOver = s.members[m].socket.handOverAs(handoverToken(s.key, m, n));
                    }
                    release(s);
                    int parked = 0;
                    for (Member m : s.members) {
                        m.socket.close(); // a fanout member parks itself (a parked leader leaves it open); no-op if closed
                        parked += m.socket.handedOver() ? 1 : 0;
                    }
                    handedOver += parked;
                    if (handOver && parked < n) {
                        log.warn("expkt handlers: " + (n - parked) + " of the " + n + " socket(s) of filter \"" + s.key.filterName()
                                + "\" of " + s.key.symbolicName() + " could not be parked for the next provider revision: closed, "
                                + "the next one opens new sockets", null);
                    }
                }
            }
        }
        if (handedOver > 0) {
            log.info("expkt handlers: stopping for an update, parked " + handedOver + " handler socket(s) with the keeper for the next revision");
        }
        timer.shutdownNow();
    }

    private void abandonQuietly(Slot s, expkt.provider.dispatch.Registration reader) {
        log.warn("expkt handlers: the handler of filter \"" + s.key.filterName() + "\" of " + s.key.symbolicName()
                + " is still in handle() at the provider's stop: abandoned as stuck", null);
        slots.remove(s.key, s);
        s.stuckReader = reader;
        stuck.add(s);
        stuckTotal++;
        s.socket.close();
    }

    /** One handler registration (one version of a bundle's handler for one filter). */
    public static final class Registration {
        private final Slot slot;
        private final BundleIdentity bundle;
        private final PacketHandler handler;

        private Registration(Slot slot, BundleIdentity bundle, PacketHandler handler) {
            this.slot = slot;
            this.bundle = bundle;
            this.handler = handler;
        }

        /** Who registered it: a bundle, or a test standing in for one. */
        public BundleIdentity bundle() {
            return bundle;
        }

        public Filter filter() {
            return slot.filter;
        }

        /** The socket serving this handler (kept across updates); with fanout lanes, the first (it holds the filter). */
        public PacketSocketImpl socket() {
            return slot.socket;
        }

        /** Its fanout lanes' sockets, the first one first (one socket without fanout). */
        public List<PacketSocketImpl> sockets() {
            List<PacketSocketImpl> l = new ArrayList<>();
            for (Member m : slot.members) {
                l.add(m.socket);
            }
            return l;
        }

        /** How many fanout lanes serve it (1: no fanout). */
        public int lanes() {
            return slot.members.length;
        }
    }

    /**
     * A socket (or the sockets of a fanout group) with its filter and the handler currently bound to it.
     * Each {@link Member} runs on a lane thread, one call at a time (the registry guarantees it, and
     * {@link #unregister} waits for the running calls before anyone else may adopt the sockets).
     */
    private final class Slot {
        final Key key;
        final Filter filter;
        /** The socket holding the filter (the first member). */
        final PacketSocketImpl socket;
        final Member[] members;
        volatile Registration binding;
        expkt.provider.dispatch.Registration stuckReader;
        /** Set while an unregister waits for the frame in progress. Runtime lock. */
        CountDownLatch detaching;
        BundleIdentity lastBundle;
        String lastLane = "-";
        int versions;
        long parkedAt;
        ScheduledFuture<?> releaseTask;

        Slot(Key key, Filter filter, PacketSocketImpl[] sockets) {
            this.key = key;
            this.filter = filter;
            this.socket = sockets[0];
            this.members = new Member[sockets.length];
            for (int i = 0; i < sockets.length; i++) {
                members[i] = new Member(this, sockets[i]);
            }
        }

        /** Binds {@code r}'s handler and puts each socket on its lane of the bundle. Runtime lock. */
        void adopt(Registration r) throws IOException {
            cancelRelease();
            binding = r;
            lastBundle = r.bundle;
            versions++;
            parkedAt = 0;
            int i = 0;
            try {
                for (; i < members.length; i++) {
                    String suffix = i == 0 ? "" : "." + (i + 1);
                    members[i].reader = members[i].socket.attachReader(members[i], "lane-" + r.bundle.bundleId() + suffix,
                            "own-" + r.bundle.bundleId() + suffix);
                }
                lastLane = laneNames();
            } catch (IOException | RuntimeException e) {
                binding = null;
                versions--;
                // none of them was called yet for this binding (it was null until now for the lanes that ran)
                detach(takeReaders(), System.nanoTime() + LaneRegistry.CALL_DEADLINE_NANOS);
                throw e;
            }
        }

        /** The lane registrations of the members (null where none), now forgotten here. Runtime lock. */
        expkt.provider.dispatch.Registration[] takeReaders() {
            expkt.provider.dispatch.Registration[] l = new expkt.provider.dispatch.Registration[members.length];
            for (int i = 0; i < members.length; i++) {
                l[i] = members[i].reader;
                members[i].reader = null;
            }
            return l;
        }

        /**
         * Stops each member's reader and waits for its running call, holding no lock, until one deadline.
         * Returns null when all are idle, else the (first) one that is not.
         */
        expkt.provider.dispatch.Registration detach(expkt.provider.dispatch.Registration[] readers, long deadline) {
            expkt.provider.dispatch.Registration notIdle = null;
            for (int i = 0; i < members.length; i++) {
                if (readers[i] != null && !members[i].socket.detachReader(readers[i], deadline) && notIdle == null) {
                    notIdle = readers[i];
                }
            }
            return notIdle;
        }

        /** The lanes the members run on, comma-separated. Runtime lock. */
        String laneNames() {
            StringBuilder b = new StringBuilder();
            for (Member m : members) {
                if (b.length() > 0) {
                    b.append(',');
                }
                b.append(m.reader == null ? "-" : m.reader.laneName());
            }
            return b.toString();
        }

        void cancelRelease() {
            if (releaseTask != null) {
                releaseTask.cancel(false);
                releaseTask = null;
            }
        }

        void scheduleRelease(long millis) {
            cancelRelease();
            releaseTask = timer.schedule(() -> {
                synchronized (HandlerRuntime.this) {
                    if (binding == null && detaching == null && slots.get(key) == this) {
                        log.info("expkt handlers: nobody took over filter \"" + key.filterName() + "\" of " + key.symbolicName()
                                + " within " + millis + " ms: closing its socket, filter and kernel rules");
                        release(this);
                    }
                }
            }, millis, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * One socket of a slot and its delivery loop ({@link #onReadable}, on its lane's thread), with the
     * counters of what it delivered; it replies through its own socket.
     */
    private final class Member implements Readable, PacketSender {
        final Slot slot;
        final PacketSocketImpl socket;
        final ExosSockAddr from = new ExosSockAddr();
        // single writer (the lane thread), read by commands
        volatile long frames;
        volatile long exceptions;
        /** Handle time per frame, recorded by the lane; one for the socket's life, across the bundle's updates. */
        final HandleTimes handleTimes = new HandleTimes();
        long lastErrorLog;
        /** The socket's registration on its lane while a handler is bound. Runtime lock. */
        expkt.provider.dispatch.Registration reader;

        Member(Slot slot, PacketSocketImpl socket) {
            this.slot = slot;
            this.socket = socket;
        }

        @Override
        public void onReadable() throws IOException {
            Registration r = slot.binding;
            if (r == null) {
                return;
            }
            PacketHandler handler = r.handler;
            ExosSockAddr from = this.from;
            // as a callback that reads "until null": the call's time budget (LaneRegistry.CALL_BUDGET_NANOS, checked
            // by the receive path without a clock read per frame) ends it, not a frame count. No clock read here: the
            // lane measures every call anyway and keeps the time in this member's HandleTimes (see nanos()).
            long n = 0;
            try {
                FrameView frame;
                while ((frame = socket.receive(from)) != null) { // null once the ring is empty or the budget is spent
                    n++;
                    try {
                        handler.handle(frame, from, this);
                    } catch (Throwable t) {
                        threw(r, t);
                    }
                }
            } finally {
                frames = frames + n;
            }
        }

        /** Time spent in this member's calls since its socket opened, ns (measured by the lane, across updates). */
        long nanos() {
            return handleTimes.totalNanos();
        }

        /** Counts a handler's exception and logs it at most once a second. Lane thread. */
        private void threw(Registration r, Throwable t) {
            exceptions = exceptions + 1;
            long now = System.nanoTime();
            if (now - lastErrorLog > 1_000_000_000L || lastErrorLog == 0) {
                lastErrorLog = now;
                log.warn("expkt handlers: the handler of filter \"" + slot.key.filterName() + "\" of " + r.bundle.withVersion()
                        + " threw (" + exceptions + " exceptions so far on this lane; logged at most once a second)", t);
            }
        }

        @Override
        public long consumed() {
            return socket.received();
        }

        @Override
        public HandleTimes handleTimes() {
            return handleTimes;
        }

        @Override
        public boolean ready() {
            return socket.readable();
        }

        @Override
        public boolean backlogged() {
            return socket.backlogged();
        }

        @Override
        public String describe() {
            return "the handler of filter \"" + slot.key.filterName() + "\" of " + slot.key.symbolicName()
                    + (slot.members.length > 1 ? " (fanout socket #" + socket.id() + ")" : "");
        }

        @Override
        public void sendto(ByteBuffer frame, List<SlotPort> slotPorts) throws IOException {
            socket.sendto(frame, slotPorts);
        }

        @Override
        public void sendto(ByteBuffer frame, String vlanName) throws IOException {
            socket.sendto(frame, vlanName);
        }
    }
}
