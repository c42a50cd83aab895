package expkt.packet;

import expkt.api.net.Ipv4Address;
import expkt.api.net.Ipv6Address;
import expkt.api.net.MacAddress;
import expkt.packet.ethernet.Arp;
import expkt.packet.ethernet.EtherType;
import expkt.packet.ethernet.VlanTag;
import expkt.packet.ip.Icmp;
import expkt.packet.ip.Icmpv6;
import expkt.packet.ip.IpProtocol;
import expkt.packet.ip.Ipv4;
import expkt.packet.ip.Ipv6;
import expkt.packet.ip.Tcp;
import expkt.packet.lldp.Lldp;
import expkt.packet.wol.WakeOnLan;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Writes a frame, layer by layer, into the caller's buffer; {@link #finish()} then fills what
 * depends on the layers after each one: ethertypes and IP protocol numbers (unless given), the IPv4
 * total length, the IPv6 payload length, the UDP length, and the checksums of IPv4, ICMP, ICMPv6,
 * UDP and TCP (with their pseudo-headers) unless {@link #checksums(boolean) told not to} — the
 * seed's Impacket {@code auto_checksum}.
 *
 * <pre>{@code
 * byte[] buf = new byte[1514];
 * int len = new FrameBuilder(buf)
 *         .ethernet(dstMac, srcMac)
 *         .ipv4(Ipv4Address.parse("192.0.2.1"), Ipv4Address.parse("192.0.2.2")).ttl(64)
 *         .icmpEcho(true, 0x1234, 1)
 *         .payload("hello".getBytes())
 *         .finish();
 * }</pre>
 *
 * <p>A layer method writes its header with defaults at the end of the frame and becomes the
 * <em>current</em> layer; setters ({@link #ttl}, {@link #identification}, {@link #sequence} ...)
 * and option methods ({@link #ipv4Option}, {@link #tcpMss}, {@link #lldpSystemName} ...) apply to the
 * current layer and throw {@link IllegalStateException} if it is of another kind. Options must
 * come right after their header, before the next layer. Values out of range throw
 * {@link IllegalArgumentException} naming them; a frame that outgrows the buffer throws
 * {@link IllegalStateException} before writing past it.
 *
 * <p>{@link #reset()} starts a new frame in the same buffer, so a send loop builds without
 * allocating. Not thread-safe.
 */
public final class FrameBuilder {
    private static final ValueLayout.OfShort BE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt BE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final int MAX_LAYERS = 32;

    private static final int K_ETHERNET = 1;
    private static final int K_VLAN = 2;
    private static final int K_ARP = 3;
    private static final int K_IPV4 = 4;
    private static final int K_IPV6 = 5;
    private static final int K_IPV6_EXT = 6;
    private static final int K_ICMP = 7;
    private static final int K_ICMPV6 = 8;
    private static final int K_UDP = 9;
    private static final int K_TCP = 10;
    private static final int K_LLDP = 11;
    private static final int K_WOL = 12;
    private static final int K_PAYLOAD = 13;
    private static final String[] KIND_NAMES = {"", "Ethernet", "VLAN tag", "ARP", "IPv4", "IPv6", "IPv6 extension header",
        "ICMP", "ICMPv6", "UDP", "TCP", "LLDP", "Wake-on-LAN", "payload"};

    private MemorySegment segment;
    private long base;
    private int capacity;
    private int pos;
    private boolean autoChecksums = true;
    private boolean finished;

    private final int[] kind = new int[MAX_LAYERS];
    private final int[] offset = new int[MAX_LAYERS];
    /** Frame offset of the field that names the next layer (ethertype, protocol, next header), or -1. */
    private final int[] nextField = new int[MAX_LAYERS];
    private final boolean[] nextExplicit = new boolean[MAX_LAYERS];
    private final boolean[] checksumExplicit = new boolean[MAX_LAYERS];
    /** VLAN: the TPID; IPv6 extension header: its type. */
    private final int[] aux = new int[MAX_LAYERS];
    private int count;
    /** True while the current layer's header may still grow with options. */
    private boolean open;

    private final Ipv4 ipv4View = new Ipv4();
    private final Ipv6 ipv6View = new Ipv6();

    /** Builds into {@code capacity} bytes of {@code segment} from {@code offset}. */
    public FrameBuilder(MemorySegment segment, long offset, int capacity) {
        wrap(segment, offset, capacity);
    }

    /** Builds into the whole array. */
    public FrameBuilder(byte[] buffer) {
        this(MemorySegment.ofArray(buffer), 0, buffer.length);
    }

    /** Builds into the bytes between the buffer's position and limit (the buffer's position is not moved). */
    public FrameBuilder(ByteBuffer buffer) {
        this(MemorySegment.ofBuffer(buffer), 0, buffer.remaining());
    }

    /** Points the builder at another buffer and starts a new frame there. */
    public FrameBuilder wrap(MemorySegment segment, long offset, int capacity) {
        if (offset < 0 || capacity < 0 || offset + capacity > segment.byteSize()) {
            throw new IllegalArgumentException("frame buffer [" + offset + ", +" + capacity + ") is outside a segment of "
                    + segment.byteSize() + " bytes");
        }
        if (segment.isReadOnly()) {
            throw new IllegalArgumentException("frame buffer is read-only");
        }
        this.segment = segment;
        this.base = offset;
        this.capacity = capacity;
        return reset();
    }

    /** Starts a new frame at the start of the same buffer (the checksum setting is kept). */
    public FrameBuilder reset() {
        pos = 0;
        count = 0;
        open = false;
        finished = false;
        return this;
    }

    /** Whether {@link #finish()} computes checksums (default true). Off, they stay 0 or as set. */
    public FrameBuilder checksums(boolean auto) {
        this.autoChecksums = auto;
        return this;
    }

    /** Bytes written so far. */
    public int length() {
        return pos;
    }

    public MemorySegment segment() {
        return segment;
    }

    // ---------------------------------------------------------------- layers

    /** Ethernet II; the ethertype is filled from the next layer by {@link #finish()}. */
    public FrameBuilder ethernet(MacAddress destination, MacAddress source) {
        begin(K_ETHERNET, 14);
        put48(pos, destination.toLong());
        put48(pos + 6, source.toLong());
        put16(pos + 12, 0);
        nextField[count - 1] = pos + 12;
        pos += 14;
        return this;
    }

    /** Ethernet II with an explicit ethertype (needed before a raw {@link #payload}). */
    public FrameBuilder ethernet(MacAddress destination, MacAddress source, int etherType) {
        ethernet(destination, source);
        return etherType(etherType);
    }

    /** Sets the current Ethernet or VLAN layer's (inner) ethertype instead of filling it. */
    public FrameBuilder etherType(int etherType) {
        int l = current(K_ETHERNET, K_VLAN, "ethertype");
        check16(etherType, "ethertype");
        put16(nextField[l], etherType);
        nextExplicit[l] = true;
        return this;
    }

    /** An 802.1Q C-tag (TPID 0x8100) with priority 0. */
    public FrameBuilder vlan(int vlanId) {
        return tag(EtherType.VLAN, 0, false, vlanId);
    }

    /** An 802.1Q C-tag (TPID 0x8100). */
    public FrameBuilder vlan(int priority, boolean dropEligible, int vlanId) {
        return tag(EtherType.VLAN, priority, dropEligible, vlanId);
    }

    /** An 802.1ad S-tag (TPID 0x88A8) with priority 0; put it before the C-tag. */
    public FrameBuilder serviceVlan(int vlanId) {
        return tag(EtherType.SERVICE_VLAN, 0, false, vlanId);
    }

    /** An 802.1ad S-tag (TPID 0x88A8). */
    public FrameBuilder serviceVlan(int priority, boolean dropEligible, int vlanId) {
        return tag(EtherType.SERVICE_VLAN, priority, dropEligible, vlanId);
    }

    private FrameBuilder tag(int tpid, int priority, boolean dei, int vid) {
        int tci = VlanTag.tci(priority, dei, vid);
        if (count == 0 || (kind[count - 1] != K_ETHERNET && kind[count - 1] != K_VLAN)) {
            throw new IllegalStateException("a VLAN tag must follow the Ethernet header or another tag, not "
                    + (count == 0 ? "nothing" : KIND_NAMES[kind[count - 1]]));
        }
        begin(K_VLAN, 4);
        offset[count - 1] = pos - 2; // the tag starts at the TPID, which the previous type field holds
        aux[count - 1] = tpid;
        put16(pos, tci);
        put16(pos + 2, 0);
        nextField[count - 1] = pos + 2;
        pos += 4;
        return this;
    }

    /** ARP for Ethernet/IPv4 ({@link Arp#REQUEST} or {@link Arp#REPLY}). */
    public FrameBuilder arp(int operation, MacAddress senderMac, Ipv4Address senderIp, MacAddress targetMac, Ipv4Address targetIp) {
        check16(operation, "ARP operation");
        begin(K_ARP, 28);
        put16(pos, Arp.HARDWARE_ETHERNET);
        put16(pos + 2, EtherType.IPV4);
        put8(pos + 4, 6);
        put8(pos + 5, 4);
        put16(pos + 6, operation);
        put48(pos + 8, senderMac.toLong());
        put32(pos + 14, senderIp.toInt());
        put48(pos + 18, targetMac.toLong());
        put32(pos + 24, targetIp.toInt());
        pos += 28;
        return this;
    }

    /** IPv4 with TTL 64, no options, DF clear; the protocol, lengths and checksum are filled. */
    public FrameBuilder ipv4(Ipv4Address source, Ipv4Address destination) {
        begin(K_IPV4, 20);
        put8(pos, 0x45);
        put8(pos + 1, 0);
        put16(pos + 2, 0);
        put32(pos + 4, 0);
        put8(pos + 8, 64);
        put8(pos + 9, 0);
        put16(pos + 10, 0);
        put32(pos + 12, source.toInt());
        put32(pos + 16, destination.toInt());
        nextField[count - 1] = pos + 9;
        pos += 20;
        open = true;
        return this;
    }

    /** IPv6 with hop limit 64; the next header and payload length are filled. */
    public FrameBuilder ipv6(Ipv6Address source, Ipv6Address destination) {
        begin(K_IPV6, 40);
        put32(pos, 0x6000_0000);
        put16(pos + 4, 0);
        put8(pos + 6, IpProtocol.IPV6_NO_NEXT);
        put8(pos + 7, 64);
        put64(pos + 8, source.high());
        put64(pos + 16, source.low());
        put64(pos + 24, destination.high());
        put64(pos + 32, destination.low());
        nextField[count - 1] = pos + 6;
        pos += 40;
        return this;
    }

    /** An IPv6 hop-by-hop options header; add options with {@link #ipv6Option}; it is padded to 8 bytes. */
    public FrameBuilder ipv6HopByHop() {
        return ipv6OptionsHeader(IpProtocol.HOP_BY_HOP);
    }

    /** An IPv6 destination options header; add options with {@link #ipv6Option}. */
    public FrameBuilder ipv6DestinationOptions() {
        return ipv6OptionsHeader(IpProtocol.IPV6_DESTINATION_OPTIONS);
    }

    private FrameBuilder ipv6OptionsHeader(int type) {
        requireAfterIpv6(type);
        begin(K_IPV6_EXT, 2);
        aux[count - 1] = type;
        put8(pos, IpProtocol.IPV6_NO_NEXT);
        put8(pos + 1, 0);
        nextField[count - 1] = pos;
        pos += 2;
        open = true;
        return this;
    }

    /** An IPv6 routing header (type 0, 2 or 4 layout: 8 bytes, then the addresses). */
    public FrameBuilder ipv6Routing(int routingType, int segmentsLeft, Ipv6Address... addresses) {
        check8(routingType, "routing type");
        check8(segmentsLeft, "segments left");
        if (addresses.length > 127) {
            throw new IllegalArgumentException(addresses.length + " routing addresses are more than 127");
        }
        requireAfterIpv6(IpProtocol.IPV6_ROUTING);
        int len = 8 + 16 * addresses.length;
        begin(K_IPV6_EXT, len);
        aux[count - 1] = IpProtocol.IPV6_ROUTING;
        put8(pos, IpProtocol.IPV6_NO_NEXT);
        put8(pos + 1, 2 * addresses.length);
        put8(pos + 2, routingType);
        put8(pos + 3, segmentsLeft);
        put32(pos + 4, routingType == 4 && addresses.length > 0 ? (addresses.length - 1) << 24 : 0);
        for (int i = 0; i < addresses.length; i++) {
            put64(pos + 8 + 16 * i, addresses[i].high());
            put64(pos + 16 + 16 * i, addresses[i].low());
        }
        nextField[count - 1] = pos;
        pos += len;
        return this;
    }

    /** An IPv6 fragment header: {@code fragmentOffset} in 8-byte units. */
    public FrameBuilder ipv6Fragment(int fragmentOffset, boolean moreFragments, long identification) {
        if (fragmentOffset < 0 || fragmentOffset > 0x1FFF) {
            throw new IllegalArgumentException("fragment offset " + fragmentOffset + " is outside 0..8191");
        }
        check32(identification, "fragment identification");
        requireAfterIpv6(IpProtocol.IPV6_FRAGMENT);
        begin(K_IPV6_EXT, 8);
        aux[count - 1] = IpProtocol.IPV6_FRAGMENT;
        put8(pos, IpProtocol.IPV6_NO_NEXT);
        put8(pos + 1, 0);
        put16(pos + 2, fragmentOffset << 3 | (moreFragments ? 1 : 0));
        put32(pos + 4, (int) identification);
        nextField[count - 1] = pos;
        pos += 8;
        return this;
    }

    private void requireAfterIpv6(int type) {
        if (count == 0 || (kind[count - 1] != K_IPV6 && kind[count - 1] != K_IPV6_EXT)) {
            throw new IllegalStateException("IPv6 extension header " + type + " must follow IPv6 or another extension header, not "
                    + (count == 0 ? "nothing" : KIND_NAMES[kind[count - 1]]));
        }
    }

    /** ICMP with type, code and 4 bytes of rest-of-header. */
    public FrameBuilder icmp(int type, int code, int restOfHeader) {
        check8(type, "ICMP type");
        check8(code, "ICMP code");
        begin(K_ICMP, 8);
        put8(pos, type);
        put8(pos + 1, code);
        put16(pos + 2, 0);
        put32(pos + 4, restOfHeader);
        pos += 8;
        return this;
    }

    /** ICMP echo request (true) or reply. */
    public FrameBuilder icmpEcho(boolean request, int identifier, int sequence) {
        check16(identifier, "echo identifier");
        check16(sequence, "echo sequence number");
        return icmp(request ? Icmp.ECHO_REQUEST : Icmp.ECHO_REPLY, 0, identifier << 16 | sequence);
    }

    /** ICMPv6 with type, code and 4 bytes after the checksum. */
    public FrameBuilder icmpv6(int type, int code, int rest) {
        check8(type, "ICMPv6 type");
        check8(code, "ICMPv6 code");
        begin(K_ICMPV6, 8);
        put8(pos, type);
        put8(pos + 1, code);
        put16(pos + 2, 0);
        put32(pos + 4, rest);
        pos += 8;
        open = true;
        return this;
    }

    /** ICMPv6 echo request (true) or reply. */
    public FrameBuilder icmpv6Echo(boolean request, int identifier, int sequence) {
        check16(identifier, "echo identifier");
        check16(sequence, "echo sequence number");
        return icmpv6(request ? Icmpv6.ECHO_REQUEST : Icmpv6.ECHO_REPLY, 0, identifier << 16 | sequence);
    }

    /** Router solicitation; add {@link #ndSourceLinkLayer}. */
    public FrameBuilder routerSolicitation() {
        return icmpv6(Icmpv6.ROUTER_SOLICITATION, 0, 0);
    }

    /** Router advertisement; add prefix, MTU and link-layer options after it. */
    public FrameBuilder routerAdvertisement(int curHopLimit, int flags, int routerLifetime, long reachableTime, long retransTimer) {
        check8(curHopLimit, "cur hop limit");
        check8(flags, "router advertisement flags");
        check16(routerLifetime, "router lifetime");
        check32(reachableTime, "reachable time");
        check32(retransTimer, "retrans timer");
        icmpv6(Icmpv6.ROUTER_ADVERTISEMENT, 0, curHopLimit << 24 | flags << 16 | routerLifetime);
        ensure(8, "router advertisement");
        put32(pos, (int) reachableTime);
        put32(pos + 4, (int) retransTimer);
        pos += 8;
        return this;
    }

    /** Neighbour solicitation for {@code target}. */
    public FrameBuilder neighborSolicitation(Ipv6Address target) {
        icmpv6(Icmpv6.NEIGHBOR_SOLICITATION, 0, 0);
        return address16(target);
    }

    /** Neighbour advertisement ({@link Icmpv6#NA_ROUTER} | {@link Icmpv6#NA_SOLICITED} | {@link Icmpv6#NA_OVERRIDE}). */
    public FrameBuilder neighborAdvertisement(int flags, Ipv6Address target) {
        if ((flags & ~0xE0) != 0) {
            throw new IllegalArgumentException("neighbour advertisement flags 0x" + Integer.toHexString(flags)
                    + " have bits other than R, S, O (0xE0)");
        }
        icmpv6(Icmpv6.NEIGHBOR_ADVERTISEMENT, 0, flags << 24);
        return address16(target);
    }

    private FrameBuilder address16(Ipv6Address a) {
        ensure(16, "target address");
        put64(pos, a.high());
        put64(pos + 8, a.low());
        pos += 16;
        return this;
    }

    /** Source link-layer address option of a neighbour-discovery message. */
    public FrameBuilder ndSourceLinkLayer(MacAddress mac) {
        return ndLinkLayer(Icmpv6.OPTION_SOURCE_LINK_LAYER, mac);
    }

    /** Target link-layer address option of a neighbour-discovery message. */
    public FrameBuilder ndTargetLinkLayer(MacAddress mac) {
        return ndLinkLayer(Icmpv6.OPTION_TARGET_LINK_LAYER, mac);
    }

    private FrameBuilder ndLinkLayer(int type, MacAddress mac) {
        requireOpen(K_ICMPV6, "neighbour-discovery option");
        ensure(8, "link-layer address option");
        put8(pos, type);
        put8(pos + 1, 1);
        put48(pos + 2, mac.toLong());
        pos += 8;
        return this;
    }

    /** Prefix information option (flags: 0x80 on-link, 0x40 autonomous). */
    public FrameBuilder ndPrefixInformation(int prefixLength, int flags, long validLifetime, long preferredLifetime, Ipv6Address prefix) {
        if (prefixLength < 0 || prefixLength > 128) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " is outside 0..128");
        }
        check8(flags, "prefix flags");
        check32(validLifetime, "valid lifetime");
        check32(preferredLifetime, "preferred lifetime");
        requireOpen(K_ICMPV6, "neighbour-discovery option");
        ensure(32, "prefix information option");
        put8(pos, Icmpv6.OPTION_PREFIX_INFORMATION);
        put8(pos + 1, 4);
        put8(pos + 2, prefixLength);
        put8(pos + 3, flags);
        put32(pos + 4, (int) validLifetime);
        put32(pos + 8, (int) preferredLifetime);
        put32(pos + 12, 0);
        put64(pos + 16, prefix.high());
        put64(pos + 24, prefix.low());
        pos += 32;
        return this;
    }

    /** MTU option. */
    public FrameBuilder ndMtu(long mtu) {
        check32(mtu, "MTU");
        requireOpen(K_ICMPV6, "neighbour-discovery option");
        ensure(8, "MTU option");
        put8(pos, Icmpv6.OPTION_MTU);
        put8(pos + 1, 1);
        put16(pos + 2, 0);
        put32(pos + 4, (int) mtu);
        pos += 8;
        return this;
    }

    /** UDP; the length and checksum are filled. */
    public FrameBuilder udp(int sourcePort, int destinationPort) {
        check16(sourcePort, "UDP source port");
        check16(destinationPort, "UDP destination port");
        begin(K_UDP, 8);
        put16(pos, sourcePort);
        put16(pos + 2, destinationPort);
        put32(pos + 4, 0);
        pos += 8;
        return this;
    }

    /** TCP with sequence and acknowledgment 0, no flags, window 65535; add options right after. */
    public FrameBuilder tcp(int sourcePort, int destinationPort) {
        check16(sourcePort, "TCP source port");
        check16(destinationPort, "TCP destination port");
        begin(K_TCP, 20);
        put16(pos, sourcePort);
        put16(pos + 2, destinationPort);
        put32(pos + 4, 0);
        put32(pos + 8, 0);
        put16(pos + 12, 5 << 12);
        put16(pos + 14, 0xFFFF);
        put32(pos + 16, 0);
        pos += 20;
        open = true;
        return this;
    }

    /** An LLDPDU; add TLVs with the {@code lldp...} methods, chassis ID, port ID and TTL first. The End TLV is added. */
    public FrameBuilder lldp() {
        begin(K_LLDP, 0);
        open = true;
        return this;
    }

    /** A Wake-on-LAN magic packet for {@code target}. */
    public FrameBuilder wakeOnLan(MacAddress target) {
        return wakeOnLan(target, new byte[0]);
    }

    /** A Wake-on-LAN magic packet with a SecureOn password of 4 or 6 bytes (or none). */
    public FrameBuilder wakeOnLan(MacAddress target, byte[] password) {
        if (password.length != 0 && password.length != 4 && password.length != 6) {
            throw new IllegalArgumentException("Wake-on-LAN password has " + password.length + " bytes, not 0, 4 or 6");
        }
        begin(K_WOL, WakeOnLan.LENGTH + password.length);
        put16(pos, 0xFFFF);
        put32(pos + 2, -1);
        for (int i = 1; i <= 16; i++) {
            put48(pos + 6 * i, target.toLong());
        }
        MemorySegment.copy(password, 0, segment, ValueLayout.JAVA_BYTE, base + pos + WakeOnLan.LENGTH, password.length);
        pos += WakeOnLan.LENGTH + password.length;
        return this;
    }

    /** Raw bytes after the last header (data of UDP/TCP/ICMP, or any layer the builder does not know). */
    public FrameBuilder payload(byte[] data) {
        return payload(data, 0, data.length);
    }

    public FrameBuilder payload(byte[] data, int from, int length) {
        if (from < 0 || length < 0 || from + length > data.length) {
            throw new IllegalArgumentException("payload range [" + from + ", +" + length + ") is outside an array of " + data.length);
        }
        begin(K_PAYLOAD, length);
        MemorySegment.copy(data, from, segment, ValueLayout.JAVA_BYTE, base + pos, length);
        pos += length;
        return this;
    }

    /** Raw bytes copied from a segment (e.g. a received frame's payload). */
    public FrameBuilder payload(MemorySegment data, long from, int length) {
        begin(K_PAYLOAD, length);
        MemorySegment.copy(data, from, segment, base + pos, length);
        pos += length;
        return this;
    }

    // ---------------------------------------------------------------- setters of the current layer

    /** IPv4 TTL or IPv6 hop limit. */
    public FrameBuilder ttl(int ttl) {
        check8(ttl, "TTL");
        int l = current(K_IPV4, K_IPV6, "TTL");
        put8(offset[l] + (kind[l] == K_IPV4 ? 8 : 7), ttl);
        return this;
    }

    /** IPv4 type of service or IPv6 traffic class (DSCP << 2 | ECN). */
    public FrameBuilder trafficClass(int trafficClass) {
        check8(trafficClass, "traffic class");
        int l = current(K_IPV4, K_IPV6, "traffic class");
        if (kind[l] == K_IPV4) {
            put8(offset[l] + 1, trafficClass);
        } else {
            put16(offset[l], 0x6000 | trafficClass << 4 | get16(offset[l]) & 0x000F);
        }
        return this;
    }

    /** IPv6 flow label (20 bits). */
    public FrameBuilder flowLabel(int flowLabel) {
        if (flowLabel < 0 || flowLabel > 0xF_FFFF) {
            throw new IllegalArgumentException("flow label " + flowLabel + " is outside 0..1048575");
        }
        int l = current(K_IPV6, K_IPV6, "flow label");
        put32(offset[l], get32(offset[l]) & 0xFFF0_0000 | flowLabel);
        return this;
    }

    public FrameBuilder identification(int identification) {
        check16(identification, "IPv4 identification");
        int l = current(K_IPV4, K_IPV4, "identification");
        put16(offset[l] + 4, identification);
        return this;
    }

    /** IPv4 flags (reserved, DF, MF) and fragment offset in 8-byte units. */
    public FrameBuilder fragment(boolean dontFragment, boolean moreFragments, int fragmentOffset) {
        if (fragmentOffset < 0 || fragmentOffset > 0x1FFF) {
            throw new IllegalArgumentException("fragment offset " + fragmentOffset + " is outside 0..8191");
        }
        int l = current(K_IPV4, K_IPV4, "fragment");
        put16(offset[l] + 6, (dontFragment ? 0x4000 : 0) | (moreFragments ? 0x2000 : 0) | fragmentOffset);
        return this;
    }

    public FrameBuilder dontFragment() {
        int l = current(K_IPV4, K_IPV4, "don't fragment");
        put16(offset[l] + 6, get16(offset[l] + 6) | 0x4000);
        return this;
    }

    /** Sets the IPv4 protocol / IPv6 or extension next header instead of filling it from the next layer. */
    public FrameBuilder protocol(int protocol) {
        check8(protocol, "IP protocol");
        int l = current(K_IPV4, K_IPV6, K_IPV6_EXT, "protocol");
        put8(nextField[l], protocol);
        nextExplicit[l] = true;
        return this;
    }

    /** Sets the current layer's checksum to {@code value} and keeps it (e.g. to send a bad one on purpose). */
    public FrameBuilder checksum(int value) {
        check16(value, "checksum");
        int l = current(K_IPV4, K_ICMP, K_ICMPV6, K_UDP, K_TCP, "checksum");
        put16(checksumOffset(l), value);
        checksumExplicit[l] = true;
        return this;
    }

    public FrameBuilder sequence(long sequence) {
        check32(sequence, "TCP sequence number");
        put32(offset[current(K_TCP, K_TCP, "sequence number")] + 4, (int) sequence);
        return this;
    }

    public FrameBuilder acknowledgment(long acknowledgment) {
        check32(acknowledgment, "TCP acknowledgment number");
        put32(offset[current(K_TCP, K_TCP, "acknowledgment number")] + 8, (int) acknowledgment);
        return this;
    }

    /** TCP flags (12 bits, {@link Tcp#SYN} | {@link Tcp#ACK} ...). */
    public FrameBuilder tcpFlags(int flags) {
        if ((flags & ~0x0FFF) != 0) {
            throw new IllegalArgumentException("TCP flags 0x" + Integer.toHexString(flags) + " have more than 12 bits");
        }
        int l = current(K_TCP, K_TCP, "flags");
        put16(offset[l] + 12, get16(offset[l] + 12) & 0xF000 | flags);
        return this;
    }

    public FrameBuilder window(int window) {
        check16(window, "TCP window");
        put16(offset[current(K_TCP, K_TCP, "window")] + 14, window);
        return this;
    }

    public FrameBuilder urgentPointer(int urgentPointer) {
        check16(urgentPointer, "TCP urgent pointer");
        put16(offset[current(K_TCP, K_TCP, "urgent pointer")] + 18, urgentPointer);
        return this;
    }

    // ---------------------------------------------------------------- options

    /** An IPv4 option: type, length (2 + data) and data; types 0 and 1 are one byte, without data. */
    public FrameBuilder ipv4Option(int type, byte[] data) {
        check8(type, "IPv4 option type");
        requireOpen(K_IPV4, "IPv4 option");
        return typeLengthValue(type, data, 40 - (pos - offset[count - 1] - 20), "IPv4 option", 0);
    }

    /** The router alert option (RFC 2113). */
    public FrameBuilder ipv4RouterAlert() {
        return ipv4Option(Ipv4.OPTION_ROUTER_ALERT, new byte[2]);
    }

    /** A hop-by-hop or destination option: type, length of data, data. */
    public FrameBuilder ipv6Option(int type, byte[] data) {
        check8(type, "IPv6 option type");
        requireOpen(K_IPV6_EXT, "IPv6 option");
        int l = count - 1;
        if (aux[l] != IpProtocol.HOP_BY_HOP && aux[l] != IpProtocol.IPV6_DESTINATION_OPTIONS) {
            throw new IllegalStateException("IPv6 options go in a hop-by-hop or destination options header, not header " + aux[l]);
        }
        return typeLengthValue(type, data, 2046 - (pos - offset[l]), "IPv6 option", -2);
    }

    /** The IPv6 router alert option (RFC 2711), e.g. 0 for MLD. */
    public FrameBuilder ipv6RouterAlert(int value) {
        check16(value, "router alert value");
        return ipv6Option(Ipv6.OPTION_ROUTER_ALERT, new byte[] {(byte) (value >>> 8), (byte) value});
    }

    /** A TCP option: kind, length (2 + data) and data; kinds 0 and 1 are one byte, without data. */
    public FrameBuilder tcpOption(int kind, byte[] data) {
        check8(kind, "TCP option kind");
        requireOpen(K_TCP, "TCP option");
        return typeLengthValue(kind, data, 40 - (pos - offset[count - 1] - 20), "TCP option", 0);
    }

    public FrameBuilder tcpNop() {
        return tcpOption(Tcp.OPTION_NOP, null);
    }

    public FrameBuilder tcpMss(int mss) {
        check16(mss, "MSS");
        return tcpOption(Tcp.OPTION_MSS, new byte[] {(byte) (mss >>> 8), (byte) mss});
    }

    public FrameBuilder tcpWindowScale(int shift) {
        if (shift < 0 || shift > 14) {
            throw new IllegalArgumentException("window scale " + shift + " is outside 0..14");
        }
        return tcpOption(Tcp.OPTION_WINDOW_SCALE, new byte[] {(byte) shift});
    }

    public FrameBuilder tcpSackPermitted() {
        return tcpOption(Tcp.OPTION_SACK_PERMITTED, new byte[0]);
    }

    public FrameBuilder tcpTimestamps(long value, long echoReply) {
        check32(value, "timestamp value");
        check32(echoReply, "timestamp echo reply");
        byte[] d = new byte[8];
        ByteBuffer.wrap(d).putInt((int) value).putInt((int) echoReply);
        return tcpOption(Tcp.OPTION_TIMESTAMPS, d);
    }

    /**
     * Writes type, length, data. {@code lengthBias} is added to the length byte: 0 when the length
     * counts type and length (IPv4, TCP), -2 when it counts only the data (IPv6).
     */
    private FrameBuilder typeLengthValue(int type, byte[] data, int room, String what, int lengthBias) {
        boolean single = lengthBias == 0 ? (type == 0 || type == 1) : type == 0;
        if (single) {
            if (data != null && data.length > 0) {
                throw new IllegalArgumentException(what + " " + type + " is one byte and takes no data");
            }
            if (room < 1) {
                throw new IllegalArgumentException(what + " " + type + " does not fit: the options are full");
            }
            ensure(1, what);
            put8(pos, type);
            pos += 1;
            return this;
        }
        int len = 2 + (data == null ? 0 : data.length);
        if (len > room || len + lengthBias > 255) {
            throw new IllegalArgumentException(what + " " + type + " of " + len + " bytes does not fit the " + room
                    + " bytes left for options");
        }
        ensure(len, what);
        put8(pos, type);
        put8(pos + 1, len + lengthBias);
        if (data != null) {
            MemorySegment.copy(data, 0, segment, ValueLayout.JAVA_BYTE, base + pos + 2, data.length);
        }
        pos += len;
        return this;
    }

    // ---------------------------------------------------------------- LLDP TLVs
    // Each TLV is written in place: header, then its value straight into the buffer (strings
    // encoded to UTF-8 as they are copied, addresses from their primitive bits), so writing an
    // LLDPDU allocates nothing; the agent writes one per port every transmit interval.

    /** Any TLV: 7-bit type, value of up to 511 bytes. */
    public FrameBuilder lldpTlv(int type, byte[] value) {
        int v = tlv(type, value.length, "LLDP TLV");
        putBytes(v, value);
        return this;
    }

    /**
     * Checks and writes the header of a TLV of {@code type} with a {@code length}-byte value and
     * moves past the whole TLV; returns where its value goes.
     */
    private int tlv(int type, int length, String what) {
        if (type < 0 || type > 127) {
            throw new IllegalArgumentException("LLDP TLV type " + type + " is outside 0..127");
        }
        if (length > 511) {
            throw new IllegalArgumentException(what + " value of " + length + " bytes is longer than 511");
        }
        requireOpen(K_LLDP, "LLDP TLV");
        ensure(2 + length, what);
        put16(pos, type << 9 | length);
        int value = pos + 2;
        pos += 2 + length;
        return value;
    }

    private void putBytes(int at, byte[] b) {
        MemorySegment.copy(b, 0, segment, ValueLayout.JAVA_BYTE, base + at, b.length);
    }

    /** Bytes of {@code s} in UTF-8, exactly as {@code s.getBytes(UTF_8)} makes them (an unpaired surrogate is '?'). */
    private static int utf8Length(String s, String what) {
        if (s == null) {
            throw new IllegalArgumentException(what + " is null");
        }
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                n += 1; // '?'
            } else {
                n += 3;
            }
        }
        return n;
    }

    /** Writes {@code s} in UTF-8 at {@code at}, as {@link #utf8Length} counts it. */
    private void putUtf8(int at, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                put8(at++, c);
            } else if (c < 0x800) {
                put8(at++, 0xC0 | c >>> 6);
                put8(at++, 0x80 | c & 0x3F);
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                put8(at++, 0xF0 | cp >>> 18);
                put8(at++, 0x80 | cp >>> 12 & 0x3F);
                put8(at++, 0x80 | cp >>> 6 & 0x3F);
                put8(at++, 0x80 | cp & 0x3F);
            } else if (Character.isSurrogate(c)) {
                put8(at++, '?');
            } else {
                put8(at++, 0xE0 | c >>> 12);
                put8(at++, 0x80 | c >>> 6 & 0x3F);
                put8(at++, 0x80 | c & 0x3F);
            }
        }
    }

    private FrameBuilder textTlv(int type, String text, String what) {
        int len = utf8Length(text, what);
        putUtf8(tlv(type, len, what), text);
        return this;
    }

    /** Chassis ID TLV with any subtype; the ID is 1..255 bytes. */
    public FrameBuilder lldpChassisId(int subtype, byte[] id) {
        check8(subtype, "chassis ID subtype");
        if (id.length < 1 || id.length > 255) {
            throw new IllegalArgumentException("chassis ID of " + id.length + " bytes is outside 1..255");
        }
        int v = tlv(Lldp.TLV_CHASSIS_ID, 1 + id.length, "chassis ID");
        put8(v, subtype);
        putBytes(v + 1, id);
        return this;
    }

    /** Chassis ID TLV of subtype 4 (MAC address). */
    public FrameBuilder lldpChassisId(MacAddress mac) {
        int v = tlv(Lldp.TLV_CHASSIS_ID, 7, "chassis ID");
        put8(v, Lldp.CHASSIS_MAC);
        put48(v + 1, mac.toLong());
        return this;
    }

    /** Port ID TLV with any subtype; the ID is 1..255 bytes. */
    public FrameBuilder lldpPortId(int subtype, byte[] id) {
        check8(subtype, "port ID subtype");
        if (id.length < 1 || id.length > 255) {
            throw new IllegalArgumentException("port ID of " + id.length + " bytes is outside 1..255");
        }
        int v = tlv(Lldp.TLV_PORT_ID, 1 + id.length, "port ID");
        put8(v, subtype);
        putBytes(v + 1, id);
        return this;
    }

    /** Port ID TLV of subtype 5 (interface name); the name is 1..255 bytes of UTF-8. */
    public FrameBuilder lldpPortId(String interfaceName) {
        int len = utf8Length(interfaceName, "port ID");
        if (len < 1 || len > 255) {
            throw new IllegalArgumentException("port ID of " + len + " bytes is outside 1..255");
        }
        int v = tlv(Lldp.TLV_PORT_ID, 1 + len, "port ID");
        put8(v, Lldp.PORT_INTERFACE_NAME);
        putUtf8(v + 1, interfaceName);
        return this;
    }

    /** Port ID TLV of subtype 3 (MAC address). */
    public FrameBuilder lldpPortId(MacAddress mac) {
        int v = tlv(Lldp.TLV_PORT_ID, 7, "port ID");
        put8(v, Lldp.PORT_MAC);
        put48(v + 1, mac.toLong());
        return this;
    }

    public FrameBuilder lldpTtl(int seconds) {
        check16(seconds, "LLDP TTL");
        put16(tlv(Lldp.TLV_TTL, 2, "LLDP TTL"), seconds);
        return this;
    }

    public FrameBuilder lldpPortDescription(String description) {
        return textTlv(Lldp.TLV_PORT_DESCRIPTION, description, "port description");
    }

    public FrameBuilder lldpSystemName(String name) {
        return textTlv(Lldp.TLV_SYSTEM_NAME, name, "system name");
    }

    public FrameBuilder lldpSystemDescription(String description) {
        return textTlv(Lldp.TLV_SYSTEM_DESCRIPTION, description, "system description");
    }

    /** System capabilities TLV ({@link Lldp#CAPABILITY_BRIDGE} | ...). */
    public FrameBuilder lldpCapabilities(int system, int enabled) {
        check16(system, "system capabilities");
        check16(enabled, "enabled capabilities");
        int v = tlv(Lldp.TLV_SYSTEM_CAPABILITIES, 4, "system capabilities");
        put16(v, system);
        put16(v + 2, enabled);
        return this;
    }

    /** Management address TLV for an IPv4 address. */
    public FrameBuilder lldpManagementAddress(Ipv4Address address, int interfaceSubtype, long interfaceNumber, byte[] oid) {
        int v = managementAddress(Lldp.ADDRESS_IPV4, 4, interfaceSubtype, interfaceNumber, oid);
        put32(v, address.toInt());
        return this;
    }

    /** Management address TLV for an IPv6 address. */
    public FrameBuilder lldpManagementAddress(Ipv6Address address, int interfaceSubtype, long interfaceNumber, byte[] oid) {
        int v = managementAddress(Lldp.ADDRESS_IPV6, 16, interfaceSubtype, interfaceNumber, oid);
        put64(v, address.high());
        put64(v + 8, address.low());
        return this;
    }

    /** Writes a management address TLV but its address; returns where the {@code addressLength} address bytes go. */
    private int managementAddress(int subtype, int addressLength, int interfaceSubtype, long interfaceNumber, byte[] oid) {
        check8(interfaceSubtype, "interface numbering subtype");
        check32(interfaceNumber, "interface number");
        if (oid.length > 128) {
            throw new IllegalArgumentException("management OID of " + oid.length + " bytes is longer than 128");
        }
        int v = tlv(Lldp.TLV_MANAGEMENT_ADDRESS, 1 + 1 + addressLength + 1 + 4 + 1 + oid.length, "management address");
        put8(v, 1 + addressLength);
        put8(v + 1, subtype);
        int after = v + 2 + addressLength;
        put8(after, interfaceSubtype);
        put32(after + 1, (int) interfaceNumber);
        put8(after + 5, oid.length);
        putBytes(after + 6, oid);
        return v + 2;
    }

    /** Organisationally specific TLV: 24-bit OUI, subtype, information (up to 507 bytes). */
    public FrameBuilder lldpOrganizationSpecific(int oui, int subtype, byte[] info) {
        if (oui < 0 || oui > 0xFF_FFFF) {
            throw new IllegalArgumentException("OUI 0x" + Integer.toHexString(oui) + " has more than 24 bits");
        }
        check8(subtype, "org subtype");
        int v = tlv(Lldp.TLV_ORGANIZATION_SPECIFIC, 4 + info.length, "org-specific TLV");
        put16(v, oui >>> 8);
        put8(v + 2, oui);
        put8(v + 3, subtype);
        putBytes(v + 4, info);
        return this;
    }

    // ---------------------------------------------------------------- finish

    /** Fills ethertypes, protocols, lengths and checksums; returns the frame's length. */
    public int finish() {
        return finish(0);
    }

    /**
     * As {@link #finish()}, then pads the frame with zeros to {@code minimumLength} (60 for the
     * Ethernet minimum without FCS); the padding is outside every IP and UDP length.
     */
    public int finish(int minimumLength) {
        if (finished) {
            throw new IllegalStateException("frame already finished: call reset() to build another");
        }
        if (count == 0) {
            throw new IllegalStateException("no layer to finish");
        }
        close();
        int end = pos;
        for (int l = 0; l < count; l++) {
            fillNext(l);
            fillLength(l, end);
        }
        if (autoChecksums) {
            for (int l = count - 1; l >= 0; l--) {
                fillChecksum(l, end);
            }
        }
        if (minimumLength > end) {
            if (minimumLength > capacity) {
                throw new IllegalStateException("frame buffer of " + capacity + " bytes cannot hold padding to " + minimumLength);
            }
            segment.asSlice(base + end, minimumLength - end).fill((byte) 0);
            pos = minimumLength;
        }
        finished = true;
        return pos;
    }

    private void fillNext(int l) {
        if (nextField[l] < 0 || nextExplicit[l]) {
            return;
        }
        boolean ether = kind[l] == K_ETHERNET || kind[l] == K_VLAN;
        int id = l + 1 < count ? identity(l + 1, ether) : -1;
        if (id < 0) {
            if (kind[l] == K_IPV6 || kind[l] == K_IPV6_EXT) {
                if (l + 1 == count) {
                    put8(nextField[l], IpProtocol.IPV6_NO_NEXT);
                    return;
                }
            }
            throw new IllegalStateException(KIND_NAMES[kind[l]] + " is followed by " + (l + 1 < count ? KIND_NAMES[kind[l + 1]] : "nothing")
                    + ": give its " + (ether ? "ethertype" : "protocol") + " explicitly");
        }
        if (ether) {
            put16(nextField[l], id);
        } else {
            put8(nextField[l], id);
        }
    }

    private int identity(int l, boolean ether) {
        return switch (kind[l]) {
            case K_VLAN -> ether ? aux[l] : -1;
            case K_ARP -> ether ? EtherType.ARP : -1;
            case K_IPV4 -> ether ? EtherType.IPV4 : 4;
            case K_IPV6 -> ether ? EtherType.IPV6 : 41;
            case K_LLDP -> ether ? EtherType.LLDP : -1;
            case K_WOL -> ether ? EtherType.WAKE_ON_LAN : -1;
            case K_IPV6_EXT -> ether ? -1 : aux[l];
            case K_ICMP -> ether ? -1 : IpProtocol.ICMP;
            case K_ICMPV6 -> ether ? -1 : IpProtocol.ICMPV6;
            case K_UDP -> ether ? -1 : IpProtocol.UDP;
            case K_TCP -> ether ? -1 : IpProtocol.TCP;
            default -> -1;
        };
    }

    private void fillLength(int l, int end) {
        int len = end - offset[l];
        switch (kind[l]) {
            case K_IPV4 -> {
                if (len > 0xFFFF) {
                    throw new IllegalStateException("IPv4 packet of " + len + " bytes is longer than 65535");
                }
                put16(offset[l] + 2, len);
            }
            case K_IPV6 -> {
                if (len - 40 > 0xFFFF) {
                    throw new IllegalStateException("IPv6 payload of " + (len - 40) + " bytes is longer than 65535");
                }
                put16(offset[l] + 4, len - 40);
            }
            case K_UDP -> {
                if (len > 0xFFFF) {
                    throw new IllegalStateException("UDP datagram of " + len + " bytes is longer than 65535");
                }
                put16(offset[l] + 4, len);
            }
            default -> {
                // no length field
            }
        }
    }

    private int checksumOffset(int l) {
        return switch (kind[l]) {
            case K_IPV4 -> offset[l] + 10;
            case K_ICMP, K_ICMPV6 -> offset[l] + 2;
            case K_UDP -> offset[l] + 6;
            case K_TCP -> offset[l] + 16;
            default -> -1;
        };
    }

    private void fillChecksum(int l, int end) {
        int at = checksumOffset(l);
        if (at < 0 || checksumExplicit[l]) {
            return;
        }
        put16(at, 0);
        int k = kind[l];
        long sum;
        if (k == K_IPV4) {
            sum = InternetChecksum.add(0, segment, base + offset[l], (get8(offset[l]) & 0xF) * 4);
        } else if (k == K_ICMP) {
            sum = InternetChecksum.add(0, segment, base + offset[l], end - offset[l]);
        } else {
            int ip = enclosingIp(l);
            int proto = k == K_ICMPV6 ? IpProtocol.ICMPV6 : k == K_UDP ? IpProtocol.UDP : IpProtocol.TCP;
            int len = end - offset[l];
            long pseudo;
            if (kind[ip] == K_IPV4) {
                pseudo = ipv4View.wrap(segment, base, end, offset[ip], end).pseudoHeaderSum(proto, len);
            } else {
                pseudo = ipv6View.wrap(segment, base, end, offset[ip], end).pseudoHeaderSum(proto, len);
            }
            sum = InternetChecksum.add(pseudo, segment, base + offset[l], len);
        }
        int c = InternetChecksum.finish(sum);
        if (k == K_UDP && c == 0) {
            c = 0xFFFF; // zero means "no checksum" in UDP
        }
        put16(at, c);
    }

    private int enclosingIp(int l) {
        for (int i = l - 1; i >= 0; i--) {
            if (kind[i] == K_IPV4 || kind[i] == K_IPV6) {
                return i;
            }
        }
        throw new IllegalStateException(KIND_NAMES[kind[l]] + " has no IPv4 or IPv6 layer before it for its pseudo-header");
    }

    // ---------------------------------------------------------------- internals

    private void begin(int k, int bytes) {
        if (finished) {
            throw new IllegalStateException("frame already finished: call reset() to build another");
        }
        close();
        if (count == MAX_LAYERS) {
            throw new IllegalStateException("more than " + MAX_LAYERS + " layers");
        }
        if (count > 0 && kind[count - 1] == K_PAYLOAD && k != K_PAYLOAD) {
            throw new IllegalStateException(KIND_NAMES[k] + " cannot follow a raw payload");
        }
        ensure(bytes, KIND_NAMES[k]);
        kind[count] = k;
        offset[count] = pos;
        nextField[count] = -1;
        nextExplicit[count] = false;
        checksumExplicit[count] = false;
        aux[count] = 0;
        count++;
    }

    /** Ends the current layer's options: pads them and sets the header length. */
    private void close() {
        if (!open) {
            return;
        }
        open = false;
        int l = count - 1;
        int len = pos - offset[l];
        switch (kind[l]) {
            case K_IPV4 -> {
                int pad = (4 - len % 4) % 4;
                ensure(pad, "IPv4 option padding");
                for (int i = 0; i < pad; i++) {
                    put8(pos++, Ipv4.OPTION_END);
                }
                put8(offset[l], 0x40 | (len + pad) / 4);
            }
            case K_TCP -> {
                int pad = (4 - len % 4) % 4;
                ensure(pad, "TCP option padding");
                for (int i = 0; i < pad; i++) {
                    put8(pos++, Tcp.OPTION_END);
                }
                put16(offset[l] + 12, (len + pad) / 4 << 12 | get16(offset[l] + 12) & 0x0FFF);
            }
            case K_IPV6_EXT -> {
                int pad = (8 - len % 8) % 8;
                ensure(pad, "IPv6 option padding");
                if (pad == 1) {
                    put8(pos++, Ipv6.OPTION_PAD1);
                } else if (pad > 1) {
                    put8(pos, Ipv6.OPTION_PADN);
                    put8(pos + 1, pad - 2);
                    for (int i = 2; i < pad; i++) {
                        put8(pos + i, 0);
                    }
                    pos += pad;
                }
                put8(offset[l] + 1, (len + pad) / 8 - 1);
            }
            case K_LLDP -> {
                ensure(2, "LLDP End TLV");
                put16(pos, 0);
                pos += 2;
            }
            default -> {
                // ICMPv6 options need no padding: each is a multiple of 8 bytes
            }
        }
    }

    private int current(int k1, int k2, String what) {
        return current(k1, k2, k2, what);
    }

    private int current(int k1, int k2, int k3, String what) {
        return current(k1, k2, k3, k3, k3, what);
    }

    private int current(int k1, int k2, int k3, int k4, int k5, String what) {
        if (finished) {
            throw new IllegalStateException("frame already finished: call reset() to build another");
        }
        if (count == 0) {
            throw new IllegalStateException("no layer to set the " + what + " of");
        }
        int k = kind[count - 1];
        if (k != k1 && k != k2 && k != k3 && k != k4 && k != k5) {
            throw new IllegalStateException("the current layer, " + KIND_NAMES[k] + ", has no " + what);
        }
        return count - 1;
    }

    private void requireOpen(int k, String what) {
        if (finished) {
            throw new IllegalStateException("frame already finished: call reset() to build another");
        }
        if (count == 0 || kind[count - 1] != k || !open) {
            throw new IllegalStateException(what + " must come right after its " + KIND_NAMES[k] + " header, not after "
                    + (count == 0 ? "nothing" : KIND_NAMES[kind[count - 1]]));
        }
    }

    private void ensure(int bytes, String what) {
        if (pos + bytes > capacity) {
            throw new IllegalStateException("frame buffer of " + capacity + " bytes is too small: " + what + " needs "
                    + bytes + " bytes at offset " + pos);
        }
    }

    private static void check8(int v, String what) {
        if (v < 0 || v > 0xFF) {
            throw new IllegalArgumentException(what + " " + v + " is outside 0..255");
        }
    }

    private static void check16(int v, String what) {
        if (v < 0 || v > 0xFFFF) {
            throw new IllegalArgumentException(what + " " + v + " is outside 0..65535");
        }
    }

    private static void check32(long v, String what) {
        if (v < 0 || v > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException(what + " " + v + " is outside 0..4294967295");
        }
    }

    private int get8(int at) {
        return segment.get(ValueLayout.JAVA_BYTE, base + at) & 0xFF;
    }

    private int get16(int at) {
        return segment.get(BE_SHORT, base + at) & 0xFFFF;
    }

    private int get32(int at) {
        return segment.get(BE_INT, base + at);
    }

    private void put8(int at, int v) {
        segment.set(ValueLayout.JAVA_BYTE, base + at, (byte) v);
    }

    private void put16(int at, int v) {
        segment.set(BE_SHORT, base + at, (short) v);
    }

    private void put32(int at, int v) {
        segment.set(BE_INT, base + at, v);
    }

    private void put48(int at, long v) {
        put16(at, (int) (v >>> 32));
        put32(at + 2, (int) v);
    }

    private void put64(int at, long v) {
        put32(at, (int) (v >>> 32));
        put32(at + 4, (int) v);
    }
}
