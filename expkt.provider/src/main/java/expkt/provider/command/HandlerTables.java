package expkt.provider.command;

import expkt.api.runtime.DataPlaneDTO;
import expkt.api.runtime.ExpktRuntime;
import expkt.api.runtime.HandlerDTO;
import expkt.api.runtime.LaneDTO;
import expkt.provider.runtime.RuntimeSnapshots;
import expkt.provider.socket.L2Engine;
import expkt.provider.whiteboard.HandlerRuntime;

import java.util.Map;
import java.util.TreeMap;

/**
 * The text of {@code expkt:handlers}, printed from the runtime DTOs: every whiteboard handler (active,
 * parked for an update, stuck, or rejected) and every socket with a callback, with its bundle and
 * version, frames, drops, exceptions and time spent. STATE is {@code active}, {@code backed off} (its
 * code left frames unread, so the lane waits before calling it again), {@code parked N ms},
 * {@code stuck N ms} (still in a call past the deadline of its stop: abandoned, its socket goes when the
 * call returns) or {@code REJECTED: reason}. LANE is the lane it runs on, as the dispatch registry
 * knows it: {@code lane-<bundle id>} (its bundle's handler lane), {@code shared} (the callback lane),
 * {@code own-<bundle id>} / {@code own-#<socket>} (a lane of its own, after it was found slow); the
 * lane's thread is {@code expkt-dispatch-<lane>}. Kept apart from the Gogo component so it is
 * testable outside OSGi.
 */
public final class HandlerTables {
    private HandlerTables() {
    }

    public static String handlers(ExpktRuntime runtime) {
        Tables t = new Tables("KIND", "BUNDLE", "VERSION", "FILTER", "MATCH", "STATE", "SOCKET", "LANE", "FRAMES", "DROPS",
                "EXCEPTIONS", "TIME_MS", "NS/FRAME", "VERSIONS", "POLL_US");
        for (HandlerDTO h : runtime.handlers()) {
            boolean handler = HandlerDTO.HANDLER.equals(h.kind);
            t.row(h.kind, handler ? h.symbolicName + " [" + h.bundleId + "]" : h.symbolicName, h.version, h.filter, h.match,
                    h.state, h.socketId < 0 ? "-" : "#" + h.socketId, h.lane, h.frames, h.drops, h.exceptions,
                    String.format("%.1f", h.handleNanos / 1e6), h.frames == 0 ? "-" : Long.toString(h.handleNanos / h.frames),
                    handler ? Integer.toString(h.versions) : "-", h.busyPollMicros);
        }
        Map<String, Integer> lanes = new TreeMap<>();
        for (LaneDTO l : runtime.lanes()) {
            lanes.merge(l.name, l.registrations, Integer::sum);
        }
        DataPlaneDTO dp = runtime.dataPlane();
        return t.toString() + t.size() + " handler(s)/callback(s); lanes " + lanes + ": " + dp.dispatchCalls + " calls, "
                + dp.dispatchErrors + " threw, " + dp.dispatchStuck + " abandoned (stuck) so far"
                + (dp.parkedGraceMillis < 0 ? "" : "; parked sockets are released " + dp.parkedGraceMillis
                + " ms after their handler went")
                + "\n";
    }

    /** {@link #handlers(ExpktRuntime)} of an engine (and a handler runtime, or null) outside OSGi. */
    public static String handlers(HandlerRuntime runtime, L2Engine engine) {
        return handlers(RuntimeSnapshots.of(engine, runtime));
    }
}
