package expkt.codec.ethernet;

import expkt.api.net.Ipv4Address;
import expkt.api.net.MacAddress;
import expkt.codec.HeaderView;
import expkt.codec.LayerKind;
import java.lang.foreign.MemorySegment;

/**
 * ARP (RFC 826). The generic layout (any hardware and protocol lengths) is validated on wrap. The
 * address accessors for MAC and IPv4 apply to an Ethernet/IPv4 packet only (hardware and protocol
 * lengths 6 and 4, see {@link #isEthernetIpv4()}); on another they throw {@link IllegalStateException},
 * as every getter that does not apply does (the rule of {@link HeaderView}).
 */
public final class Arp extends HeaderView<Arp> {
    public static final int REQUEST = 1;
    public static final int REPLY = 2;
    public static final int HARDWARE_ETHERNET = 1;
    /** Length of an Ethernet/IPv4 ARP packet. */
    public static final int ETHERNET_IPV4_LENGTH = 28;

    @Override
    public String name() {
        return KIND.name();
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

    /** True if the hardware and protocol lengths are the 6 and 4 of Ethernet/IPv4: the address accessors below apply. */
    public boolean isEthernetIpv4() {
        return hardwareLength() == 6 && protocolLength() == 4;
    }

    private void requireEthernetIpv4(String field) {
        if (!isEthernetIpv4()) {
            throw new IllegalStateException("ARP " + field + ": hardware/protocol lengths are " + hardwareLength() + "/"
                    + protocolLength() + ", not the 6/4 of Ethernet/IPv4 (check isEthernetIpv4() first)");
        }
    }

    /** @throws IllegalStateException unless {@link #isEthernetIpv4()} */
    public long senderHardwareBits() {
        requireEthernetIpv4("sender hardware address");
        return u48(8, "sender hardware address");
    }

    /** @throws IllegalStateException unless {@link #isEthernetIpv4()} */
    public int senderProtocolBits() {
        requireEthernetIpv4("sender protocol address");
        return i32(14, "sender protocol address");
    }

    /** @throws IllegalStateException unless {@link #isEthernetIpv4()} */
    public long targetHardwareBits() {
        requireEthernetIpv4("target hardware address");
        return u48(18, "target hardware address");
    }

    /** @throws IllegalStateException unless {@link #isEthernetIpv4()} */
    public int targetProtocolBits() {
        requireEthernetIpv4("target protocol address");
        return i32(24, "target protocol address");
    }

    /** @throws IllegalStateException unless {@link #isEthernetIpv4()} */
    public MacAddress senderHardware() {
        return MacAddress.of(senderHardwareBits());
    }

    /** @throws IllegalStateException unless {@link #isEthernetIpv4()} */
    public Ipv4Address senderProtocol() {
        return Ipv4Address.of(senderProtocolBits());
    }

    /** @throws IllegalStateException unless {@link #isEthernetIpv4()} */
    public MacAddress targetHardware() {
        return MacAddress.of(targetHardwareBits());
    }

    /** @throws IllegalStateException unless {@link #isEthernetIpv4()} */
    public Ipv4Address targetProtocol() {
        return Ipv4Address.of(targetProtocolBits());
    }

    // ---------------------------------------------------------------- the layer table's row and the writer

    /** ARP, announced by ethertype 0x0806. */
    public static final LayerKind KIND = LayerKind.builder("ARP").etherType(EtherType.ARP).build();

    /** Writes an Ethernet/IPv4 ARP packet at {@code at}; returns its length, 28. */
    public static int write(MemorySegment segment, long at, int operation, long senderHardwareBits, int senderProtocolBits,
            long targetHardwareBits, int targetProtocolBits) {
        write16(segment, at, HARDWARE_ETHERNET);
        write16(segment, at + 2, EtherType.IPV4);
        write8(segment, at + 4, 6);
        write8(segment, at + 5, 4);
        write16(segment, at + 6, operation);
        write48(segment, at + 8, senderHardwareBits);
        write32(segment, at + 14, senderProtocolBits);
        write48(segment, at + 18, targetHardwareBits);
        write32(segment, at + 24, targetProtocolBits);
        return ETHERNET_IPV4_LENGTH;
    }
}
