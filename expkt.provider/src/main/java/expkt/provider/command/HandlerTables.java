package expkt.provider.command;

import expkt.api.packet.Filter;
import expkt.provider.dispatch.Dispatcher;
import expkt.provider.socket.L2Engine;
import expkt.provider.socket.PacketSocketImpl;
import expkt.provider.whiteboard.HandlerRuntime;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The text of {@code expkt:handlers}: every whiteboard handler (active, parked for an update, or
 * rejected) and every socket with a callback, with its bundle and version, frames, drops, exceptions
 * and time spent. LANE says where it runs: {@code lane-<bundle id>} (its bundle's handler thread),
 * {@code own-<bundle id>} / {@code own} (a thread of its own, after it was found slow), {@code shared}
 * (the shared callback dispatcher). Kept apart from the Gogo component so it is testable outside OSGi.
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
        for (PacketSocketImpl s : engine.sockets()) {
            if (!s.hasCallback()) {
                continue;
            }
            Dispatcher.Stats st = engine.dispatcher().stats(s.id());
            long calls = st == null ? 0 : st.calls();
            long nanos = st == null ? 0 : st.nanos();
            long frames = s.received();
            t.row("callback", s.owner(), "-", s.filters().stream().map(Filter::name).collect(Collectors.joining(",")), "-",
                    "active " + calls + " calls", "#" + s.id(), st != null && st.isolated() ? "own" : "shared", frames, s.drops(),
                    st == null ? 0 : st.errors(), String.format("%.1f", nanos / 1e6), frames == 0 ? "-" : Long.toString(nanos / frames), "-");
        }
        return t.toString() + t.size() + " handler(s)/callback(s); shared dispatcher: " + engine.dispatcher().callbacks()
                + " callbacks, " + engine.dispatcher().callbackErrors() + " threw"
                + (runtime == null ? "" : "; parked sockets are released " + runtime.graceMillis() + " ms after their handler went")
                + "\n";
    }
}
