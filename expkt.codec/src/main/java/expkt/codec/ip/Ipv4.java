package expkt.codec.ip;

import expkt.api.net.Ipv4Address;
import expkt.codec.HeaderView;
import expkt.codec.InternetChecksum;
import expkt.codec.LayerKind;
import expkt.codec.ethernet.EtherType;
import java.lang.foreign.MemorySegment;

/**
 * IPv4 header (RFC 791) with its options. Wrap checks the version, the header length (IHL), the
 * total length against the frame, and every option's length against the header. The payload ends
 * at the total length, so link-layer padding is not part of it; a total length of 0 (TSO, BIG TCP)
 * means the datagram runs to the end of the frame ({@link #datagramLength()}).
 *
 * <p>Options are walked with a cursor of frame offsets: {@code for (int o = ip.firstOption(); o >= 0;
 * o = ip.nextOption(o))}; the walk ends at End of Option List.
 */
public final class Ipv4 extends HeaderView<Ipv4> {
    public static final int MIN_HEADER_LENGTH = 20;
    public static final int OPTION_END = 0;
    public static final int OPTION_NOP = 1;
    public static final int OPTION_ROUTER_ALERT = 148;

    @Override
    public String name() {
        return KIND.name();
    }

    @Override
    protected void validate() {
        require(0, MIN_HEADER_LENGTH, "header");
        int version = u8(0, "version") >>> 4;
        if (version != 4) {
            throw malformed("version", 0, "version is " + version + ", not 4");
        }
        int ihl = headerLength();
        if (ihl < MIN_HEADER_LENGTH) {
            throw malformed("header length", 0, "IHL gives " + ihl + " bytes, less than 20");
        }
        require(0, ihl, "options");
        long total = datagramLength();
        if (total < ihl || total > wireLimit - start) {
            throw malformed("total length", 2, "total length " + total + " is outside " + ihl + ".." + (wireLimit - start)
                    + " (header length .. bytes left in the frame)");
        }
        for (int o = firstOption(); o >= 0; o = nextOption(o)) {
            // nextOption checks each option's length
        }
    }

    @Override
    public int headerLength() {
        return (u8(0, "header length") & 0x0F) * 4;
    }

    @Override
    public long payloadWireLimit() {
        return start + datagramLength();
    }

    public int version() {
        return u8(0, "version") >>> 4;
    }

    public int dscp() {
        return u8(1, "DSCP") >>> 2;
    }

    public int ecn() {
        return u8(1, "ECN") & 3;
    }

    /** The whole second byte (DSCP and ECN). */
    public int typeOfService() {
        return u8(1, "type of service");
    }

    /** The total length field (0 in a TSO or BIG TCP super-packet: see {@link #datagramLength()}). */
    public int totalLength() {
        return u16(2, "total length");
    }

    /**
     * Bytes of the datagram, header included: the total length, or for a total length of 0 — a
     * packet the sender's TCP segmentation offload or BIG TCP (more than 65,535 bytes) had not
     * split yet, as a capture on that host sees it — the bytes to the end of the frame on the wire,
     * as tshark reads it.
     */
    public long datagramLength() {
        int total = totalLength();
        return total != 0 ? total : wireLimit - start;
    }

    public int identification() {
        return u16(4, "identification");
    }

    /** The three flag bits (reserved, DF, MF). */
    public int flags() {
        return u8(6, "flags") >>> 5;
    }

    public boolean dontFragment() {
        return (flags() & 2) != 0;
    }

    public boolean moreFragments() {
        return (flags() & 1) != 0;
    }

    /** Fragment offset in 8-byte units. */
    public int fragmentOffset() {
        return u16(6, "fragment offset") & 0x1FFF;
    }

    /** True if this is a fragment other than the first: its payload does not start with the upper-layer header. */
    public boolean isLaterFragment() {
        return fragmentOffset() != 0;
    }

    public int ttl() {
        return u8(8, "TTL");
    }

    public int protocol() {
        return u8(9, "protocol");
    }

    public int checksum() {
        return u16(10, "header checksum");
    }

    public int sourceBits() {
        return i32(12, "source");
    }

    public int destinationBits() {
        return i32(16, "destination");
    }

    public Ipv4Address source() {
        return Ipv4Address.of(sourceBits());
    }

    public Ipv4Address destination() {
        return Ipv4Address.of(destinationBits());
    }

