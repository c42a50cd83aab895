package expkt.codec.ip;

import expkt.api.net.Ipv6Address;
import expkt.codec.HeaderView;
import expkt.codec.InternetChecksum;
import expkt.codec.LayerKind;
import expkt.codec.ethernet.EtherType;
import java.lang.foreign.MemorySegment;

/**
 * IPv6 header (RFC 8200) and its extension headers: hop-by-hop options, routing, fragment,
 * destination options, authentication. Wrap walks the chain (at most {@link #MAX_EXTENSION_HEADERS}),
 * checking each length against the payload length, which must fit the frame.
 * {@link #headerLength()} covers the extension headers, so the payload is the upper layer, whose
 * protocol is {@link #protocol()}.
 *
 * <p>A payload length of 0 with a hop-by-hop header that carries a Jumbo Payload option is an
 * RFC 2675 jumbogram: the payload is then {@link #jumboPayloadLength()} bytes (more than 65,535).
 * A getter of an extension header the packet does not have (fragment, routing) throws
 * {@link IllegalStateException}: ask {@link #isFragment()} or {@link #findExtensionHeader(int)} first.
 *
 * <p>Options of hop-by-hop and destination-options headers are walked with a cursor of frame
 * offsets: {@code for (int o = ip.firstOption(i); o >= 0; o = ip.nextOption(i, o))}.
 */
public final class Ipv6 extends HeaderView<Ipv6> {
    public static final int HEADER_LENGTH = 40;
    public static final int MAX_EXTENSION_HEADERS = 16;
    public static final int OPTION_PAD1 = 0;
    public static final int OPTION_PADN = 1;
    public static final int OPTION_ROUTER_ALERT = 5;
    /** RFC 2675 Jumbo Payload option (in the hop-by-hop header). */
    public static final int OPTION_JUMBO_PAYLOAD = 0xC2;

    private final int[] extType = new int[MAX_EXTENSION_HEADERS];
    private final int[] extOffset = new int[MAX_EXTENSION_HEADERS];
    private final int[] extLength = new int[MAX_EXTENSION_HEADERS];
    private int extCount;
    private int upperProtocol;
    private int upperOffset;
    /** End of the payload on the wire, relative to the frame. */
    private long payloadEnd;
    private long jumbo;

    @Override
    public String name() {
        return KIND.name();
    }

    @Override
    protected void validate() {
        extCount = 0;
        jumbo = -1;
        payloadEnd = wireLimit;
        upperOffset = start + HEADER_LENGTH;
        upperProtocol = -1;
        require(0, HEADER_LENGTH, "header");
        int version = u8(0, "version") >>> 4;
        if (version != 6) {
            throw malformed("version", 0, "version is " + version + ", not 6");
        }
        int next = u8(6, "next header");
        upperProtocol = next;
        long pl = payloadLengthField();
        if (pl == 0 && next == IpProtocol.HOP_BY_HOP) {
            jumbo = jumboOption();
            if (jumbo >= 0) {
                pl = jumbo;
            }
        }
        if (HEADER_LENGTH + pl > wireLimit - start) {
            throw malformed("payload length", 4, "payload length " + pl + " exceeds the " + (wireLimit - start - HEADER_LENGTH)
                    + " bytes left in the frame");
        }
        long end = HEADER_LENGTH + pl; // relative to start
        payloadEnd = start + end;
        int pos = HEADER_LENGTH;
        while (isExtension(next)) {
            upperProtocol = next; // if the capture cut this header, the payload is what follows the last whole one
            upperOffset = start + pos;
            if (extCount == MAX_EXTENSION_HEADERS) {
                throw malformed("extension header", pos, "more than " + MAX_EXTENSION_HEADERS + " extension headers");
            }
            if (pos + 2 > end) {
                throw malformed("extension header", pos, "extension header " + next + " does not fit the payload length " + pl);
            }
            int len = switch (next) {
                case IpProtocol.IPV6_FRAGMENT -> 8;
                case IpProtocol.AUTHENTICATION -> (u8(pos + 1, "AH length") + 2) * 4;
                default -> (u8(pos + 1, "extension header length") + 1) * 8;
            };
            if (pos + len > end) {
                throw malformed("extension header length", pos + 1, "extension header " + next + " of " + len
                        + " bytes exceeds the payload length " + pl);
            }
            require(pos, len, "extension header"); // in a cut frame: marks the header cut if its bytes were not captured
            extType[extCount] = next;
            extOffset[extCount] = start + pos;
            extLength[extCount] = len;
            extCount++;
            if (next == IpProtocol.HOP_BY_HOP || next == IpProtocol.IPV6_DESTINATION_OPTIONS) {
                for (int o = firstOption(extCount - 1); o >= 0; o = nextOption(extCount - 1, o)) {
                    // nextOption checks each option's length
                }
            }
            next = u8(pos, "next header");
            pos += len;
        }
        upperProtocol = next;
        upperOffset = start + pos;
    }

