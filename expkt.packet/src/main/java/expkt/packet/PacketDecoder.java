package expkt.packet;

import expkt.api.packet.FrameView;
import expkt.packet.ethernet.Arp;
import expkt.packet.ethernet.EtherType;
import expkt.packet.ethernet.Ethernet;
import expkt.packet.ip.Icmp;
import expkt.packet.ip.Icmpv6;
import expkt.packet.ip.IpProtocol;
import expkt.packet.ip.Ipv4;
import expkt.packet.ip.Ipv6;
import expkt.packet.ip.Tcp;
import expkt.packet.ip.Udp;
import expkt.packet.lldp.Lldp;
import expkt.packet.wol.WakeOnLan;
import java.lang.foreign.MemorySegment;

/**
 * Walks a frame from Ethernet to the innermost layer it knows, re-pointing one view per layer:
 * decoding allocates nothing, so a receive loop can decode every frame with one decoder.
 *
 * <pre>{@code
 * PacketDecoder d = new PacketDecoder();          // once per receive thread
 * d.decode(frame);                                // frame: the FrameView the socket handed over
 * if (d.has(PacketDecoder.ICMP) && d.icmp().type() == Icmp.ECHO_REQUEST) { ... d.ipv4().sourceBits() ... }
 * }</pre>
 *
 * <p>Layers: Ethernet (with VLAN tags), then ARP, IPv4, IPv6, LLDP or Wake-on-LAN by ethertype;
 * ICMP, ICMPv6, UDP or TCP by IP protocol (not in a fragment other than the first); Wake-on-LAN in a
 * UDP datagram whose payload is a magic packet. A layer the decoder does not know ends the walk:
 * its bytes are the payload of the last known layer. A layer whose bytes are bad throws
 * {@link MalformedPacketException}, after the layers before it were decoded.
 *
 * <p>Not thread-safe: one decoder per thread. Views are valid while the frame's memory is.
 */
public final class PacketDecoder {
    public static final int ETHERNET = 1;
    public static final int ARP = 1 << 1;
    public static final int IPV4 = 1 << 2;
    public static final int IPV6 = 1 << 3;
    public static final int ICMP = 1 << 4;
    public static final int ICMPV6 = 1 << 5;
    public static final int UDP = 1 << 6;
    public static final int TCP = 1 << 7;
    public static final int LLDP = 1 << 8;
    public static final int WAKE_ON_LAN = 1 << 9;

    private final Ethernet ethernet = new Ethernet();
    private final Arp arp = new Arp();
    private final Ipv4 ipv4 = new Ipv4();
    private final Ipv6 ipv6 = new Ipv6();
    private final Icmp icmp = new Icmp();
    private final Icmpv6 icmpv6 = new Icmpv6();
    private final Udp udp = new Udp();
    private final Tcp tcp = new Tcp();
    private final Lldp lldp = new Lldp();
    private final WakeOnLan wakeOnLan = new WakeOnLan();
    private int layers;

    /** Decodes a received frame in place. */
    public PacketDecoder decode(FrameView frame) {
        return decode(frame.segment(), frame.offset(), frame.length());
    }

    /** Decodes a frame held in an array (makes one small segment object). */
    public PacketDecoder decode(byte[] frame) {
        return decode(MemorySegment.ofArray(frame), 0, frame.length);
    }

    /** Decodes the {@code length} bytes at {@code offset} of {@code segment}. */
    public PacketDecoder decode(MemorySegment segment, long offset, int length) {
        layers = 0;
        ethernet.wrap(segment, offset, length);
        layers = ETHERNET;
        switch (ethernet.etherType()) {
            case EtherType.ARP -> {
                arp.wrapPayloadOf(ethernet);
                layers |= ARP;
            }
            case EtherType.IPV4 -> {
                ipv4.wrapPayloadOf(ethernet);
                layers |= IPV4;
                if (!ipv4.isLaterFragment()) {
                    transport(ipv4.protocol(), ipv4, false);
                }
            }
            case EtherType.IPV6 -> {
                ipv6.wrapPayloadOf(ethernet);
                layers |= IPV6;
                if (!ipv6.isLaterFragment()) {
                    transport(ipv6.protocol(), ipv6, true);
                }
            }
            case EtherType.LLDP -> {
                lldp.wrapPayloadOf(ethernet);
                layers |= LLDP;
            }
            case EtherType.WAKE_ON_LAN -> {
                wakeOnLan.wrapPayloadOf(ethernet);
                layers |= WAKE_ON_LAN;
            }
            default -> {
                // a layer the codec does not know: the Ethernet payload is all there is
            }
        }
        return this;
    }

