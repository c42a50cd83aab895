package expkt.provider.socket;

import expkt.api.packet.PacketCallback;
import expkt.provider.dispatch.HandleTimes;
import expkt.provider.dispatch.LaneRegistry;
import expkt.provider.dispatch.Readable;
import expkt.provider.dispatch.Registration;

import java.io.IOException;

/**
 * How one socket is read by a dispatch lane: the registration of its callback (on the shared lane, or
 * its own once the registry isolates it) or of a whiteboard handler's delivery loop (on the handler's
 * lane), and what the lane runs for it ({@link LaneReader}). Kept apart from {@link PacketSocketImpl}
 * so the façade says what a socket holds and this class says who reads it and on which lane; the
 * lane, the budget and the isolation rule themselves are {@link LaneRegistry}'s.
 *
 * <p>Threading: registration and unregistration run under the socket's filter lock (the lock
 * {@link PacketSocketImpl#close(long)} takes to mark the socket closed, so a reader is never attached
 * to a closed fd), except the waits for a running call, which hold no lock ({@link #detach}): a lane
 * call may itself take the filter lock (a callback changing its filters). {@link LaneReader#onReadable}
 * runs on the lane's thread, one call at a time per socket. The fields are volatile: the lane, the
 * runtime snapshots and close read them without the lock.
 */
final class SocketLane {
    private final PacketSocketImpl socket;
    private final L2Engine engine;
    /** The socket's filter lock (see the class comment). */
    private final Object filterLock;
    /** The socket's callback, or null (none set, removed, or the socket closed). */
    private volatile PacketCallback callback;
    /** The lane registration reading the socket (its callback, or a whiteboard handler), or null. Set under the filter lock. */
    private volatile Registration reader;
    /** What {@link #reader} runs, to tell a callback's registration from a handler's. */
    private volatile LaneReader laneReader;

    SocketLane(PacketSocketImpl socket, L2Engine engine, Object filterLock) {
        this.socket = socket;
        this.engine = engine;
        this.filterLock = filterLock;
    }

    /** The registration reading the socket now (callback or handler), or null. */
    Registration reader() {
        return reader;
    }

    boolean hasCallback() {
        return callback != null;
    }

    /** No callback and no reader: the socket is read by nobody on a lane (an adopter must be so). Filter lock. */
    boolean idle() {
        return reader == null && callback == null;
    }

    /**
     * Throws if a whiteboard handler reads the socket: a socket has one reader, and a handler's socket
     * is the whiteboard's. Filter lock.
     */
    void refuseCallbackIfHandler() {
        LaneReader current = laneReader;
        if (reader != null && current != null && current.handler != null) {
            throw new IllegalStateException(socket + " is read by a whiteboard handler; it takes no callback");
        }
    }

    /**
     * Sets the callback and, on its first setting, registers it on the shared lane (the registry moves
     * it to {@code own-#id} if it is too slow there). A callback replaced later keeps the registration:
     * the lane reads {@link #callback} at each call. Filter lock, socket open.
     */
    void setCallback(PacketCallback cb) throws IOException {
        callback = cb;
        if (reader == null) {
            LaneReader r = new LaneReader(null);
            reader = engine.dispatcher().attach(socket.id(), socket.fd(), r, LaneRegistry.SHARED, "own-#" + socket.id());
            laneReader = r;
        }
    }

    /**
     * Forgets the callback and returns its registration (null if a handler reads the socket, or nobody)
     * for the caller to {@link #detach} outside the lock. Filter lock.
     */
    Registration removeCallback() {
        callback = null;
        return callbackRegistration();
    }

    /**
     * The lane registration of the socket's callback (also while a callback stuck past its close still
     * runs), or null.
     */
    Registration callbackRegistration() {
        Registration r = reader;
        LaneReader lr = laneReader;
        return r != null && lr != null && lr.handler == null ? r : null;
    }

    /**
     * Registers {@code target} (a whiteboard handler's delivery loop) on lane {@code lane}, isolated to
     * {@code ownLane} by the registry's rule. Filter lock, socket open, no reader (the façade says who
     * reads it instead) and no selector.
     */
    Registration attach(Readable target, String lane, String ownLane) throws IOException {
        LaneReader lr = new LaneReader(target);
        Registration r = engine.dispatcher().attach(socket.id(), socket.fd(), lr, lane, ownLane);
        reader = r;
        laneReader = lr;
        return r;
    }

    /**
     * Stops the reader and waits for its running call, holding no lock, until {@code deadlineNanos}.
     * True: idle, the socket has no reader any more. False: the call is stuck (abandoned by the
     * registry) or is this very thread's: the reader stays recorded, so the socket's close releases the
     * fd and ring only when the call returns.
     */
    boolean detach(Registration r, long deadlineNanos) {
        boolean idle = engine.dispatcher().awaitIdle(r, deadlineNanos);
        if (idle) {
            forget(r);
        } else if (!r.stuck()) {
            engine.dispatcher().onceIdle(r, () -> forget(r)); // stopped from its own call
        }
        return idle;
    }

    /** Forgets {@code r} if it is still the reader of the open socket (a closing socket clears it itself). */
    private void forget(Registration r) {
        synchronized (filterLock) {
            if (reader == r && socket.isOpen()) {
                reader = null;
                laneReader = null;
            }
        }
    }

    /** Stops the lane from calling the socket's callback or handler (a call in progress goes on); for a close that follows. */
    void stopCalls() {
        Registration r = reader;
        if (r != null) {
            engine.dispatcher().stop(r);
        }
    }

    /**
     * The socket is closing: no callback any more; returns the registration whose running call the
     * close waits for (it stays recorded until {@link #clear}). Filter lock.
     */
    Registration closing() {
        callback = null;
        return reader;
    }

    /** The socket was released or parked: no registration reads it any more. */
    void clear() {
        reader = null;
        laneReader = null;
    }

    /**
     * What a lane runs for the socket: the callback, or a whiteboard handler's delivery loop. The
     * socket sets the receive path's time budget around each call (the budget is the dispatch
     * registry's, {@link LaneRegistry#CALL_BUDGET_NANOS}; the receive path enforces it: "no frame"
     * once spent), and this reports the frames the call consumed. Lane thread; allocates nothing per
     * call (a callback's {@link #handleTimes()} is asked once, at registration).
     */
    private final class LaneReader implements Readable {
        private final Readable handler; // null: the socket's callback

        LaneReader(Readable handler) {
            this.handler = handler;
        }

        @Override
        public void onReadable() throws Exception {
            if (!socket.isOpen()) {
                return;
            }
            socket.enterLaneCall(handler == null);
            try {
                if (handler != null) {
                    handler.onReadable();
                } else {
                    PacketCallback cb = callback;
                    if (cb != null) {
                        cb.onReadable(socket);
                    }
                }
            } finally {
                socket.leaveLaneCall();
            }
        }

        @Override
        public long consumed() {
            return socket.received();
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
        public long busyPollNanos() {
            return socket.busyPollMicros() * 1000L;
        }

        @Override
        public String describe() {
            return handler != null ? handler.describe() : "the callback of socket #" + socket.id() + " of " + socket.ownerName();
        }

        @Override
        public HandleTimes handleTimes() {
            // a whiteboard handler keeps its histogram for its socket's life (across its bundle's updates)
            return handler != null ? handler.handleTimes() : new HandleTimes();
        }
    }
}
