package expkt.codec;

/**
 * Bad bytes in a frame: a field whose value, or a length that points, outside the frame or the
 * enclosing header, or a read of a byte a capture cut. It is the only exception wrapping and
 * decoding throw on the content of a frame; the message names the header, the field, its offset in
 * the frame and the frame's length. (A getter that does not apply to a header throws
 * {@link IllegalStateException}: the rule of {@link HeaderView}.)
 */
public class MalformedPacketException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String header;
    private final String field;
    private final int offset;
    private final int frameLength;

    public MalformedPacketException(String header, String field, int offset, int frameLength, String problem) {
        super(header + " " + field + " at offset " + offset + " of a " + frameLength + "-byte frame: " + problem);
        this.header = header;
        this.field = field;
        this.offset = offset;
        this.frameLength = frameLength;
    }

    /** The header being read, e.g. {@code "IPv4"}. */
    public String header() {
        return header;
    }

    /** The field being read, e.g. {@code "total length"}. */
    public String field() {
        return field;
    }

    /** Offset of the field in the frame. */
    public int offset() {
        return offset;
    }

    public int frameLength() {
        return frameLength;
    }
}
