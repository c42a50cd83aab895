package expkt.provider.select;

import expkt.api.packet.PacketSelector;
import expkt.api.packet.PacketSocket;
import expkt.api.vr.L3Socket;
import expkt.api.vr.RawIpSocket;
import expkt.linux.Epoll;
import expkt.linux.Fds;
import expkt.linux.LinuxException;
import expkt.linux.Selectable;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.ClosedSelectorException;
import java.time.Duration;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * A {@link PacketSelector} on one epoll set. Packet sockets are added edge-triggered (a wake-up per
 * retired ring block) and asked {@link Selectable#ready()} at every select, because their readiness is
 * the ring's: a reader that holds a fully read block keeps the descriptor "readable" to the kernel.
 * L3 and raw sockets are added level-triggered: the kernel's readiness is the answer.
 *
 * <p>Keys are found from epoll events by a tag (table index and a generation), never by descriptor
 * number, and a socket removes its descriptor from the set (through {@link Selectable.Watcher}) before
 * it closes it: a closed and reused descriptor number can never be taken for the old socket.
 *
 * <p>Threading: {@link #select} holds the select lock (one selecting thread); the key table, the epoll
 * set's changes and the eventfd are guarded by {@code state}, which is never held while calling a
 * socket. The select loop reads the table through a volatile array and allocates nothing.
 */
public final class PacketSelectorImpl implements PacketSelector {
    static final int MAX_EVENTS = 64;
    private static final long WAKE = -1L;

    /** Something the selector can be closed with: its owner's list of selectors, told when it closes. */
    public interface OnClose {
        void closed(PacketSelectorImpl selector);
    }

    private final String owner;
    private final OnClose onClose;
    private final Object state = new Object();
    private final ReentrantLock selectLock = new ReentrantLock();
    private final Arena arena = Arena.ofShared();
    private final MemorySegment events;
    private final MemorySegment ctlScratch;   // state lock
    private final MemorySegment wakeScratch;  // state lock
    private final MemorySegment drainScratch; // select lock
    private final int epfd;
    private final int wakeFd;
    private volatile KeyImpl[] table = new KeyImpl[8];
    private int count;
    private long generation;
    private volatile boolean closed;
    /** Set by {@link #wakeup()}; a select that finds it returns (the eventfd also wakes for a registration's rescan). */
    private final java.util.concurrent.atomic.AtomicBoolean wakeRequested = new java.util.concurrent.atomic.AtomicBoolean();
    private boolean fdsReleased; // state lock
    // the selected set: reused, select lock
    private KeyImpl[] selected = new KeyImpl[8];
    private int selectedCount;
    private long round;
    private final List<Key> selectedView = new AbstractList<>() {
        @Override
        public Key get(int index) {
            if (index < 0 || index >= selectedCount) {
                throw new IndexOutOfBoundsException("selected key " + index + " of " + selectedCount);
            }
            return selected[index];
        }

        @Override
        public int size() {
            return selectedCount;
        }
    };

    public PacketSelectorImpl(String owner, OnClose onClose) throws IOException {
        this.owner = owner;
        this.onClose = onClose;
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
        this.ctlScratch = arena.allocate(Epoll.EVENT_SIZE, 8);
        this.wakeScratch = arena.allocate(8, 8);
        this.drainScratch = arena.allocate(8, 8);
        try {
            Epoll.ctl(epfd, Epoll.EPOLL_CTL_ADD, wakeFd, Epoll.EPOLLIN, WAKE, ctlScratch);
        } catch (LinuxException e) {
            releaseFds();
            throw e;
        }
    }

    // ------------------------------------------------------------------ keys

    private final class KeyImpl implements Key, Selectable.Watcher {
        final Selectable target;
        final Object socket;
        final Object attachment;
        final String kind;
        int fd = -1;        // state lock
        long tag;           // state lock (read by the select loop after the table's volatile read)
        int index = -1;     // state lock
        volatile boolean valid = true;
        long selectedRound; // select lock

        KeyImpl(Selectable target, Object socket, Object attachment, String kind) {
            this.target = target;
            this.socket = socket;
            this.attachment = attachment;
            this.kind = kind;
        }

        @Override
        public Object socket() {
            return socket;
        }

        @Override
        public Object attachment() {
            return attachment;
        }

        @Override
        public PacketSelector selector() {
            return PacketSelectorImpl.this;
        }

        @Override
        public boolean isValid() {
            return valid && !closed;
        }

        @Override
        public void cancel() {
            drop(this, true);
            target.unwatch(this);
        }

        @Override
        public void fdGone(Selectable s) {
            drop(this, true); // the descriptor is still open: take it out of the set by its number now
        }

        @Override
        public void fdReplaced(Selectable s, int newFd) {
            synchronized (state) {
                if (!valid || fdsReleased || index < 0) {
                    fd = newFd;
                    return;
                }
                try {
                    Epoll.ctl(epfd, Epoll.EPOLL_CTL_DEL, fd, 0, 0, ctlScratch);
                } catch (LinuxException e) {
                    // not in the set any more (closed under us): nothing to remove
                }
                fd = newFd;
                try {
                    Epoll.ctl(epfd, Epoll.EPOLL_CTL_ADD, newFd, interest(target), tag, ctlScratch);
                } catch (LinuxException e) {
                    valid = false; // loud at the next select: the key is gone from keys()
                    removeFromTable(this);
                }
            }
        }

        @Override
        public String toString() {
            return "key of " + kind + " " + socket + (valid ? "" : " (cancelled)");
        }
    }

    private static int interest(Selectable s) {
        return s.userSpaceReadiness() ? Epoll.EPOLLIN | Epoll.EPOLLET : Epoll.EPOLLIN;
    }

    @Override
    public Key register(PacketSocket socket, Object attachment) throws IOException {
        return register(socket, attachment, "packet socket");
    }

    @Override
    public Key register(L3Socket<?> socket, Object attachment) throws IOException {
        return register(socket, attachment, "L3 socket");
    }

    @Override
    public Key register(RawIpSocket socket, Object attachment) throws IOException {
        return register(socket, attachment, "raw IP socket");
    }

    private Key register(Object socket, Object attachment, String kind) throws IOException {
        if (socket == null) {
            throw new IllegalArgumentException(kind + " to register is null");
        }
        if (!(socket instanceof Selectable target)) {
            throw new IllegalArgumentException(kind + " " + socket + " (" + socket.getClass().getName()
                    + ") was not made by expkt's PacketService or VrSockets: only those can be selected");
        }
        ensureOpen();
        for (KeyImpl k : table) {
            if (k != null && k.socket == socket && k.valid) {
                throw new IllegalArgumentException(kind + " " + socket + " is registered with this selector already");
            }
        }
        KeyImpl key = new KeyImpl(target, socket, attachment, kind);
        int fd = target.watch(key); // from now on the socket tells the key before its fd goes
        try {
            synchronized (state) {
                if (closed) {
                    throw new ClosedSelectorException();
                }
                if (!key.valid) {
                    throw new java.nio.channels.ClosedChannelException(); // closed while we registered
                }
                if (key.fd < 0) {
                    key.fd = fd; // else a VR change replaced it since watch (fdReplaced): the new one counts
                }
                addToTable(key);
                try {
                    Epoll.ctl(epfd, Epoll.EPOLL_CTL_ADD, key.fd, interest(target), key.tag, ctlScratch);
                } catch (LinuxException e) {
                    removeFromTable(key);
                    key.valid = false;
                    throw e;
                }
            }
        } catch (IOException | RuntimeException e) {
            target.unwatch(key);
            throw e;
        }
        if (target.userSpaceReadiness()) {
            signal(); // frames queued before the edge-triggered registration: a blocked select looks at the ring again
        }
        return key;
    }

    private void addToTable(KeyImpl key) {
        KeyImpl[] t = table;
        int i = 0;
        while (i < t.length && t[i] != null) {
            i++;
        }
        KeyImpl[] next = i == t.length ? java.util.Arrays.copyOf(t, t.length * 2) : t.clone();
        key.index = i;
        key.tag = (++generation << 32) | i;
        next[i] = key;
        count++;
        table = next;
    }

    private void removeFromTable(KeyImpl key) {
        if (key.index < 0) {
            return;
        }
        KeyImpl[] next = table.clone();
        next[key.index] = null;
        key.index = -1;
        count--;
        table = next;
    }

    /** Invalidates the key; {@code del}: remove its descriptor from the set (it must still be the socket's). */
    private void drop(KeyImpl key, boolean del) {
        synchronized (state) {
            if (!key.valid) {
                return;
            }
            key.valid = false;
            if (del && !fdsReleased && key.index >= 0) {
                try {
                    Epoll.ctl(epfd, Epoll.EPOLL_CTL_DEL, key.fd, 0, 0, ctlScratch);
                } catch (LinuxException e) {
                    // closed already (the kernel dropped it from the set)
                }
            }
            removeFromTable(key);
        }
    }

    // ------------------------------------------------------------------ select

    @Override
    public int select(Duration timeout) throws IOException {
        if (timeout != null && timeout.isNegative()) {
            throw new IllegalArgumentException("select timeout " + timeout + " is negative (null waits for ever, ZERO does not wait)");
        }
        ensureOpen();
        long timeoutNanos = timeout == null ? -1 : saturatedNanos(timeout);
        selectLock.lock();
        try {
            ensureOpen();
            selectedCount = 0;
            long r = ++round;
            long deadline = timeoutNanos < 0 ? 0 : System.nanoTime() + timeoutNanos;
            while (true) {
                boolean woken = false;
                collectUserSpace(r);
                int wait;
                if (selectedCount > 0 || timeoutNanos == 0) {
                    wait = 0;
                } else if (timeoutNanos < 0) {
                    wait = -1;
                } else {
                    long left = deadline - System.nanoTime();
                    wait = left <= 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, (left + 999_999) / 1_000_000);
                }
                int n = Epoll.wait(epfd, events, MAX_EVENTS, wait);
                if (closed) {
                    selectedCount = 0;
                    return 0;
                }
                KeyImpl[] t = table;
                for (int i = 0; i < n; i++) {
                    long data = Epoll.eventData(events, i);
                    if (data == WAKE) {
                        Epoll.drain(wakeFd, drainScratch);
                        woken |= wakeRequested.getAndSet(false); // a registration's rescan is not a wakeup: it only loops
                        continue;
                    }
                    int index = (int) data;
                    KeyImpl k = index >= 0 && index < t.length ? t[index] : null;
                    if (k == null || k.tag != data || !k.valid) {
                        continue; // cancelled or replaced since epoll reported it
                    }
                    if (k.target.userSpaceReadiness() ? k.target.ready() : k.target.isOpen()) {
                        add(k, r);
                    }
                }
                collectUserSpace(r);
                sweepClosed(t);
                if (selectedCount > 0 || woken || timeoutNanos == 0
                        || (timeoutNanos > 0 && deadline - System.nanoTime() <= 0)) {
                    return selectedCount;
                }
                // an edge-triggered wake-up whose ring had nothing for us, or a key cancelled meanwhile: wait on
            }
        } finally {
            selectLock.unlock();
            if (closed) {
                releaseFdsOnce();
            }
        }
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 2;
        }
    }

    /** Adds every packet socket whose ring holds frames (no system call). */
    private void collectUserSpace(long r) {
        for (KeyImpl k : table) {
            if (k != null && k.valid && k.target.userSpaceReadiness() && k.target.ready()) {
                add(k, r);
            }
        }
    }

    /** Cancels the keys of L3 channels closed directly (the kernel dropped their descriptor from the set). */
    private void sweepClosed(KeyImpl[] t) {
        for (KeyImpl k : t) {
            if (k != null && k.valid && !k.target.isOpen()) {
                drop(k, false);
                k.target.unwatch(k);
            }
        }
    }

    private void add(KeyImpl k, long r) {
        if (k.selectedRound == r) {
            return; // once per select
        }
        k.selectedRound = r;
        if (selectedCount == selected.length) {
            selected = java.util.Arrays.copyOf(selected, selected.length * 2);
        }
        selected[selectedCount++] = k;
    }

    @Override
    public int select(Consumer<Key> action, Duration timeout) throws IOException {
        int n = select(timeout);
        for (int i = 0; i < n; i++) {
            action.accept(selected[i]);
        }
        return n;
    }

    @Override
    public List<Key> selectedKeys() {
        return selectedView;
    }

    @Override
    public List<Key> keys() {
        List<Key> out = new ArrayList<>();
        for (KeyImpl k : table) {
            if (k != null && k.valid) {
                out.add(k);
            }
        }
        return out;
    }

    @Override
    public void wakeup() {
        wakeRequested.set(true);
        signal();
    }

    private void signal() {
        synchronized (state) {
            if (!fdsReleased) {
                Epoll.signal(wakeFd, wakeScratch);
            }
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new ClosedSelectorException();
        }
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    /** Valid keys (for the listing). */
    public int keyCount() {
        synchronized (state) {
            return count;
        }
    }

    @Override
    public void close() {
        List<KeyImpl> keys = new ArrayList<>();
        synchronized (state) {
            if (closed) {
                return;
            }
            closed = true;
            for (KeyImpl k : table) {
                if (k != null) {
                    k.valid = false;
                    keys.add(k);
                }
            }
            table = new KeyImpl[1];
            count = 0;
            if (!fdsReleased) {
                Epoll.signal(wakeFd, wakeScratch); // a blocked select returns
            }
        }
        for (KeyImpl k : keys) {
            k.target.unwatch(k);
        }
        if (selectLock.tryLock()) { // else the selecting thread releases them on its way out
            try {
                releaseFdsOnce();
            } finally {
                selectLock.unlock();
            }
        }
        onClose.closed(this);
    }

    private void releaseFdsOnce() {
        synchronized (state) {
            if (fdsReleased) {
                return;
            }
            fdsReleased = true;
        }
        releaseFds();
    }

    private void releaseFds() {
        Fds.closeQuietly(epfd);
        Fds.closeQuietly(wakeFd);
        arena.close();
    }

    @Override
    public String toString() {
        return "packet selector of " + owner + (closed ? " (closed)" : "");
    }
}
