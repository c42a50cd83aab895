package expkt.protocol.wol;

import expkt.codec.MalformedPacketException;
import expkt.codec.ethernet.EtherType;
import expkt.codec.ethernet.Ethernet;
import expkt.codec.ip.IpProtocol;
import expkt.codec.ip.Ipv4;
import expkt.codec.ip.Udp;
import expkt.codec.wol.WakeOnLan;

import java.lang.foreign.MemorySegment;

/**
 * Finds and validates the magic packet in a received frame: the payload of ethertype 0x0842, or of
 * an IPv4 UDP datagram to the configured port. Flyweight views, re-wrapped per frame: nothing is
 * allocated.
 *
 * <p>Threading: one instance per thread.
 */
public final class MagicPacketInspector {
    /** What {@link #inspect} found. */
    public enum Kind { ETHERTYPE, UDP, NOT_WOL, INVALID }

    private final Ethernet ethernet = new Ethernet();
    private final Ipv4 ipv4 = new Ipv4();
    private final Udp udp = new Udp();
    private final WakeOnLan wol = new WakeOnLan();
    private String problem;

    /**
     * Looks at one frame. After {@link Kind#ETHERTYPE} or {@link Kind#UDP}, {@link #magic()} is the
     * validated magic packet; after {@link Kind#INVALID}, {@link #problem()} says why.
     *
     * @param udpPort UDP destination port that carries magic packets, or 0 to ignore UDP
     */
    public Kind inspect(MemorySegment segment, long offset, int length, int udpPort) {
        problem = null;
        try {
            ethernet.wrap(segment, offset, length);
            int type = ethernet.etherType();
            if (type == EtherType.WAKE_ON_LAN) {
                wol.wrapPayloadOf(ethernet);
                return Kind.ETHERTYPE;
            }
            if (type != EtherType.IPV4 || udpPort <= 0) {
                return Kind.NOT_WOL;
            }
            ipv4.wrapPayloadOf(ethernet);
            if (ipv4.protocol() != IpProtocol.UDP || ipv4.isLaterFragment()) {
                return Kind.NOT_WOL;
            }
            udp.wrapPayloadOf(ipv4);
            if (udp.destinationPort() != udpPort) {
                return Kind.NOT_WOL;
            }
            wol.wrapPayloadOf(udp);
            return Kind.UDP;
        } catch (MalformedPacketException e) {
            problem = e.getMessage();
            return Kind.INVALID;
        }
    }

    /** The magic packet found by the last {@link #inspect}. */
    public WakeOnLan magic() {
        return wol;
    }

    /** Source MAC of the last inspected frame. */
    public long sourceBits() {
        return ethernet.sourceBits();
    }

    public String problem() {
        return problem;
    }
}
