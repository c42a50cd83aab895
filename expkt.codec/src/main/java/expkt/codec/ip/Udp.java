package expkt.codec.ip;

import expkt.codec.HeaderView;
import expkt.codec.InternetChecksum;
import expkt.codec.LayerKind;
import expkt.codec.MalformedPacketException;
import java.lang.foreign.MemorySegment;

/**
 * UDP header (RFC 768). Its payload ends at the UDP length, which must fit the IP payload on the
 * wire; the bytes at hand may end before (a frame cut by the capture, the first fragment of a
 * datagram: {@link #isTruncated()}). A length of 0 in an IP payload of more than 65,535 bytes is an
 * RFC 2675 jumbogram's: the datagram is the whole IP payload.
 */
public final class Udp extends HeaderView<Udp> {
    public static final int HEADER_LENGTH = 8;

    @Override
    public String name() {
        return KIND.name();
    }

    @Override
    protected void validate() {
        require(0, HEADER_LENGTH, "header");
        long len = datagramLength();
        if (len < HEADER_LENGTH || len > wireLimit - start) {
            throw malformed("length", 4, "length " + length() + " is outside 8.." + Math.min(wireLimit - start, 65535)
                    + " (header .. bytes left in the IP payload)");
        }
    }

    /** Bytes of the datagram, header included: the length field, or for a jumbogram's length 0 the IP payload's. */
    public long datagramLength() {
        int len = length();
        return len == 0 && wireLimit - start > 65535 ? wireLimit - start : len;
    }

    @Override
    public int headerLength() {
        return HEADER_LENGTH;
    }

    @Override
    public long payloadWireLimit() {
        return start + datagramLength();
    }

    public int sourcePort() {
        return u16(0, "source port");
    }

    public int destinationPort() {
        return u16(2, "destination port");
    }

    /** Header and data. */
    public int length() {
        return u16(4, "length");
    }

    public int checksum() {
        return u16(6, "checksum");
    }

    /**
     * True if the checksum is correct (a zero checksum over IPv4 means "none" and counts as correct).
     *
     * @throws MalformedPacketException if the datagram is not all in the frame ({@link #isTruncated()})
     */
    public boolean checksumValid(Ipv4 ip) {
        return checksum() == 0 || InternetChecksum.finish(sum(ip.pseudoHeaderSum(IpProtocol.UDP, length()), 0, length(), "datagram")) == 0;
    }

    /**
     * True if the checksum is correct (mandatory over IPv6: zero is wrong).
     *
     * @throws MalformedPacketException if the datagram is not all in the frame ({@link #isTruncated()})
     */
    public boolean checksumValid(Ipv6 ip) {
        int len = (int) Math.min(datagramLength(), Integer.MAX_VALUE);
        return checksum() != 0 && InternetChecksum.finish(sum(ip.pseudoHeaderSum(IpProtocol.UDP, len), 0, len, "datagram")) == 0;
    }

    // ---------------------------------------------------------------- the layer table's row and the writer

    /** UDP: announced by protocol 17; length at 4; checksum at 6 with the pseudo-header, a computed 0 sent as 0xFFFF. */
    public static final LayerKind KIND = LayerKind.builder("UDP").ipProtocol(IpProtocol.UDP).lengthField(4, 0, "UDP datagram")
            .checksum(6, LayerKind.Checksum.PSEUDO_HEADER).zeroChecksumAsOnes().build();

    /** Writes ports, length 0 and checksum 0 at {@code at}; returns 8. */
    public static int write(MemorySegment segment, long at, int sourcePort, int destinationPort) {
        write16(segment, at, sourcePort);
        write16(segment, at + 2, destinationPort);
        write32(segment, at + 4, 0);
        return HEADER_LENGTH;
    }
}
