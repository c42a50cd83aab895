package expkt.provider.whiteboard;

import expkt.api.handler.PacketHandler;
import expkt.api.handler.PacketSender;
import expkt.api.net.SlotPort;
import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Filter;
import expkt.api.packet.FrameView;
import expkt.api.packet.RxMode;
import expkt.linux.LinuxException;
import expkt.provider.dispatch.Dispatcher;
import expkt.provider.socket.L2Engine;
import expkt.provider.core.Owner;
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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The whiteboard handler runtime, independent of OSGi: for every {@link PacketHandler} it opens a
 * packet socket, installs the handler's filter and calls the handler once per frame. The OSGi side
 * ({@link HandlerWhiteboard}) feeds it the handler services as they come and go.
 *
 * <h2>Lanes: per-bundle isolation</h2>
 * The handlers of one bundle share one <em>lane</em>: a {@link Dispatcher} (one platform thread in
 * epoll on every socket of that bundle). A handler that throws is counted (and logged at most once a
 * second) and keeps being called; a handler that is slow holds back only the handlers of its own
 * bundle: its frames wait in its own socket's ring, and when that ring is full the kernel drops only
 * that socket's frames (counted per socket, {@link PacketSocketImpl#drops()}). Handlers of other
 * bundles run on their own lanes, on time. Within a lane, each wake-up of a socket delivers the frames
 * ready in its ring up to a budget of {@value #FRAMES_PER_WAKEUP} frames or
 * {@value #NANOS_PER_WAKEUP} ns spent in the handler, whichever comes first; then the lane turns to its
 * other ready sockets (level-triggered epoll brings the socket back, at the end of the ready list, for
 * the rest). So a slow handler delays its lane neighbours by at most one budget plus one frame per
 * round, and a fast one gets a whole ring block per wake-up. A handler that takes longer than the
 * time budget for a single frame in {@value #SLOW_WAKEUPS_TO_ISOLATE} wake-ups in a row is moved to a
 * lane of its own (a dispatcher thread for its socket alone, logged once): from then on it holds back
 * nobody but itself. It goes back to its bundle's lane when it is parked or replaced by a new version.
 *
 * <h2>Ordering and fan-out</h2>
 * Every handler has its own socket, so when the filters of two handlers match the same frame the
 * kernel puts a copy of it in both rings: each handler receives it exactly once, whatever the other
 * does (an UP_AND_DROP action keeps the data plane from forwarding the frame; it does not hide it from
 * other handlers, since packet taps run before the netdev ingress hook). One handler sees its frames
 * in the order the kernel queued them (arrival order per port). Between two handlers there is no
 * defined order: different bundles run concurrently on different lanes; handlers of one bundle run
 * one at a time, each wake-up serving one socket's ready frames (up to the budget) in the order epoll
 * reports them.
 *
 * <h2>Hot upgrade: parking and adoption</h2>
 * A handler's socket, ring and kernel rules are keyed by (bundle symbolic name, filter name). When a
 * handler service goes away ({@link #unregister}), its socket is <em>parked</em>: the lane stops
 * watching it and nothing reads its ring, so frames that arrive accumulate there (up to the ring's
 * size; beyond, the kernel drops and counts them). A frame is read from the ring only when a handler
 * takes it, and {@link #unregister} waits for the frame in progress, so a frame is handled by exactly
 * one version. When a handler with the same key registers again (version 2 of the bundle after an
 * {@code update}) it <em>adopts</em> the parked socket and gets the queued frames first. If its filter
 * differs from the parked one, the parked socket is closed and a new one opened (the queued frames go
 * with the old socket). A parked socket nobody adopts is closed, with its filters and nftables rules,
 * {@code graceMillis} after it was parked ({@link #bundleUpdated} restarts the wait: the successor is
 * on its way).
 *
 * <p>Threading: thread-safe. {@link #register}/{@link #unregister} may be called from any thread (the
 * framework's); handlers run on their bundle's lane thread.
 */
public final class HandlerRuntime implements AutoCloseable {
    /** Frames one wake-up delivers to one handler before the lane turns to its other sockets. */
    public static final int FRAMES_PER_WAKEUP = 512;
    /** Time one wake-up gives one handler before the lane turns to its other sockets (1 ms). */
    public static final long NANOS_PER_WAKEUP = 1_000_000L;
    /** Default grace period of a parked socket (framework property {@code expkt.upgrade.grace.ms}). */
    public static final long DEFAULT_GRACE_MILLIS = 3000;
    private static final long ERROR_LOG_INTERVAL_NANOS = 1_000_000_000L;
    /** A handler with one frame over {@link #NANOS_PER_WAKEUP} in this many wake-ups in a row gets a lane of its own. */
    public static final int SLOW_WAKEUPS_TO_ISOLATE = 3;

    /** Who registered a handler: a bundle, or a test standing in for one. */
    public record BundleRef(long id, String symbolicName, String version) {
        @Override
        public String toString() {
            return symbolicName + " " + version + " [" + id + "]";
        }
    }

    /** A handler's socket and counters: what survives an update of its bundle. */
    public record Key(String symbolicName, String filterName) {
    }

    /** One row of {@code expkt:handlers}. */
    public record Info(String symbolicName, long bundleId, String version, String filterName, String match,
                       String state, long socketId, long frames, long drops, long exceptions, long nanos,
                       int versions, String lane) {
    }

    private final L2Engine engine;
    private final ProviderLog log;
    private final long graceMillis;
    private final ScheduledExecutorService timer;
    private final Map<Key, Slot> slots = new HashMap<>();
    private final Map<Long, Lane> lanes = new HashMap<>();
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
    public Registration register(BundleRef bundle, Filter filter, PacketHandler handler) throws IOException {
        return register(bundle, filter, RxMode.THROUGHPUT, handler);
    }

    /**
     * As {@link #register(BundleRef, Filter, PacketHandler)}, with the handler's socket in receive mode
     * {@code mode} (the handler's {@link RxMode#PROPERTY}). A parked socket of another mode is not
     * adopted: a new socket replaces it, as for a changed filter.
     */
    public synchronized Registration register(BundleRef bundle, Filter filter, RxMode mode, PacketHandler handler)
            throws IOException {
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
                    + slot.binding.bundle + "; filter names are unique across the host");
        }
        if (slot != null && !slot.filter.equals(filter)) {
            log.info("expkt handlers: " + bundle + " registers filter \"" + filter.name() + "\" as " + filter
                    + ", the parked one was " + slot.filter + ": a new socket replaces the parked one");
            release(slot);
            slot = null;
        }
        if (slot != null && slot.socket.rxMode() != mode) {
            log.info("expkt handlers: " + bundle + " registers filter \"" + filter.name() + "\" in receive mode " + mode
                    + ", the parked socket is " + slot.socket.rxMode() + ": a new socket replaces the parked one");
            release(slot);
            slot = null;
        }
        Lane lane = lane(bundle.id());
        try {
            if (slot == null) {
                slot = open(bundle, filter, mode, lane);
                slots.put(key, slot);
            }
            Registration r = new Registration(slot, bundle, handler);
            Lane previous = slot.lane;
            slot.adopt(r, lane);
            if (previous != lane) {
                closeIfIdle(previous); // a new bundle (new id) with the same symbolic name took the socket over
            }
            return r;
        } catch (IOException | RuntimeException e) {
            if (slot != null && slot.binding == null && !slot.parked()) {
                release(slot);
            }
            closeIfIdle(lane);
            throw e;
        }
    }

    private Slot open(BundleRef bundle, Filter filter, RxMode mode, Lane lane) throws IOException {
        PacketSocketImpl socket = engine.open(new Owner(bundle.id(), bundle.symbolicName() + " (handlers)"), mode);
        try {
            socket.setBlocking(false);
            socket.setupFilter(filter);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
        return new Slot(new Key(bundle.symbolicName(), filter.name()), filter, socket, lane);
    }

    /**
     * The handler's service went away: parks its socket (see the class comment) and waits for the
     * frame in progress, if any. A second call, or a call for a registration already replaced, does
     * nothing.
     */
    public void unregister(Registration r) {
        Slot slot = r.slot;
        synchronized (this) {
            if (slot.binding != r) {
                return;
            }
            slot.park(); // waits for the frame in progress
            if (closed) {
                release(slot);
                return;
            }
            slot.scheduleRelease(graceMillis);
        }
    }

    /** A bundle of this symbolic name was updated: its parked sockets wait a full grace period again. */
    public synchronized void bundleUpdated(String symbolicName) {
        for (Slot s : slots.values()) {
            if (s.key.symbolicName().equals(symbolicName) && s.binding == null) {
                s.scheduleRelease(graceMillis);
            }
        }
    }

    /** Closes the parked sockets of this symbolic name now (tests, and a grace period of 0). */
    public synchronized int releaseParked(String symbolicName) {
        int n = 0;
        for (Slot s : List.copyOf(slots.values())) {
            if (s.key.symbolicName().equals(symbolicName) && s.binding == null) {
                release(s);
                n++;
            }
        }
        return n;
    }

    /** Remembers a handler service that could not be registered, for {@code expkt:handlers}. */
    public void rejected(BundleRef bundle, String filterName, String reason) {
        rejected.add(new Info(bundle.symbolicName(), bundle.id(), bundle.version(), filterName, "-", "REJECTED: " + reason,
                -1, 0, 0, 0, 0, 0, "-"));
    }

    /** Forgets the rejected registrations of a bundle's filter (its service went away). */
    public void forgetRejected(long bundleId, String filterName) {
        rejected.removeIf(i -> i.bundleId() == bundleId && i.filterName().equals(filterName));
    }

    private void release(Slot slot) {
        slots.remove(slot.key, slot);
        slot.close();
        closeIfIdle(slot.lane);
    }

    private Lane lane(long bundleId) throws LinuxException {
        Lane lane = lanes.get(bundleId);
        if (lane == null) {
            lane = new Lane(bundleId, new Dispatcher(log), false);
            lanes.put(bundleId, lane);
        }
        return lane;
    }

    private void closeIfIdle(Lane lane) {
        if (lane == null) {
            return;
        }
        for (Slot s : slots.values()) {
            if (s.lane == lane) {
                return;
            }
        }
        if (lane.isolated || lanes.remove(lane.bundleId, lane)) {
            lane.close();
        }
    }

    /** Every handler, parked socket and rejected registration, by symbolic name and filter name. */
    public synchronized List<Info> handlers() {
        List<Info> l = new ArrayList<>();
        long now = System.nanoTime();
        for (Slot s : slots.values()) {
            Registration b = s.binding;
            BundleRef who = b != null ? b.bundle : s.lastBundle;
            String state = b != null ? "active" : "parked " + (now - s.parkedAt) / 1_000_000 + " ms";
            l.add(new Info(s.key.symbolicName(), who.id(), who.version(), s.key.filterName(), s.filter.describeMatch(),
                    state, s.socket.id(), s.frames.get(), s.socket.drops(), s.exceptions.get(), s.nanos.get(), s.versions,
                    s.lane.name()));
        }
        l.addAll(rejected);
        l.sort(Comparator.comparing(Info::symbolicName).thenComparing(Info::filterName));
        return l;
    }

    /** The parked or active socket of a key, or null (for tests and commands). */
    public synchronized PacketSocketImpl socketOf(String symbolicName, String filterName) {
        Slot s = slots.get(new Key(symbolicName, filterName));
        return s == null ? null : s.socket;
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            for (Slot s : List.copyOf(slots.values())) {
                if (s.binding != null) {
                    s.park();
                }
                release(s);
            }
            for (Lane lane : List.copyOf(lanes.values())) {
                lane.close();
            }
            lanes.clear();
        }
        timer.shutdownNow();
    }

    /** One handler registration (one version of a bundle's handler for one filter). */
    public static final class Registration {
        private final Slot slot;
        private final BundleRef bundle;
        private final PacketHandler handler;

        private Registration(Slot slot, BundleRef bundle, PacketHandler handler) {
            this.slot = slot;
            this.bundle = bundle;
            this.handler = handler;
        }

        public BundleRef bundle() {
            return bundle;
        }

        public Filter filter() {
            return slot.filter;
        }

        /** The socket serving this handler (kept across updates). */
        public PacketSocketImpl socket() {
            return slot.socket;
        }
    }

    /**
     * A bundle's lane: one dispatcher thread for all of the bundle's handler sockets; or, for a handler
     * found slow, a lane of its own.
     */
    private static final class Lane {
        final long bundleId;
        final Dispatcher dispatcher;
        final boolean isolated;
        private boolean closed;

        Lane(long bundleId, Dispatcher dispatcher, boolean isolated) {
            this.bundleId = bundleId;
            this.dispatcher = dispatcher;
            this.isolated = isolated;
        }

        synchronized void close() {
            if (!closed) {
                closed = true;
                dispatcher.close();
            }
        }

        String name() {
            return (isolated ? "own-" : "lane-") + bundleId;
        }
    }

    /**
     * A socket with its filter and the handler currently bound to it. {@link #drain} runs on the lane
     * thread and holds {@link #lock} while a frame is in a handler; parking takes the same lock, so it
     * waits for that frame.
     */
    private final class Slot implements Dispatcher.Readable, PacketSender {
        final Key key;
        final Filter filter;
        final PacketSocketImpl socket;
        final ReentrantLock lock = new ReentrantLock();
        final ExosSockAddr from = new ExosSockAddr();
        // single writer (the lane thread), read by commands
        final AtomicLong frames = new AtomicLong();
        final AtomicLong exceptions = new AtomicLong();
        final AtomicLong nanos = new AtomicLong();
        volatile Registration binding;
        BundleRef lastBundle;
        volatile Lane lane;
        int slowWakeups;  // consecutive wake-ups in which one frame overran the budget (lane thread only)
        int versions;
        long parkedAt;
        long lastErrorLog;
        ScheduledFuture<?> releaseTask;

        Slot(Key key, Filter filter, PacketSocketImpl socket, Lane lane) {
            this.key = key;
            this.filter = filter;
            this.socket = socket;
            this.lane = lane;
        }

        boolean parked() {
            return parkedAt != 0;
        }

        /** Binds {@code r}'s handler and watches the socket on {@code newLane}. Called under the runtime's lock. */
        void adopt(Registration r, Lane newLane) throws LinuxException {
            if (releaseTask != null) {
                releaseTask.cancel(false);
                releaseTask = null;
            }
            lock.lock();
            try {
                binding = r;
                lastBundle = r.bundle;
                lane = newLane;
                slowWakeups = 0;
                versions++;
                parkedAt = 0;
            } finally {
                lock.unlock();
            }
            try {
                newLane.dispatcher.register(socket.id(), socket.fd(), this);
            } catch (LinuxException e) {
                binding = null;
                throw e;
            }
        }

        /** Unbinds the handler and stops watching the socket; frames stay in the ring. Waits for the frame in progress. */
        void park() {
            lock.lock();
            try {
                binding = null;
                parkedAt = System.nanoTime();
                lane.dispatcher.unregister(socket.id(), socket.fd());
                if (lane.isolated) {
                    lane.close(); // the successor starts on its bundle's lane again
                }
            } finally {
                lock.unlock();
            }
        }

        void scheduleRelease(long millis) {
            if (releaseTask != null) {
                releaseTask.cancel(false);
            }
            releaseTask = timer.schedule(() -> {
                synchronized (HandlerRuntime.this) {
                    if (binding == null && slots.get(key) == this) {
                        log.info("expkt handlers: nobody took over filter \"" + key.filterName() + "\" of " + key.symbolicName()
                                + " within " + millis + " ms: closing its socket, filter and kernel rules");
                        release(this);
                    }
                }
            }, millis, TimeUnit.MILLISECONDS);
        }

        void close() {
            if (releaseTask != null) {
                releaseTask.cancel(false);
                releaseTask = null;
            }
            lock.lock();
            try {
                binding = null;
                lane.dispatcher.unregister(socket.id(), socket.fd());
                if (lane.isolated) {
                    lane.close();
                }
                socket.close();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void onReadable() throws Exception {
            lock.lock();
            try {
                Registration r = binding;
                if (r == null || !socket.isOpen()) {
                    return;
                }
                if (drain(r)) {
                    if (++slowWakeups >= SLOW_WAKEUPS_TO_ISOLATE && !lane.isolated) {
                        isolate(r);
                    }
                } else {
                    slowWakeups = 0;
                }
            } finally {
                lock.unlock();
            }
        }

        /** Moves this socket to a lane of its own (on the lane thread, holding {@link #lock}). */
        private void isolate(Registration r) throws LinuxException {
            Lane shared = lane;
            Lane own = new Lane(shared.bundleId, new Dispatcher(log), true);
            shared.dispatcher.unregister(socket.id(), socket.fd());
            try {
                own.dispatcher.register(socket.id(), socket.fd(), this);
            } catch (LinuxException e) {
                own.close();
                shared.dispatcher.register(socket.id(), socket.fd(), this);
                throw e;
            }
            lane = own;
            log.info("expkt handlers: the handler of filter \"" + key.filterName() + "\" of " + r.bundle + " took more than "
                    + NANOS_PER_WAKEUP / 1000 + " us per frame in " + SLOW_WAKEUPS_TO_ISOLATE
                    + " wake-ups in a row: it now runs on a lane of its own, so its bundle's other handlers are not held back");
            // the bundle's lane may be idle now; closing it takes the runtime's lock, which must not be taken under ours
            timer.execute(() -> {
                synchronized (HandlerRuntime.this) {
                    closeIfIdle(shared);
                }
            });
        }

        /** Hands the ready frames to the handler, within the budget; true if one frame alone overran the time budget. */
        private boolean drain(Registration r) throws IOException {
            PacketHandler handler = r.handler;
            boolean overran = false;
            long wake = System.nanoTime();
            for (int i = 0; i < FRAMES_PER_WAKEUP; i++) {
                FrameView frame = socket.receive(from);
                if (frame == null) {
                    return overran;
                }
                long start = System.nanoTime();
                try {
                    handler.handle(frame, from, this);
                } catch (Throwable t) {
                    exceptions.lazySet(exceptions.get() + 1);
                    if (start - lastErrorLog > ERROR_LOG_INTERVAL_NANOS || lastErrorLog == 0) {
                        lastErrorLog = start;
                        log.warn("expkt handlers: the handler of filter \"" + key.filterName() + "\" of " + r.bundle
                                + " threw (" + exceptions.get() + " exceptions so far; logged at most once a second)", t);
                    }
                }
                long end = System.nanoTime();
                nanos.lazySet(nanos.get() + end - start);
                frames.lazySet(frames.get() + 1);
                if (end - start > NANOS_PER_WAKEUP) {
                    overran = true;
                }
                if (end - wake > NANOS_PER_WAKEUP) {
                    return overran; // budget spent: the lane's other sockets get their turn, epoll brings us back
                }
            }
            return overran;
        }

        @Override
        public String describe() {
            return "handler of filter \"" + key.filterName() + "\" of " + key.symbolicName();
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
