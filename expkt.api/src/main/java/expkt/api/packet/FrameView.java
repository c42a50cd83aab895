package expkt.api.packet;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A zero-copy view of one received frame: a window on the socket's receive ring (or on any
 * segment). Valid until the next receive on the same socket; copy what must outlive it. The
 * provider re-points one instance per socket, so reading a frame allocates nothing.
 *
 * <p>The frame is as the socket received it, L2 header first. Accessors are bounds-checked
 * against the frame's length, not the ring's.
 */
public final class FrameView {
    private static final ValueLayout.OfShort BE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt BE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private MemorySegment segment = MemorySegment.NULL;
    private long offset;
    private int length;

    /** Points this view at {@code length} bytes of {@code segment} from {@code offset}. */
    public FrameView wrap(MemorySegment segment, long offset, int length) {
        if (offset < 0 || length < 0 || offset + length > segment.byteSize()) {
            throw new IndexOutOfBoundsException("frame [" + offset + ", +" + length + ") outside a segment of "
                    + segment.byteSize() + " bytes");
        }
        this.segment = segment;
        this.offset = offset;
        this.length = length;
        return this;
    }

    /** The segment the frame lies in (the whole ring for a received frame). */
    public MemorySegment segment() { return segment; }
    /** Offset of the frame's first byte in {@link #segment()}. */
    public long offset() { return offset; }
    public int length() { return length; }

    private long at(int index, int size) {
        if (index < 0 || index + size > length) {
            throw new IndexOutOfBoundsException("read of " + size + " bytes at " + index + " in a frame of " + length + " bytes");
        }
        return offset + index;
    }

    public int getUnsignedByte(int index) {
        return segment.get(ValueLayout.JAVA_BYTE, at(index, 1)) & 0xFF;
    }

    /** Big-endian (network order) unsigned 16 bits. */
    public int getUnsignedShort(int index) {
        return segment.get(BE_SHORT, at(index, 2)) & 0xFFFF;
    }

    /** Big-endian (network order) 32 bits. */
    public int getInt(int index) {
        return segment.get(BE_INT, at(index, 4));
    }

    /** Copies the frame into {@code dst} from its position; returns the bytes copied (all of them). */
    public int copyTo(ByteBuffer dst) {
        if (dst.remaining() < length) {
            throw new IllegalArgumentException("buffer has " + dst.remaining() + " bytes left, the frame is " + length);
        }
        if (dst.hasArray()) {
            MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, offset, dst.array(), dst.arrayOffset() + dst.position(), length);
        } else {
            MemorySegment.copy(segment, offset, MemorySegment.ofBuffer(dst), 0, length);
        }
        dst.position(dst.position() + length);
        return length;
    }

    /** A copy of the frame's bytes (allocates). */
    public byte[] toArray() {
        return segment.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE);
    }

    /** A slice of the segment covering exactly the frame (allocates a small object). */
    public MemorySegment asSegment() {
        return segment.asSlice(offset, length);
    }
}