    /**
     * The Jumbo Payload length of the hop-by-hop header right after the fixed header, or -1 if it
     * has none. RFC 2675: it must exceed 65,535 (the payload length field is then 0).
     */
    private long jumboOption() {
        int hbhEnd = HEADER_LENGTH + (u8(HEADER_LENGTH + 1, "extension header length") + 1) * 8;
        for (int o = HEADER_LENGTH + 2; o < hbhEnd; ) {
            int type = u8(o, "option type");
            if (type == OPTION_PAD1) {
                o++;
                continue;
            }
            int len = u8(o + 1, "option length") + 2;
            if (type == OPTION_JUMBO_PAYLOAD) {
                if (len != 6 || o + len > hbhEnd) {
                    throw malformed("jumbo payload", o, "Jumbo Payload option of " + len + " bytes, not 6");
                }
                long j = u32(o + 2, "jumbo payload length");
                if (j <= 65535) {
                    throw malformed("jumbo payload length", o + 2, "jumbo payload length " + j + " is not above 65535");
                }
                return j;
            }
            o += len;
        }
        return -1;
    }

    /** The RFC 2675 jumbo payload length (bytes after the fixed header), or -1 if this is not a jumbogram. */
    public long jumboPayloadLength() {
        return jumbo;
    }

    private static boolean isExtension(int next) {
        return next == IpProtocol.HOP_BY_HOP || next == IpProtocol.IPV6_ROUTING || next == IpProtocol.IPV6_FRAGMENT
                || next == IpProtocol.IPV6_DESTINATION_OPTIONS || next == IpProtocol.AUTHENTICATION;
    }

    @Override
    public int headerLength() {
        return upperOffset - start;
    }

    @Override
    public long payloadWireLimit() {
        return payloadEnd;
    }

    public int version() {
        return u8(0, "version") >>> 4;
    }

    public int trafficClass() {
        return u16(0, "traffic class") >>> 4 & 0xFF;
    }

    public int flowLabel() {
        return i32(0, "flow label") & 0xF_FFFF;
    }

    /** The payload length field: bytes after the fixed 40-byte header, extension headers included (0 in a jumbogram). */
    public int payloadLengthField() {
        return u16(4, "payload length");
    }

    /** The next header field of the fixed header (the first extension header, if any). */
    public int nextHeader() {
        return u8(6, "next header");
    }

    public int hopLimit() {
        return u8(7, "hop limit");
    }

    /** The protocol after the extension headers (e.g. 58 for ICMPv6). */
    public int protocol() {
        return upperProtocol;
    }

    public long sourceHigh() {
        return i64(8, "source");
    }

    public long sourceLow() {
        return i64(16, "source");
    }

    public long destinationHigh() {
        return i64(24, "destination");
    }

    public long destinationLow() {
        return i64(32, "destination");
    }

    public Ipv6Address source() {
        return Ipv6Address.of(sourceHigh(), sourceLow());
    }

