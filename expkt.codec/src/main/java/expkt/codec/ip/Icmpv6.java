package expkt.codec.ip;

import expkt.api.net.Ipv6Address;
import expkt.codec.HeaderView;
import expkt.codec.InternetChecksum;
import expkt.codec.LayerKind;
import expkt.codec.MalformedPacketException;
import java.lang.foreign.MemorySegment;

/**
 * ICMPv6 (RFC 4443) with echo and neighbour discovery (RFC 4861): router solicitation and
 * advertisement, neighbour solicitation and advertisement, redirect, and their options. Wrap
 * checks the fixed part of the message's type and every option's length (non-zero, within the
 * message). Options are walked with a cursor of frame offsets: {@code for (int o = m.firstOption();
 * o >= 0; o = m.nextOption(o))}.
 *
 * <p>A getter of a field the message type does not have throws {@link IllegalStateException}; an
 * option getter given the offset of an option of another type throws {@link IllegalArgumentException};
 * bad bytes throw {@link MalformedPacketException} (the rule of {@link HeaderView}).
 */
public final class Icmpv6 extends HeaderView<Icmpv6> {
    public static final int ECHO_REQUEST = 128;
    public static final int ECHO_REPLY = 129;
    public static final int ROUTER_SOLICITATION = 133;
    public static final int ROUTER_ADVERTISEMENT = 134;
    public static final int NEIGHBOR_SOLICITATION = 135;
    public static final int NEIGHBOR_ADVERTISEMENT = 136;
    public static final int REDIRECT = 137;
    public static final int OPTION_SOURCE_LINK_LAYER = 1;
    public static final int OPTION_TARGET_LINK_LAYER = 2;
    public static final int OPTION_PREFIX_INFORMATION = 3;
    public static final int OPTION_MTU = 5;
    public static final int NA_ROUTER = 0x80;
    public static final int NA_SOLICITED = 0x40;
    public static final int NA_OVERRIDE = 0x20;

    @Override
    public String name() {
        return KIND.name();
    }

    /** Bytes before the options (or the data) for this message type. */
    @Override
    public int headerLength() {
        return switch (type()) {
            case ROUTER_SOLICITATION, ECHO_REQUEST, ECHO_REPLY -> 8;
            case ROUTER_ADVERTISEMENT -> 16;
            case NEIGHBOR_SOLICITATION, NEIGHBOR_ADVERTISEMENT -> 24;
            case REDIRECT -> 40;
            default -> 8;
        };
    }

    private boolean hasOptions() {
        int t = type();
        return t >= ROUTER_SOLICITATION && t <= REDIRECT;
    }

    @Override
    protected void validate() {
        require(0, 4, "header");
        require(0, headerLength(), "message body");
        if (hasOptions()) {
            for (int o = firstOption(); o >= 0; o = nextOption(o)) {
                // nextOption checks each option's length
            }
        }
    }

    public int type() {
        return u8(0, "type");
    }

    public int code() {
        return u8(1, "code");
    }

    public int checksum() {
        return u16(2, "checksum");
    }

    /** @throws MalformedPacketException if the message is not all in the frame ({@link #isTruncated()}) */
    public boolean checksumValid(Ipv6 ip) {
        int len = (int) Math.min(wireLimit - start, Integer.MAX_VALUE);
        return InternetChecksum.finish(sum(ip.pseudoHeaderSum(IpProtocol.ICMPV6, len), 0, len, "message")) == 0;
    }

    // ---- echo ----

    public int identifier() {
        return u16(4, "identifier");
    }

    public int sequence() {
        return u16(6, "sequence number");
    }

    // ---- neighbour discovery ----

    /**
     * Target address of a neighbour solicitation/advertisement or redirect.
     *
     * @throws IllegalStateException if the message is not of a type that has it (see {@link #type()})
     */
    public Ipv6Address targetAddress() {
        requireType("target address", NEIGHBOR_SOLICITATION, NEIGHBOR_ADVERTISEMENT, REDIRECT);
        return Ipv6Address.of(i64(8, "target address"), i64(16, "target address"));
    }

    /** @throws IllegalStateException unless a neighbour solicitation/advertisement or redirect */
    public long targetAddressHigh() {
        requireType("target address", NEIGHBOR_SOLICITATION, NEIGHBOR_ADVERTISEMENT, REDIRECT);
        return i64(8, "target address");
    }

    /** @throws IllegalStateException unless a neighbour solicitation/advertisement or redirect */
    public long targetAddressLow() {
        requireType("target address", NEIGHBOR_SOLICITATION, NEIGHBOR_ADVERTISEMENT, REDIRECT);
        return i64(16, "target address");
    }

