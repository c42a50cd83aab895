package expkt.api.packet;

/** What the data plane does with a frame a filter matched. */
public enum FilterAction {
    /** The frame is put on the socket and still forwarded (and delivered locally). */
    UP_AND_CONTINUE,
    /** The frame is put on the socket and neither forwarded nor delivered locally. */
    UP_AND_DROP;

    /** Parses a name, either case; the error names the bad value and the valid ones. */
    public static FilterAction parse(String name) {
        for (FilterAction a : values()) {
            if (a.name().equalsIgnoreCase(name == null ? "" : name.trim())) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown filter action \"" + name + "\": expected UP_AND_CONTINUE or UP_AND_DROP");
    }
}
