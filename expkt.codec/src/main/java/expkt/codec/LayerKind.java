package expkt.codec;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * One row of the codec's layer table: everything {@link FrameBuilder#finish()} needs to know about
 * a kind of header to fill what depends on the layers around it. Each header class declares its own
 * row beside its parser and its writer ({@code Ipv4.KIND}, {@code Udp.KIND}, {@code Lldp.KIND} ...),
 * so a protocol lives in one class:
 *
 * <table>
 * <caption>The rows of the codec's headers</caption>
 * <tr><th>row</th><th>identity</th><th>next-layer field</th><th>length rule</th><th>checksum</th><th>options and padding</th></tr>
 * <tr><td>{@code Ethernet.KIND}</td><td>-</td><td>ethertype at 12</td><td>-</td><td>-</td><td>-</td></tr>
 * <tr><td>{@code VlanTag.CUSTOMER_KIND}, {@code SERVICE_KIND}</td><td>ethertype 0x8100, 0x88A8</td><td>ethertype at 4</td><td>-</td><td>-</td><td>-</td></tr>
 * <tr><td>{@code Arp.KIND}</td><td>ethertype 0x0806</td><td>-</td><td>-</td><td>-</td><td>-</td></tr>
 * <tr><td>{@code Ipv4.KIND}</td><td>ethertype 0x0800, protocol 4</td><td>protocol at 9</td><td>total length at 2</td><td>header, at 10</td><td>to 4 bytes with End; IHL</td></tr>
 * <tr><td>{@code Ipv6.KIND}</td><td>ethertype 0x86DD, protocol 41</td><td>next header at 6 (59 if last)</td><td>payload length at 4 (minus 40)</td><td>-</td><td>-</td></tr>
 * <tr><td>{@code Ipv6.HOP_BY_HOP_KIND}, {@code DESTINATION_OPTIONS_KIND}</td><td>protocol 0, 60</td><td>next header at 0 (59 if last)</td><td>-</td><td>-</td><td>to 8 bytes with Pad1/PadN; length at 1</td></tr>
 * <tr><td>{@code Ipv6.ROUTING_KIND}, {@code FRAGMENT_KIND}</td><td>protocol 43, 44</td><td>next header at 0 (59 if last)</td><td>-</td><td>-</td><td>-</td></tr>
 * <tr><td>{@code Icmp.KIND}</td><td>protocol 1</td><td>-</td><td>-</td><td>whole layer, at 2</td><td>-</td></tr>
 * <tr><td>{@code Icmpv6.KIND}</td><td>protocol 58</td><td>-</td><td>-</td><td>pseudo-header, at 2</td><td>ND options (8-byte units)</td></tr>
 * <tr><td>{@code Udp.KIND}</td><td>protocol 17</td><td>-</td><td>length at 4</td><td>pseudo-header, at 6 (0 sent as 0xFFFF)</td><td>-</td></tr>
 * <tr><td>{@code Tcp.KIND}</td><td>protocol 6</td><td>-</td><td>-</td><td>pseudo-header, at 16</td><td>to 4 bytes with End; data offset</td></tr>
 * <tr><td>{@code Lldp.KIND}</td><td>ethertype 0x88CC</td><td>-</td><td>-</td><td>-</td><td>TLVs, then the End TLV</td></tr>
 * <tr><td>{@code WakeOnLan.KIND}</td><td>ethertype 0x0842</td><td>-</td><td>-</td><td>-</td><td>-</td></tr>
 * <tr><td>{@link #PAYLOAD}</td><td>-</td><td>-</td><td>-</td><td>-</td><td>-</td></tr>
 * </table>
 *
 * <p>A header the codec does not know gets a row of its own with {@link #builder(String)}, and is
 * written with {@link FrameBuilder#header(LayerKind, int, HeaderWriter)}: the builder then fills
 * the type field of the layer before it from the row's identity, and the row's length field and
 * checksum, like those of the codec's own headers (the codec's README, "Adding a header").
 *
 * <p>Offsets are relative to the header's first byte. Immutable and thread-safe; the filling
 * methods write into the caller's memory and are as thread-safe as that memory is.
 */
public final class LayerKind {
    private static final ValueLayout.OfShort BE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /** What a layer's checksum covers. */
    public enum Checksum {
        /** No checksum. */
        NONE,
        /** The header only, as long as its header-length field says (IPv4). */
        HEADER,
        /** The layer and everything after it (ICMP). */
        LAYER,
        /** The layer and everything after it, with the pseudo-header of the IPv4 or IPv6 layer before it (ICMPv6, UDP, TCP). */
        PSEUDO_HEADER
    }

    /** How a header's options are padded when the next layer starts. */
    public enum Padding {
        /** No options, or options that need no padding. */
        NONE,
        /** Zero bytes (the End of Option List of IPv4 and TCP) up to the alignment. */
        ZEROS,
        /** A Pad1 or a PadN option up to the alignment (IPv6 hop-by-hop and destination options). */
        IPV6_PAD
    }

    /** Raw bytes after the last header: no identity, nothing filled. */
    public static final LayerKind PAYLOAD = builder("payload").build();

    private final String name;
    private final int etherType;
    private final int ipProtocol;
    private final int nextField;
    private final int nextFieldBytes;
    private final int lastNext;
    private final int lengthField;
    private final int lengthExcluded;
    private final String lengthName;
    private final int checksumOffset;
    private final Checksum checksum;
    private final boolean zeroChecksumAsOnes;
    private final int pseudoHeaderVersion;
    private final boolean options;
    private final Padding padding;
    private final int alignment;
    private final String paddingName;
    private final int headerLengthField;
    private final int headerLengthShift;
    private final int headerLengthBits;
    private final int headerLengthUnit;
    private final int headerLengthBias;
    private final int maxOptionsEnd;
    private final int optionLengthBias;
    private final int lastSingleByteOption;
    private final byte[] trailer;
    private final String trailerName;

    private LayerKind(Builder b) {
        name = b.name;
        etherType = b.etherType;
        ipProtocol = b.ipProtocol;
        nextField = b.nextField;
        nextFieldBytes = b.nextFieldBytes;
        lastNext = b.lastNext;
        lengthField = b.lengthField;
        lengthExcluded = b.lengthExcluded;
        lengthName = b.lengthName;
        checksumOffset = b.checksumOffset;
        checksum = b.checksum;
        zeroChecksumAsOnes = b.zeroChecksumAsOnes;
        pseudoHeaderVersion = b.pseudoHeaderVersion;
        options = b.options;
        padding = b.padding;
        alignment = b.alignment;
        paddingName = b.paddingName;
        headerLengthField = b.headerLengthField;
        headerLengthShift = b.headerLengthShift;
        headerLengthBits = b.headerLengthBits;
        headerLengthUnit = b.headerLengthUnit;
        headerLengthBias = b.headerLengthBias;
        maxOptionsEnd = b.maxOptionsEnd;
        optionLengthBias = b.optionLengthBias;
        lastSingleByteOption = b.lastSingleByteOption;
        trailer = b.trailer;
        trailerName = b.trailerName;
    }

    /** Starts a row for a header named {@code name} (as messages give it, e.g. {@code "IGMP"}). */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** The header's name as messages give it. */
    public String name() {
        return name;
    }

    /** The ethertype that announces this header in the layer before it, or -1. */
    public int etherType() {
        return etherType;
    }

    /** The IP protocol (next header) number that announces this header in the layer before it, or -1. */
    public int ipProtocol() {
        return ipProtocol;
    }

    /** Offset of the field that names the next layer (ethertype or IP protocol), or -1. */
    public int nextField() {
        return nextField;
    }

    /** Width of the next-layer field: 2 (an ethertype) or 1 (an IP protocol). */
    public int nextFieldBytes() {
        return nextFieldBytes;
    }

    /** Offset of the length field {@link FrameBuilder#finish()} fills, or -1. */
    public int lengthField() {
        return lengthField;
    }

    /** Offset of the checksum, or -1. */
    public int checksumOffset() {
        return checksumOffset;
    }

    /** What the checksum covers. */
    public Checksum checksum() {
        return checksum;
    }

    /** Whether the header takes options after its fixed part (closed and padded when the next layer starts). */
    public boolean hasOptions() {
        return options;
    }

    /** How the options are padded. */
    public Padding padding() {
        return padding;
    }

    /** The IP version whose pseudo-header this layer provides to the checksums after it (4, 6), or 0. */
    public int pseudoHeaderVersion() {
        return pseudoHeaderVersion;
    }

    /** The value of this kind's next-layer field that announces {@code next}, or -1 if {@code next} has no identity here. */
    public int identityOf(LayerKind next) {
        return nextFieldBytes == 2 ? next.etherType : next.ipProtocol;
    }

    @Override
    public String toString() {
        return name;
    }

    // ---------------------------------------------------------------- the rules, applied to a header at [at, end)

    /**
     * Fills the next-layer field of the header at {@code at} to announce {@code next} (null: none follows).
     *
     * @throws IllegalStateException if {@code next} has no identity in this field (give it explicitly)
     */
    void fillNext(MemorySegment segment, long at, LayerKind next) {
        int id = next == null ? lastNext : identityOf(next);
        if (id < 0) {
            throw new IllegalStateException(name + " is followed by " + (next == null ? "nothing" : next.name) + ": give its "
                    + (nextFieldBytes == 2 ? "ethertype" : "protocol") + " explicitly");
        }
        if (nextFieldBytes == 2) {
            segment.set(BE_SHORT, at + nextField, (short) id);
        } else {
            segment.set(ValueLayout.JAVA_BYTE, at + nextField, (byte) id);
        }
    }

    /**
     * Fills the length field of a header of {@code length} bytes with its payload.
     *
     * @throws IllegalStateException if the length does not fit 16 bits
     */
    void fillLength(MemorySegment segment, long at, int length) {
        if (lengthField < 0) {
            return;
        }
        int len = length - lengthExcluded;
        if (len > 0xFFFF) {
            throw new IllegalStateException(lengthName + " of " + len + " bytes is longer than 65535");
        }
        segment.set(BE_SHORT, at + lengthField, (short) len);
    }

    /** The header's length as its header-length field gives it. */
    int headerLength(MemorySegment segment, long at) {
        int v = (segment.get(ValueLayout.JAVA_BYTE, at + headerLengthField) & 0xFF) >>> headerLengthShift & (1 << headerLengthBits) - 1;
        return (v - headerLengthBias) * headerLengthUnit;
    }

    /** Bytes of padding a header whose options end {@code length} bytes after its start needs. */
    int paddingFor(int length) {
        return padding == Padding.NONE ? 0 : (alignment - length % alignment) % alignment;
    }

    /** Writes {@code pad} bytes of padding at {@code at} and the padded length into the header at {@code header}. */
    void pad(MemorySegment segment, long header, long at, int pad, int paddedLength) {
        // byte by byte, not asSlice().fill(): a slice is an object, and padding is written per frame
        if (padding == Padding.ZEROS) {
            zeros(segment, at, pad);
        } else if (padding == Padding.IPV6_PAD && pad == 1) {
            segment.set(ValueLayout.JAVA_BYTE, at, (byte) 0); // Pad1
        } else if (padding == Padding.IPV6_PAD && pad > 1) {
            segment.set(ValueLayout.JAVA_BYTE, at, (byte) 1); // PadN
            segment.set(ValueLayout.JAVA_BYTE, at + 1, (byte) (pad - 2));
            zeros(segment, at + 2, pad - 2);
        }
        if (headerLengthBits > 0) {
            int mask = ((1 << headerLengthBits) - 1) << headerLengthShift;
            int old = segment.get(ValueLayout.JAVA_BYTE, header + headerLengthField) & 0xFF;
            int v = (paddedLength / headerLengthUnit + headerLengthBias) << headerLengthShift & mask;
            segment.set(ValueLayout.JAVA_BYTE, header + headerLengthField, (byte) (old & ~mask | v));
        }
    }

    private static void zeros(MemorySegment segment, long at, int n) {
        for (int i = 0; i < n; i++) {
            segment.set(ValueLayout.JAVA_BYTE, at + i, (byte) 0);
        }
    }

    String paddingName() {
        return paddingName;
    }

    /** Bytes written after the last option or TLV when the next layer starts (LLDP's End TLV), or an empty array. */
    byte[] trailer() {
        return trailer;
    }

    String trailerName() {
        return trailerName;
    }

    int maxOptionsEnd() {
        return maxOptionsEnd;
    }

    int optionLengthBias() {
        return optionLengthBias;
    }

    int lastSingleByteOption() {
        return lastSingleByteOption;
    }

    boolean zeroChecksumAsOnes() {
        return zeroChecksumAsOnes;
    }

    /** Builds a {@link LayerKind}; every rule is off until set. Not thread-safe. */
    public static final class Builder {
        private final String name;
        private int etherType = -1;
        private int ipProtocol = -1;
        private int nextField = -1;
        private int nextFieldBytes;
        private int lastNext = -1;
        private int lengthField = -1;
        private int lengthExcluded;
        private String lengthName;
        private int checksumOffset = -1;
        private Checksum checksum = Checksum.NONE;
        private boolean zeroChecksumAsOnes;
        private int pseudoHeaderVersion;
        private boolean options;
        private Padding padding = Padding.NONE;
        private int alignment = 1;
        private String paddingName;
        private int headerLengthField = -1;
        private int headerLengthShift;
        private int headerLengthBits;
        private int headerLengthUnit = 1;
        private int headerLengthBias;
        private int maxOptionsEnd;
        private int optionLengthBias;
        private int lastSingleByteOption = -1;
        private byte[] trailer = new byte[0];
        private String trailerName;

        private Builder(String name) {
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("a layer kind needs a name");
            }
            this.name = name;
        }

        /** The ethertype that announces this header (0x0600..0xFFFF). */
        public Builder etherType(int etherType) {
            if (etherType < 0x0600 || etherType > 0xFFFF) {
                throw new IllegalArgumentException("ethertype 0x" + Integer.toHexString(etherType) + " is outside 0x0600..0xffff");
            }
            this.etherType = etherType;
            return this;
        }

        /** The IP protocol (IPv6 next header) number that announces this header. */
        public Builder ipProtocol(int protocol) {
            this.ipProtocol = check(protocol, 0, 255, "IP protocol");
            return this;
        }

        /**
         * The header names the next layer by an ethertype ({@code bytes} 2) or an IP protocol (1) at
         * {@code offset}; {@code whenLast} is written when no layer follows (-1: refuse).
         */
        public Builder nextLayerField(int offset, int bytes, int whenLast) {
            if (bytes != 1 && bytes != 2) {
                throw new IllegalArgumentException("a next-layer field of " + bytes + " bytes is not an IP protocol (1) or an ethertype (2)");
            }
            this.nextField = check(offset, 0, 65535, "next-layer field offset");
            this.nextFieldBytes = bytes;
            this.lastNext = whenLast;
            return this;
        }

        /**
         * A 16-bit length field at {@code offset} holding the bytes from the header's start to the
         * frame's end (padding to the minimum excluded), less {@code excluded} (IPv6: 40);
         * {@code name} names it in the message of a length that does not fit.
         */
        public Builder lengthField(int offset, int excluded, String name) {
            this.lengthField = check(offset, 0, 65535, "length field offset");
            this.lengthExcluded = excluded;
            this.lengthName = name;
            return this;
        }

        /** A 16-bit Internet checksum at {@code offset} covering {@code what}. */
        public Builder checksum(int offset, Checksum what) {
            this.checksumOffset = check(offset, 0, 65535, "checksum offset");
            this.checksum = what;
            return this;
        }

        /** A computed checksum of 0 is sent as 0xFFFF (UDP: zero means "no checksum"). */
        public Builder zeroChecksumAsOnes() {
            this.zeroChecksumAsOnes = true;
            return this;
        }

        /** This header's addresses make the pseudo-header of the checksums after it (IP version 4 or 6). */
        public Builder pseudoHeader(int ipVersion) {
            if (ipVersion != 4 && ipVersion != 6) {
                throw new IllegalArgumentException("pseudo-header of IP version " + ipVersion);
            }
            this.pseudoHeaderVersion = ipVersion;
            return this;
        }

        /**
         * The header takes options after its fixed part, padded with {@code padding} to a multiple of
         * {@code alignment} bytes when the next layer starts ({@code name} names the padding in
         * messages); options may run to {@code maxHeaderLength} bytes from the header's start.
         * {@code lengthBias} is added to an option's length byte (0: it counts type and length,
         * -2: only the data); option types up to {@code lastSingleByteType} are one byte (-1: none).
         */
        public Builder options(Padding padding, int alignment, String name, int maxHeaderLength, int lengthBias, int lastSingleByteType) {
            this.options = true;
            this.padding = padding;
            this.alignment = check(alignment, 1, 64, "option alignment");
            this.paddingName = name;
            this.maxOptionsEnd = maxHeaderLength;
            this.optionLengthBias = lengthBias;
            this.lastSingleByteOption = lastSingleByteType;
            return this;
        }

        /**
         * The header's length, set when its options are closed: {@code bits} bits at {@code shift}
         * of the byte at {@code offset}, in units of {@code unit} bytes, plus {@code bias}
         * (IPv6 extension headers count 8-byte units after the first: bias -1).
         */
        public Builder headerLengthField(int offset, int shift, int bits, int unit, int bias) {
            this.headerLengthField = check(offset, 0, 65535, "header length field offset");
            this.headerLengthShift = check(shift, 0, 7, "header length shift");
            this.headerLengthBits = check(bits, 1, 8 - shift, "header length bits");
            this.headerLengthUnit = check(unit, 1, 64, "header length unit");
            this.headerLengthBias = bias;
            return this;
        }

        /** Bytes written after the header's last option or TLV when the next layer starts (LLDP: the End TLV). */
        public Builder trailer(byte[] bytes, String name) {
            this.options = true;
            this.trailer = bytes.clone();
            this.trailerName = name;
            return this;
        }

        public LayerKind build() {
            if (checksum == Checksum.HEADER && headerLengthBits == 0) {
                throw new IllegalStateException(name + ": a header checksum needs a header length field");
            }
            return new LayerKind(this);
        }

        private static int check(int v, int min, int max, String what) {
            if (v < min || v > max) {
                throw new IllegalArgumentException(what + " " + v + " is outside " + min + ".." + max);
            }
            return v;
        }
    }
}
