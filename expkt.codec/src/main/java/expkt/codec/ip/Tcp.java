package expkt.codec.ip;

import expkt.codec.HeaderView;
import expkt.codec.InternetChecksum;
import expkt.codec.LayerKind;
import expkt.codec.MalformedPacketException;
import java.lang.foreign.MemorySegment;

/**
 * TCP header (RFC 9293) with its options. Wrap checks the data offset and every option's length.
 * Options are walked with a cursor of frame offsets: {@code for (int o = tcp.firstOption(); o >= 0;
 * o = tcp.nextOption(o))}; the walk ends at End of Option List. The common options have
 * accessors that return -1 when the option is absent.
 */
public final class Tcp extends HeaderView<Tcp> {
    public static final int MIN_HEADER_LENGTH = 20;
    public static final int FIN = 0x001;
    public static final int SYN = 0x002;
    public static final int RST = 0x004;
    public static final int PSH = 0x008;
    public static final int ACK = 0x010;
    public static final int URG = 0x020;
    public static final int ECE = 0x040;
    public static final int CWR = 0x080;
    public static final int OPTION_END = 0;
    public static final int OPTION_NOP = 1;
    public static final int OPTION_MSS = 2;
    public static final int OPTION_WINDOW_SCALE = 3;
    public static final int OPTION_SACK_PERMITTED = 4;
    public static final int OPTION_SACK = 5;
    public static final int OPTION_TIMESTAMPS = 8;

    @Override
    public String name() {
        return KIND.name();
    }

    @Override
    protected void validate() {
        require(0, MIN_HEADER_LENGTH, "header");
        int hl = headerLength();
        if (hl < MIN_HEADER_LENGTH || hl > wireLimit - start) {
            throw malformed("data offset", 12, "data offset gives " + hl + " bytes, outside 20.." + Math.min(wireLimit - start, 60));
        }
        for (int o = firstOption(); o >= 0; o = nextOption(o)) {
            // nextOption checks each option's length
        }
    }

    @Override
    public int headerLength() {
        return (u8(12, "data offset") >>> 4) * 4;
    }

    public int sourcePort() {
        return u16(0, "source port");
    }

    public int destinationPort() {
        return u16(2, "destination port");
    }

    public long sequenceNumber() {
        return u32(4, "sequence number");
    }

    public long acknowledgmentNumber() {
        return u32(8, "acknowledgment number");
    }

    /** The 12 bits after the data offset: reserved, AE, CWR, ECE, URG, ACK, PSH, RST, SYN, FIN. */
    public int flags() {
        return u16(12, "flags") & 0x0FFF;
    }

    public boolean hasFlags(int mask) {
        return (flags() & mask) == mask;
    }

    public int window() {
        return u16(14, "window");
    }

    public int checksum() {
        return u16(16, "checksum");
    }

    public int urgentPointer() {
        return u16(18, "urgent pointer");
    }

    private int segmentLength() {
        return (int) Math.min(wireLimit - start, Integer.MAX_VALUE);
    }

    /** @throws MalformedPacketException if the segment is not all in the frame ({@link #isTruncated()}) */
    public boolean checksumValid(Ipv4 ip) {
        return InternetChecksum.finish(sum(ip.pseudoHeaderSum(IpProtocol.TCP, segmentLength()), 0, segmentLength(), "segment")) == 0;
    }

    /** @throws MalformedPacketException if the segment is not all in the frame ({@link #isTruncated()}) */
    public boolean checksumValid(Ipv6 ip) {
        return InternetChecksum.finish(sum(ip.pseudoHeaderSum(IpProtocol.TCP, segmentLength()), 0, segmentLength(), "segment")) == 0;
    }

    // ---- options ----

    public int firstOption() {
        return optionAt(start + MIN_HEADER_LENGTH);
    }

    public int nextOption(int option) {
        return optionAt(option + optionLength(option));
    }

    private int optionAt(int at) {
        if (at >= start + headerLength() || u8(at - start, "option kind") == OPTION_END) {
            return -1;
        }
        optionLength(at);
        return at;
    }

    public int optionKind(int option) {
        return u8(option - start, "option kind");
    }

