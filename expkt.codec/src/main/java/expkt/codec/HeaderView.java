package expkt.codec;

import expkt.api.packet.FrameView;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Base of every header view: a flyweight over a region of a frame that lies in a
 * {@link MemorySegment} (a receive ring, a buffer, an array). Wrapping copies nothing and
 * allocates nothing (except the convenience {@code byte[]}/{@link ByteBuffer} forms, which make a
 * segment object); re-wrap one instance per frame.
 *
 * <p>A view knows the whole frame ({@link #frameLength()}) and its own region inside it: it starts
 * at {@link #offset()} and may not reach past {@link #limit()} (the end of the enclosing header's
 * payload, e.g. an IPv4 total length, so Ethernet padding is never read as UDP data). Wrapping
 * validates the header's lengths against that region; every accessor reads within it. Bad bytes
 * raise {@link MalformedPacketException}, never a read outside the frame.
 *
 * <p><b>Truncated frames.</b> A frame may hold fewer bytes than it had on the wire (a capture's
 * snap length; the transport header of a first fragment, whose datagram goes on in later
 * fragments). The region then has two ends: {@link #limit()}, where the bytes at hand end, and
 * {@link #wireLimit()}, where the region ends on the wire. Length fields are checked against the
 * wire end, reads against the bytes at hand; {@link #payloadLimit()} never passes the bytes at
 * hand and {@link #isTruncated()} says that the header's payload goes on past them. In a frame the
 * capture cut ({@link #isFrameCut()}), a header whose own bytes run past the captured end wraps
 * without an exception but {@link #isCut()}: only its first bytes can be read, and what follows it
 * is unknown. Anywhere else (a first fragment too short for its transport header) bytes missing
 * from a header are malformed. A whole frame is never cut unless the wrap is told its original
 * length.
 *
 * <p><b>Exceptions.</b> One rule for every view: bad bytes (a length, or a value the header's rules
 * forbid, including a read of bytes the capture cut) throw {@link MalformedPacketException}; a
 * getter that does not apply to this header (a field of another message type or subtype, an
 * extension header the packet does not have) throws {@link IllegalStateException} and says which
 * getter tells first whether it applies; a cursor argument that does not point at a matching
 * option or TLV throws {@link IllegalArgumentException}.
 *
 * <p>Not thread-safe: one view per thread. The frame's memory must stay valid while the view is
 * used (for a received frame: until the next receive on that socket).
 *
 * @param <T> the concrete view, returned by the {@code wrap} methods for chaining
 */
public abstract class HeaderView<T extends HeaderView<T>> {
    private static final ValueLayout.OfShort BE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt BE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong BE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /** The memory the frame lies in. */
    protected MemorySegment segment = MemorySegment.NULL;
    /** Offset of the frame's first byte in {@link #segment}. */
    protected long base;
    /** Length of the whole frame. */
    protected int frameLength;
    /** This header's first byte, relative to the frame. */
    protected int start;
    /** End (exclusive) of the region this header and its payload may use, relative to the frame. */
    protected int limit;
    /**
     * End of the region on the wire, relative to the frame: {@link #limit} unless the frame was cut
     * (then beyond it; may exceed the frame, hence a long). Length fields are checked against it.
     */
    protected long wireLimit;
    /** True if the capture cut the frame: bytes past its captured end existed on the wire. */
    private boolean frameCut;
    private boolean validating;
    private boolean cut;

    /** Unwinds {@link #validate()} when it reads a byte the capture cut; preallocated, so a cut header allocates nothing. */
    private static final class Cut extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Cut() {
            super(null, null, false, false);
        }
    }

    private static final Cut CUT = new Cut();

    /** The header's name as messages give it, e.g. {@code "IPv4"}. */
    public abstract String name();

    /**
     * Checks the header's own length fields against the region {@code [start, limit)}; called by
     * every wrap. Throws {@link MalformedPacketException}.
     */
    protected abstract void validate();

    /** Length of this header (options and extension headers included); its payload starts after. */
    public abstract int headerLength();

    // ---------------------------------------------------------------- writing
    // A header class writes its own bytes beside its parser (static write methods, used by
    // FrameBuilder); these are the big-endian primitives they write with, at absolute offsets of
    // the segment.

    /** Writes the low 8 bits of {@code v} at {@code at}. */
    protected static void write8(MemorySegment segment, long at, int v) {
        segment.set(ValueLayout.JAVA_BYTE, at, (byte) v);
    }

    /** Writes the low 16 bits of {@code v} at {@code at}, big-endian. */
    protected static void write16(MemorySegment segment, long at, int v) {
        segment.set(BE_SHORT, at, (short) v);
    }

    /** Writes {@code v} at {@code at}, big-endian. */
    protected static void write32(MemorySegment segment, long at, int v) {
        segment.set(BE_INT, at, v);
    }

    /** Writes the low 48 bits of {@code v} at {@code at}, big-endian (a MAC address's bits). */
    protected static void write48(MemorySegment segment, long at, long v) {
        segment.set(BE_SHORT, at, (short) (v >>> 32));
        segment.set(BE_INT, at + 2, (int) v);
    }

    /** Writes {@code v} at {@code at}, big-endian. */
    protected static void write64(MemorySegment segment, long at, long v) {
        segment.set(BE_LONG, at, v);
    }

    /** Copies all of {@code bytes} to {@code at}. */
    protected static void writeBytes(MemorySegment segment, long at, byte[] bytes) {
        MemorySegment.copy(bytes, 0, segment, ValueLayout.JAVA_BYTE, at, bytes.length);
    }

    /** Reads the 16 bits at {@code at}, big-endian (for a writer that changes part of a field). */
    protected static int read16(MemorySegment segment, long at) {
        return segment.get(BE_SHORT, at) & 0xFFFF;
    }

    /** Reads the 32 bits at {@code at}, big-endian. */
    protected static int read32(MemorySegment segment, long at) {
        return segment.get(BE_INT, at);
    }

    @SuppressWarnings("unchecked")
    private T self() {
        return (T) this;
    }

    /**
     * Points this view at the region {@code [start, limit)} of a frame of {@code frameLength} bytes
     * that starts at {@code frameOffset} in {@code segment}.
     *
     * @throws IllegalArgumentException if the frame does not lie in the segment or the region not in the frame
     * @throws MalformedPacketException if the header's bytes do not fit the region
     */
    public final T wrap(MemorySegment segment, long frameOffset, int frameLength, int start, int limit) {
        return wrap(segment, frameOffset, frameLength, start, limit, limit);
    }

    /**
     * Points this view at the region {@code [start, limit)} of a frame of {@code frameLength} bytes
     * that starts at {@code frameOffset} in {@code segment}, a region that ends at {@code wireLimit}
     * on the wire: its length fields may reach that far, its bytes at hand end at {@code limit}. A
     * wire limit past a region that ends at the frame's end means the capture cut the frame.
     *
     * @throws IllegalArgumentException if the frame does not lie in the segment, the region not in
     *         the frame, or {@code wireLimit} is below {@code limit}
     * @throws MalformedPacketException if the header's length fields do not fit the region on the wire
     */
    public final T wrap(MemorySegment segment, long frameOffset, int frameLength, int start, int limit, long wireLimit) {
        return wrap(segment, frameOffset, frameLength, start, limit, wireLimit, wireLimit > limit && limit == frameLength);
    }

    /**
     * As the public wrap; {@code frameCut} says whether the capture cut the frame, so that a header
     * running past the captured end is cut, not malformed (a first fragment's transport header
     * may be declared longer than the fragment, but the fragment's bytes are all there).
     */
    final T wrap(MemorySegment segment, long frameOffset, int frameLength, int start, int limit, long wireLimit, boolean frameCut) {
        if (frameOffset < 0 || frameLength < 0 || frameOffset > segment.byteSize() - frameLength) {
            throw new IllegalArgumentException(name() + ": frame [" + frameOffset + ", +" + frameLength
                    + ") is outside a segment of " + segment.byteSize() + " bytes");
        }
        if (start < 0 || limit < start || limit > frameLength || wireLimit < limit) {
            throw new IllegalArgumentException(name() + ": region [" + start + ", " + limit + ") (on the wire to " + wireLimit
                    + ") is outside a frame of " + frameLength + " bytes");
        }
        this.segment = segment;
        this.base = frameOffset;
        this.frameLength = frameLength;
        this.start = start;
        this.limit = limit;
        this.wireLimit = wireLimit;
        this.frameCut = frameCut;
        this.cut = false;
        this.validating = true;
        try {
            validate();
        } catch (Cut c) {
            cut = true;
        } finally {
            validating = false;
        }
        return self();
    }

    /**
     * Points this view at a whole frame of which a capture kept the first {@code capturedLength}
     * bytes of {@code originalLength} (an original length below the captured one counts as the
     * captured one).
     *
     * @throws IllegalArgumentException if the captured bytes do not lie in the segment
     * @throws MalformedPacketException if the header's length fields do not fit the original frame
     */
    public final T wrap(MemorySegment segment, long frameOffset, int capturedLength, long originalLength) {
        return wrap(segment, frameOffset, capturedLength, 0, capturedLength, Math.max(originalLength, capturedLength),
                originalLength > capturedLength);
    }

    /** Points this view at a whole frame: the header starts at its first byte. */
    public final T wrap(MemorySegment segment, long frameOffset, int frameLength) {
        return wrap(segment, frameOffset, frameLength, 0, frameLength);
    }

    /** Where {@link #wrap(FrameView)} copies a received frame; made on first use. */
    private FrameCopy frameCopy;

    /**
     * Points this view at a copy of a received frame in a buffer of this view's own (made on first use,
     * grown to the largest frame, then reused: no allocation per frame); the view stays readable after
     * the provider released the frame.
     */
    public final T wrap(FrameView frame) {
        if (frameCopy == null) {
            frameCopy = new FrameCopy();
        }
        int n = frame.length();
        return wrap(frameCopy.copy(frame), 0, n, 0, n);
    }

    /** Points this view at a frame held in an array (makes one small segment object). */
    public final T wrap(byte[] frame) {
        return wrap(MemorySegment.ofArray(frame), 0, frame.length, 0, frame.length);
    }

    /** Points this view at the bytes between {@code position} and {@code limit} of {@code frame}. */
    public final T wrap(ByteBuffer frame) {
        return wrap(MemorySegment.ofBuffer(frame), 0, frame.remaining(), 0, frame.remaining());
    }

    /** Points this view at the payload of {@code outer}: the next layer of the same frame. */
    public final T wrapPayloadOf(HeaderView<?> outer) {
        return wrap(outer.segment, outer.base, outer.frameLength, outer.payloadOffset(), outer.payloadLimit(), outer.payloadWireLimit(),
                outer.frameCut);
    }

    /** Points this view at {@code [start, limit)} of the frame {@code other} views. */
    public final T wrapAt(HeaderView<?> other, int start, int limit) {
        return wrap(other.segment, other.base, other.frameLength, start, limit, limit, false);
    }

    /** True if the capture cut the frame this view is in (its original length exceeds its captured bytes). */
    public final boolean isFrameCut() {
        return frameCut;
    }

    public final MemorySegment segment() {
        return segment;
    }

    /** Offset of the frame's first byte in {@link #segment()}. */
    public final long frameOffset() {
        return base;
    }

    public final int frameLength() {
        return frameLength;
    }

    /** This header's first byte, relative to the frame. */
    public final int offset() {
        return start;
    }

    /** End of the region this header may use, relative to the frame. */
    public final int limit() {
        return limit;
    }

    /** End of the region on the wire, relative to the frame: beyond {@link #limit()} if the frame was cut. */
    public final long wireLimit() {
        return wireLimit;
    }

    /**
     * True if this header's own bytes were cut (the frame was captured with fewer bytes than it
     * had): only the bytes before {@link #limit()} can be read, and the layers after it are unknown.
     */
    public final boolean isCut() {
        return cut;
    }

    /**
     * True if the header's payload, as its length fields (or the enclosing header) declare it, goes
     * on past the bytes at hand: the frame was cut by the capture, or the datagram goes on in later
     * fragments. {@link #payloadLimit()} is then where the bytes at hand end.
     */
    public boolean isTruncated() {
        return cut || payloadWireLimit() > limit;
    }

    /** First byte of the payload, relative to the frame. */
    public int payloadOffset() {
        return start + headerLength();
    }

    /** End (exclusive) of the payload at hand, relative to the frame: {@link #payloadWireLimit()}, or {@link #limit()} if the frame was cut before it. */
    public int payloadLimit() {
        return (int) Math.min(payloadWireLimit(), limit);
    }

    /**
     * End of the payload on the wire, relative to the frame, as the header's length fields say
     * (the region's {@link #wireLimit()} for a header without one).
     */
    public long payloadWireLimit() {
        return wireLimit;
    }

    public final int payloadLength() {
        return payloadLimit() - payloadOffset();
    }

    /** A copy of the payload (allocates). */
    public final byte[] payloadBytes() {
        return segment.asSlice(base + payloadOffset(), payloadLength()).toArray(ValueLayout.JAVA_BYTE);
    }

    /** A copy of {@code length} bytes at {@code offset} in the frame, checked against this header's region (allocates). */
    public final byte[] bytes(int offset, int length, String field) {
        check(offset - start, length, field);
        return segment.asSlice(base + offset, length).toArray(ValueLayout.JAVA_BYTE);
    }

    // ---- checked reads, relative to the header's start ----

    private long check(int rel, int size, String field) {
        int at = start + rel;
        if (rel < 0 || at > limit - size) {
            // past the bytes at hand but within the region on the wire, in a region that reaches the end the capture cut
            boolean onTheWire = frameCut && limit == frameLength && rel >= 0 && (long) at + size <= wireLimit;
            if (validating && onTheWire) {
                throw CUT; // the header goes on past the bytes the capture kept: wrap marks it cut
            }
            throw new MalformedPacketException(name(), field, at, frameLength, onTheWire
                    ? size + " bytes are past the " + (limit - start) + " bytes of the header's region the frame holds (the capture cut it)"
                    : size + " bytes do not fit the " + (limit - start) + " bytes left for the header");
        }
        return base + at;
    }

    protected final int u8(int rel, String field) {
        return segment.get(ValueLayout.JAVA_BYTE, check(rel, 1, field)) & 0xFF;
    }

    protected final int u16(int rel, String field) {
        return segment.get(BE_SHORT, check(rel, 2, field)) & 0xFFFF;
    }

    protected final int i32(int rel, String field) {
        return segment.get(BE_INT, check(rel, 4, field));
    }

    protected final long u32(int rel, String field) {
        return segment.get(BE_INT, check(rel, 4, field)) & 0xFFFF_FFFFL;
    }

    protected final long i64(int rel, String field) {
        return segment.get(BE_LONG, check(rel, 8, field));
    }

    /** Six bytes as the low 48 bits of a long (a MAC address). */
    protected final long u48(int rel, String field) {
        long at = check(rel, 6, field);
        return (segment.get(BE_SHORT, at) & 0xFFFFL) << 32 | (segment.get(BE_INT, at + 2) & 0xFFFF_FFFFL);
    }

    /** Throws unless {@code [rel, rel + size)} lies in the region. */
    protected final void require(int rel, int size, String field) {
        check(rel, size, field);
    }

    protected final MalformedPacketException malformed(String field, int rel, String problem) {
        return new MalformedPacketException(name(), field, start + rel, frameLength, problem);
    }

    /** The one's complement sum of {@code [rel, rel + length)} of this header's region. */
    protected final long sum(long sum, int rel, int length, String field) {
        long at = check(rel, length, field);
        return InternetChecksum.add(sum, segment, at, length);
    }

    @Override
    public String toString() {
        return name() + "[offset " + start + ", limit " + limit + (wireLimit != limit ? " (on the wire " + wireLimit + ")" : "")
                + ", frame " + frameLength + (cut ? ", cut" : "") + "]";
    }
}
