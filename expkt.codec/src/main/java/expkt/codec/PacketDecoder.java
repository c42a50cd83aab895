package expkt.codec;

import expkt.api.packet.FrameView;
import expkt.codec.ethernet.Arp;
import expkt.codec.ethernet.Ethernet;
import expkt.codec.ip.Icmp;
import expkt.codec.ip.Icmpv6;
import expkt.codec.ip.Ipv4;
import expkt.codec.ip.Ipv6;
import expkt.codec.ip.Tcp;
import expkt.codec.ip.Udp;
import expkt.codec.lldp.Lldp;
import expkt.codec.wol.WakeOnLan;
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
 * <p><b>First fragments.</b> The first fragment of a fragmented IPv4 or IPv6 datagram (offset 0,
 * more fragments to come) starts with the transport header, so the transport layer is decoded:
 * its ports, and its length fields checked against the datagram (at most 65,535 bytes), not
 * against the fragment. A UDP length that runs past the fragment is what a first fragment has: the
 * UDP view is then {@link HeaderView#isTruncated() truncated}, its payload the bytes this fragment
 * holds. Later fragments carry no transport header and end the walk at IP.
 *
 * <p><b>Cut frames.</b> Given a frame's original length ({@link #decode(MemorySegment, long, int, long)}),
 * a frame a capture cut (snap length: captured length below the original) decodes as far as its
 * bytes go: length fields are checked against the original frame, every layer whose header was
 * captured whole is decoded, the walk ends at the first layer whose header was cut, and
 * {@link #isTruncated()} reports the cut (per layer, {@link HeaderView#isTruncated()}). Without
 * the original length, a length field that runs past the frame is malformed. An IPv4 total length
 * of 0 (a TSO or BIG TCP super-packet captured on its sender) and an RFC 2675 IPv6 jumbogram run
 * to the end of the frame and to their jumbo length, as tshark reads them.
 *
 * <p>A layer getter ({@link #ipv4()}, {@link #udp()} ...) of a layer the frame does not have throws
 * {@link IllegalStateException}, as every getter that does not apply does (the rule of
 * {@link HeaderView}): ask {@link #has(int)} first.
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
    /** The largest IP datagram a first fragment's transport header can describe (UDP's 16-bit length). */
    private static final int MAX_DATAGRAM = 65535;

    private int layers;
    private int captured;
    private long original;

    private final FrameCopy frameCopy = new FrameCopy();

    /**
     * Decodes a received frame: copies it into this decoder's own buffer (reused, grown to the largest
     * frame: no allocation per frame) and decodes that, so the layers stay readable after the view is
     * released (a view exposes only its frame's bytes, not the ring).
     *
     * @throws MalformedPacketException if a layer's bytes are bad (the layers before it are decoded)
     */
    public PacketDecoder decode(FrameView frame) {
        int n = frame.length();
        return decode(frameCopy.copy(frame), 0, n);
    }

    /**
     * Decodes a frame held in an array (makes one small segment object).
     *
     * @throws MalformedPacketException if a layer's bytes are bad (the layers before it are decoded)
     */
    public PacketDecoder decode(byte[] frame) {
        return decode(MemorySegment.ofArray(frame), 0, frame.length);
    }

    /**
     * Decodes the {@code length} bytes at {@code offset} of {@code segment}: a whole frame.
     *
     * @throws IllegalArgumentException if the frame does not lie in the segment
     * @throws MalformedPacketException if a layer's bytes are bad (the layers before it are decoded)
     */
    public PacketDecoder decode(MemorySegment segment, long offset, int length) {
        return decode(segment, offset, length, length);
    }

    /**
     * Decodes the {@code capturedLength} bytes at {@code offset} of {@code segment}, the start of a
     * frame of {@code originalLength} bytes on the wire (a capture file's record; an original length
     * below the captured one counts as the captured one). A cut frame decodes as far as its bytes
     * go (see the class comment); nothing is refused for the bytes the capture left out.
     *
     * @throws IllegalArgumentException if the captured bytes do not lie in the segment
     * @throws MalformedPacketException if a layer's bytes are bad (the layers before it are decoded)
     */
    public PacketDecoder decode(MemorySegment segment, long offset, int capturedLength, long originalLength) {
        layers = 0;
        captured = capturedLength;
        original = Math.max(originalLength, capturedLength);
        ethernet.wrap(segment, offset, capturedLength, original);
        if (ethernet.isCut()) {
            return this;
        }
        layers = ETHERNET;
        // which layer follows is the table's identity (each header's LayerKind row), as FrameBuilder fills it
        int type = ethernet.etherType();
        if (type == Arp.KIND.etherType()) {
            if (!arp.wrapPayloadOf(ethernet).isCut()) {
                layers |= ARP;
            }
        } else if (type == Ipv4.KIND.etherType()) {
            if (!ipv4.wrapPayloadOf(ethernet).isCut()) {
                layers |= IPV4;
                if (!ipv4.isLaterFragment()) {
                    transport(ipv4.protocol(), ipv4, false, ipv4.moreFragments());
                }
            }
        } else if (type == Ipv6.KIND.etherType()) {
            if (!ipv6.wrapPayloadOf(ethernet).isCut()) {
                layers |= IPV6;
                if (!ipv6.isLaterFragment()) {
                    transport(ipv6.protocol(), ipv6, true, ipv6.isFragment() && ipv6.moreFragments());
                }
            }
        } else if (type == Lldp.KIND.etherType()) {
            if (!lldp.wrapPayloadOf(ethernet).isCut()) {
                layers |= LLDP;
            }
        } else if (type == WakeOnLan.KIND.etherType()) {
            if (!wakeOnLan.wrapPayloadOf(ethernet).isCut()) {
                layers |= WAKE_ON_LAN;
            }
        }
        // else a layer the codec does not know: the Ethernet payload is all there is
        return this;
    }

    /** Wraps {@code view} on the payload of {@code ip}: of a first fragment, up to the largest datagram. */
    private static <V extends HeaderView<V>> boolean wrapTransport(V view, HeaderView<?> ip, boolean firstFragment) {
        long wire = firstFragment ? ip.payloadOffset() + (long) MAX_DATAGRAM : ip.payloadWireLimit();
        return !view.wrap(ip.segment(), ip.frameOffset(), ip.frameLength(), ip.payloadOffset(), ip.payloadLimit(),
                Math.max(wire, ip.payloadLimit()), ip.isFrameCut()).isCut();
    }

    private void transport(int protocol, HeaderView<?> ip, boolean v6, boolean firstFragment) {
        if (protocol == Icmp.KIND.ipProtocol()) {
            if (!v6 && wrapTransport(icmp, ip, firstFragment)) {
                layers |= ICMP;
            }
        } else if (protocol == Icmpv6.KIND.ipProtocol()) {
            if (v6 && wrapTransport(icmpv6, ip, firstFragment)) {
                layers |= ICMPV6;
            }
        } else if (protocol == Udp.KIND.ipProtocol()) {
            if (wrapTransport(udp, ip, firstFragment)) {
                layers |= UDP;
                if (WakeOnLan.isMagicPacket(udp.segment(), udp.frameOffset() + udp.payloadOffset(), udp.payloadLength())
                        && !wakeOnLan.wrapPayloadOf(udp).isCut()) {
                    layers |= WAKE_ON_LAN;
                }
            }
        } else if (protocol == Tcp.KIND.ipProtocol()) {
            if (wrapTransport(tcp, ip, firstFragment)) {
                layers |= TCP;
            }
        }
        // else not a transport the codec knows
    }

    /** Bytes of the frame decoded last. */
    public int capturedLength() {
        return captured;
    }

    /** Length on the wire of the frame decoded last (its captured length unless a capture cut it). */
    public long originalLength() {
        return original;
    }

    /**
     * True if the frame decoded last was cut by its capture (captured length below the original):
     * the layers found are those whose headers were captured whole; the walk ended at the first one cut.
     */
    public boolean isTruncated() {
        return original > captured;
    }

    /** The layers found, as a mask of the constants of this class. */
    public int layers() {
        return layers;
    }

    /** True if every layer in {@code mask} was found. */
    public boolean has(int mask) {
        return (layers & mask) == mask;
    }

    /** The view of a layer; a layer the frame does not have is a getter that does not apply: IllegalStateException. */
    private <V extends HeaderView<V>> V layer(int bit, V view) {
        if ((layers & bit) == 0) {
            throw new IllegalStateException("the frame has no " + view.name() + " layer (check has() first)");
        }
        return view;
    }

    public Ethernet ethernet() {
        return layer(ETHERNET, ethernet);
    }

    public Arp arp() {
        return layer(ARP, arp);
    }

    public Ipv4 ipv4() {
        return layer(IPV4, ipv4);
    }

    public Ipv6 ipv6() {
        return layer(IPV6, ipv6);
    }

    public Icmp icmp() {
        return layer(ICMP, icmp);
    }

    public Icmpv6 icmpv6() {
        return layer(ICMPV6, icmpv6);
    }

    public Udp udp() {
        return layer(UDP, udp);
    }

    public Tcp tcp() {
        return layer(TCP, tcp);
    }

    public Lldp lldp() {
        return layer(LLDP, lldp);
    }

    public WakeOnLan wakeOnLan() {
        return layer(WAKE_ON_LAN, wakeOnLan);
    }

    /**
     * True if every checksum of the decoded layers is correct (IPv4 header, ICMP, ICMPv6, UDP, TCP).
     * A transport checksum that covers bytes this frame lacks — a fragmented datagram, a frame the
     * capture cut ({@link HeaderView#isTruncated()}) — is not checked.
     */
    public boolean checksumsValid() {
        if (has(IPV4)) {
            if (!ipv4.checksumValid()) {
                return false;
            }
            boolean whole = !ipv4.moreFragments() && !ipv4.isLaterFragment();
            if (whole && has(ICMP) && !icmp.isTruncated() && !icmp.checksumValid()) {
                return false;
            }
            if (whole && has(UDP) && !udp.isTruncated() && !udp.checksumValid(ipv4)) {
                return false;
            }
            if (whole && has(TCP) && !tcp.isTruncated() && !tcp.checksumValid(ipv4)) {
                return false;
            }
        }
        if (has(IPV6) && !ipv6.isFragment()) {
            if (has(ICMPV6) && !icmpv6.isTruncated() && !icmpv6.checksumValid(ipv6)) {
                return false;
            }
            if (has(UDP) && !udp.isTruncated() && !udp.checksumValid(ipv6)) {
                return false;
            }
            if (has(TCP) && !tcp.isTruncated() && !tcp.checksumValid(ipv6)) {
                return false;
            }
        }
        return true;
    }
}
