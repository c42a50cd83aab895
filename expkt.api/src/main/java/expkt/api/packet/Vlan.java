package expkt.api.packet;

import expkt.api.net.SlotPort;
import expkt.api.net.VlanId;

import java.util.Objects;
import java.util.Set;

/**
 * A VLAN of the data plane model: frames sent to it leave every member port, with an 802.1Q tag on
 * tagged members and without one on untagged members. Immutable and thread-safe.
 *
 * <p>A final class, not a record (since 2.0): a record's canonical constructor would make every new
 * field a breaking change. Make one with {@link #of}; equals, hashCode and toString are over all fields.
 */
public final class Vlan {
    private final String name;
    private final int tag;
    private final Set<SlotPort> tagged;
    private final Set<SlotPort> untagged;

    private Vlan(String name, int tag, Set<SlotPort> tagged, Set<SlotPort> untagged) {
        this.name = name;
        this.tag = tag;
        this.tagged = tagged;
        this.untagged = untagged;
    }

    /**
     * A VLAN named {@code name} with 802.1Q id {@code tag} (1..4094) and its member ports; a port may
     * not be both tagged and untagged. A bad value gives an {@link IllegalArgumentException} naming it.
     *
     * @since 2.0
     */
    public static Vlan of(String name, int tag, Set<SlotPort> tagged, Set<SlotPort> untagged) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("VLAN with tag " + tag + ": name is " + (name == null ? "null" : "blank (\"" + name + "\")"));
        }
        try {
            VlanId.check(tag);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("VLAN \"" + name + "\": " + e.getMessage(), e);
        }
        if (tagged == null || untagged == null) {
            throw new IllegalArgumentException("VLAN \"" + name + "\": the " + (tagged == null ? "tagged" : "untagged")
                    + " port set is null (give an empty set)");
        }
        Set<SlotPort> t = Set.copyOf(tagged);
        Set<SlotPort> u = Set.copyOf(untagged);
        for (SlotPort sp : t) {
            if (u.contains(sp)) {
                throw new IllegalArgumentException("VLAN \"" + name + "\": port " + sp + " is both tagged and untagged");
            }
        }
        return new Vlan(name, tag, t, u);
    }

    public String name() {
        return name;
    }

    /** The 802.1Q VLAN id. */
    public int tag() {
        return tag;
    }

    /** Ports that send and receive this VLAN's frames with its tag. */
    public Set<SlotPort> tagged() {
        return tagged;
    }

    /** Ports that send and receive this VLAN's frames without a tag. */
    public Set<SlotPort> untagged() {
        return untagged;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Vlan v && name.equals(v.name) && tag == v.tag && tagged.equals(v.tagged) && untagged.equals(v.untagged);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, tag, tagged, untagged);
    }

    /** As the record this was printed: {@code Vlan[name=.., tag=.., tagged=[..], untagged=[..]]}. */
    @Override
    public String toString() {
        return "Vlan[name=" + name + ", tag=" + tag + ", tagged=" + tagged + ", untagged=" + untagged + "]";
    }
}
