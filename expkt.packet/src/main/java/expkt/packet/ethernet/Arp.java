package expkt.packet.ethernet;

import expkt.api.net.Ipv4Address;
import expkt.api.net.MacAddress;
import expkt.packet.HeaderView;

/**
 * ARP (RFC 826). The address accessors for MAC and IPv4 check that the packet's hardware and
 * protocol lengths are 6 and 4; the generic layout (any lengths) is validated on wrap.
 */
public final class Arp extends HeaderView<Arp> {
    public static final int REQUEST = 1;
    public static final int REPLY = 2;
    public static final int HARDWARE_ETHERNET = 1;
    /** Length of an Ethernet/IPv4 ARP packet. */
    public static final int ETHERNET_IPV4_LENGTH = 28;

    @Override
    public String name() {
        return "ARP";
    }

    @Override
    protected void validate() {
        require(0, 8, "header");
        require(8, 2 * (hardwareLength() + protocolLength()), "addresses");
    }

    @Override
    public int headerLength() {
        return 8 + 2 * (hardwareLength() + protocolLength());
    }

    public int hardwareType() {
        return u16(0, "hardware type");
    }

    public int protocolType() {
        return u16(2, "protocol type");
    }

    public int hardwareLength() {
        return u8(4, "hardware length");
    }

    public int protocolLength() {
        return u8(5, "protocol length");
    }

    public int operation() {
        return u16(6, "operation");
    }

    private void requireEthernetIpv4(String field) {
        if (hardwareLength() != 6 || protocolLength() != 4) {
            throw malformed(field, 4, "hardware/protocol lengths are " + hardwareLength() + "/" + protocolLength()
                    + ", not the 6/4 of Ethernet/IPv4");
        }
    }

    public long senderHardwareBits() {
        requireEthernetIpv4("sender hardware address");
        return u48(8, "sender hardware address");
    }

    public int senderProtocolBits() {
        requireEthernetIpv4("sender protocol address");
        return i32(14, "sender protocol address");
    }

    public long targetHardwareBits() {
        requireEthernetIpv4("target hardware address");
        return u48(18, "target hardware address");
    }

    public int targetProtocolBits() {
        requireEthernetIpv4("target protocol address");
        return i32(24, "target protocol address");
    }

    public MacAddress senderHardware() {
        return MacAddress.of(senderHardwareBits());
    }

    public Ipv4Address senderProtocol() {
        return Ipv4Address.of(senderProtocolBits());
    }

    public MacAddress targetHardware() {
        return MacAddress.of(targetHardwareBits());
    }

    public Ipv4Address targetProtocol() {
        return Ipv4Address.of(targetProtocolBits());
    }
}
