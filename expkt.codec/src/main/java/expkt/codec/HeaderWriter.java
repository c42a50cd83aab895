package expkt.codec;

import java.lang.foreign.MemorySegment;

/**
 * Writes the bytes of one header of a kind the codec has no builder method for, for
 * {@link FrameBuilder#header(LayerKind, int, HeaderWriter)}: typically a static method of the
 * header's class, beside its parser ({@code (s, at) -> Igmp.write(s, at, type, group)}).
 *
 * <p>Called on the builder's thread, once, while the frame is built.
 */
@FunctionalInterface
public interface HeaderWriter {
    /**
     * Writes the header at {@code offset} of {@code segment}: exactly the length given to
     * {@code header(...)}, which the builder has checked the buffer holds. Fields the header's
     * {@link LayerKind} names (length, checksum, next-layer type) may be left 0: {@code finish()}
     * fills them.
     */
    void write(MemorySegment segment, long offset);
}
