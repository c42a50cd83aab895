package expkt.protocol.wol;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The relay's validated configuration.
 *
 * @param relayVlans VLAN names the magic packets are relayed into
 * @param udpPort UDP port that carries magic packets (usually 9 or 7), 0 for none
 */
public record WolSettings(List<String> relayVlans, int udpPort) {
    public WolSettings {
        relayVlans = List.copyOf(relayVlans);
        if (udpPort < 0 || udpPort > 65535) {
            throw new IllegalArgumentException("Wake-on-LAN UDP port " + udpPort + " is outside 0..65535");
        }
        for (String v : relayVlans) {
            if (v.isBlank() || !v.matches("[A-Za-z0-9_.-]{1,32}")) {
                throw new IllegalArgumentException("Wake-on-LAN relay VLAN name \"" + v + "\" is not a VLAN name (1..32 of [A-Za-z0-9_.-])");
            }
        }
    }

    /** From the Metatype configuration: VLAN entries may also be comma-separated lists. */
    public static WolSettings from(WolConfig c) {
        LinkedHashSet<String> vlans = new LinkedHashSet<>();
        for (String entry : c.relay_vlans()) {
            for (String v : entry.split(",")) {
                if (!v.isBlank()) {
                    vlans.add(v.strip());
                }
            }
        }
        return new WolSettings(new ArrayList<>(vlans), c.udp_port());
    }
}
