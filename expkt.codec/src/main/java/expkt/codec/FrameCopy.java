package expkt.codec;

import expkt.api.packet.FrameView;
import java.lang.foreign.MemorySegment;

/**
 * A reusable buffer a received {@link FrameView} is copied into, so that a decoder or a writer works on
 * bytes of its own: a view reads only its frame and no longer exposes the receive ring (API 2.0), and
 * what was decoded stays readable after the provider released the view. The buffer grows to the
 * largest frame seen (at least 2048 bytes) and is then reused: copying a frame allocates nothing.
 *
 * <p>A protocol bundle whose parser takes {@code (segment, offset, length)} keeps one per handler:
 * {@code parser.parse(copy.copy(frame), 0, frame.length())}.
 *
 * <p>Threading: one thread at a time, like the decoder or handler that owns it.
 *
 * @since 1.2
 */
public final class FrameCopy {
    private MemorySegment buffer = MemorySegment.NULL;

    /** Copies {@code frame} into the buffer and returns it (the frame is at offset 0, {@code frame.length()} bytes). */
    public MemorySegment copy(FrameView frame) {
        int n = frame.length();
        if (buffer.byteSize() < n) {
            buffer = MemorySegment.ofArray(new byte[Math.max(2048, Integer.highestOneBit(Math.max(1, n - 1)) << 1)]);
        }
        frame.copyTo(0, buffer, 0, n);
        return buffer;
    }
}
