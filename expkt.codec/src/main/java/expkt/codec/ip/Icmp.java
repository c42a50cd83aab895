package expkt.codec.ip;

import expkt.codec.HeaderView;
import expkt.codec.InternetChecksum;
import expkt.codec.LayerKind;
import expkt.codec.MalformedPacketException;
import java.lang.foreign.MemorySegment;

/** ICMP for IPv4 (RFC 792): type, code, checksum and the 4 bytes of rest-of-header. */
public final class Icmp extends HeaderView<Icmp> {
    public static final int HEADER_LENGTH = 8;
    public static final int ECHO_REPLY = 0;
    public static final int DESTINATION_UNREACHABLE = 3;
    public static final int ECHO_REQUEST = 8;
    public static final int TIME_EXCEEDED = 11;

    @Override
    public String name() {
        return KIND.name();
    }

    @Override
    protected void validate() {
        require(0, HEADER_LENGTH, "header");
    }

    @Override
    public int headerLength() {
        return HEADER_LENGTH;
    }

    public int type() {
        return u8(0, "type");
    }

    public int code() {
        return u8(1, "code");
    }

    public int checksum() {
        return u16(2, "checksum");
    }

    /** Echo identifier (bytes 4-5). */
    public int identifier() {
        return u16(4, "identifier");
    }

    /** Echo sequence number (bytes 6-7). */
    public int sequence() {
        return u16(6, "sequence number");
    }

    /** Bytes 4-7 as one value (e.g. the next-hop MTU of a "fragmentation needed"). */
    public int restOfHeader() {
        return i32(4, "rest of header");
    }

    /**
     * True if the checksum over the message (to the end of the IP payload) is correct.
     *
     * @throws MalformedPacketException if the message is not all in the frame ({@link #isTruncated()})
     */
    public boolean checksumValid() {
        return InternetChecksum.finish(sum(0, 0, (int) Math.min(wireLimit - start, Integer.MAX_VALUE), "message")) == 0;
    }

    // ---------------------------------------------------------------- the layer table's row and the writer

    /** ICMP: announced by protocol 1; checksum at 2 over the whole message. */
    public static final LayerKind KIND = LayerKind.builder("ICMP").ipProtocol(IpProtocol.ICMP).checksum(2, LayerKind.Checksum.LAYER).build();

    /** Writes type, code, checksum 0 and the 4 bytes of rest-of-header at {@code at}; returns 8. */
    public static int write(MemorySegment segment, long at, int type, int code, int restOfHeader) {
        write8(segment, at, type);
        write8(segment, at + 1, code);
        write16(segment, at + 2, 0);
        write32(segment, at + 4, restOfHeader);
        return 8;
    }
}
