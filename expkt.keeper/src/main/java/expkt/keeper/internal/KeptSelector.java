package expkt.keeper.internal;

import expkt.api.packet.PacketSelector;
import expkt.api.packet.PacketSocket;
import expkt.api.vr.L3Socket;
import expkt.api.vr.RawIpSocket;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.ClosedSelectorException;
import java.time.Duration;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A protocol's {@link PacketSelector} as the keeper holds it: it keeps the registrations (socket,
 * attachment, and its own {@link Key} objects, which stay valid across provider updates) and forwards
 * {@code select} to a selector of the current engine, on which each registration is registered with its
 * kept key as the engine key's attachment. When the engine goes ({@link #detach}), the engine's selector
 * is closed by the session's release: a {@code select} blocked in it returns there and waits here for the
 * next engine (within the caller's timeout; the update's grace period {@code expkt.upgrade.grace.ms} at
 * most); when the next engine serves ({@link #attach}), every registration is registered on a selector of
 * its session — a {@link KeptSocket} with itself (it forwards to its replayed engine socket), an L3 or raw
 * socket of {@code expkt.vr} as it is (not an engine object: its descriptor never closed) — and the
 * {@code select} goes on there. A registration that the next engine refuses (its socket closed, or could
 * not be replayed) becomes an invalid key, as a closed socket's does.
 *
 * <p>An engine that does not come back within the grace period (or is gone for good: the keeper withdraws
 * the packet service) makes {@code select} throw an {@link IOException} naming the update, as a kept
 * socket's calls do. Closing the selector, or the owner's bundle stopping (the keeper releases its packet
 * service, which closes it), cancels every key; a blocked {@code select} returns 0.
 *
 * <p>Threading: the {@link PacketSelector} contract. One thread selects at a time ({@code selectLock});
 * {@link #register}, {@link Key#cancel()}, {@link #wakeup()}, {@link #close()} from any thread, also while
 * another is blocked in {@code select}: registrations and the swap ({@link #attach}/{@link #detach}, on the
 * thread that updates the provider) are serialised on {@code regs}, which is never held while selecting
 * or waiting. The select path allocates nothing beyond what the engine's {@code select} allocates (the
 * provider's allocates nothing): the caller's timeout is handed on as it is, the engine keys' attachments
 * name the kept keys, and the selected keys go into a reused array; only a select that spans an update
 * computes the time it has left.
 */
final class KeptSelector implements PacketSelector {
    /** What the selector needs of its packet service and the keeper (an interface, so that it is tested without OSGi). */
    interface Owner {
        /** Notified when an engine came or went or a socket was replayed (the tracker's {@code engineChanged}). */
        Object changed();

        long graceMillis();

        /** No engine came back within the grace period: the packet service is being withdrawn. */
        boolean engineGoneForGood();

        /** The last engine revision that served. */
        String lastRevision();

        /** Why a select waiting for the next engine gives up: the end of the grace period, or SCR stopping. */
        String whyNoEngine();

        /** This selector closed: forget it. */
        void closed(KeptSelector selector);

        /** A registration the next engine refused (logged as a warning). */
        void refused(String what, Exception cause);
    }

    private final String name;
    private final Owner owner;
    private final ReentrantLock selectLock = new ReentrantLock();
    /** Guards the registrations and {@link #engine}'s changes; never held while selecting or waiting. */
    private final Object regs = new Object();
    private final List<KeptKey> keys = new ArrayList<>(); // regs
    private volatile PacketSelector engine;
    /** When {@link #engine} went (System.nanoTime()), for the grace period; valid while it is null. */
    private volatile long detachedAt;
    private volatile boolean closed;
    /** Set by {@link #wakeup()}: a select waiting for the next engine returns, and the next engine's selector is woken. */
    private final AtomicBoolean wakeRequested = new AtomicBoolean();
    // the selected keys: reused, select lock
    private KeptKey[] selected = new KeptKey[8];
    private int selectedCount;
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

    /** @param engine a selector of the current engine, or null while the engine is being replaced */
    KeptSelector(String name, Owner owner, PacketSelector engine) {
        this.name = name;
        this.owner = owner;
        this.engine = engine;
        this.detachedAt = System.nanoTime();
    }

    // ------------------------------------------------------------------ keys

    private enum Kind {
        PACKET("packet socket"), L3("L3 socket"), RAW("raw IP socket");

        final String text;

        Kind(String text) {
            this.text = text;
        }
    }

    private final class KeptKey implements Key {
        final Object socket;
        final Object attachment;
        final Kind kind;
        /** The registration on the current engine's selector; null during an update (or before the first). */
        volatile Key engineKey;
        volatile boolean valid = true;

        KeptKey(Object socket, Object attachment, Kind kind) {
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
            return KeptSelector.this;
        }

        @Override
        public boolean isValid() {
            if (!valid || closed) {
                return false;
            }
            Key e = engineKey;
            return e == null ? socketOpen() : e.isValid();
        }

        /** During an update: a kept socket closed by its owner meanwhile is not valid any more. */
        private boolean socketOpen() {
            return !(socket instanceof KeptSocket k) || k.isOpen();
        }

        @Override
        public void cancel() {
            Key e;
            synchronized (regs) {
                if (!valid) {
                    return;
                }
                valid = false;
                keys.remove(this);
                e = engineKey;
                engineKey = null;
            }
            if (e != null) {
                e.cancel();
            }
        }

        /** Registers this key's socket on {@code sel} (regs held). */
        Key registerOn(PacketSelector sel) throws IOException {
            return switch (kind) {
                case PACKET -> sel.register((PacketSocket) socket, this);
                case L3 -> sel.register((L3Socket<?>) socket, this);
                case RAW -> sel.register((RawIpSocket) socket, this);
            };
        }

        @Override
        public String toString() {
            return "key of " + kind.text + " " + socket + (isValid() ? "" : " (cancelled)");
        }
    }

    @Override
    public Key register(PacketSocket socket, Object attachment) throws IOException {
        return register(socket, attachment, Kind.PACKET);
    }

    @Override
    public Key register(L3Socket<?> socket, Object attachment) throws IOException {
        return register(socket, attachment, Kind.L3);
    }

    @Override
    public Key register(RawIpSocket socket, Object attachment) throws IOException {
        return register(socket, attachment, Kind.RAW);
    }

    private Key register(Object socket, Object attachment, Kind kind) throws IOException {
        if (socket == null) {
            throw new IllegalArgumentException(kind.text + " to register is null");
        }
        ensureOpen();
        KeptKey key = new KeptKey(socket, attachment, kind);
        synchronized (regs) {
            ensureOpen();
            for (KeptKey k : keys) {
                if (k.socket == socket && k.isValid()) {
                    throw new IllegalArgumentException(kind.text + " " + socket + " is registered with this selector already");
                }
            }
            PacketSelector sel = engine;
            if (sel != null) {
                key.engineKey = key.registerOn(sel); // the engine's checks (a callback, a closed socket) answer the caller
            } else if (socket instanceof KeptSocket k && !k.isOpen()) {
                throw new java.nio.channels.ClosedChannelException();
            }
            keys.add(key);
        }
        return key;
    }

    // ------------------------------------------------------------------ the swap

    /** The engine is going (under the tracker's swap lock): its selector is closed next, by the session's release. */
    void detach() {
        synchronized (regs) {
            if (engine == null) {
                return;
            }
            PacketSelector old = engine;
            boolean oldOpen = old.isOpen(); // closed already: its keys say nothing about their sockets
            engine = null;
            detachedAt = System.nanoTime();
            for (KeptKey k : keys) {
                Key e = k.engineKey;
                if (oldOpen ? e != null && !e.isValid() : !k.socketOpen()) {
                    k.valid = false; // its socket closed on the old engine (or its VR channel was closed)
                }
                k.engineKey = null;
            }
            keys.removeIf(k -> !k.valid);
        }
    }

    /**
     * The next engine serves and every kept socket was replayed on it: registers every key on {@code next}
     * (a selector of the owner's new session) and lets a waiting {@code select} go on there. Returns how many
     * registrations it refused (those keys are invalid now).
     */
    int attach(PacketSelector next) {
        int refused = 0;
        synchronized (regs) {
            if (closed) {
                next.close();
                return 0;
            }
            for (KeptKey k : keys) {
                try {
                    k.engineKey = k.registerOn(next);
                } catch (IOException | RuntimeException e) {
                    k.valid = false;
                    refused++;
                    owner.refused(name + ": " + k + " could not be registered again after the provider's update", e);
                }
            }
            keys.removeIf(k -> !k.valid);
            engine = next;
            if (wakeRequested.get()) {
                next.wakeup(); // a wakeup during the update is for the next select too
            }
        }
        notifyChanged();
        return refused;
    }

    private void notifyChanged() {
        Object changed = owner.changed();
        synchronized (changed) {
            changed.notifyAll();
        }
    }

    // ------------------------------------------------------------------ select

    @Override
    public int select(Duration timeout) throws IOException {
        if (timeout != null && timeout.isNegative()) {
            throw new IllegalArgumentException("select timeout " + timeout + " is negative (null waits for ever, ZERO does not wait)");
        }
        ensureOpen();
        selectLock.lock();
        try {
            ensureOpen();
            selectedCount = 0;
            long start = System.nanoTime(); // the caller's timeout counts from here
            boolean swapped = false; // once an update came between, the time left is computed
            while (true) {
                PacketSelector sel = engine;
                if (sel == null) {
                    swapped = true;
                    if (!awaitEngine(timeout, start)) {
                        return 0; // the timeout, a wakeup, or closed
                    }
                    continue;
                }
                Duration t = timeout;
                if (swapped && timeout != null) {
                    long left = timeout.toNanos() - (System.nanoTime() - start);
                    t = left <= 0 ? Duration.ZERO : Duration.ofNanos(left);
                }
                int n;
                try {
                    n = sel.select(t);
                } catch (ClosedSelectorException e) {
                    if (closed) {
                        throw e;
                    }
                    n = 0; // closed by the engine's session between our read and its select: an update
                }
                if (closed) {
                    selectedCount = 0;
                    return 0;
                }
                if (n > 0) {
                    wakeRequested.set(false);
                    return collect(sel, n);
                }
                if (sel.isOpen()) {
                    wakeRequested.set(false);
                    return 0; // the timeout or a wakeup
                }
                // the engine's selector was closed under this select: an update (detached, or about to be)
                swapped = true;
                if (wakeRequested.getAndSet(false) || timeout != null && timeout.isZero()) {
                    return 0;
                }
                if (engine == sel) {
                    // closed but not detached (yet): wait for the keeper to replace it, as for an update
                    awaitDetachedOrReplaced(sel, timeout, start);
                    if (closed || engine == sel) {
                        return 0; // closed, the timeout or a wakeup
                    }
                }
                // the next engine's selector, or none yet (awaitEngine above)
            }
        } finally {
            selectLock.unlock();
        }
    }

    /** Copies the engine's selected keys (their attachments are our keys) into ours; no allocation unless it grows. */
    private int collect(PacketSelector sel, int n) {
        List<Key> ready = sel.selectedKeys();
        int count = 0;
        for (int i = 0; i < n && i < ready.size(); i++) {
            Object a = ready.get(i).attachment();
            if (a instanceof KeptKey k && k.valid) {
                if (count == selected.length) {
                    selected = Arrays.copyOf(selected, selected.length * 2);
                }
                selected[count++] = k;
            }
        }
        selectedCount = count;
        return count;
    }

    /**
     * Waits (on the keeper's {@code engineChanged}) until the next engine's selector is attached; false if the
     * caller's timeout passed, a wakeup came or the selector was closed first. Throws once the grace period
     * since the engine left is over or the engine is gone for good.
     */
    private boolean awaitEngine(Duration timeout, long start) throws IOException {
        long graceDeadline = detachedAt + owner.graceMillis() * 1_000_000L;
        long timeoutNanos = timeout == null ? -1 : saturatedNanos(timeout);
        Object changed = owner.changed();
        synchronized (changed) {
            while (engine == null) {
                if (closed || wakeRequested.getAndSet(false)) {
                    return false;
                }
                long now = System.nanoTime();
                long graceLeft = graceDeadline - now;
                if (graceLeft <= 0 || owner.engineGoneForGood()) {
                    throw new IOException(this + ": " + owner.whyNoEngine());
                }
                long wait = graceLeft;
                if (timeoutNanos >= 0) {
                    long left = timeoutNanos - (now - start);
                    if (left <= 0) {
                        return false;
                    }
                    wait = Math.min(wait, left);
                }
                try {
                    changed.wait(Math.max(1, wait / 1_000_000L));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted in select while the packet provider was being updated");
                }
            }
        }
        return true;
    }

    /** The engine's selector closed without a detach: waits (grace period at most) for the keeper to replace it. */
    private void awaitDetachedOrReplaced(PacketSelector sel, Duration timeout, long start) throws IOException {
        long deadline = System.nanoTime() + owner.graceMillis() * 1_000_000L;
        long timeoutNanos = timeout == null ? -1 : saturatedNanos(timeout);
        Object changed = owner.changed();
        synchronized (changed) {
            while (engine == sel && !closed) {
                if (wakeRequested.getAndSet(false)) {
                    return;
                }
                long now = System.nanoTime();
                if (deadline - now <= 0 || owner.engineGoneForGood()) {
                    throw new IOException(this + ": the packet engine's selector was closed (last engine: "
                            + owner.lastRevision() + ") and no update replaced it within the grace period of "
                            + owner.graceMillis() + " ms (" + EngineTracker.GRACE_PROPERTY + ")");
                }
                long wait = deadline - now;
                if (timeoutNanos >= 0) {
                    long left = timeoutNanos - (now - start);
                    if (left <= 0) {
                        return;
                    }
                    wait = Math.min(wait, left);
                }
                try {
                    changed.wait(Math.max(1, wait / 1_000_000L));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted in select while the packet provider was being updated");
                }
            }
        }
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 4;
        }
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
        synchronized (regs) {
            for (KeptKey k : keys) {
                if (k.isValid()) {
                    out.add(k);
                }
            }
        }
        return out;
    }

    @Override
    public void wakeup() {
        wakeRequested.set(true);
        PacketSelector sel = engine;
        if (sel != null) {
            sel.wakeup();
        }
        notifyChanged();
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

    /** The engine's selector serving now (null during an update); for the listing and tests. */
    PacketSelector engineSelector() {
        return engine;
    }

    @Override
    public void close() {
        PacketSelector sel;
        synchronized (regs) {
            if (closed) {
                return;
            }
            closed = true;
            for (KeptKey k : keys) {
                k.valid = false;
                k.engineKey = null;
            }
            keys.clear();
            sel = engine;
            engine = null;
        }
        if (sel != null) {
            sel.close(); // cancels its keys; a select blocked in it returns 0
        }
        notifyChanged(); // a select waiting for the next engine returns 0
        owner.closed(this);
    }

    @Override
    public String toString() {
        return "packet selector of " + name + (closed ? " (closed)" : "");
    }
}
