package expkt.protocol.wol;

import expkt.api.net.MacAddress;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import java.io.IOException;

/** Gogo: {@code wol:stats} and {@code wol:wake <mac> <vlan>}. */
@Component(service = WolCommands.class, property = {
    "osgi.command.scope=wol",
    "osgi.command.function=stats",
    "osgi.command.function=wake"})
public final class WolCommands {
    private final WolRelay relay;

    @Activate
    public WolCommands(@Reference WolRelay relay) {
        this.relay = relay;
    }

    public String stats() {
        return relay.core().formatStats();
    }

    /** Sends one magic packet for {@code mac} into {@code vlan}; a malformed MAC or unknown VLAN is named. */
    public String wake(String mac, String vlan) throws IOException {
        MacAddress target = MacAddress.parse(mac);
        relay.wake(target, vlan);
        return "magic packet for " + target + " sent into VLAN " + vlan;
    }
}