    public Ipv6Address destination() {
        return Ipv6Address.of(destinationHigh(), destinationLow());
    }

    // ---- extension headers ----

    public int extensionHeaderCount() {
        return extCount;
    }

    private int ext(int i) {
        if (i < 0 || i >= extCount) {
            throw new IndexOutOfBoundsException("extension header " + i + " of " + extCount);
        }
        return i;
    }

    /** Protocol number of extension header {@code i} (0 = hop-by-hop, 43 routing, 44 fragment, 60 destination options, 51 AH). */
    public int extensionHeaderType(int i) {
        return extType[ext(i)];
    }

    /** Frame offset of extension header {@code i}. */
    public int extensionHeaderOffset(int i) {
        return extOffset[ext(i)];
    }

    public int extensionHeaderLength(int i) {
        return extLength[ext(i)];
    }

    /** Index of the first extension header of {@code type}, or -1. */
    public int findExtensionHeader(int type) {
        for (int i = 0; i < extCount; i++) {
            if (extType[i] == type) {
                return i;
            }
        }
        return -1;
    }

    /** True if a fragment header is present. */
    public boolean isFragment() {
        return findExtensionHeader(IpProtocol.IPV6_FRAGMENT) >= 0;
    }

    /** True if this is a fragment other than the first: its payload does not start with the upper-layer header. */
    public boolean isLaterFragment() {
        return isFragment() && fragmentOffset() != 0;
    }

    private int fragmentHeader() {
        int i = findExtensionHeader(IpProtocol.IPV6_FRAGMENT);
        if (i < 0) {
            throw new IllegalStateException("IPv6 packet has no fragment header (check isFragment() first)");
        }
        return extOffset[i] - start;
    }

    /**
     * Fragment offset in 8-byte units.
     *
     * @throws IllegalStateException if the packet has no fragment header ({@link #isFragment()})
     */
    public int fragmentOffset() {
        return u16(fragmentHeader() + 2, "fragment offset") >>> 3;
    }

    /** @throws IllegalStateException if the packet has no fragment header ({@link #isFragment()}) */
    public boolean moreFragments() {
        return (u16(fragmentHeader() + 2, "fragment flags") & 1) != 0;
    }

    /** @throws IllegalStateException if the packet has no fragment header ({@link #isFragment()}) */
    public long fragmentIdentification() {
        return u32(fragmentHeader() + 4, "fragment identification");
    }

    private int routingHeader() {
        int i = findExtensionHeader(IpProtocol.IPV6_ROUTING);
        if (i < 0) {
            throw new IllegalStateException("IPv6 packet has no routing header (check findExtensionHeader(IpProtocol.IPV6_ROUTING) first)");
        }
        return i;
    }

    /** @throws IllegalStateException if the packet has no routing header */
    public int routingType() {
        return u8(extOffset[routingHeader()] - start + 2, "routing type");
    }

    /** @throws IllegalStateException if the packet has no routing header */
    public int segmentsLeft() {
        return u8(extOffset[routingHeader()] - start + 3, "segments left");
    }

    /**
     * Number of addresses in a type 0/2/4 routing header (16 bytes each after 8 bytes of header).
     *
     * @throws IllegalStateException if the packet has no routing header
     */
    public int routingAddressCount() {
        return (extLength[routingHeader()] - 8) / 16;
    }

    /**
     * Address {@code n} of the routing header (type 0, 2 or 4 layout).
     *
     * @throws IllegalStateException if the packet has no routing header
     * @throws IndexOutOfBoundsException if {@code n} is not below {@link #routingAddressCount()}
     */
    public Ipv6Address routingAddress(int n) {
        int i = routingHeader();
        if (n < 0 || n >= routingAddressCount()) {
            throw new IndexOutOfBoundsException("routing address " + n + " of " + routingAddressCount());
        }
        int rel = extOffset[i] - start + 8 + 16 * n;
        return Ipv6Address.of(i64(rel, "routing address"), i64(rel + 8, "routing address"));
    }