    /** Bytes of the option, kind and length included (1 for NOP). */
    public int optionLength(int option) {
        int kind = optionKind(option);
        if (kind == OPTION_NOP || kind == OPTION_END) {
            return 1;
        }
        int len = u8(option - start + 1, "option length");
        if (len < 2 || option + len > start + headerLength()) {
            throw malformed("option length", option - start + 1, "option " + kind + " has length " + len
                    + ", outside 2.." + (start + headerLength() - option));
        }
        return len;
    }

    /** Frame offset of the first option of {@code kind} with exactly {@code length} bytes, or -1. */
    public int findOption(int kind, int length) {
        for (int o = firstOption(); o >= 0; o = nextOption(o)) {
            if (optionKind(o) == kind) {
                if (optionLength(o) != length) {
                    throw malformed("option length", o - start + 1, "option " + kind + " has length "
                            + optionLength(o) + ", not " + length);
                }
                return o;
            }
        }
        return -1;
    }

    /** Maximum segment size, or -1. */
    public int mss() {
        int o = findOption(OPTION_MSS, 4);
        return o < 0 ? -1 : u16(o - start + 2, "MSS");
    }

    /** Window scale shift, or -1. */
    public int windowScale() {
        int o = findOption(OPTION_WINDOW_SCALE, 3);
        return o < 0 ? -1 : u8(o - start + 2, "window scale");
    }

    public boolean sackPermitted() {
        return findOption(OPTION_SACK_PERMITTED, 2) >= 0;
    }

    /** Timestamp value, or -1. */
    public long timestampValue() {
        int o = findOption(OPTION_TIMESTAMPS, 10);
        return o < 0 ? -1 : u32(o - start + 2, "timestamp value");
    }

    /** Timestamp echo reply, or -1. */
    public long timestampEchoReply() {
        int o = findOption(OPTION_TIMESTAMPS, 10);
        return o < 0 ? -1 : u32(o - start + 6, "timestamp echo reply");
    }

    // ---------------------------------------------------------------- the layer table's row and the writers

    /**
     * TCP: announced by protocol 6; checksum at 16 with the pseudo-header; options padded to 4 bytes
     * with End, the data offset set to the padded length.
     */
    public static final LayerKind KIND = LayerKind.builder("TCP").ipProtocol(IpProtocol.TCP).checksum(16, LayerKind.Checksum.PSEUDO_HEADER)
            .options(LayerKind.Padding.ZEROS, 4, "TCP option padding", 60, 0, OPTION_NOP).headerLengthField(12, 4, 4, 4, 0).build();

    /** Writes a 20-byte header at {@code at}: sequence and acknowledgment 0, no flags, window 65535; returns 20. */
    public static int write(MemorySegment segment, long at, int sourcePort, int destinationPort) {
        write16(segment, at, sourcePort);
        write16(segment, at + 2, destinationPort);
        write32(segment, at + 4, 0);
        write32(segment, at + 8, 0);
        write16(segment, at + 12, 5 << 12);
        write16(segment, at + 14, 0xFFFF);
        write32(segment, at + 16, 0);
        return MIN_HEADER_LENGTH;
    }

    /** Writes the sequence number of the header at {@code at}. */
    public static void writeSequence(MemorySegment segment, long at, int sequence) {
        write32(segment, at + 4, sequence);
    }

    /** Writes the acknowledgment number of the header at {@code at}. */
    public static void writeAcknowledgment(MemorySegment segment, long at, int acknowledgment) {
        write32(segment, at + 8, acknowledgment);
    }

    /** Writes the 12 flag bits of the header at {@code at}, keeping the data offset. */
    public static void writeFlags(MemorySegment segment, long at, int flags) {
        write16(segment, at + 12, read16(segment, at + 12) & 0xF000 | flags);
    }

    /** Writes the window of the header at {@code at}. */
    public static void writeWindow(MemorySegment segment, long at, int window) {
        write16(segment, at + 14, window);
    }

    /** Writes the urgent pointer of the header at {@code at}. */
    public static void writeUrgentPointer(MemorySegment segment, long at, int urgentPointer) {
        write16(segment, at + 18, urgentPointer);
    }
}
