package expkt.packet.ip;

import expkt.packet.HeaderView;
import expkt.packet.InternetChecksum;

/** UDP header (RFC 768). Its payload ends at the UDP length, which must fit the IP payload. */
public final class Udp extends HeaderView<Udp> {
    public static final int HEADER_LENGTH = 8;

    @Override
    public String name() {
        return "UDP";
    }

    @Override
    protected void validate() {
        require(0, HEADER_LENGTH, "header");
        int len = length();
        if (len < HEADER_LENGTH || len > limit - start) {
            throw malformed("length", 4, "length " + len + " is outside 8.." + (limit - start)
                    + " (header .. bytes left in the IP payload)");
        }
    }

    @Override
    public int headerLength() {
        return HEADER_LENGTH;
    }

    @Override
    public int payloadLimit() {
        return start + length();
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

    /** True if the checksum is correct (a zero checksum over IPv4 means "none" and counts as correct). */
    public boolean checksumValid(Ipv4 ip) {
        return checksum() == 0 || InternetChecksum.finish(sum(ip.pseudoHeaderSum(IpProtocol.UDP, length()), 0, length(), "datagram")) == 0;
    }

    /** True if the checksum is correct (mandatory over IPv6: zero is wrong). */
    public boolean checksumValid(Ipv6 ip) {
        return checksum() != 0 && InternetChecksum.finish(sum(ip.pseudoHeaderSum(IpProtocol.UDP, length()), 0, length(), "datagram")) == 0;
    }
}