    /**
     * R, S, O flags of a neighbour advertisement (in the high bits of a byte: {@link #NA_ROUTER} ...).
     *
     * @throws IllegalStateException if the message is not of a type that has it (see {@link #type()})
     */
    public int advertisementFlags() {
        requireType("flags", NEIGHBOR_ADVERTISEMENT, NEIGHBOR_ADVERTISEMENT, NEIGHBOR_ADVERTISEMENT);
        return u8(4, "flags") & 0xE0;
    }

    /** @throws IllegalStateException unless a router advertisement */
    public int curHopLimit() {
        requireType("cur hop limit", ROUTER_ADVERTISEMENT, ROUTER_ADVERTISEMENT, ROUTER_ADVERTISEMENT);
        return u8(4, "cur hop limit");
    }

    /**
     * M, O and the other flag bits of a router advertisement.
     *
     * @throws IllegalStateException if the message is not of a type that has it (see {@link #type()})
     */
    public int routerFlags() {
        requireType("flags", ROUTER_ADVERTISEMENT, ROUTER_ADVERTISEMENT, ROUTER_ADVERTISEMENT);
        return u8(5, "flags");
    }

    /** @throws IllegalStateException unless a router advertisement */
    public int routerLifetime() {
        requireType("router lifetime", ROUTER_ADVERTISEMENT, ROUTER_ADVERTISEMENT, ROUTER_ADVERTISEMENT);
        return u16(6, "router lifetime");
    }

    /** @throws IllegalStateException unless a router advertisement */
    public long reachableTime() {
        requireType("reachable time", ROUTER_ADVERTISEMENT, ROUTER_ADVERTISEMENT, ROUTER_ADVERTISEMENT);
        return u32(8, "reachable time");
    }

    /** @throws IllegalStateException unless a router advertisement */
    public long retransTimer() {
        requireType("retrans timer", ROUTER_ADVERTISEMENT, ROUTER_ADVERTISEMENT, ROUTER_ADVERTISEMENT);
        return u32(12, "retrans timer");
    }

    private void requireType(String field, int a, int b, int c) {
        int t = type();
        if (t != a && t != b && t != c) {
            throw new IllegalStateException("ICMPv6 type " + t + " has no " + field + " (check type() first)");
        }
    }

    // ---- options ----

    /** Frame offset of the first neighbour-discovery option, or -1 (also for types without options). */
    public int firstOption() {
        return hasOptions() ? optionAt(start + headerLength()) : -1;
    }

    public int nextOption(int option) {
        return optionAt(option + optionLength(option));
    }

    private int optionAt(int at) {
        if (at >= wireLimit) {
            return -1;
        }
        optionLength(at);
        return at;
    }

    public int optionType(int option) {
        return u8(option - start, "option type");
    }

    /** Bytes of the option (its length field is in units of 8 bytes; zero is malformed). */
    public int optionLength(int option) {
        int units = u8(option - start + 1, "option length");
        if (units == 0 || option + 8 * units > wireLimit) {
            throw malformed("option length", option - start + 1, "option " + optionType(option) + " has length "
                    + units + " x 8, outside 1.." + (wireLimit - option) / 8 + " x 8");
        }
        return 8 * units;
    }

    /** Frame offset of the first option of {@code type}, or -1. */
    public int findOption(int type) {
        for (int o = firstOption(); o >= 0; o = nextOption(o)) {
            if (optionType(o) == type) {
                return o;
            }
        }
        return -1;
    }

    /**
     * The MAC address in a source/target link-layer address option at {@code option}.
     *
     * @throws IllegalArgumentException if the option at {@code option} is of another type
     */
    public long linkLayerAddressBits(int option) {
        int t = optionType(option);
        if (t != OPTION_SOURCE_LINK_LAYER && t != OPTION_TARGET_LINK_LAYER) {
            throw new IllegalArgumentException("ICMPv6 option " + t + " at offset " + option + " is not a link-layer address option");
        }
        return u48(option - start + 2, "link-layer address");
    }

    /** Source link-layer address option's MAC, or -1 if absent. */
    public long sourceLinkLayerBits() {
        int o = findOption(OPTION_SOURCE_LINK_LAYER);
        return o < 0 ? -1 : linkLayerAddressBits(o);
    }

    /** Target link-layer address option's MAC, or -1 if absent. */
    public long targetLinkLayerBits() {
        int o = findOption(OPTION_TARGET_LINK_LAYER);
        return o < 0 ? -1 : linkLayerAddressBits(o);
    }

    /**
     * The option at {@code option}, relative to the message, checked to be a prefix information
     * option: of that type (else IllegalArgumentException) and of 32 bytes (else MalformedPacketException).
     */
    private int prefixOption(int option) {
        if (optionType(option) != OPTION_PREFIX_INFORMATION) {
            throw new IllegalArgumentException("ICMPv6 option " + optionType(option) + " at offset " + option
                    + " is not a prefix information option");
        }
        if (optionLength(option) != 32) {
            throw malformed("prefix information", option - start, "prefix information option of " + optionLength(option) + " bytes, not 32");
        }
        return option - start;
    }

