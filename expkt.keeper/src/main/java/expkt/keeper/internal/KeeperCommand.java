package expkt.keeper.internal;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Gogo {@code expkt:keeper}: which provider engine serves the protocols' sockets, how many times one
 * took over from another (provider updates), and every kept socket with its owner, the engine revision
 * serving it, how often it was replayed and, loudly, why a replay failed.
 */
@Component(service = KeeperCommand.class, property = {
        "osgi.command.scope=expkt",
        "osgi.command.function=keeper"})
public final class KeeperCommand {
    private final EngineTracker tracker;
    private final EngineHandoverComponent handover;
    private final VrEngineTracker vrTracker;

    @Activate
    public KeeperCommand(@Reference EngineTracker tracker, @Reference EngineHandoverComponent handover,
                         @Reference VrEngineTracker vrTracker) {
        this.tracker = tracker;
        this.handover = handover;
        this.vrTracker = vrTracker;
    }

    public String keeper() {
        StringBuilder out = new StringBuilder();
        String engine = tracker.engine() == null ? "NONE (being updated; last: " + tracker.lastRevision() + ")"
                : tracker.lastRevision();
        out.append("engine: ").append(engine).append('\n');
        out.append("engines since start: ").append(tracker.swaps()).append(" (each after the first: a provider update the protocols did not see)\n");
        out.append(handover.describe()).append('\n');
        int failed = 0;
        int selectors = 0;
        int selectorKeys = 0;
        StringBuilder rows = new StringBuilder();
        for (KeptPacketService s : tracker.services()) {
            for (KeptSelector sel : s.selectors()) {
                selectors++;
                selectorKeys += sel.keys().size();
            }
            for (KeptSocket k : s.sockets()) {
                String failure = k.failureText();
                if (failure != null) {
                    failed++;
                }
                rows.append(String.format("%-32s %-8s %8d %8d  %s%n", k.ownerName(), failure == null ? "ok" : "FAILED",
                        k.replays(), k.adoptions(), failure == null ? k.servedBy() : failure));
            }
        }
        out.append(String.format("%-32s %-8s %8s %8s  %s%n", "OWNER", "STATE", "REPLAYS", "ADOPTED", "SERVED BY / WHY NOT"));
        out.append(rows);
        out.append("selectors: ").append(selectors).append(" kept, ").append(selectorKeys)
                .append(" key(s) (registered again on each new engine)\n");
        if (failed > 0) {
            out.append(failed).append(" socket(s) could not be restored after a provider update: their calls fail with this reason\n");
        }
        vr(out);
        return out.toString();
    }

    /** The VR engine (expkt.vr) and every kept raw, L3 and ALL socket: what serves it, how often its kernel socket was adopted. */
    private void vr(StringBuilder out) {
        String engine = vrTracker.engine() == null ? "NONE (last: " + vrTracker.lastRevision() + ")" : vrTracker.lastRevision();
        out.append("vr engine: ").append(engine).append('\n');
        out.append("vr engines since start: ").append(vrTracker.swaps())
                .append(" (each after the first: an update of expkt.vr the protocols did not see)\n");
        int failed = 0;
        int channels = 0;
        StringBuilder rows = new StringBuilder();
        for (KeptVrSockets s : vrTracker.vrSockets()) {
            channels += s.channelsMoved();
            for (KeptVrSocket<?, ?> k : s.kept()) {
                String failure = k.failureText();
                if (failure != null) {
                    failed++;
                }
                rows.append(String.format("%-32s %-10s %-8s %8d %8d  %s%n", k.ownerName(), k.kind(), failure == null ? "ok" : "FAILED",
                        k.replays(), k.adoptions(), failure == null ? k.servedBy() : failure));
            }
        }
        out.append(String.format("%-32s %-10s %-8s %8s %8s  %s%n", "VR SOCKET OWNER", "KIND", "STATE", "REPLAYS", "ADOPTED", "SERVED BY / WHY NOT"));
        out.append(rows);
        out.append("vr plain channels moved to a new revision: ").append(channels).append('\n');
        java.util.List<KeptVirtualRouters> registries = vrTracker.virtualRouters();
        long listeners = 0;
        long moves = 0;
        long duringSwap = 0;
        for (KeptVirtualRouters r : registries) {
            listeners += r.listeners();
            moves += r.moves();
            duringSwap += r.answeredDuringSwap();
        }
        out.append("VirtualRouters kept for ").append(registries.size()).append(" bundle(s), ").append(listeners)
                .append(" VR change listener(s); moved to a new revision: ").append(moves)
                .append("; lookups answered from the last VRs during an update: ").append(duringSwap).append('\n');
        if (failed > 0) {
            out.append(failed).append(" VR socket(s) could not be restored after an update of expkt.vr: their calls fail with this reason\n");
        }
    }
}
