package expkt.api.spi;

import expkt.api.packet.FrameView;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The {@link FrameView} the provider hands out: a window of {@code length} bytes at {@code offset} of
 * a segment (the receive ring, given read-only: {@link MemorySegment#asReadOnly()} once per ring, not per
 * frame), which its owner {@link #wrap re-points} for each frame and {@link #release releases} when
 * the frame's slot goes back to the kernel. Every read is checked against the frame's length (one
 * compare, as before); a released window has the length {@value #RELEASED}, so the same compare sends
 * every read to the failure path, which then names the lifetime rule. Nothing here allocates.
 *
 * <p>Provider-only: this package is exported with the mandatory attribute {@code expkt.internal=api},
 * which only expkt's own bundles (the provider, the codec, the test kit) name in their imports.
 *
 * <p>Threading: wrapped, read and released on one thread (the socket's receiving thread).
 */
public final class FrameWindow implements FrameView {
    /** The length of a released window. */
    public static final int RELEASED = -1;

    private static final ValueLayout.OfShort BE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt BE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong BE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private MemorySegment segment = MemorySegment.NULL;
    private long offset;
    private int length = RELEASED;

    /**
     * Points this window at {@code length} bytes of {@code segment} from {@code offset} (pass a
     * read-only segment: the window never writes, and neither can anyone holding it).
     */
    public FrameWindow wrap(MemorySegment segment, long offset, int length) {
        if (offset < 0 || length < 0 || offset + length > segment.byteSize()) {
            throw new IndexOutOfBoundsException("frame [" + offset + ", +" + length + ") outside a segment of "
                    + segment.byteSize() + " bytes");
        }
        this.segment = segment;
        this.offset = offset;
        this.length = length;
        return this;
    }

    /** Ends the frame's lifetime: every read throws from now until the next {@link #wrap}. */
    public void release() {
        this.length = RELEASED;
    }

    @Override
    public boolean isValid() {
        return length != RELEASED;
    }

    @Override
    public int length() {
        if (length == RELEASED) {
            throw released();
        }
        return length;
    }

    private long at(int index, int size) {
        if (index < 0 || index + size > length) {
            throw outside(index, size);
        }
        return offset + index;
    }

    private RuntimeException outside(int index, int size) {
        if (length == RELEASED) {
            return released();
        }
        return new IndexOutOfBoundsException("read of " + size + " bytes at " + index + " in a frame of " + length + " bytes");
    }

    private static IllegalStateException released() {
        return new IllegalStateException("this FrameView was released: a view is valid only during handle(), or until the next"
                + " receive on its socket (or the end of its callback call); its ring slot now holds another frame."
                + " Copy what must outlive the frame (toArray, copyTo)");
    }

    @Override
    public int getUnsignedByte(int index) {
        return segment.get(ValueLayout.JAVA_BYTE, at(index, 1)) & 0xFF;
    }

    @Override
    public int getUnsignedShort(int index) {
        return segment.get(BE_SHORT, at(index, 2)) & 0xFFFF;
    }

    @Override
    public int getInt(int index) {
        return segment.get(BE_INT, at(index, 4));
    }

    @Override
    public long getLong(int index) {
        return segment.get(BE_LONG, at(index, 8));
    }

    @Override
    public void getBytes(int index, byte[] dst, int dstIndex, int length) {
        if (length < 0) {
            throw outside(index, length);
        }
        MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, at(index, length), dst, dstIndex, length);
    }

    @Override
    public void copyTo(int index, MemorySegment dst, long dstOffset, int length) {
        if (length < 0) {
            throw outside(index, length);
        }
        MemorySegment.copy(segment, at(index, length), dst, dstOffset, length);
    }

    @Override
    public int copyTo(ByteBuffer dst) {
        int n = length();
        if (dst.remaining() < n) {
            throw new IllegalArgumentException("buffer has " + dst.remaining() + " bytes left, the frame is " + n);
        }
        if (dst.hasArray()) {
            MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, offset, dst.array(), dst.arrayOffset() + dst.position(), n);
        } else {
            MemorySegment.copy(segment, offset, MemorySegment.ofBuffer(dst), 0, n);
        }
        dst.position(dst.position() + n);
        return n;
    }

    @Override
    public byte[] toArray() {
        int n = length();
        byte[] b = new byte[n];
        MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, offset, b, 0, n);
        return b;
    }

    @Override
    public String toString() {
        return length == RELEASED ? "FrameView[released]" : "FrameView[" + length + " bytes]";
    }
}
