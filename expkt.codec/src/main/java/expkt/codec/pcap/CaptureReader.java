package expkt.codec.pcap;

import expkt.api.packet.FrameView;
import expkt.api.spi.FrameWindow;
import java.io.Closeable;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads pcap (either byte order, micro- or nanosecond) and pcapng (any number of sections and
 * interfaces, any timestamp resolution; enhanced, simple and obsolete packet blocks) files, for
 * tests and replay. The file is mapped, so frames are read in place:
 *
 * <pre>{@code
 * try (CaptureReader r = CaptureReader.open(file)) {          // MalformedCaptureException: not a capture file
 *     while (r.next()) {                                      // MalformedCaptureException: a bad block or record
 *         if (r.linkType() == CaptureWriter.LINKTYPE_ETHERNET) {
 *             try {
 *                 decoder.decode(r.segment(), r.frameOffset(), r.capturedLength(), r.originalLength());
 *             } catch (MalformedPacketException e) {        // a bad frame: the next one may be fine
 *             }
 *         }
 *     }
 * }
 * }</pre>
 *
 * That loop throws nothing else: every block and record length is checked against its block and
 * the file in 64-bit arithmetic (a length field near 2<sup>32</sup> cannot wrap), and a bad file
 * gives {@link MalformedCaptureException} naming the offset.
 *
 * <p><b>Link type and FCS.</b> A pcap file's link-type field carries, as libpcap defines it, the
 * LINKTYPE in its low 16 bits and, if bit 0x04000000 is set, the length of the frame check
 * sequence each frame ends with in bits 28-31 (in 16-bit units); a pcapng interface gives it in its
 * {@code if_fcslen} option (in bytes). The reader reports frames <em>without</em> their FCS, as a
 * socket hands them over: {@link #capturedLength()} and {@link #originalLength()} leave it out and
 * {@link #fcsLength()} says how many bytes that was.
 *
 * <p>Obsolete pcapng Packet Blocks (type 2) are read like enhanced packet blocks; other block
 * types (name resolution, statistics, custom, systemd journal, decryption secrets) hold no frame
 * and are skipped.
 *
 * <p>Not thread-safe; frames are valid until close.
 */
public final class CaptureReader implements Closeable {
    private static final int MAX_INTERFACES = 1024;
    /** libpcap's LT_FCS_LENGTH_PRESENT: the pcap link-type field also gives the FCS length. */
    private static final int FCS_LENGTH_PRESENT = 0x0400_0000;

    private final Arena arena;
    private final MemorySegment file;
    private final boolean pcapng;
    private ValueLayout.OfInt int32;
    private ValueLayout.OfShort int16;
    private long position;
    // classic pcap
    private boolean nanos;
    private int pcapLinkType;
    private int pcapFcsLength;
    // pcapng interfaces of the current section
    private final int[] ifLinkType = new int[MAX_INTERFACES];
    private final long[] ifUnitsPerSecond = new long[MAX_INTERFACES];
    private final int[] ifFcsLength = new int[MAX_INTERFACES];
    private int ifCount;
    // current frame
    private long frameOffset;
    private int captured;
    private int original;
    private long timestamp;
    private int interfaceId;
    private int fcs;

    private CaptureReader(Arena arena, MemorySegment file) throws MalformedCaptureException {
        this.arena = arena;
        this.file = file;
        if (file.byteSize() < 4) {
            throw new MalformedCaptureException("capture file of " + file.byteSize() + " bytes has no header");
        }
        int magicLe = file.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        int magicBe = file.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 0);
        if (magicLe == 0x0A0D_0D0A) {
            pcapng = true;
            position = 0;
        } else {
            pcapng = false;
            ByteOrder order;
            if (magicLe == 0xA1B2_C3D4 || magicLe == 0xA1B2_3C4D) {
                order = ByteOrder.LITTLE_ENDIAN;
                nanos = magicLe == 0xA1B2_3C4D;
            } else if (magicBe == 0xA1B2_C3D4 || magicBe == 0xA1B2_3C4D) {
                order = ByteOrder.BIG_ENDIAN;
                nanos = magicBe == 0xA1B2_3C4D;
            } else {
                throw new MalformedCaptureException("magic 0x" + Integer.toHexString(magicBe) + " at offset 0 is neither pcap nor pcapng");
            }
            setOrder(order);
            if (file.byteSize() < 24) {
                throw new MalformedCaptureException("pcap file of " + file.byteSize() + " bytes is shorter than its 24-byte header");
            }
            int linkField = file.get(int32, 20);
            pcapLinkType = linkField & 0xFFFF; // LT_LINKTYPE
            // LT_FCS_LENGTH: bits 28-31, in 16-bit words, when LT_FCS_LENGTH_PRESENT is set
            pcapFcsLength = (linkField & FCS_LENGTH_PRESENT) != 0 ? (linkField >>> 28) * 2 : 0;
            position = 24;
        }
    }

    private void setOrder(ByteOrder order) {
        int32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(order);
        int16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(order);
    }

    /** Maps {@code path} and reads its header. */
    public static CaptureReader open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment m = ch.size() == 0 ? MemorySegment.ofArray(new byte[0]) : ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            return new CaptureReader(arena, m);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** True if the file is pcapng. */
    public boolean isPcapng() {
        return pcapng;
    }

    /** Moves to the next frame; false at the end of the file. */
    public boolean next() throws MalformedCaptureException {
        view.release();
        return pcapng ? nextBlock() : nextRecord();
    }

    private boolean nextRecord() throws MalformedCaptureException {
        long size = file.byteSize();
        if (position == size) {
            return false;
        }
        if (position + 16 > size) {
            throw new MalformedCaptureException("pcap record header at offset " + position + " is cut by the end of the file at " + size);
        }
        long sec = file.get(int32, position) & 0xFFFF_FFFFL;
        long frac = file.get(int32, position + 4) & 0xFFFF_FFFFL;
        long incl = file.get(int32, position + 8) & 0xFFFF_FFFFL;
        long orig = file.get(int32, position + 12) & 0xFFFF_FFFFL;
        if (incl > size - position - 16) {
            throw new MalformedCaptureException("pcap record at offset " + position + " claims " + incl
                    + " captured bytes, past the end of the file at " + size);
        }
        timestamp = sec * 1_000_000_000L + (nanos ? frac : frac * 1000);
        interfaceId = 0;
        setFrame(position, position + 16, incl, orig, pcapFcsLength);
        position += 16 + incl;
        return true;
    }

    /**
     * The current frame: {@code incl} bytes at {@code data}, {@code orig} on the wire, the last
     * {@code fcsLength} of which are the FCS the reader leaves out. All lengths unsigned 32-bit.
     */
    private void setFrame(long block, long data, long incl, long orig, int fcsLength) throws MalformedCaptureException {
        long wire = orig;
        long cap = incl;
        if (fcsLength > 0) {
            if (orig < fcsLength && incl < fcsLength) {
                throw new MalformedCaptureException("frame at offset " + block + " of " + Math.max(orig, incl)
                        + " bytes is shorter than its " + fcsLength + "-byte FCS");
            }
            wire = Math.max(orig, incl) - fcsLength; // an original length below the captured one: the captured one
            cap = Math.min(incl, wire);
        }
        if (cap > Integer.MAX_VALUE) {
            throw new MalformedCaptureException("frame at offset " + block + " of " + cap + " captured bytes is larger than "
                    + Integer.MAX_VALUE + ", the most this reader maps as one frame");
        }
        frameOffset = data;
        captured = (int) cap;
        original = (int) Math.min(wire, Integer.MAX_VALUE);
        fcs = fcsLength;
    }

    private boolean nextBlock() throws MalformedCaptureException {
        long size = file.byteSize();
        while (position < size) {
            if (position + 12 > size) {
                throw new MalformedCaptureException("pcapng block at offset " + position + " is cut by the end of the file at " + size);
            }
            int type = file.get(ValueLayout.JAVA_INT_UNALIGNED, position);
            if (type == 0x0A0D_0D0A) { // palindromic: a new section, with its own byte order
                int bom = file.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), position + 8);
                if (bom == 0x1A2B_3C4D) {
                    setOrder(ByteOrder.LITTLE_ENDIAN);
                } else if (bom == 0x4D3C_2B1A) {
                    setOrder(ByteOrder.BIG_ENDIAN);
                } else {
                    throw new MalformedCaptureException("pcapng section at offset " + position + " has byte-order magic 0x" + Integer.toHexString(bom));
                }
                ifCount = 0;
            }
            type = file.get(int32, position);
            long total = file.get(int32, position + 4) & 0xFFFF_FFFFL;
            if (total < 12 || (total & 3) != 0 || position + total > size) {
                throw new MalformedCaptureException("pcapng block of type " + type + " at offset " + position + " has length " + total
                        + " (12 or more, a multiple of 4, within the file's " + size + " bytes)");
            }
            long block = position;
            position += total;
            switch (type) {
                case 1 -> interfaceDescription(block, total);
                case 6, 2 -> { // enhanced packet block; obsolete packet block (16-bit interface ID, then 16-bit drop count)
                    String kind = type == 6 ? "enhanced packet block" : "packet block";
                    if (total < 32) {
                        throw new MalformedCaptureException(kind + " at offset " + block + " of " + total + " bytes is shorter than 32");
                    }
                    int id = type == 6 ? file.get(int32, block + 8) : file.get(int16, block + 8) & 0xFFFF;
                    if (id < 0 || id >= ifCount) {
                        throw new MalformedCaptureException(kind + " at offset " + block + " names interface " + (id & 0xFFFF_FFFFL)
                                + " of " + ifCount);
                    }
                    long ts = (file.get(int32, block + 12) & 0xFFFF_FFFFL) << 32 | (file.get(int32, block + 16) & 0xFFFF_FFFFL);
                    long cap = file.get(int32, block + 20) & 0xFFFF_FFFFL;
                    if (cap > total - 32) { // 28 bytes before the data, 4 after: in 64 bits, so a length near 2^32 cannot wrap
                        throw new MalformedCaptureException(kind + " at offset " + block + " claims " + cap
                                + " captured bytes in a block of " + total);
                    }
                    interfaceId = id;
                    timestamp = toNanos(ts, ifUnitsPerSecond[id]);
                    setFrame(block, block + 28, cap, file.get(int32, block + 24) & 0xFFFF_FFFFL, ifFcsLength[id]);
                    return true;
                }
                case 3 -> {
                    if (ifCount == 0 || total < 16) {
                        throw new MalformedCaptureException("simple packet block at offset " + block + " without an interface or shorter than 16 bytes");
                    }
                    long orig = file.get(int32, block + 8) & 0xFFFF_FFFFL;
                    interfaceId = 0;
                    timestamp = 0;
                    setFrame(block, block + 12, Math.min(orig, total - 16), orig, ifFcsLength[0]);
                    return true;
                }
                default -> {
                    // section header, statistics, name resolution, custom blocks: nothing to return
                }
            }
        }
        return false;
    }

    private void interfaceDescription(long block, long total) throws MalformedCaptureException {
        if (total < 20) {
            throw new MalformedCaptureException("interface description block at offset " + block + " is shorter than 20 bytes");
        }
        if (ifCount == MAX_INTERFACES) {
            throw new MalformedCaptureException("more than " + MAX_INTERFACES + " interfaces at offset " + block);
        }
        int link = file.get(int16, block + 8) & 0xFFFF;
        long units = 1_000_000L; // default resolution: microseconds
        int fcsLength = 0;
        long o = block + 16;
        long end = block + total - 4;
        while (o + 4 <= end) {
            int code = file.get(int16, o) & 0xFFFF;
            int len = file.get(int16, o + 2) & 0xFFFF;
            if (code == 0) {
                break;
            }
            if (o + 4 + len > end) {
                throw new MalformedCaptureException("option " + code + " at offset " + o + " runs past its block");
            }
            if (code == 13 && len >= 1) { // if_fcslen: bytes of FCS at the end of each frame
                fcsLength = file.get(ValueLayout.JAVA_BYTE, o + 4) & 0xFF;
            }
            if (code == 9 && len >= 1) {
                int r = file.get(ValueLayout.JAVA_BYTE, o + 4) & 0xFF;
                int exp = r & 0x7F;
                if ((r & 0x80) == 0) {
                    if (exp > 18) {
                        throw new MalformedCaptureException("if_tsresol 10^-" + exp + " at offset " + o + " is finer than this reader handles");
                    }
                    units = 1;
                    for (int i = 0; i < exp; i++) {
                        units *= 10;
                    }
                } else {
                    if (exp > 62) {
                        throw new MalformedCaptureException("if_tsresol 2^-" + exp + " at offset " + o + " is finer than this reader handles");
                    }
                    units = 1L << exp;
                }
            }
            o += 4 + ((len + 3) & ~3);
        }
        ifLinkType[ifCount] = link;
        ifUnitsPerSecond[ifCount] = units;
        ifFcsLength[ifCount] = fcsLength;
        ifCount++;
    }

    private static long toNanos(long ts, long unitsPerSecond) {
        long seconds = Long.divideUnsigned(ts, unitsPerSecond);
        long rest = Long.remainderUnsigned(ts, unitsPerSecond);
        // rest < unitsPerSecond; exact for the decimal resolutions up to nanoseconds, rounded below for finer ones
        long fraction = unitsPerSecond <= 1_000_000_000L && 1_000_000_000L % unitsPerSecond == 0
                ? rest * (1_000_000_000L / unitsPerSecond)
                : java.math.BigInteger.valueOf(rest).multiply(java.math.BigInteger.valueOf(1_000_000_000L))
                        .divide(java.math.BigInteger.valueOf(unitsPerSecond)).longValue();
        return seconds * 1_000_000_000L + fraction;
    }

    /** The mapped file: the current frame is {@link #capturedLength()} bytes at {@link #frameOffset()} of it. */
    public MemorySegment segment() {
        return file;
    }

    public long frameOffset() {
        return frameOffset;
    }

    /** Bytes of the current frame in the file, its FCS left out. */
    public int capturedLength() {
        return captured;
    }

    /**
     * Length on the wire, FCS left out (exceeds the captured length if the capture cut the frame;
     * never below it: a record whose original length is smaller counts as whole; at most
     * {@link Integer#MAX_VALUE}).
     */
    public int originalLength() {
        return Math.max(original, captured);
    }

    /** Bytes of FCS the file says each frame of the current interface ends with, left out of the frame (0: none). */
    public int fcsLength() {
        return fcs;
    }

    /** Nanoseconds since 1970-01-01 UTC (0 for a pcapng simple packet block, which has none). */
    public long timestampNanos() {
        return timestamp;
    }

    /** The pcapng interface the frame came in on (0 for pcap). */
    public int interfaceId() {
        return interfaceId;
    }

    /** LINKTYPE of the current frame's interface (1 = Ethernet), without the pcap header's FCS bits. */
    public int linkType() {
        return pcapng ? ifLinkType[interfaceId] : pcapLinkType;
    }

    /** What {@link #frame()} hands out: re-pointed at each frame, released by {@link #next()} and {@link #close()}. */
    private final FrameWindow view = new FrameWindow();
    private MemorySegment readOnlyFile;

    /**
     * The current frame as a read-only {@link FrameView} (no copy), valid until {@link #next()} or
     * {@link #close()} (then its reads throw, as a socket's do).
     *
     * @since 2.0 (replaces {@code frame(FrameView)}, which re-pointed a caller's view)
     */
    public FrameView frame() {
        if (readOnlyFile == null) {
            readOnlyFile = file.asReadOnly(); // once per file, not per frame
        }
        return view.wrap(readOnlyFile, frameOffset, captured);
    }

    /** A copy of the current frame. */
    public byte[] frameBytes() {
        return file.asSlice(frameOffset, captured).toArray(ValueLayout.JAVA_BYTE);
    }

    @Override
    public void close() {
        view.release();
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
