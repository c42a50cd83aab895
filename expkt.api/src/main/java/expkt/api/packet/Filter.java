package expkt.api.packet;

import expkt.api.net.MacAddress;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A named filter: which frames come up to a socket, and whether the data plane still forwards them.
 * The seed's {@code setup_filter(name, action, dstmac, ethertype, vr, ethertype_offset)} with
 * {@code direction} from EXOS's docs. Build one with {@link #named(String)}:
 *
 * <pre>{@code
 * sock.setupFilter(Filter.named("filter1").dstmac("00:E0:2B:00:00:00").build());    // UP_AND_CONTINUE, INGRESS
 * sock.setupFilter(Filter.named("filter2").ethertype(0x0842).build());
 * sock.setupFilter(Filter.named("lldp").dstmac(MacAddress.LLDP_NEAREST_BRIDGE).ethertype(0x88CC)
 *         .action(FilterAction.UP_AND_DROP).build());
 * }</pre>
 *
 * (This example is compiled by {@code FilterJavadocExampleTest}.)
 *
 * <p>{@code ethertype_offset}: the seed's default is 24, "the location of the ethertype in the packet
 * (measured in bytes)". In an Ethernet frame the ethertype is at byte 12 (16 behind one 802.1Q tag, 20
 * behind two), never at 24: EXOS counts in the frame layout of its own CPU path, which this data plane
 * does not have. So a ported {@code ethertype_offset=24} is refused (an {@link IllegalArgumentException}
 * saying what to write), never taken as byte 24 of the frame (inside the IP header): leave it out (the
 * default matches the ethertype after any 802.1Q/802.1ad tags, which is what 24 meant there), or give
 * the raw offset of the field in the frame as {@code recvfrom} returns it.</p>
 *
 * <p>Validation happens in {@link Builder#build()} (and so in {@code setupFilter}): a bad value gives
 * an {@link IllegalArgumentException} that names it.
 *
 * @param name unique across the host; 1..{@value #MAX_NAME_LENGTH} of {@code [A-Za-z0-9_.-]}
 * @param dstmac destination MAC to match, or null
 * @param ethertype ethertype to match (0..0xFFFF), or -1 for none
 * @param action what the data plane does with a match
 * @param direction which frames are looked at
 * @param vr name of the virtual router to filter on, or null for every VR
 * @param ethertypeOffset -1 (default): the ethertype after any 802.1Q/802.1ad tags; otherwise the raw
 *        byte offset of a 16-bit field in the frame as the socket sees it; 24, the seed's default counted in
 *        EXOS's frame layout, is refused (see above)
 */
public record Filter(String name, MacAddress dstmac, int ethertype, FilterAction action, Direction direction,
                     String vr, int ethertypeOffset) {

    public static final int MAX_NAME_LENGTH = 32;
    public static final int NO_ETHERTYPE = -1;
    public static final int DEFAULT_OFFSET = -1;
    /**
     * The seed's default {@code ethertype_offset} (24), counted in EXOS's frame layout: refused, with
     * the message saying what to write instead (see the class comment).
     *
     * @since 1.4
     */
    public static final int EXOS_DEFAULT_OFFSET = 24;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]+");

    public Filter {
        checkName(name);
        if (dstmac == null && ethertype == NO_ETHERTYPE) {
            throw new IllegalArgumentException("filter \"" + name + "\" needs a dstmac, an ethertype, or both");
        }
        if (ethertype != NO_ETHERTYPE && (ethertype < 0 || ethertype > 0xFFFF)) {
            throw new IllegalArgumentException("filter \"" + name + "\": ethertype " + ethertype
                    + " (0x" + Integer.toHexString(ethertype) + ") is outside 0..0xFFFF");
        }
        Objects.requireNonNull(action, "filter \"" + name + "\": action is null");
        Objects.requireNonNull(direction, "filter \"" + name + "\": direction is null");
        if (ethertypeOffset == EXOS_DEFAULT_OFFSET) {
            throw new IllegalArgumentException("filter \"" + name + "\": ethertype offset 24 is the seed's (EXOS's) default, counted in"
                    + " EXOS's own frame layout; here byte 24 of a frame lies inside its IP header. Leave the offset out: the"
                    + " default matches the ethertype after any 802.1Q/802.1ad tags, as 24 did on EXOS (or give the raw offset"
                    + " of the field in the frame as recvfrom returns it: 12 for an untagged frame's ethertype)");
        }
        if (ethertypeOffset != DEFAULT_OFFSET && (ethertypeOffset < 0 || ethertypeOffset > 9000 - 2)) {
            throw new IllegalArgumentException("filter \"" + name + "\": ethertype offset " + ethertypeOffset + " is outside 0..8998");
        }
        if (ethertypeOffset != DEFAULT_OFFSET && ethertype == NO_ETHERTYPE) {
            throw new IllegalArgumentException("filter \"" + name + "\": an ethertype offset (" + ethertypeOffset + ") needs an ethertype");
        }
        if (vr != null && vr.isBlank()) {
            throw new IllegalArgumentException("filter \"" + name + "\": VR name is blank");
        }
    }

    /** Checks a filter name; the error names it. */
    public static String checkName(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("filter name is required and was " + (name == null ? "null" : "empty"));
        }
        if (name.length() > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("filter name \"" + name + "\" is " + name.length()
                    + " characters long; the limit is " + MAX_NAME_LENGTH);
        }
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("filter name \"" + name + "\" may hold only letters, digits, '_', '.' and '-'");
        }
        return name;
    }

    public boolean hasEthertype() {
        return ethertype != NO_ETHERTYPE;
    }

    public static Builder named(String name) {
        return new Builder(name);
    }

    /** A human-readable match, as {@code expkt:acl} prints it. */
    public String describeMatch() {
        StringBuilder b = new StringBuilder();
        if (dstmac != null) {
            b.append("dstmac ").append(dstmac);
        }
        if (hasEthertype()) {
            if (!b.isEmpty()) {
                b.append(' ');
            }
            b.append(String.format("ethertype 0x%04x", ethertype));
            if (ethertypeOffset != DEFAULT_OFFSET) {
                b.append(" @").append(ethertypeOffset);
            }
        }
        return b.toString();
    }

    /** Keyword-style construction, with the seed's defaults. */
    public static final class Builder {
        private final String name;
        private MacAddress dstmac;
        private int ethertype = NO_ETHERTYPE;
        private FilterAction action = FilterAction.UP_AND_CONTINUE;
        private Direction direction = Direction.INGRESS;
        private String vr;
        private int ethertypeOffset = DEFAULT_OFFSET;

        private Builder(String name) {
            this.name = name;
        }

        /** Any form {@link MacAddress#from(Object)} takes: text, byte[6], int[6], a list. */
        public Builder dstmac(Object mac) {
            this.dstmac = mac == null ? null : MacAddress.from(mac);
            return this;
        }

        public Builder dstmac(int... octets) {
            this.dstmac = MacAddress.of(octets);
            return this;
        }

        public Builder ethertype(int ethertype) {
            this.ethertype = ethertype;
            return this;
        }

        public Builder action(FilterAction action) {
            this.action = action;
            return this;
        }

        public Builder action(String action) {
            this.action = FilterAction.parse(action);
            return this;
        }

        public Builder direction(Direction direction) {
            this.direction = direction;
            return this;
        }

        public Builder direction(String direction) {
            this.direction = Direction.parse(direction);
            return this;
        }

        public Builder vr(String vr) {
            this.vr = vr;
            return this;
        }

        public Builder ethertypeOffset(int offset) {
            this.ethertypeOffset = offset;
            return this;
        }

        public Filter build() {
            return new Filter(name, dstmac, ethertype, action, direction, vr, ethertypeOffset);
        }
    }
}
