package expkt.api.packet;

import expkt.api.net.MacAddress;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
 * sock.setupFilter(Filter.parse("name=wol ethertype=0x0842 action=UP_AND_DROP"));
 * }</pre>
 *
 * (This example is compiled by {@code FilterJavadocExampleTest}.)
 *
 * <p>A final class, not a record (since 2.0): a record's canonical constructor would make every new
 * match field a breaking change. Filters are values: {@link #equals}, {@link #hashCode} and
 * {@link #toString} are over all fields.
 *
 * <p>The key=value form ({@link #parse(String)}, {@link Builder#apply(String)}, {@link Builder#set(String, Object)})
 * is the one parser of filter text in expkt: a whiteboard handler's service properties
 * {@code expkt.filter.<key>} and {@code expkt:capture}'s filter argument both go through it, so the same
 * bad value gives the same error. Keys ({@link #KEYS}): {@code name}, {@code dstmac}, {@code ethertype},
 * {@code action}, {@code direction}, {@code vr}, {@code ethertype_offset}. Numbers are ASCII decimal or
 * {@code 0x} hex (or a {@link Number} that is exactly an int, in {@link Builder#set}); actions and
 * directions their enum names in any case.
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
 * <p>Threading: a Filter is immutable and may be shared between threads; a {@link Builder} is for one
 * thread at a time.
 */
public final class Filter {

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
    /** The largest ethertype offset: a 16-bit field inside a 9000-byte frame. */
    public static final int MAX_OFFSET = 9000 - 2;
    /**
     * The keys of the key=value form, in the order {@link #toSpec()} writes them.
     *
     * @since 2.0
     */
    public static final List<String> KEYS = List.of("name", "dstmac", "ethertype", "action", "direction", "vr", "ethertype_offset");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]+");
    private static final Pattern SEPARATOR = Pattern.compile("\\s*,\\s*|\\s+");

    private final String name;
    private final MacAddress dstmac;
    private final int ethertype;
    private final FilterAction action;
    private final Direction direction;
    private final String vr;
    private final int ethertypeOffset;

    private Filter(Builder b) {
        this.name = b.name;
        this.dstmac = b.dstmac;
        this.ethertype = b.ethertype;
        this.action = b.action;
        this.direction = b.direction;
        this.vr = b.vr;
        this.ethertypeOffset = b.ethertypeOffset;
    }

    /** Unique across the host; 1..{@value #MAX_NAME_LENGTH} of {@code [A-Za-z0-9_.-]}. */
    public String name() {
        return name;
    }

    /** Destination MAC to match, or null. */
    public MacAddress dstmac() {
        return dstmac;
    }

    /** Ethertype to match (0..0xFFFF), or {@link #NO_ETHERTYPE}. */
    public int ethertype() {
        return ethertype;
    }

    /** What the data plane does with a match. */
    public FilterAction action() {
        return action;
    }

    /** Which frames are looked at. */
    public Direction direction() {
        return direction;
    }

    /** Name of the virtual router to filter on, or null for every VR. */
    public String vr() {
        return vr;
    }

    /**
     * {@link #DEFAULT_OFFSET}: the ethertype after any 802.1Q/802.1ad tags; otherwise the raw byte offset
     * of a 16-bit field in the frame as the socket sees it; 24, the seed's default counted in EXOS's
     * frame layout, is refused (see the class comment).
     */
    public int ethertypeOffset() {
        return ethertypeOffset;
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

    /** A builder with the seed's defaults (UP_AND_CONTINUE, INGRESS, every VR). */
    public static Builder named(String name) {
        return new Builder(name);
    }

    /**
     * A builder holding this filter's values, to make a changed copy.
     *
     * @since 2.0
     */
    public Builder toBuilder() {
        Builder b = new Builder(name);
        b.dstmac = dstmac;
        b.ethertype = ethertype;
        b.action = action;
        b.direction = direction;
        b.vr = vr;
        b.ethertypeOffset = ethertypeOffset;
        return b;
    }

    /**
     * The filter that {@code key=value} pairs describe, separated by commas and/or spaces, for example
     * {@code "name=wol dstmac=FF:FF:FF:FF:FF:FF ethertype=0x0842 action=UP_AND_DROP"}; {@code name} is
     * required. Equivalent to {@code Filter.named(null).apply(spec).build()}; every malformed pair,
     * repeated or unknown key and bad value gives an {@link IllegalArgumentException} naming it.
     *
     * @since 2.0
     */
    public static Filter parse(String spec) {
        return new Builder(null).apply(spec).build();
    }

    /**
     * This filter in the form {@link #parse} reads: only what differs from the defaults, keys in
     * {@link #KEYS} order. {@code Filter.parse(f.toSpec()).equals(f)}.
     *
     * @since 2.0
     */
    public String toSpec() {
        StringBuilder b = new StringBuilder("name=").append(name);
        if (dstmac != null) {
            b.append(" dstmac=").append(dstmac);
        }
        if (hasEthertype()) {
            b.append(String.format(" ethertype=0x%04x", ethertype));
        }
        if (action != FilterAction.UP_AND_CONTINUE) {
            b.append(" action=").append(action);
        }
        if (direction != Direction.INGRESS) {
            b.append(" direction=").append(direction);
        }
        if (vr != null) {
            b.append(" vr=").append(vr);
        }
        if (ethertypeOffset != DEFAULT_OFFSET) {
            b.append(" ethertype_offset=").append(ethertypeOffset);
        }
        return b.toString();
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

    @Override
    public boolean equals(Object o) {
        return o instanceof Filter f && name.equals(f.name) && Objects.equals(dstmac, f.dstmac) && ethertype == f.ethertype
                && action == f.action && direction == f.direction && Objects.equals(vr, f.vr)
                && ethertypeOffset == f.ethertypeOffset;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dstmac, ethertype, action, direction, vr, ethertypeOffset);
    }

    /** As the record this was printed: {@code Filter[name=.., dstmac=.., ...]}. */
    @Override
    public String toString() {
        return "Filter[name=" + name + ", dstmac=" + dstmac + ", ethertype=" + ethertype + ", action=" + action
                + ", direction=" + direction + ", vr=" + vr + ", ethertypeOffset=" + ethertypeOffset + "]";
    }

    /**
     * Keyword-style construction, with the seed's defaults. Setters take any value; {@link #build()}
     * checks them all and names the first bad one.
     */
    public static final class Builder {
        private String name;
        private MacAddress dstmac;
        private int ethertype = NO_ETHERTYPE;
        private FilterAction action = FilterAction.UP_AND_CONTINUE;
        private Direction direction = Direction.INGRESS;
        private String vr;
        private int ethertypeOffset = DEFAULT_OFFSET;

        private Builder(String name) {
            this.name = name;
        }

        /** @since 2.0 */
        public Builder name(String name) {
            this.name = name;
            return this;
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

        /**
         * Sets one key of the key=value form ({@link #KEYS}; {@code ethertype.offset} and
         * {@code ethertypeoffset} are taken for {@code ethertype_offset}, keys in any case) from a value
         * as text or as a typed object: a {@link Number} that is exactly an int for the numbers, a
         * {@link FilterAction}/{@link Direction}, anything {@link MacAddress#from} takes. Null, an empty
         * text and -1 for a number leave the key at its default ("not set", as
         * {@link expkt.api.handler.HandlerFilter} writes it). An unknown key or a bad value gives an
         * {@link IllegalArgumentException} naming the filter, the key and the value.
         *
         * @since 2.0
         */
        public Builder set(String key, Object value) {
            String k = canonicalKey(key);
            if (value == null || value instanceof CharSequence cs && cs.toString().isBlank()) {
                return this;
            }
            String text = value instanceof CharSequence cs ? cs.toString().strip() : null;
            switch (k) {
                case "name" -> name = text != null ? text : value.toString();
                case "dstmac" -> {
                    try {
                        dstmac = MacAddress.from(text != null ? text : value);
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException(prefix() + "dstmac \"" + (text != null ? text : value)
                                + "\" is not a MAC address: " + e.getMessage(), e);
                    }
                }
                case "ethertype" -> ethertype = number(k, value);
                case "ethertype_offset" -> ethertypeOffset = number(k, value);
                case "action" -> {
                    if (value instanceof FilterAction a) {
                        action = a;
                    } else {
                        try {
                            action = FilterAction.parse(text != null ? text : value.toString());
                        } catch (IllegalArgumentException e) {
                            throw new IllegalArgumentException(prefix() + e.getMessage(), e);
                        }
                    }
                }
                case "direction" -> {
                    if (value instanceof Direction d) {
                        direction = d;
                    } else {
                        try {
                            direction = Direction.parse(text != null ? text : value.toString());
                        } catch (IllegalArgumentException e) {
                            throw new IllegalArgumentException(prefix() + e.getMessage(), e);
                        }
                    }
                }
                case "vr" -> vr = text != null ? text : value.toString();
                default -> throw new IllegalStateException(k); // canonicalKey knows only KEYS
            }
            return this;
        }

        /**
         * Sets the keys of {@code spec}: {@code key=value} pairs separated by commas and/or spaces
         * ({@code "dstmac=01:80:C2:00:00:0E ethertype=0x88CC action=UP_AND_DROP"}), each as
         * {@link #set(String, Object)} does. A {@code name} in the spec replaces the builder's. An
         * element that is not key=value, a key given twice, an unknown key and a bad value each give an
         * {@link IllegalArgumentException} naming them (and the spec).
         *
         * @since 2.0
         */
        public Builder apply(String spec) {
            Map<String, String> pairs = pairs(spec);
            String n = pairs.remove("name");
            if (n != null) {
                set("name", n);
            }
            pairs.forEach(this::set);
            return this;
        }

        /** The filter; every value is checked here and the first bad one named. */
        public Filter build() {
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
            if (ethertypeOffset != DEFAULT_OFFSET && (ethertypeOffset < 0 || ethertypeOffset > MAX_OFFSET)) {
                throw new IllegalArgumentException("filter \"" + name + "\": ethertype offset " + ethertypeOffset
                        + " is outside 0.." + MAX_OFFSET);
            }
            if (ethertypeOffset != DEFAULT_OFFSET && ethertype == NO_ETHERTYPE) {
                throw new IllegalArgumentException("filter \"" + name + "\": an ethertype offset (" + ethertypeOffset + ") needs an ethertype");
            }
            if (vr != null && vr.isBlank()) {
                throw new IllegalArgumentException("filter \"" + name + "\": VR name is blank");
            }
            return new Filter(this);
        }

        private String prefix() {
            return name == null ? "filter: " : "filter \"" + name + "\": ";
        }

        /**
         * A number key's value: a Number that is exactly an int (a Long or Double that is not, such as
         * 0x1_0000_88CC or 2054.9, is refused rather than truncated to another filter), or text in ASCII
         * decimal or 0x hex (Integer.parseInt also takes a '+' and any Unicode digit).
         */
        private int number(String key, Object value) {
            if (value instanceof Number num) {
                try {
                    return new BigDecimal(num.toString()).intValueExact();
                } catch (NumberFormatException | ArithmeticException e) {
                    throw new IllegalArgumentException(prefix() + key + " " + num + " (" + num.getClass().getSimpleName()
                            + ") is not a whole number that fits an int", e);
                }
            }
            String s = value.toString().strip();
            boolean hex = s.startsWith("0x") || s.startsWith("0X");
            String digits = hex ? s.substring(2) : s.startsWith("-") ? s.substring(1) : s;
            boolean ascii = !digits.isEmpty() && digits.length() <= 15;
            for (int i = 0; i < digits.length(); i++) {
                char c = digits.charAt(i);
                ascii &= c >= '0' && c <= '9' || hex && (c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F');
            }
            if (!ascii) {
                throw new IllegalArgumentException(prefix() + key + " \"" + s + "\" is not a number (decimal or 0x hex, ASCII digits)");
            }
            long v = hex ? Long.parseLong(digits, 16) : Long.parseLong(s);
            if (v != (int) v) {
                throw new IllegalArgumentException(prefix() + key + " " + s + " is outside "
                        + (key.equals("ethertype") ? "0..0xFFFF" : "0.." + MAX_OFFSET));
            }
            return (int) v;
        }
    }

    /** A key of the key=value form as {@link #KEYS} spells it; an unknown key is named. */
    private static String canonicalKey(String key) {
        String k = key == null ? "" : key.strip().toLowerCase(Locale.ROOT);
        if (k.equals("ethertype.offset") || k.equals("ethertypeoffset")) {
            return "ethertype_offset";
        }
        if (!KEYS.contains(k)) {
            throw new IllegalArgumentException("filter key \"" + key + "\" is unknown (keys: " + String.join(", ", KEYS) + ")");
        }
        return k;
    }

    /** The spec's pairs by canonical key, in order; a malformed element, a repeated or unknown key is named. */
    private static Map<String, String> pairs(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("filter spec is empty: give key=value pairs such as ethertype=0x0842 or"
                    + " dstmac=01:80:C2:00:00:0E (keys: " + String.join(", ", KEYS) + ")");
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (String p : SEPARATOR.split(spec.strip(), -1)) {
            int eq = p.indexOf('=');
            if (eq <= 0 || eq == p.length() - 1) {
                throw new IllegalArgumentException("filter element \"" + p + "\" of \"" + spec
                        + "\" is not key=value (keys: " + String.join(", ", KEYS) + ")");
            }
            String key = canonicalKey(p.substring(0, eq));
            if (m.put(key, p.substring(eq + 1)) != null) {
                throw new IllegalArgumentException("filter key \"" + key + "\" is given twice in \"" + spec + "\"");
            }
        }
        return m;
    }
}
