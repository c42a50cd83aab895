package expkt.packet.pcap;

import expkt.api.packet.FrameView;
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
 * interfaces, any timestamp resolution; enhanced and simple packet blocks) files, for tests and
 * replay. The file is mapped, so frames are read in place:
 *
 * <pre>{@code
 * try (CaptureReader r = CaptureReader.open(file)) {
 *     while (r.next()) {
 *         decoder.decode(r.segment(), r.frameOffset(), r.capturedLength());
 *     }
 * }
 * }</pre>
 *
 * Every block and record length is checked against the file: a bad file gives
 * {@link MalformedCaptureException} naming the offset. Not thread-safe; frames are valid until close.
 */
public final class CaptureReader implements Closeable {
    private static final int MAX_INTERFACES = 1024;

    private final Arena arena;
    private final MemorySegment file;
    private final boolean pcapng;
    private ValueLayout.OfInt int32;
    private ValueLayout.OfShort int16;
    private long position;
    // classic pcap
    private boolean nanos;
    private int pcapLinkType;
    // pcapng interfaces of the current section
    private final int[] ifLinkType = new int[MAX_INTERFACES];
    private final long[] ifUnitsPerSecond = new long[MAX_INTERFACES];
    private int ifCount;
    // current frame
    private long frameOffset;
    private int captured;
    private int original;
    private long timestamp;
    private int interfaceId;

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
            pcapLinkType = file.get(int32, 20) & 0x0FFF_FFFF;
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
        int incl = file.get(int32, position + 8);
        int orig = file.get(int32, position + 12);
        if (incl < 0 || position + 16 + incl > size) {
            throw new MalformedCaptureException("pcap record at offset " + position + " claims " + (incl & 0xFFFF_FFFFL)
                    + " captured bytes, past the end of the file at " + size);
        }
        timestamp = sec * 1_000_000_000L + (nanos ? frac : frac * 1000);
        frameOffset = position + 16;
        captured = incl;
        original = orig;
        interfaceId = 0;
        position += 16 + incl;
        return true;
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
                case 6 -> {
                    if (total < 32) {
                        throw new MalformedCaptureException("enhanced packet block at offset " + block + " of " + total + " bytes is shorter than 32");
                    }
                    int id = file.get(int32, block + 8);
                    if (id < 0 || id >= ifCount) {
                        throw new MalformedCaptureException("packet block at offset " + block + " names interface " + id + " of " + ifCount);
                    }
                    long ts = (file.get(int32, block + 12) & 0xFFFF_FFFFL) << 32 | (file.get(int32, block + 16) & 0xFFFF_FFFFL);
                    int cap = file.get(int32, block + 20);
                    if (cap < 0 || 28 + cap + 4 > total) {
                        throw new MalformedCaptureException("enhanced packet block at offset " + block + " claims " + (cap & 0xFFFF_FFFFL)
                                + " captured bytes in a block of " + total);
                    }
                    interfaceId = id;
                    timestamp = toNanos(ts, ifUnitsPerSecond[id]);
                    captured = cap;
                    original = file.get(int32, block + 24);
                    frameOffset = block + 28;
                    return true;
                }
                case 3 -> {
                    if (ifCount == 0 || total < 16) {
                        throw new MalformedCaptureException("simple packet block at offset " + block + " without an interface or shorter than 16 bytes");
                    }
                    int orig = file.get(int32, block + 8);
                    interfaceId = 0;
                    timestamp = 0;
                    original = orig;
                    captured = (int) Math.min(orig & 0xFFFF_FFFFL, total - 16);
                    frameOffset = block + 12;
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

    public int capturedLength() {
        return captured;
    }

    /** Length on the wire (may exceed the captured length if the capture cut the frame). */
    public int originalLength() {
        return original;
    }

    /** Nanoseconds since 1970-01-01 UTC (0 for a pcapng simple packet block, which has none). */
    public long timestampNanos() {
        return timestamp;
    }

    /** The pcapng interface the frame came in on (0 for pcap). */
    public int interfaceId() {
        return interfaceId;
    }

    /** Link type of the current frame's interface (1 = Ethernet). */
    public int linkType() {
        return pcapng ? ifLinkType[interfaceId] : pcapLinkType;
    }

    /** Points {@code view} at the current frame (no copy). */
    public FrameView frame(FrameView view) {
        return view.wrap(file, frameOffset, captured);
    }

    /** A copy of the current frame. */
    public byte[] frameBytes() {
        return file.asSlice(frameOffset, captured).toArray(ValueLayout.JAVA_BYTE);
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