    /** True if the header checksum is correct. */
    public boolean checksumValid() {
        return InternetChecksum.finish(sum(0, 0, headerLength(), "header")) == 0;
    }

    /** The header checksum the header should carry (computed with the checksum field as zero). */
    public int computeChecksum() {
        return InternetChecksum.finish(sum(0, 0, headerLength(), "header") - checksum());
    }

    /** One's complement sum of the pseudo-header for an upper layer of {@code length} bytes. */
    public long pseudoHeaderSum(int protocol, int length) {
        return InternetChecksum.add32(InternetChecksum.add32(0, sourceBits()), destinationBits()) + protocol + length;
    }

    // ---- options ----

    /** Frame offset of the first option, or -1 if none. */
    public int firstOption() {
        return optionAt(start + MIN_HEADER_LENGTH);
    }

    /** Frame offset of the option after the one at {@code option}, or -1. */
    public int nextOption(int option) {
        return optionAt(option + optionLength(option));
    }

    private int optionAt(int at) {
        int end = start + headerLength();
        if (at >= end || u8(at - start, "option type") == OPTION_END) {
            return -1;
        }
        optionLength(at);
        return at;
    }

    public int optionType(int option) {
        return u8(option - start, "option type");
    }

    /** Bytes of the option, type and length included (1 for NOP). */
    public int optionLength(int option) {
        int type = optionType(option);
        if (type == OPTION_NOP || type == OPTION_END) {
            return 1;
        }
        int len = u8(option - start + 1, "option length");
        if (len < 2 || option + len > start + headerLength()) {
            throw malformed("option length", option - start + 1, "option " + type + " has length " + len
                    + ", outside 2.." + (start + headerLength() - option));
        }
        return len;
    }

    /** Frame offset of the option's data (after type and length). */
    public int optionDataOffset(int option) {
        return optionLength(option) == 1 ? option + 1 : option + 2;
    }

    // ---------------------------------------------------------------- the layer table's row and the writers

    /**
     * IPv4: announced by ethertype 0x0800 or protocol 4; protocol at 9, total length at 2, header
     * checksum at 10; options padded to 4 bytes with End, the IHL set to the padded length.
     */
    public static final LayerKind KIND = LayerKind.builder("IPv4").etherType(EtherType.IPV4).ipProtocol(IpProtocol.IPV4)
            .nextLayerField(9, 1, -1).lengthField(2, 0, "IPv4 packet").checksum(10, LayerKind.Checksum.HEADER).pseudoHeader(4)
            .options(LayerKind.Padding.ZEROS, 4, "IPv4 option padding", 60, 0, OPTION_NOP).headerLengthField(0, 0, 4, 4, 0).build();

    /** Writes a 20-byte header at {@code at}: TTL 64, no options, DF clear, protocol, lengths and checksum 0; returns 20. */
    public static int write(MemorySegment segment, long at, int sourceBits, int destinationBits) {
        write8(segment, at, 0x45);
        write8(segment, at + 1, 0);
        write16(segment, at + 2, 0);
        write32(segment, at + 4, 0);
        write8(segment, at + 8, 64);
        write8(segment, at + 9, 0);
        write16(segment, at + 10, 0);
        write32(segment, at + 12, sourceBits);
        write32(segment, at + 16, destinationBits);
        return MIN_HEADER_LENGTH;
    }

    /** Writes the TTL of the header at {@code at}. */
    public static void writeTtl(MemorySegment segment, long at, int ttl) {
        write8(segment, at + 8, ttl);
    }

    /** Writes the type of service (DSCP << 2 | ECN) of the header at {@code at}. */
    public static void writeTypeOfService(MemorySegment segment, long at, int tos) {
        write8(segment, at + 1, tos);
    }

    /** Writes the identification of the header at {@code at}. */
    public static void writeIdentification(MemorySegment segment, long at, int identification) {
        write16(segment, at + 4, identification);
    }

    /** Writes the flags (DF, MF) and fragment offset (8-byte units) of the header at {@code at}. */
    public static void writeFragment(MemorySegment segment, long at, boolean dontFragment, boolean moreFragments, int fragmentOffset) {
        write16(segment, at + 6, (dontFragment ? 0x4000 : 0) | (moreFragments ? 0x2000 : 0) | fragmentOffset);
    }

    /** Sets DF in the header at {@code at}, keeping the other flags and the offset. */
    public static void writeDontFragment(MemorySegment segment, long at) {
        write16(segment, at + 6, read16(segment, at + 6) | 0x4000);
    }
}
