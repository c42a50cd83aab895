package expkt.provider.dispatch;

import expkt.linux.Epoll;
import expkt.linux.Fds;
import expkt.linux.LinuxException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One lane: one platform thread running one agent loop over one epoll set (Agrona's Agent +
 * AgentRunner): each round runs the bundle code of every ready fd once ({@link #doWork}) and counts
 * the frames consumed as the round's work. Callbacks and whiteboard handlers are the same thing to it:
 * a {@link Registration}.
 *
 * <p>Waiting: before it blocks in {@code epoll_wait} (bounded by the next backed-off registration's
 * retry), a lane whose registrations ask for it ({@link Readable#busyPollNanos}, the sockets'
 * {@code SO_BUSY_POLL}; the largest counts) busy-polls: it looks at each ring's next status word
 * ({@link Readable#ready}: a memory read, no system call) and idles between looks as its
 * {@link IdleStrategy} says (spin, then yield), for at most that budget. A frame found so is handed
 * to its registration at once: no {@code epoll_wait}, no wake-up, no context switch. The budget
 * restarts after every call, so under a steady stream the lane never blocks; at 0 (the default) it
 * blocks at once. The CPU spent polling is the lane thread's own and counts in its process's CPU
 * time ({@link #spinNanos} says how much).
 *
 * <p>The lane owns its epoll fd and eventfd: its own thread closes them when it ends, under the
 * registry's lock, so nobody ever signals or changes a closed (possibly reused) fd. Its epoll set and
 * registration table are changed by the {@link LaneRegistry} only, under the registry's lock; the
 * thread reads the table through a volatile array, so the hot loop takes no lock and allocates nothing.
 *
 * <p>Threading: {@link #run} on the lane's thread; everything else under the registry's lock.
 */
final class Lane {
    static final int MAX_EVENTS = 64;
    private static final long WAKE = -1L;

    private final LaneRegistry registry;
    private final IdleStrategy idle;
    final int epfd;
    final int wakeFd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment events;
    private final MemorySegment drainScratch;
    private final MemorySegment signalScratch; // registry lock
    final MemorySegment ctlScratch;            // registry lock
    final Thread thread;
    private volatile String name;
    /** Dedicated to one registration (it was found slow): never a target of another move. */
    volatile boolean dedicated;
    /** Told to end: its thread ends after the current call (a stuck call: whenever that returns). */
    volatile boolean stopping;
    boolean fdsClosed;
    /** Since when a named lane has had no registration (System.nanoTime), 0 while it has some. Registry lock. */
    long emptySince;

    /** Registrations by index; copy-on-write under the registry's lock, read by the lane thread. */
    volatile Registration[] table = new Registration[8];
    int count;
    private long generation;
    /** Earliest retry of a backed-off registration (System.nanoTime), or Long.MAX_VALUE. */
    volatile long nextResume = Long.MAX_VALUE;
    /** A registration is to be called although epoll reports nothing ({@link Registration#kick}): the next wait does not block. */
    private volatile boolean kickPending;

    // the call in progress (lane thread writes, the registry's watchdog reads)
    volatile Registration current;
    volatile long callStart;

    // counters for the runtime DTOs (lane thread writes, anyone reads; no allocation, no lock)
    volatile long wakeups;
    volatile long calls;
    volatile long busyNanos;
    /** Calls started because busy-polling found a frame (no epoll_wait). */
    volatile long polls;
    /** Time spent busy-polling (spinning and yielding between looks), nanoseconds. */
    volatile long spinNanos;

    Lane(LaneRegistry registry, String name, boolean dedicated, IdleStrategy idle) throws LinuxException {
        this.registry = registry;
        this.name = name;
        this.dedicated = dedicated;
        this.idle = idle;
        int ep = Epoll.create();
        int wake;
        try {
            wake = Epoll.eventfd();
        } catch (LinuxException e) {
            Fds.closeQuietly(ep);
            throw e;
        }
        this.epfd = ep;
        this.wakeFd = wake;
        this.events = arena.allocate((long) Epoll.EVENT_SIZE * MAX_EVENTS, 8);
        this.drainScratch = arena.allocate(8, 8);
        this.signalScratch = arena.allocate(8, 8);
        this.ctlScratch = arena.allocate(Epoll.EVENT_SIZE, 8);
        try {
            Epoll.ctl(epfd, Epoll.EPOLL_CTL_ADD, wakeFd, Epoll.EPOLLIN, WAKE, ctlScratch);
        } catch (LinuxException e) {
            closeFds();
            throw e;
        }
        this.thread = Thread.ofPlatform().daemon().name(threadName(name)).unstarted(this::run);
    }

    static String threadName(String laneName) {
        return "expkt-dispatch-" + laneName;
    }

    String name() {
        return name;
    }

    /** Renames the lane (and its thread). Registry lock. */
    void rename(String newName) {
        name = newName;
        thread.setName(threadName(newName));
    }

    // ------------------------------------------------------------ table and epoll set (registry lock)

    void add(Registration r) throws LinuxException {
        Registration[] t = table;
        int i = 0;
        while (i < t.length && t[i] != null) {
            i++;
        }
        if (i == t.length) {
            t = java.util.Arrays.copyOf(t, t.length * 2);
        }
        long tag = (++generation << 32) | i;
        Epoll.ctl(epfd, Epoll.EPOLL_CTL_ADD, r.fd, r.armed ? Epoll.EPOLLIN : 0, tag, ctlScratch);
        Registration[] next = t == table ? t.clone() : t;
        next[i] = r;
        r.index = i;
        r.tag = tag;
        r.lane = this;
        count++;
        emptySince = 0;
        table = next;
        if (!r.armed) {
            nextResume = Math.min(nextResume, r.resumeAt);
            signal();
        }
        if (r.target.backlogged()) {
            // adopted across a provider update with copies to read first: its fd may never become readable for them
            r.kick = true;
            kickPending = true;
            signal();
        }
    }

    void remove(Registration r) {
        if (r.lane != this || r.index < 0) {
            return;
        }
        try {
            Epoll.ctl(epfd, Epoll.EPOLL_CTL_DEL, r.fd, 0, 0, ctlScratch);
        } catch (LinuxException e) {
            // the fd is closed already: the kernel dropped it from the set
        }
        Registration[] next = table.clone();
        next[r.index] = null;
        table = next;
        r.index = -1;
        count--;
    }

    /** Stops or resumes watching a registration's fd (back-off). */
    void arm(Registration r, boolean on) {
        if (r.lane != this || r.index < 0 || r.armed == on) {
            return;
        }
        try {
            Epoll.ctl(epfd, Epoll.EPOLL_CTL_MOD, r.fd, on ? Epoll.EPOLLIN : 0, r.tag, ctlScratch);
            r.armed = on;
        } catch (LinuxException e) {
            // the fd was closed under us; its close removes the registration
        }
        if (!on) {
            nextResume = Math.min(nextResume, r.resumeAt);
            signal(); // recompute the wait
        }
    }

    /** Wakes the lane's epoll_wait. Registry lock (so the eventfd is open). */
    void signal() {
        if (!fdsClosed) {
            Epoll.signal(wakeFd, signalScratch);
        }
    }

    /** Closes the lane's fds once. The constructor, or after {@link #fdsClosed} was set under the registry's lock. */
    void closeFds() {
        fdsClosed = true;
        Fds.closeQuietly(epfd);
        Fds.closeQuietly(wakeFd);
        arena.close();
    }

    // ------------------------------------------------------------ the agent loop (lane thread)

    private void run() {
        try {
            while (!stopping) {
                int timeout = kickPending ? 0 : -1;
                long resume = nextResume;
                if (resume != Long.MAX_VALUE) {
                    long left = resume - System.nanoTime();
                    timeout = left <= 0 || kickPending ? 0 : (int) Math.min(1000, (left + 999_999) / 1_000_000);
                }
                if (timeout != 0) {
                    long budget = busyPollBudget();
                    if (budget > 0 && busyPoll(budget)) {
                        afterRound();
                        continue; // a frame was found and handed over without a wake-up
                    }
                }
                int n;
                try {
                    n = Epoll.wait(epfd, events, MAX_EVENTS, timeout);
                } catch (LinuxException e) {
                    if (!stopping) {
                        registry.log().error("expkt dispatch: epoll_wait of lane " + name + " failed, the lane stops", e);
                    }
                    return;
                }
                wakeups = wakeups + 1;
                doWork(n);
                if (kickPending) {
                    kick();
                }
                afterRound();
            }
        } finally {
            registry.laneEnded(this);
        }
    }

    private void afterRound() {
        if (nextResume != Long.MAX_VALUE && System.nanoTime() - nextResume >= 0) {
            registry.resume(this, System.nanoTime());
        }
    }

    /** The largest busy-poll budget of the lane's active registrations, nanoseconds (0: block at once). Lane thread. */
    private long busyPollBudget() {
        long budget = 0;
        for (Registration r : table) {
            if (r != null && r.state == Registration.State.ACTIVE) {
                budget = Math.max(budget, r.target.busyPollNanos());
            }
        }
        return budget;
    }

    /**
     * Looks at the rings of the lane's active registrations until one has a frame (then calls it and
     * returns true) or {@code budget} nanoseconds went by, the lane is told to stop, or a backed-off
     * registration is due (false: the lane goes on to epoll_wait). Idles between looks as the
     * {@link IdleStrategy} says. Lane thread; allocates nothing.
     */
    private boolean busyPoll(long budget) {
        long start = System.nanoTime();
        long now = start;
        int i = 0;
        while (!stopping) {
            Registration[] t = table;
            for (Registration r : t) {
                if (r != null && peek(r)) {
                    spinNanos = spinNanos + (System.nanoTime() - start);
                    polls = polls + 1;
                    for (Registration o : t) { // every ring with frames, as one epoll round would
                        if (o != null && (o == r || peek(o))) {
                            call(o);
                        }
                    }
                    return true;
                }
            }
            if (idle.idle(i++)) {
                now = System.nanoTime();
                long resume = nextResume;
                if (now - start >= budget || (resume != Long.MAX_VALUE && now - resume >= 0)) {
                    break;
                }
            }
        }
        spinNanos = spinNanos + (now - start);
        return false;
    }

    /**
     * True if the active registration's ring has a frame. Looks under the same protocol as a call
     * ({@code inCall} set, then the state checked): a close that stops the registration meanwhile
     * waits for the look before it unmaps the ring, so the lane never reads a released ring.
     */
    private boolean peek(Registration r) {
        if (r.state != Registration.State.ACTIVE) {
            return false;
        }
        r.inCall = true;
        try {
            return r.state == Registration.State.ACTIVE && r.target.ready();
        } finally {
            r.inCall = false;
            if (r.attention) {
                registry.callEnded(r);
            }
        }
    }

    /** Calls each registration marked {@link Registration#kick} once (frames in user space that epoll cannot report). */
    private void kick() {
        kickPending = false;
        for (Registration r : table) {
            if (r != null && r.kick && !stopping) {
                r.kick = false;
                call(r);
            }
        }
    }

    /** Runs the bundle code of each ready fd once; returns the frames consumed. */
    private int doWork(int n) {
        int work = 0;
        for (int i = 0; i < n && !stopping; i++) {
            long data = Epoll.eventData(events, i);
            if (data == WAKE) {
                Epoll.drain(wakeFd, drainScratch);
                continue;
            }
            Registration[] t = table;
            int index = (int) data;
            Registration r = index >= 0 && index < t.length ? t[index] : null;
            if (r == null || r.tag != data) {
                continue; // removed or moved since epoll reported it
            }
            work += call(r);
        }
        return work;
    }

    private int call(Registration r) {
        if (r.state != Registration.State.ACTIVE) {
            return 0;
        }
        r.inCall = true;
        if (r.state != Registration.State.ACTIVE) { // a stop between the check and inCall: it does not wait for us
            r.inCall = false;
            registry.callEnded(r);
            return 0;
        }
        long start = System.nanoTime();
        callStart = start;
        current = r;
        long before = r.target.consumed();
        Throwable thrown = null;
        try {
            r.target.onReadable();
        } catch (Throwable t) {
            thrown = t;
        }
        int frames = (int) (r.target.consumed() - before);
        long took = System.nanoTime() - start;
        // read while inCall still holds off a close (afterwards the ring may be unmapped)
        boolean unread = frames == 0 && r.state == Registration.State.ACTIVE && r.target.ready();
        current = null;
        calls = calls + 1;
        busyNanos = busyNanos + took;
        r.calls = r.calls + 1;
        r.frames = r.frames + frames;
        r.nanos = r.nanos + took;
        r.handleTimes.record(took, frames);
        if (thrown != null) {
            r.errors = r.errors + 1;
            registry.threw(r, thrown, start);
        }
        r.inCall = false;
        if (r.attention) {
            registry.callEnded(r);
        }
        registry.afterCall(this, r, took, unread);
        if (frames > 0 && r.target.backlogged()) {
            // the call's budget ended inside the copies: call again next round (epoll may stay silent)
            r.kick = true;
            kickPending = true;
        }
        return frames;
    }
}
