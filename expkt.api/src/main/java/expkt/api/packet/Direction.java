package expkt.api.packet;

/** Which frames a filter looks at, seen from the data plane's ports. */
public enum Direction {
    /** Frames arriving on a port. */
    INGRESS,
    /** Frames leaving through a port. */
    EGRESS,
    /** Both. */
    BOTH;

    public static Direction parse(String name) {
        for (Direction d : values()) {
            if (d.name().equalsIgnoreCase(name == null ? "" : name.trim())) {
                return d;
            }
        }
        throw new IllegalArgumentException("unknown filter direction \"" + name + "\": expected INGRESS, EGRESS or BOTH");
    }

    public boolean includesIngress() {
        return this != EGRESS;
    }

    public boolean includesEgress() {
        return this != INGRESS;
    }
}
