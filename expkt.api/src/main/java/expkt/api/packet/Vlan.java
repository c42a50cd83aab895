package expkt.api.packet;

import expkt.api.net.SlotPort;

import java.util.Set;

/**
 * A VLAN of the data plane model: frames sent to it leave every member port, with an 802.1Q tag on
 * tagged members and without one on untagged members.
 */
public record Vlan(String name, int tag, Set<SlotPort> tagged, Set<SlotPort> untagged) {
    public Vlan {
        tagged = Set.copyOf(tagged);
        untagged = Set.copyOf(untagged);
    }
}
