package expkt.protocol.lldp;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** Gogo: {@code lldp:neighbors} and {@code lldp:stats}. */
@Component(service = LldpCommands.class, property = {
    "osgi.command.scope=lldp",
    "osgi.command.function=neighbors",
    "osgi.command.function=stats"})
public final class LldpCommands {
    private final LldpAgent agent;

    @Activate
    public LldpCommands(@Reference LldpAgent agent) {
        this.agent = agent;
    }

    /** The neighbour table: port, chassis ID, port ID, system name, seconds left, other TLVs. */
    public String neighbors() {
        return agent.core().formatNeighbors(System.currentTimeMillis());
    }

    /** Counters and timers. */
    public String stats() {
        return agent.core().formatStats();
    }
}
