package expkt.provider.dispatch;

import expkt.linux.LinuxException;
import expkt.provider.core.ProviderLog;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Which lane each registration is on, and the one rule that moves it: the provider's single place
 * for dispatch policy. Callbacks go to the {@value #SHARED} lane, whiteboard handlers to their
 * bundle's lane ({@code lane-<bundle id>}); the registry creates a lane when its first registration
 * comes and ends it when its last one goes.
 *
 * <h2>The rule</h2>
 * A call gets a budget of {@link #CALL_BUDGET_NANOS}: the socket reports "no frame" once it is
 * spent (the socket's receive path enforces the deadline the socket sets from it around each call). A call is a <em>strike</em> when it took longer than
 * {@link #SLOW_CALL_NANOS} (one frame alone overran the budget) or left its frames unread (it threw
 * before reading, or returned without reading). {@value #STRIKES_TO_ISOLATE} strikes in a row move
 * the registration to a lane of its own, unless it is alone on its lane already: then it is never
 * moved again. An unread call also backs the registration off (its fd is not watched for 1 ms,
 * doubling up to {@link #MAX_BACKOFF_NANOS}), so a callback that leaves its frame in the ring is not
 * called again at once by level-triggered epoll (a spin). A call still running after
 * {@link #STUCK_MOVE_NANOS} is a strike that cannot wait for its end: the lane's other registrations
 * move to a new lane (the watchdog), and the slow one keeps the old lane as its own.
 *
 * <h2>Stopping and stuck code</h2>
 * {@link #stop} marks a registration stopping and removes its fd from the lane at once;
 * {@link #awaitIdle} waits for a running call, without holding any lock and with a deadline. Past the
 * deadline the registration is <em>stuck</em>: counted, shown as such, its lane's other registrations
 * move to a new lane, the old lane ends when the call returns, and what its owner wants done then
 * ({@link #onceIdle}, e.g. closing the socket) runs at that moment, on the lane's thread.
 *
 * <p>Threading: thread-safe. One lock (this object's monitor) guards lanes, tables and epoll sets, and
 * is never held while bundle code runs or while anyone waits for it. Bundle code runs on lane threads
 * only.
 */
public final class LaneRegistry implements AutoCloseable {
    /** The lane of every socket callback (the seed's "shared thread"). */
    public static final String SHARED = "shared";
    /** What one call may spend reading frames before its socket reports "no frame" (1 ms). */
    public static final long CALL_BUDGET_NANOS = 1_000_000L;
    /** A call longer than this is a strike: one frame alone took more than half the budget after it was spent. */
    public static final long SLOW_CALL_NANOS = CALL_BUDGET_NANOS + CALL_BUDGET_NANOS / 2;
    /** Strikes in a row after which a registration gets a lane of its own. */
    public static final int STRIKES_TO_ISOLATE = 3;
    /** First back-off of a registration that left its frames unread; it doubles per unread call in a row. */
    public static final long FIRST_BACKOFF_NANOS = 1_000_000L;
    /** Longest back-off (100 ms). */
    public static final long MAX_BACKOFF_NANOS = 100_000_000L;
    /**
     * A call running longer than this holds up its lane: the others move to a new lane (500 ms; a
     * ring of the default 256 blocks bridges about that much stall at low rates, and a merely slow call
     * on a loaded machine, such as the first exception's stack trace being logged, stays well below).
     */
    public static final long STUCK_MOVE_NANOS = 500_000_000L;
    /**
     * How long a named lane ({@code shared}, {@code lane-<bundle>}) stays after its last registration
     * went (2 s): an update of a bundle registers its handlers again on the same lane thread instead of
     * starting a new one.
     */
    public static final long LINGER_NANOS = 2_000_000_000L;
    /** How long stop/close waits for a running call before it is abandoned as stuck (2 s). */
    public static final long CALL_DEADLINE_NANOS = 2_000_000_000L;
    private static final long ERROR_LOG_INTERVAL_NANOS = 1_000_000_000L;
    /**
     * The watchdog's period: 100 ms, a fifth of {@link #STUCK_MOVE_NANOS}. Each wake-up costs CPU whether
     * or not a lane is busy (50 ms: ~1 ms CPU per second on an idle host, measured 2026-12-01).
     */
    private static final long WATCHDOG_MILLIS = 100;

    private final ProviderLog log;
    private final IdleStrategy idle;
    private final Map<String, Lane> lanes = new HashMap<>();
    private final List<Lane> all = new ArrayList<>();
    private final Map<Long, Registration> registrations = new HashMap<>();
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong stuckTotal = new AtomicLong();
    private final Thread watchdog;
    private volatile boolean closed;

    public LaneRegistry(ProviderLog log) {
        this(log, IdleStrategy.spinThenYield());
    }

    /** {@code idle}: what a lane does between two looks at its rings while it busy-polls (see {@link Lane}). */
    public LaneRegistry(ProviderLog log, IdleStrategy idle) {
        this.log = log;
        this.idle = idle;
        this.watchdog = Thread.ofPlatform().daemon().name("expkt-watchdog").start(this::watch);
    }

    ProviderLog log() {
        return log;
    }

    // ------------------------------------------------------------ registering

    /**
     * Starts running {@code target} on lane {@code laneName} whenever {@code fd} is readable, until
     * {@link #stop}. {@code key} is unique (the socket id); {@code ownLaneName} names the lane it gets
     * if it is found slow. The caller guarantees that {@code fd} stays open until the registration is
     * stopped and idle (a socket holds its filter lock and checks it is open).
     */
    public Registration attach(long key, int fd, Readable target, String laneName, String ownLaneName) throws LinuxException {
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("the expkt dispatch lanes are stopped");
            }
            Registration prev = registrations.get(key);
            if (prev != null && prev.state != Registration.State.CLOSED && prev.state != Registration.State.STUCK) {
                throw new IllegalStateException(prev + " is registered already");
            }
            Registration r = new Registration(key, fd, target, ownLaneName);
            r.armed = true;
            Lane lane = lane(laneName);
            try {
                lane.add(r);
            } catch (LinuxException e) {
                endIfEmpty(lane);
                throw e;
            }
            registrations.put(key, r);
            return r;
        }
    }

    private Lane lane(String name) throws LinuxException {
        Lane lane = lanes.get(name);
        if (lane == null) {
            lane = start(name, false);
            lanes.put(name, lane);
        }
        return lane;
    }

    private Lane start(String name, boolean dedicated) throws LinuxException {
        Lane lane = new Lane(this, name, dedicated, idle);
        all.add(lane);
        lane.thread.start();
        return lane;
    }

    /**
     * Stops calling the registration: marks it stopping and removes its fd from its lane at once. A
     * call in progress goes on; {@link #awaitIdle} waits for it. Idempotent; any thread (also the
     * registration's own call).
     */
    public void stop(Registration r) {
        synchronized (this) {
            if (r.state == Registration.State.ACTIVE || r.state == Registration.State.BACKED_OFF) {
                r.state = Registration.State.STOPPING;
            }
            Lane lane = r.lane;
            if (lane != null) {
                lane.remove(r);
                endIfEmpty(lane); // in r's call: its thread ends when the call returns
            }
            if (registrations.get(r.key) == r && r.state != Registration.State.STUCK) {
                registrations.remove(r.key);
            }
        }
    }

    /**
     * Waits until the stopped registration's call (if any) has returned, at most until
     * {@code deadlineNanos} (System.nanoTime). True: no call runs and none will. False: the call is
     * still running — on this very thread (a callback closing its own socket: nothing to wait for), or
     * past the deadline: then the registration is abandoned as stuck (counted, shown, its lane's other
     * registrations moved to a new lane). Either way {@link #onceIdle} runs what must wait for the
     * call. Holds no lock while waiting.
     */
    public boolean awaitIdle(Registration r, long deadlineNanos) {
        stop(r);
        if (!r.inCall) {
            finish(r);
            return true;
        }
        Lane lane = r.lane;
        if (lane != null && Thread.currentThread() == lane.thread) {
            return false; // its own call closes it: the lane runs onceIdle when the call returns
        }
        synchronized (r) {
            r.attention = true;
            while (r.inCall) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    r.wait(Math.max(1, left / 1_000_000), 0);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        if (!r.inCall) {
            finish(r);
            return true;
        }
        abandon(r);
        return false;
    }

    /** Stops the registration and waits for its call up to {@link #CALL_DEADLINE_NANOS}; see {@link #awaitIdle}. */
    public boolean detach(Registration r) {
        return awaitIdle(r, System.nanoTime() + CALL_DEADLINE_NANOS);
    }

    /**
     * Runs {@code action} once the registration's call (if any) has returned: now on this thread if
     * none runs, otherwise on the lane's thread right after the call returns.
     */
    public void onceIdle(Registration r, Runnable action) {
        Runnable now = null;
        synchronized (r) {
            Runnable before = r.afterCall;
            r.afterCall = before == null ? action : () -> {
                runQuietly(r, before);
                action.run();
            };
            r.attention = true;
            if (!r.inCall) {
                now = r.afterCall;
                r.afterCall = null;
            }
        }
        if (now != null) {
            runQuietly(r, now);
        }
    }

    private void runQuietly(Registration r, Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            log.warn("expkt dispatch: releasing " + r + " after its last call failed", e);
        }
    }

    private void finish(Registration r) {
        synchronized (this) {
            if (r.state == Registration.State.STOPPING) {
                r.state = Registration.State.CLOSED;
            }
        }
    }

    /** The stuck registration: counted, shown; its lane's others move to a new lane, the old lane ends after the call. */
    private void abandon(Registration r) {
        synchronized (this) {
            if (r.state == Registration.State.STUCK || !r.inCall) {
                return;
            }
            r.state = Registration.State.STUCK;
            r.stuckSince = System.nanoTime();
            registrations.put(r.key, r); // listed (as stuck) until its call returns
            stuckTotal.incrementAndGet();
            Lane lane = r.lane;
            log.warn("expkt dispatch: " + r + " did not return within " + CALL_DEADLINE_NANOS / 1_000_000
                    + " ms of its stop: abandoned as stuck (its socket is released when the call returns; lane "
                    + (lane == null ? "-" : lane.name()) + " is left to it, the others carry on on a new lane)", null);
            if (lane != null) {
                moveOthers(lane, r);
                lane.stopping = true;
                lane.signal();
                if (lanes.get(lane.name()) == lane) {
                    lanes.remove(lane.name());
                }
            }
        }
    }

    /** Called by the lane after a call that somebody waits for or wants to follow. */
    void callEnded(Registration r) {
        Runnable action;
        synchronized (r) {
            r.notifyAll();
            action = r.afterCall;
            r.afterCall = null;
        }
        if (r.state == Registration.State.STUCK) {
            synchronized (this) {
                r.state = Registration.State.CLOSED;
                if (registrations.get(r.key) == r) {
                    registrations.remove(r.key);
                }
            }
            log.info("expkt dispatch: the stuck call of " + r + " returned after "
                    + (System.nanoTime() - r.stuckSince) / 1_000_000 + " ms past its deadline; releasing it");
        }
        if (action != null) {
            runQuietly(r, action);
        }
    }

    // ------------------------------------------------------------ the rule (lane thread)

    void threw(Registration r, Throwable t, long now) {
        long n = errors.incrementAndGet();
        if (r.lastErrorLog == 0 || now - r.lastErrorLog > ERROR_LOG_INTERVAL_NANOS) {
            r.lastErrorLog = now;
            log.warn("expkt dispatch: " + r + " threw (" + r.errors + " times; " + n + " in all; logged at most once a second)", t);
        }
    }

    /**
     * After each call, on the lane's thread: counts, backs off, isolates. No lock unless a rule fires.
     * {@code unread}: the call consumed no frame while its ring had one (read by the lane before the
     * call ended, while a close still waited for it).
     */
    void afterCall(Lane lane, Registration r, long took, boolean unread) {
        calls.lazySet(calls.get() + 1);
        boolean slow = took > SLOW_CALL_NANOS;
        if (!unread) {
            r.unreadStreak = 0;
        }
        if (!unread && !slow) {
            r.strikes = 0;
            return;
        }
        r.strikes++;
        if (unread) {
            r.unreadCalls = r.unreadCalls + 1;
            backOff(lane, r);
        }
        if (r.strikes >= STRIKES_TO_ISOLATE) {
            isolate(lane, r, slow ? "took more than " + SLOW_CALL_NANOS / 1000 + " us" : "left its frames unread");
        }
    }

    private void backOff(Lane lane, Registration r) {
        int streak = Math.min(30, r.unreadStreak++);
        long delay = Math.min(MAX_BACKOFF_NANOS, FIRST_BACKOFF_NANOS << Math.min(streak, 20));
        synchronized (this) {
            if (r.state != Registration.State.ACTIVE || r.lane != lane) {
                return;
            }
            r.state = Registration.State.BACKED_OFF;
            r.resumeAt = System.nanoTime() + delay;
            lane.arm(r, false);
        }
    }

    /** Re-arms the lane's backed-off registrations whose time has come. Lane thread. */
    void resume(Lane lane, long now) {
        synchronized (this) {
            long next = Long.MAX_VALUE;
            for (Registration r : lane.table) {
                if (r == null || r.state != Registration.State.BACKED_OFF) {
                    continue;
                }
                if (now - r.resumeAt >= 0) {
                    r.state = Registration.State.ACTIVE;
                    lane.arm(r, true);
                } else {
                    next = Math.min(next, r.resumeAt);
                }
            }
            lane.nextResume = next;
        }
    }

    private void isolate(Lane from, Registration r, String why) {
        synchronized (this) {
            if (r.lane != from || r.index < 0 || from.count <= 1 || from.dedicated || closed
                    || (r.state != Registration.State.ACTIVE && r.state != Registration.State.BACKED_OFF)) {
                return; // alone already (never moved again), or going
            }
            try {
                Lane own = start(r.ownLaneName, true);
                from.remove(r);
                try {
                    own.add(r);
                } catch (LinuxException e) {
                    own.stopping = true;
                    own.signal();
                    from.add(r);
                    throw e;
                }
                r.isolated = true;
                r.strikes = 0;
                log.info("expkt dispatch: " + r + " " + why + " in " + STRIKES_TO_ISOLATE + " calls in a row: it now runs on lane "
                        + own.name() + " of its own, so it holds back nobody else on lane " + from.name());
            } catch (LinuxException e) {
                log.warn("expkt dispatch: could not give " + r + " a lane of its own", e);
            }
        }
    }

    /** Moves every registration of {@code lane} but {@code keep} to a new lane that takes over its name. Registry lock. */
    private void moveOthers(Lane lane, Registration keep) {
        if (others(lane, keep) == 0) {
            return;
        }
        Lane next;
        try {
            next = start(lane.name(), lane.dedicated);
        } catch (LinuxException e) {
            log.warn("expkt dispatch: could not start a lane to replace " + lane.name(), e);
            return;
        }
        for (Registration o : lane.table) {
            if (o == null || o == keep) {
                continue;
            }
            lane.remove(o);
            try {
                next.add(o);
            } catch (LinuxException e) {
                log.warn("expkt dispatch: could not move " + o + " off the held-up lane " + lane.name(), e);
            }
        }
        if (lanes.get(lane.name()) == lane) {
            lanes.put(lane.name(), next);
        }
    }

    /** The watchdog: a call running past {@link #STUCK_MOVE_NANOS} leaves its lane to itself. */
    private void watch() {
        while (!closed) {
            try {
                Thread.sleep(WATCHDOG_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            synchronized (this) {
                long now = System.nanoTime();
                for (Lane lane : List.copyOf(all)) {
                    if (lane.count == 0 && !lane.stopping && lane.emptySince != 0 && now - lane.emptySince > LINGER_NANOS) {
                        end(lane);
                        continue;
                    }
                    Registration r = lane.current;
                    if (r == null || lane.stopping || now - lane.callStart < STUCK_MOVE_NANOS || others(lane, r) == 0) {
                        continue;
                    }
                    String was = lane.name();
                    moveOthers(lane, r);
                    if (lanes.get(was) != lane) { // replaced: the held-up lane is r's own now
                        lane.dedicated = true;
                        lane.rename(r.ownLaneName);
                        r.isolated = true;
                        log.info("expkt dispatch: " + r + " has been in one call for " + (now - lane.callStart) / 1_000_000
                                + " ms: the other registrations of lane " + was + " moved to a new lane; it keeps lane "
                                + lane.name() + " to itself");
                    }
                }
            }
        }
    }

    /** Registrations on {@code lane} other than {@code r}. Registry lock. */
    private static int others(Lane lane, Registration r) {
        int n = 0;
        for (Registration o : lane.table) {
            if (o != null && o != r) {
                n++;
            }
        }
        return n;
    }

    /** An empty lane ends: a lane of its own at once, a named lane after {@link #LINGER_NANOS} (the watchdog). Registry lock. */
    private void endIfEmpty(Lane lane) {
        if (lane.count != 0 || lane.stopping) {
            return;
        }
        if (lanes.get(lane.name()) == lane && !closed) {
            if (lane.emptySince == 0) {
                lane.emptySince = System.nanoTime();
            }
            return;
        }
        end(lane);
    }

    private void end(Lane lane) {
        lane.stopping = true;
        lane.signal();
        if (lanes.get(lane.name()) == lane) {
            lanes.remove(lane.name());
        }
    }

    /** The lane's thread ended: its fds are closed here, under the lock, so nobody signals a reused fd. */
    void laneEnded(Lane lane) {
        synchronized (this) {
            lane.fdsClosed = true; // from now on nobody signals or changes its (soon closed, maybe reused) fds
            lane.stopping = true;
            if (lanes.get(lane.name()) == lane) {
                lanes.remove(lane.name());
            }
            all.remove(lane);
            for (Registration r : lane.table) {
                if (r != null && r.lane == lane) {
                    lane.remove(r); // a lane that failed: its registrations are no longer served
                    log.warn("expkt dispatch: lane " + lane.name() + " ended with " + r + " on it; it is no longer called", null);
                }
            }
        }
        lane.closeFds(); // outside the lock: closing the arena is a handshake with every thread
    }

    // ------------------------------------------------------------ queries

    /** The registration of {@code key} (active, backed off, or stuck), or null. */
    public synchronized Registration registration(long key) {
        return registrations.get(key);
    }

    public synchronized boolean isRegistered(long key) {
        return registrations.containsKey(key);
    }

    /** Every registration listed (active, backed off, stuck). */
    public synchronized List<Registration> registrations() {
        return List.copyOf(registrations.values());
    }

    /** Names of the running lanes, with their registration counts (for tests and commands). */
    public synchronized Map<String, Integer> lanes() {
        Map<String, Integer> m = new java.util.TreeMap<>();
        for (Lane l : all) {
            if (!l.stopping) {
                m.merge(l.name(), l.count, Integer::sum);
            }
        }
        return m;
    }

    /**
     * One running lane as the runtime DTOs show it: its counters are the lane thread's own
     * (single writer), read without stopping it.
     */
    public record LaneInfo(String name, String thread, int registrations, boolean dedicated, long wakeups, long calls,
                           long busyNanos, long busyPollMicros, long polls, long spinNanos) {
    }

    /** Every running lane (not told to stop), by name (for the runtime DTOs). */
    public synchronized List<LaneInfo> laneInfos() {
        List<LaneInfo> l = new java.util.ArrayList<>();
        for (Lane lane : all) {
            if (!lane.stopping) {
                long budget = 0;
                for (Registration r : lane.table) {
                    if (r != null) {
                        budget = Math.max(budget, r.target.busyPollNanos());
                    }
                }
                l.add(new LaneInfo(lane.name(), lane.thread.getName(), lane.count, lane.dedicated, lane.wakeups, lane.calls,
                        lane.busyNanos, budget / 1000, lane.polls, lane.spinNanos));
            }
        }
        l.sort(java.util.Comparator.comparing(LaneInfo::name));
        return l;
    }

    /** Calls on every lane since start. */
    public long calls() {
        return calls.get();
    }

    /** Calls that threw, since start. */
    public long errors() {
        return errors.get();
    }

    /** Registrations abandoned as stuck, since start. */
    public long stuckTotal() {
        return stuckTotal.get();
    }

    /** Ends every lane (a lane in a stuck call ends when that returns). Waits for nothing. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            for (Lane lane : all) {
                lane.stopping = true;
                lane.signal();
            }
            lanes.clear();
        }
        watchdog.interrupt();
    }
}