    // ---- options of hop-by-hop and destination-options headers ----

    /** Frame offset of the first option of extension header {@code i}, or -1. */
    public int firstOption(int i) {
        return optionAt(i, extOffset[ext(i)] + 2);
    }

    public int nextOption(int i, int option) {
        return optionAt(i, option + optionLength(i, option));
    }

    private int optionAt(int i, int at) {
        if (at >= extOffset[i] + extLength[i]) {
            return -1;
        }
        optionLength(i, at); // checks the option fits its header
        return at;
    }

    public int optionType(int option) {
        return u8(option - start, "option type");
    }

    /** Bytes of the option, type and length included (1 for Pad1). */
    public int optionLength(int i, int option) {
        int type = optionType(option);
        if (type == OPTION_PAD1) {
            return 1;
        }
        int len = u8(option - start + 1, "option length") + 2;
        if (option + len > extOffset[i] + extLength[i]) {
            throw malformed("option length", option - start + 1, "option " + type + " of " + len
                    + " bytes exceeds its extension header");
        }
        return len;
    }

    // ---- checksums ----

    /**
     * One's complement sum of the pseudo-header (RFC 8200 8.1) for an upper layer of {@code length}
     * bytes; with a routing header that has segments left, the destination is the final one.
     */
    public long pseudoHeaderSum(int protocol, int length) {
        long s = InternetChecksum.add64(InternetChecksum.add64(0, sourceHigh()), sourceLow());
        int r = findExtensionHeader(IpProtocol.IPV6_ROUTING);
        if (r >= 0 && segmentsLeft() > 0 && routingAddressCount() > 0) {
            // the final destination: the last address of a type 0/2 header, the first segment of an SRH (type 4)
            int n = routingType() == 4 ? 0 : routingAddressCount() - 1;
            int rel = extOffset[r] - start + 8 + 16 * n;
            s = InternetChecksum.add64(InternetChecksum.add64(s, i64(rel, "routing address")), i64(rel + 8, "routing address"));
        } else {
            s = InternetChecksum.add64(InternetChecksum.add64(s, destinationHigh()), destinationLow());
        }
        return InternetChecksum.add32(s, length) + protocol;
    }

    // ---------------------------------------------------------------- the layer table's rows and the writers

    /** IPv6: announced by ethertype 0x86DD or protocol 41; next header at 6 (59 if nothing follows), payload length at 4. */
    public static final LayerKind KIND = LayerKind.builder("IPv6").etherType(EtherType.IPV6).ipProtocol(IpProtocol.IPV6)
            .nextLayerField(6, 1, IpProtocol.IPV6_NO_NEXT).lengthField(4, HEADER_LENGTH, "IPv6 payload").pseudoHeader(6).build();
    /** Hop-by-hop options: next header at 0; options padded to 8 bytes with Pad1/PadN, the length at 1 in 8-byte units after the first. */
    public static final LayerKind HOP_BY_HOP_KIND = optionsHeader(IpProtocol.HOP_BY_HOP);
    /** Destination options: as {@link #HOP_BY_HOP_KIND}. */
    public static final LayerKind DESTINATION_OPTIONS_KIND = optionsHeader(IpProtocol.IPV6_DESTINATION_OPTIONS);
    /** Routing header: next header at 0. */
    public static final LayerKind ROUTING_KIND = LayerKind.builder("IPv6 extension header").ipProtocol(IpProtocol.IPV6_ROUTING)
            .nextLayerField(0, 1, IpProtocol.IPV6_NO_NEXT).build();
    /** Fragment header: next header at 0. */
    public static final LayerKind FRAGMENT_KIND = LayerKind.builder("IPv6 extension header").ipProtocol(IpProtocol.IPV6_FRAGMENT)
            .nextLayerField(0, 1, IpProtocol.IPV6_NO_NEXT).build();

