package expkt.provider.command;

import expkt.provider.dispatch.LaneRegistry;
import expkt.provider.dispatch.Registration;
import expkt.provider.socket.L2Engine;
import expkt.provider.socket.PacketSocketImpl;
import expkt.provider.whiteboard.HandlerRuntime;

import java.util.List;

/**
 * The text of {@code expkt:handlers}: every whiteboard handler (active, parked for an update, stuck,
 * or rejected) and every socket with a callback, with its bundle and version, frames, drops,
 * exceptions and time spent. STATE is {@code active}, {@code backed off} (its code left frames unread,
 * so the lane waits before calling it again), {@code parked N ms}, {@code stuck N ms} (still in a call
 * past the deadline of its stop: abandoned, its socket goes when the call returns) or
 * {@code REJECTED: reason}. LANE is the lane it runs on, as the dispatch registry knows it:
 * {@code lane-<bundle id>} (its bundle's handler lane), {@code shared} (the callback lane),
 * {@code own-<bundle id>} / {@code own-#<socket>} (a lane of its own, after it was found slow); the
 * lane's thread is {@code expkt-dispatch-<lane>}. Kept apart from the Gogo component so it is
 * testable outside OSGi.
 */
public final class HandlerTables {
    private HandlerTables() {
    }

    public static String handlers(HandlerRuntime runtime, L2Engine engine) {
        Tables t = new Tables("KIND", "BUNDLE", "VERSION", "FILTER", "MATCH", "STATE", "SOCKET", "LANE", "FRAMES", "DROPS",
                "EXCEPTIONS", "TIME_MS", "NS/FRAME", "VERSIONS");
        List<HandlerRuntime.Info> rows = runtime == null ? List.of() : runtime.handlers();
        for (HandlerRuntime.Info i : rows) {
            t.row("handler", i.symbolicName() + " [" + i.bundleId() + "]", i.version(), i.filterName(), i.match(), i.state(),
                    i.socketId() < 0 ? "-" : "#" + i.socketId(), i.lane(), i.frames(), i.drops(), i.exceptions(),
                    String.format("%.1f", i.nanos() / 1e6), i.frames() == 0 ? "-" : Long.toString(i.nanos() / i.frames()),
                    i.versions());
        }
        LaneRegistry lanes = engine.dispatcher();
        for (PacketSocketImpl s : engine.sockets()) {
            Registration r = s.callbackRegistration();
            if (r == null) {
                continue;
            }
            long frames = s.received();
            t.row("callback", s.owner(), "-", String.join(",", s.filterNames()), "-", r.state() + " " + r.calls() + " calls",
                    "#" + s.id(), r.laneName(), frames, s.drops(), r.errors(), String.format("%.1f", r.nanos() / 1e6),
                    frames == 0 ? "-" : Long.toString(r.nanos() / frames), "-");
        }
        return t.toString() + t.size() + " handler(s)/callback(s); lanes " + lanes.lanes() + ": " + lanes.calls() + " calls, "
                + lanes.errors() + " threw, " + lanes.stuckTotal() + " abandoned (stuck) so far"
                + (runtime == null ? "" : "; parked sockets are released " + runtime.graceMillis() + " ms after their handler went")
                + "\n";
    }
}