    private void transport(int protocol, HeaderView<?> ip, boolean v6) {
        switch (protocol) {
            case IpProtocol.ICMP -> {
                if (!v6) {
                    icmp.wrapPayloadOf(ip);
                    layers |= ICMP;
                }
            }
            case IpProtocol.ICMPV6 -> {
                if (v6) {
                    icmpv6.wrapPayloadOf(ip);
                    layers |= ICMPV6;
                }
            }
            case IpProtocol.UDP -> {
                udp.wrapPayloadOf(ip);
                layers |= UDP;
                if (WakeOnLan.isMagicPacket(udp.segment(), udp.frameOffset() + udp.payloadOffset(), udp.payloadLength())) {
                    wakeOnLan.wrapPayloadOf(udp);
                    layers |= WAKE_ON_LAN;
                }
            }
            case IpProtocol.TCP -> {
                tcp.wrapPayloadOf(ip);
                layers |= TCP;
            }
            default -> {
                // not a transport the codec knows
            }
        }
    }

    /** The layers found, as a mask of the constants of this class. */
    public int layers() {
        return layers;
    }

    /** True if every layer in {@code mask} was found. */
    public boolean has(int mask) {
        return (layers & mask) == mask;
    }

    private <V> V layer(int bit, V view, String name) {
        if ((layers & bit) == 0) {
            throw new IllegalStateException("the frame has no " + name + " layer");
        }
        return view;
    }

    public Ethernet ethernet() {
        return layer(ETHERNET, ethernet, "Ethernet");
    }

    public Arp arp() {
        return layer(ARP, arp, "ARP");
    }

    public Ipv4 ipv4() {
        return layer(IPV4, ipv4, "IPv4");
    }

    public Ipv6 ipv6() {
        return layer(IPV6, ipv6, "IPv6");
    }

    public Icmp icmp() {
        return layer(ICMP, icmp, "ICMP");
    }

    public Icmpv6 icmpv6() {
        return layer(ICMPV6, icmpv6, "ICMPv6");
    }

    public Udp udp() {
        return layer(UDP, udp, "UDP");
    }

    public Tcp tcp() {
        return layer(TCP, tcp, "TCP");
    }

    public Lldp lldp() {
        return layer(LLDP, lldp, "LLDP");
    }

    public WakeOnLan wakeOnLan() {
        return layer(WAKE_ON_LAN, wakeOnLan, "Wake-on-LAN");
    }

    /**
     * True if every checksum of the decoded layers is correct (IPv4 header, ICMP, ICMPv6, UDP, TCP).
     * A fragmented datagram's transport checksum covers bytes this frame lacks, so it is not checked.
     */
    public boolean checksumsValid() {
        if (has(IPV4)) {
            if (!ipv4.checksumValid()) {
                return false;
            }
            boolean whole = !ipv4.moreFragments() && !ipv4.isLaterFragment();
            if (whole && has(ICMP) && !icmp.checksumValid()) {
                return false;
            }
            if (whole && has(UDP) && !udp.checksumValid(ipv4)) {
                return false;
            }
            if (whole && has(TCP) && !tcp.checksumValid(ipv4)) {
                return false;
            }
        }
        if (has(IPV6) && !ipv6.isFragment()) {
            if (has(ICMPV6) && !icmpv6.checksumValid(ipv6)) {
                return false;
            }
            if (has(UDP) && !udp.checksumValid(ipv6)) {
                return false;
            }
            if (has(TCP) && !tcp.checksumValid(ipv6)) {
                return false;
            }
        }
        return true;
    }
}