    /**
     * @throws IllegalArgumentException if {@code option} is not a prefix information option
     * @throws MalformedPacketException if it is not 32 bytes
     */
    public int prefixLength(int option) {
        return u8(prefixOption(option) + 2, "prefix length");
    }

    /**
     * L and A flags (0x80, 0x40) of a prefix information option.
     *
     * @throws IllegalArgumentException if {@code option} is not a prefix information option
     * @throws MalformedPacketException if it is not 32 bytes
     */
    public int prefixFlags(int option) {
        return u8(prefixOption(option) + 3, "prefix flags");
    }

    /**
     * @throws IllegalArgumentException if {@code option} is not a prefix information option
     * @throws MalformedPacketException if it is not 32 bytes
     */
    public long prefixValidLifetime(int option) {
        return u32(prefixOption(option) + 4, "valid lifetime");
    }

    /**
     * @throws IllegalArgumentException if {@code option} is not a prefix information option
     * @throws MalformedPacketException if it is not 32 bytes
     */
    public long prefixPreferredLifetime(int option) {
        return u32(prefixOption(option) + 8, "preferred lifetime");
    }

    /**
     * @throws IllegalArgumentException if {@code option} is not a prefix information option
     * @throws MalformedPacketException if it is not 32 bytes
     */
    public Ipv6Address prefix(int option) {
        int rel = prefixOption(option) + 16;
        return Ipv6Address.of(i64(rel, "prefix"), i64(rel + 8, "prefix"));
    }

    /**
     * MTU of an MTU option.
     *
     * @throws IllegalArgumentException if the option at {@code option} is of another type
     * @throws MalformedPacketException if the MTU option is not 8 bytes long
     */
    public long mtu(int option) {
        if (optionType(option) != OPTION_MTU) {
            throw new IllegalArgumentException("ICMPv6 option " + optionType(option) + " at offset " + option + " is not an MTU option");
        }
        if (optionLength(option) != 8) {
            throw malformed("MTU", option - start, "MTU option of " + optionLength(option) + " bytes, not 8");
        }
        return u32(option - start + 4, "MTU");
    }

    // ---------------------------------------------------------------- the layer table's row and the writers

    /** ICMPv6: announced by protocol 58; checksum at 2 with the pseudo-header; ND options (multiples of 8 bytes) follow. */
    public static final LayerKind KIND = LayerKind.builder("ICMPv6").ipProtocol(IpProtocol.ICMPV6).checksum(2, LayerKind.Checksum.PSEUDO_HEADER)
            .options(LayerKind.Padding.NONE, 8, "ND option padding", 65535, 0, -1).build();

    /** Writes type, code, checksum 0 and the 4 bytes after the checksum at {@code at}; returns 8. */
    public static int write(MemorySegment segment, long at, int type, int code, int rest) {
        write8(segment, at, type);
        write8(segment, at + 1, code);
        write16(segment, at + 2, 0);
        write32(segment, at + 4, rest);
        return 8;
    }

    /** Writes a 16-byte address (an NS or NA target) at {@code at}; returns 16. */
    public static int writeAddress(MemorySegment segment, long at, Ipv6Address address) {
        write64(segment, at, address.high());
        write64(segment, at + 8, address.low());
        return 16;
    }

    /** Writes a router advertisement's reachable time and retrans timer at {@code at}; returns 8. */
    public static int writeRouterAdvertisementTimers(MemorySegment segment, long at, int reachableTime, int retransTimer) {
        write32(segment, at, reachableTime);
        write32(segment, at + 4, retransTimer);
        return 8;
    }

    /** Writes a source or target link-layer address option; returns 8. */
    public static int writeLinkLayerOption(MemorySegment segment, long at, int type, long macBits) {
        write8(segment, at, type);
        write8(segment, at + 1, 1);
        write48(segment, at + 2, macBits);
        return 8;
    }

    /** Writes a prefix information option; returns 32. */
    public static int writePrefixInformation(MemorySegment segment, long at, int prefixLength, int flags, int validLifetime,
            int preferredLifetime, Ipv6Address prefix) {
        write8(segment, at, OPTION_PREFIX_INFORMATION);
        write8(segment, at + 1, 4);
        write8(segment, at + 2, prefixLength);
        write8(segment, at + 3, flags);
        write32(segment, at + 4, validLifetime);
        write32(segment, at + 8, preferredLifetime);
        write32(segment, at + 12, 0);
        write64(segment, at + 16, prefix.high());
        write64(segment, at + 24, prefix.low());
        return 32;
    }

    /** Writes an MTU option; returns 8. */
    public static int writeMtuOption(MemorySegment segment, long at, int mtu) {
        write8(segment, at, OPTION_MTU);
        write8(segment, at + 1, 1);
        write16(segment, at + 2, 0);
        write32(segment, at + 4, mtu);
        return 8;
    }
}