    private static LayerKind optionsHeader(int type) {
        return LayerKind.builder("IPv6 extension header").ipProtocol(type).nextLayerField(0, 1, IpProtocol.IPV6_NO_NEXT)
                .options(LayerKind.Padding.IPV6_PAD, 8, "IPv6 option padding", 2046, -2, OPTION_PAD1).headerLengthField(1, 0, 8, 8, -1)
                .build();
    }

    /** True for the rows of the four extension headers the builder writes. */
    public static boolean isExtensionKind(LayerKind kind) {
        return kind == HOP_BY_HOP_KIND || kind == DESTINATION_OPTIONS_KIND || kind == ROUTING_KIND || kind == FRAGMENT_KIND;
    }

    /** Writes a 40-byte header at {@code at}: hop limit 64, no next header, payload length 0; returns 40. */
    public static int write(MemorySegment segment, long at, Ipv6Address source, Ipv6Address destination) {
        write32(segment, at, 0x6000_0000);
        write16(segment, at + 4, 0);
        write8(segment, at + 6, IpProtocol.IPV6_NO_NEXT);
        write8(segment, at + 7, 64);
        write64(segment, at + 8, source.high());
        write64(segment, at + 16, source.low());
        write64(segment, at + 24, destination.high());
        write64(segment, at + 32, destination.low());
        return HEADER_LENGTH;
    }

    /** Writes the hop limit of the header at {@code at}. */
    public static void writeHopLimit(MemorySegment segment, long at, int hopLimit) {
        write8(segment, at + 7, hopLimit);
    }

    /** Writes the traffic class of the header at {@code at}, keeping the flow label. */
    public static void writeTrafficClass(MemorySegment segment, long at, int trafficClass) {
        write16(segment, at, 0x6000 | trafficClass << 4 | read16(segment, at) & 0x000F);
    }

    /** Writes the 20-bit flow label of the header at {@code at}. */
    public static void writeFlowLabel(MemorySegment segment, long at, int flowLabel) {
        write32(segment, at, read32(segment, at) & 0xFFF0_0000 | flowLabel);
    }

    /** Writes the 2 fixed bytes of a hop-by-hop or destination options header (options follow); returns 2. */
    public static int writeOptionsHeader(MemorySegment segment, long at) {
        write8(segment, at, IpProtocol.IPV6_NO_NEXT);
        write8(segment, at + 1, 0);
        return 2;
    }

    /** Writes a routing header (type 0, 2 or 4 layout: 8 bytes, then the addresses); returns its length. */
    public static int writeRouting(MemorySegment segment, long at, int routingType, int segmentsLeft, Ipv6Address[] addresses) {
        write8(segment, at, IpProtocol.IPV6_NO_NEXT);
        write8(segment, at + 1, 2 * addresses.length);
        write8(segment, at + 2, routingType);
        write8(segment, at + 3, segmentsLeft);
        write32(segment, at + 4, routingType == 4 && addresses.length > 0 ? (addresses.length - 1) << 24 : 0);
        for (int i = 0; i < addresses.length; i++) {
            write64(segment, at + 8 + 16 * i, addresses[i].high());
            write64(segment, at + 16 + 16 * i, addresses[i].low());
        }
        return routingLength(addresses.length);
    }

    /** Bytes of a routing header with {@code addresses} addresses. */
    public static int routingLength(int addresses) {
        return 8 + 16 * addresses;
    }

    /** Writes a fragment header ({@code fragmentOffset} in 8-byte units); returns 8. */
    public static int writeFragment(MemorySegment segment, long at, int fragmentOffset, boolean moreFragments, int identification) {
        write8(segment, at, IpProtocol.IPV6_NO_NEXT);
        write8(segment, at + 1, 0);
        write16(segment, at + 2, fragmentOffset << 3 | (moreFragments ? 1 : 0));
        write32(segment, at + 4, identification);
        return 8;
    }
}
