package expkt.codec;

import expkt.api.net.Ipv4Address;
import expkt.api.net.Ipv6Address;
import expkt.api.net.MacAddress;
import expkt.codec.ethernet.Arp;
import expkt.codec.ethernet.EtherType;
import expkt.codec.ethernet.Ethernet;
import expkt.codec.ethernet.VlanTag;
import expkt.codec.ip.Icmp;
import expkt.codec.ip.Icmpv6;
import expkt.codec.ip.IpProtocol;
import expkt.codec.ip.Ipv4;
import expkt.codec.ip.Ipv6;
import expkt.codec.ip.Tcp;
import expkt.codec.ip.Udp;
import expkt.codec.lldp.Lldp;
import expkt.codec.wol.WakeOnLan;
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
 * <p>What {@code finish()} fills, and how options are padded, is not written here: each header
 * class declares its {@link LayerKind} row (identity, next-layer field, length rule, checksum,
 * padding) and writes its own bytes beside its parser ({@code Ipv4.KIND}, {@code Ipv4.write(...)});
 * this class keeps the order of the layers and applies the rows. A header the codec does not know
 * is added with {@link #header(LayerKind, int, HeaderWriter)} and is filled the same way.
 *
 * <p>{@link #reset()} starts a new frame in the same buffer, so a send loop builds without
 * allocating. Not thread-safe.
 */
public final class FrameBuilder {
    private static final int MAX_LAYERS = 32;

    private MemorySegment segment;
    private long base;
    private int capacity;
    private int pos;
    private boolean autoChecksums = true;
    private boolean finished;

    /** Per layer: its row of the table, where it starts, and whether its type and checksum were given by hand. */
    private final LayerKind[] kind = new LayerKind[MAX_LAYERS];
    private final int[] offset = new int[MAX_LAYERS];
    private final boolean[] nextExplicit = new boolean[MAX_LAYERS];
    private final boolean[] checksumExplicit = new boolean[MAX_LAYERS];
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
        begin(Ethernet.KIND, Ethernet.HEADER_LENGTH);
        pos += Ethernet.write(segment, base + pos, destination.toLong(), source.toLong());
        return this;
    }

    /** Ethernet II with an explicit ethertype (needed before a raw {@link #payload}). */
    public FrameBuilder ethernet(MacAddress destination, MacAddress source, int etherType) {
        ethernet(destination, source);
        return etherType(etherType);
    }

    /** Sets the current Ethernet or VLAN layer's (inner) ethertype instead of filling it. */
    public FrameBuilder etherType(int etherType) {
        int l = currentWithNextField(2, "ethertype");
        check16(etherType, "ethertype");
        put16(offset[l] + kind[l].nextField(), etherType);
        nextExplicit[l] = true;
        return this;
    }

    /** An 802.1Q C-tag (TPID 0x8100) with priority 0. */
    public FrameBuilder vlan(int vlanId) {
        return tag(Ethernet.CUSTOMER_TAG_KIND, 0, false, vlanId);
    }

    /** An 802.1Q C-tag (TPID 0x8100). */
    public FrameBuilder vlan(int priority, boolean dropEligible, int vlanId) {
        return tag(Ethernet.CUSTOMER_TAG_KIND, priority, dropEligible, vlanId);
    }

    /** An 802.1ad S-tag (TPID 0x88A8) with priority 0; put it before the C-tag. */
    public FrameBuilder serviceVlan(int vlanId) {
        return tag(Ethernet.SERVICE_TAG_KIND, 0, false, vlanId);
    }

    /** An 802.1ad S-tag (TPID 0x88A8). */
    public FrameBuilder serviceVlan(int priority, boolean dropEligible, int vlanId) {
        return tag(Ethernet.SERVICE_TAG_KIND, priority, dropEligible, vlanId);
    }

    private FrameBuilder tag(LayerKind tagKind, int priority, boolean dei, int vid) {
        int tci = VlanTag.tci(priority, dei, vid);
        LayerKind before = count == 0 ? null : kind[count - 1];
        if (before != Ethernet.KIND && before != Ethernet.CUSTOMER_TAG_KIND && before != Ethernet.SERVICE_TAG_KIND) {
            throw new IllegalStateException("a VLAN tag must follow the Ethernet header or another tag, not "
                    + (before == null ? "nothing" : before.name()));
        }
        begin(tagKind, VlanTag.LENGTH);
        offset[count - 1] = pos - 2; // the tag starts at the TPID, which the previous type field holds
        pos += Ethernet.writeTag(segment, base + pos, tci);
        return this;
    }

    /** ARP for Ethernet/IPv4 ({@link Arp#REQUEST} or {@link Arp#REPLY}). */
    public FrameBuilder arp(int operation, MacAddress senderMac, Ipv4Address senderIp, MacAddress targetMac, Ipv4Address targetIp) {
        check16(operation, "ARP operation");
        begin(Arp.KIND, Arp.ETHERNET_IPV4_LENGTH);
        pos += Arp.write(segment, base + pos, operation, senderMac.toLong(), senderIp.toInt(), targetMac.toLong(), targetIp.toInt());
        return this;
    }

    /** IPv4 with TTL 64, no options, DF clear; the protocol, lengths and checksum are filled. */
    public FrameBuilder ipv4(Ipv4Address source, Ipv4Address destination) {
        begin(Ipv4.KIND, Ipv4.MIN_HEADER_LENGTH);
        pos += Ipv4.write(segment, base + pos, source.toInt(), destination.toInt());
        open = true;
        return this;
    }

    /** IPv6 with hop limit 64; the next header and payload length are filled. */
    public FrameBuilder ipv6(Ipv6Address source, Ipv6Address destination) {
        begin(Ipv6.KIND, Ipv6.HEADER_LENGTH);
        pos += Ipv6.write(segment, base + pos, source, destination);
        return this;
    }

    /** An IPv6 hop-by-hop options header; add options with {@link #ipv6Option}; it is padded to 8 bytes. */
    public FrameBuilder ipv6HopByHop() {
        return ipv6OptionsHeader(Ipv6.HOP_BY_HOP_KIND);
    }

    /** An IPv6 destination options header; add options with {@link #ipv6Option}. */
    public FrameBuilder ipv6DestinationOptions() {
        return ipv6OptionsHeader(Ipv6.DESTINATION_OPTIONS_KIND);
    }

    private FrameBuilder ipv6OptionsHeader(LayerKind k) {
        requireAfterIpv6(k);
        begin(k, 2);
        pos += Ipv6.writeOptionsHeader(segment, base + pos);
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
        requireAfterIpv6(Ipv6.ROUTING_KIND);
        begin(Ipv6.ROUTING_KIND, Ipv6.routingLength(addresses.length));
        pos += Ipv6.writeRouting(segment, base + pos, routingType, segmentsLeft, addresses);
        return this;
    }

    /** An IPv6 fragment header: {@code fragmentOffset} in 8-byte units. */
    public FrameBuilder ipv6Fragment(int fragmentOffset, boolean moreFragments, long identification) {
        if (fragmentOffset < 0 || fragmentOffset > 0x1FFF) {
            throw new IllegalArgumentException("fragment offset " + fragmentOffset + " is outside 0..8191");
        }
        check32(identification, "fragment identification");
        requireAfterIpv6(Ipv6.FRAGMENT_KIND);
        begin(Ipv6.FRAGMENT_KIND, 8);
        pos += Ipv6.writeFragment(segment, base + pos, fragmentOffset, moreFragments, (int) identification);
        return this;
    }

    private void requireAfterIpv6(LayerKind k) {
        LayerKind before = count == 0 ? null : kind[count - 1];
        if (before != Ipv6.KIND && !Ipv6.isExtensionKind(before)) {
            throw new IllegalStateException("IPv6 extension header " + k.ipProtocol() + " must follow IPv6 or another extension header, not "
                    + (before == null ? "nothing" : before.name()));
        }
    }

    /** ICMP with type, code and 4 bytes of rest-of-header. */
    public FrameBuilder icmp(int type, int code, int restOfHeader) {
        check8(type, "ICMP type");
        check8(code, "ICMP code");
        begin(Icmp.KIND, 8);
        pos += Icmp.write(segment, base + pos, type, code, restOfHeader);
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
        begin(Icmpv6.KIND, 8);
        pos += Icmpv6.write(segment, base + pos, type, code, rest);
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
        pos += Icmpv6.writeRouterAdvertisementTimers(segment, base + pos, (int) reachableTime, (int) retransTimer);
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
        pos += Icmpv6.writeAddress(segment, base + pos, a);
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
        requireOpen(Icmpv6.KIND, Icmpv6.KIND, "neighbour-discovery option");
        ensure(8, "link-layer address option");
        pos += Icmpv6.writeLinkLayerOption(segment, base + pos, type, mac.toLong());
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
        requireOpen(Icmpv6.KIND, Icmpv6.KIND, "neighbour-discovery option");
        ensure(32, "prefix information option");
        pos += Icmpv6.writePrefixInformation(segment, base + pos, prefixLength, flags, (int) validLifetime, (int) preferredLifetime, prefix);
        return this;
    }

    /** MTU option. */
    public FrameBuilder ndMtu(long mtu) {
        check32(mtu, "MTU");
        requireOpen(Icmpv6.KIND, Icmpv6.KIND, "neighbour-discovery option");
        ensure(8, "MTU option");
        pos += Icmpv6.writeMtuOption(segment, base + pos, (int) mtu);
        return this;
    }

    /** UDP; the length and checksum are filled. */
    public FrameBuilder udp(int sourcePort, int destinationPort) {
        check16(sourcePort, "UDP source port");
        check16(destinationPort, "UDP destination port");
        begin(Udp.KIND, Udp.HEADER_LENGTH);
        pos += Udp.write(segment, base + pos, sourcePort, destinationPort);
        return this;
    }

    /** TCP with sequence and acknowledgment 0, no flags, window 65535; add options right after. */
    public FrameBuilder tcp(int sourcePort, int destinationPort) {
        check16(sourcePort, "TCP source port");
        check16(destinationPort, "TCP destination port");
        begin(Tcp.KIND, Tcp.MIN_HEADER_LENGTH);
        pos += Tcp.write(segment, base + pos, sourcePort, destinationPort);
        open = true;
        return this;
    }

    /** An LLDPDU; add TLVs with the {@code lldp...} methods, chassis ID, port ID and TTL first. The End TLV is added. */
    public FrameBuilder lldp() {
        begin(Lldp.KIND, 0);
        open = true;
        return this;
    }

    /** A Wake-on-LAN magic packet for {@code target}. */
    public FrameBuilder wakeOnLan(MacAddress target) {
        return wakeOnLan(target, NO_BYTES);
    }

    /** A Wake-on-LAN magic packet with a SecureOn password of 4 or 6 bytes (or none). */
    public FrameBuilder wakeOnLan(MacAddress target, byte[] password) {
        if (password.length != 0 && password.length != 4 && password.length != 6) {
            throw new IllegalArgumentException("Wake-on-LAN password has " + password.length + " bytes, not 0, 4 or 6");
        }
        begin(WakeOnLan.KIND, WakeOnLan.LENGTH + password.length);
        pos += WakeOnLan.write(segment, base + pos, target.toLong(), password);
        return this;
    }

    /**
     * A header of a kind the builder has no method for: {@code length} bytes that {@code writer}
     * writes, after which {@code kind}'s rules apply as to the codec's own headers — the type field
     * of the layer before it announces {@code kind}'s ethertype or IP protocol, and {@link #finish()}
     * fills {@code kind}'s next-layer field, length field and checksum, and pads its options. The
     * header becomes the current layer ({@link #protocol}, {@link #etherType} and {@link #checksum}
     * apply to it if its row has those fields).
     *
     * @throws IllegalArgumentException if {@code length} is negative
     * @throws IllegalStateException as every layer method (buffer too small, after a raw payload, finished)
     */
    public FrameBuilder header(LayerKind kind, int length, HeaderWriter writer) {
        if (length < 0) {
            throw new IllegalArgumentException(kind.name() + " header of " + length + " bytes");
        }
        begin(kind, length);
        writer.write(segment, base + pos);
        pos += length;
        open = kind.hasOptions();
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
        begin(LayerKind.PAYLOAD, length);
        MemorySegment.copy(data, from, segment, ValueLayout.JAVA_BYTE, base + pos, length);
        pos += length;
        return this;
    }

    /** Raw bytes copied from a segment (e.g. a received frame's payload). */
    public FrameBuilder payload(MemorySegment data, long from, int length) {
        begin(LayerKind.PAYLOAD, length);
        MemorySegment.copy(data, from, segment, base + pos, length);
        pos += length;
        return this;
    }

    // ---------------------------------------------------------------- setters of the current layer

    /** IPv4 TTL or IPv6 hop limit. */
    public FrameBuilder ttl(int ttl) {
        check8(ttl, "TTL");
        int l = current(Ipv4.KIND, Ipv6.KIND, "TTL");
        if (kind[l] == Ipv4.KIND) {
            Ipv4.writeTtl(segment, base + offset[l], ttl);
        } else {
            Ipv6.writeHopLimit(segment, base + offset[l], ttl);
        }
        return this;
    }

    /** IPv4 type of service or IPv6 traffic class (DSCP << 2 | ECN). */
    public FrameBuilder trafficClass(int trafficClass) {
        check8(trafficClass, "traffic class");
        int l = current(Ipv4.KIND, Ipv6.KIND, "traffic class");
        if (kind[l] == Ipv4.KIND) {
            Ipv4.writeTypeOfService(segment, base + offset[l], trafficClass);
        } else {
            Ipv6.writeTrafficClass(segment, base + offset[l], trafficClass);
        }
        return this;
    }

    /** IPv6 flow label (20 bits). */
    public FrameBuilder flowLabel(int flowLabel) {
        if (flowLabel < 0 || flowLabel > 0xF_FFFF) {
            throw new IllegalArgumentException("flow label " + flowLabel + " is outside 0..1048575");
        }
        Ipv6.writeFlowLabel(segment, base + offset[current(Ipv6.KIND, Ipv6.KIND, "flow label")], flowLabel);
        return this;
    }

    public FrameBuilder identification(int identification) {
        check16(identification, "IPv4 identification");
        Ipv4.writeIdentification(segment, base + offset[current(Ipv4.KIND, Ipv4.KIND, "identification")], identification);
        return this;
    }

    /** IPv4 flags (reserved, DF, MF) and fragment offset in 8-byte units. */
    public FrameBuilder fragment(boolean dontFragment, boolean moreFragments, int fragmentOffset) {
        if (fragmentOffset < 0 || fragmentOffset > 0x1FFF) {
            throw new IllegalArgumentException("fragment offset " + fragmentOffset + " is outside 0..8191");
        }
        Ipv4.writeFragment(segment, base + offset[current(Ipv4.KIND, Ipv4.KIND, "fragment")], dontFragment, moreFragments, fragmentOffset);
        return this;
    }

    public FrameBuilder dontFragment() {
        Ipv4.writeDontFragment(segment, base + offset[current(Ipv4.KIND, Ipv4.KIND, "don't fragment")]);
        return this;
    }

    /** Sets the IPv4 protocol / IPv6 or extension next header (of any layer whose row names the next layer by an IP protocol) instead of filling it from the next layer. */
    public FrameBuilder protocol(int protocol) {
        check8(protocol, "IP protocol");
        int l = currentWithNextField(1, "protocol");
        put8(offset[l] + kind[l].nextField(), protocol);
        nextExplicit[l] = true;
        return this;
    }

    /** Sets the current layer's checksum to {@code value} and keeps it (e.g. to send a bad one on purpose). */
    public FrameBuilder checksum(int value) {
        check16(value, "checksum");
        int l = currentLayer("checksum");
        if (kind[l].checksumOffset() < 0) {
            throw noField(l, "checksum");
        }
        put16(offset[l] + kind[l].checksumOffset(), value);
        checksumExplicit[l] = true;
        return this;
    }

    public FrameBuilder sequence(long sequence) {
        check32(sequence, "TCP sequence number");
        Tcp.writeSequence(segment, base + offset[current(Tcp.KIND, Tcp.KIND, "sequence number")], (int) sequence);
        return this;
    }

    public FrameBuilder acknowledgment(long acknowledgment) {
        check32(acknowledgment, "TCP acknowledgment number");
        Tcp.writeAcknowledgment(segment, base + offset[current(Tcp.KIND, Tcp.KIND, "acknowledgment number")], (int) acknowledgment);
        return this;
    }

    /** TCP flags (12 bits, {@link Tcp#SYN} | {@link Tcp#ACK} ...). */
    public FrameBuilder tcpFlags(int flags) {
        if ((flags & ~0x0FFF) != 0) {
            throw new IllegalArgumentException("TCP flags 0x" + Integer.toHexString(flags) + " have more than 12 bits");
        }
        Tcp.writeFlags(segment, base + offset[current(Tcp.KIND, Tcp.KIND, "flags")], flags);
        return this;
    }

    public FrameBuilder window(int window) {
        check16(window, "TCP window");
        Tcp.writeWindow(segment, base + offset[current(Tcp.KIND, Tcp.KIND, "window")], window);
        return this;
    }

    public FrameBuilder urgentPointer(int urgentPointer) {
        check16(urgentPointer, "TCP urgent pointer");
        Tcp.writeUrgentPointer(segment, base + offset[current(Tcp.KIND, Tcp.KIND, "urgent pointer")], urgentPointer);
        return this;
    }

    // ---------------------------------------------------------------- options
    // The option format (which types are one byte, what the length byte counts, how far options may
    // run) is the current layer's row's; the option methods only write the data.

    /** An IPv4 option: type, length (2 + data) and data; types 0 and 1 are one byte, without data. */
    public FrameBuilder ipv4Option(int type, byte[] data) {
        check8(type, "IPv4 option type");
        requireOpen(Ipv4.KIND, Ipv4.KIND, "IPv4 option");
        putBytes(option(type, data == null ? 0 : data.length, data == null, "IPv4 option"), data);
        return this;
    }

    /** The router alert option (RFC 2113). */
    public FrameBuilder ipv4RouterAlert() {
        requireOpen(Ipv4.KIND, Ipv4.KIND, "IPv4 option");
        put16(option(Ipv4.OPTION_ROUTER_ALERT, 2, false, "IPv4 option"), 0);
        return this;
    }

    /** A hop-by-hop or destination option: type, length of data, data. */
    public FrameBuilder ipv6Option(int type, byte[] data) {
        check8(type, "IPv6 option type");
        requireOpen(Ipv6.HOP_BY_HOP_KIND, Ipv6.DESTINATION_OPTIONS_KIND, "IPv6 option");
        putBytes(option(type, data == null ? 0 : data.length, data == null, "IPv6 option"), data);
        return this;
    }

    /** The IPv6 router alert option (RFC 2711), e.g. 0 for MLD. */
    public FrameBuilder ipv6RouterAlert(int value) {
        check16(value, "router alert value");
        requireOpen(Ipv6.HOP_BY_HOP_KIND, Ipv6.DESTINATION_OPTIONS_KIND, "IPv6 option");
        put16(option(Ipv6.OPTION_ROUTER_ALERT, 2, false, "IPv6 option"), value);
        return this;
    }

    /** A TCP option: kind, length (2 + data) and data; kinds 0 and 1 are one byte, without data. */
    public FrameBuilder tcpOption(int kind, byte[] data) {
        check8(kind, "TCP option kind");
        requireOpen(Tcp.KIND, Tcp.KIND, "TCP option");
        putBytes(option(kind, data == null ? 0 : data.length, data == null, "TCP option"), data);
        return this;
    }

    public FrameBuilder tcpNop() {
        return tcpOption(Tcp.OPTION_NOP, null);
    }

    public FrameBuilder tcpMss(int mss) {
        check16(mss, "MSS");
        put16(tcpOptionOf(Tcp.OPTION_MSS, 2), mss);
        return this;
    }

    public FrameBuilder tcpWindowScale(int shift) {
        if (shift < 0 || shift > 14) {
            throw new IllegalArgumentException("window scale " + shift + " is outside 0..14");
        }
        put8(tcpOptionOf(Tcp.OPTION_WINDOW_SCALE, 1), shift);
        return this;
    }

    public FrameBuilder tcpSackPermitted() {
        tcpOptionOf(Tcp.OPTION_SACK_PERMITTED, 0);
        return this;
    }

    public FrameBuilder tcpTimestamps(long value, long echoReply) {
        check32(value, "timestamp value");
        check32(echoReply, "timestamp echo reply");
        int at = tcpOptionOf(Tcp.OPTION_TIMESTAMPS, 8);
        put32(at, (int) value);
        put32(at + 4, (int) echoReply);
        return this;
    }

    /** Writes a TCP option's kind and length; returns where its {@code dataLength} bytes go (written without an array). */
    private int tcpOptionOf(int kind, int dataLength) {
        requireOpen(Tcp.KIND, Tcp.KIND, "TCP option");
        return option(kind, dataLength, false, "TCP option");
    }

    /**
     * Writes an option's type and length by the current layer's row ({@link LayerKind#options}):
     * a single-byte type takes no data; the length byte counts type and length, or only the data.
     * Returns where the {@code dataLength} data bytes go. {@code noData}: the caller gave no array.
     */
    private int option(int type, int dataLength, boolean noData, String what) {
        LayerKind k = kind[count - 1];
        int room = k.maxOptionsEnd() - (pos - offset[count - 1]);
        int lengthBias = k.optionLengthBias();
        if (type <= k.lastSingleByteOption()) {
            if (!noData && dataLength > 0) {
                throw new IllegalArgumentException(what + " " + type + " is one byte and takes no data");
            }
            if (room < 1) {
                throw new IllegalArgumentException(what + " " + type + " does not fit: the options are full");
            }
            ensure(1, what);
            put8(pos, type);
            pos += 1;
            return pos;
        }
        int len = 2 + dataLength;
        if (len > room || len + lengthBias > 255) {
            throw new IllegalArgumentException(what + " " + type + " of " + len + " bytes does not fit the " + room
                    + " bytes left for options");
        }
        ensure(len, what);
        put8(pos, type);
        put8(pos + 1, len + lengthBias);
        pos += len;
        return pos - dataLength;
    }

    // ---------------------------------------------------------------- LLDP TLVs
    // Each TLV is written in place by the Lldp class (header, then its value straight into the
    // buffer: strings encoded to UTF-8 as they are copied, addresses from their primitive bits), so
    // writing an LLDPDU allocates nothing; the agent writes one per port every transmit interval.

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
        requireOpen(Lldp.KIND, Lldp.KIND, "LLDP TLV");
        ensure(2 + length, what);
        int value = pos + Lldp.writeTlvHeader(segment, base + pos, type, length);
        pos += 2 + length;
        return value;
    }

    private void putBytes(int at, byte[] b) {
        if (b != null) {
            MemorySegment.copy(b, 0, segment, ValueLayout.JAVA_BYTE, base + at, b.length);
        }
    }

    private static int utf8Length(String s, String what) {
        if (s == null) {
            throw new IllegalArgumentException(what + " is null");
        }
        return Lldp.utf8Length(s);
    }

    private FrameBuilder textTlv(int type, String text, String what) {
        int len = utf8Length(text, what);
        Lldp.writeUtf8(segment, base + tlv(type, len, what), text);
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
        Lldp.writeUtf8(segment, base + v + 1, interfaceName);
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

    /** Management address TLV for an IPv4 address, without an object identifier. */
    public FrameBuilder lldpManagementAddress(Ipv4Address address, int interfaceSubtype, long interfaceNumber) {
        return lldpManagementAddress(address, interfaceSubtype, interfaceNumber, NO_BYTES);
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
            LayerKind k = kind[l];
            if (k.nextField() >= 0 && !nextExplicit[l]) {
                k.fillNext(segment, base + offset[l], l + 1 < count ? kind[l + 1] : null);
            }
            k.fillLength(segment, base + offset[l], end - offset[l]);
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
            for (int i = end; i < minimumLength; i++) { // not asSlice().fill(): a slice is an object per padded frame
                put8(i, 0);
            }
            pos = minimumLength;
        }
        finished = true;
        return pos;
    }

    private void fillChecksum(int l, int end) {
        LayerKind k = kind[l];
        if (k.checksumOffset() < 0 || k.checksum() == LayerKind.Checksum.NONE || checksumExplicit[l]) {
            return;
        }
        int at = offset[l] + k.checksumOffset();
        put16(at, 0);
        long from = base + offset[l];
        int len = end - offset[l];
        long sum = switch (k.checksum()) {
            case HEADER -> InternetChecksum.add(0, segment, from, k.headerLength(segment, from));
            case LAYER -> InternetChecksum.add(0, segment, from, len);
            case PSEUDO_HEADER -> InternetChecksum.add(pseudoHeaderSum(l, k.ipProtocol(), len, end), segment, from, len);
            case NONE -> 0;
        };
        int c = InternetChecksum.finish(sum);
        if (c == 0 && k.zeroChecksumAsOnes()) {
            c = 0xFFFF; // zero means "no checksum" in UDP
        }
        put16(at, c);
    }

    /** The pseudo-header sum for layer {@code l} from the nearest layer before it whose row provides one. */
    private long pseudoHeaderSum(int l, int protocol, int length, int end) {
        for (int i = l - 1; i >= 0; i--) {
            int version = kind[i].pseudoHeaderVersion();
            if (version == 4) {
                return ipv4View.wrap(segment, base, end, offset[i], end).pseudoHeaderSum(protocol, length);
            }
            if (version == 6) {
                return ipv6View.wrap(segment, base, end, offset[i], end).pseudoHeaderSum(protocol, length);
            }
        }
        throw new IllegalStateException(kind[l].name() + " has no IPv4 or IPv6 layer before it for its pseudo-header");
    }

    // ---------------------------------------------------------------- internals

    private static final byte[] NO_BYTES = new byte[0];

    private void begin(LayerKind k, int bytes) {
        if (finished) {
            throw new IllegalStateException("frame already finished: call reset() to build another");
        }
        close();
        if (count == MAX_LAYERS) {
            throw new IllegalStateException("more than " + MAX_LAYERS + " layers");
        }
        if (count > 0 && kind[count - 1] == LayerKind.PAYLOAD && k != LayerKind.PAYLOAD) {
            throw new IllegalStateException(k.name() + " cannot follow a raw payload");
        }
        ensure(bytes, k.name());
        kind[count] = k;
        offset[count] = pos;
        nextExplicit[count] = false;
        checksumExplicit[count] = false;
        count++;
    }

    /** Ends the current layer's options as its row says: pads them and sets the header length, or writes the trailer. */
    private void close() {
        if (!open) {
            return;
        }
        open = false;
        int l = count - 1;
        LayerKind k = kind[l];
        int len = pos - offset[l];
        if (k.padding() != LayerKind.Padding.NONE) {
            int pad = k.paddingFor(len);
            ensure(pad, k.paddingName());
            k.pad(segment, base + offset[l], base + pos, pad, len + pad);
            pos += pad;
        }
        byte[] trailer = k.trailer();
        if (trailer.length > 0) {
            ensure(trailer.length, k.trailerName());
            putBytes(pos, trailer);
            pos += trailer.length;
        }
    }

    private int currentLayer(String what) {
        if (finished) {
            throw new IllegalStateException("frame already finished: call reset() to build another");
        }
        if (count == 0) {
            throw new IllegalStateException("no layer to set the " + what + " of");
        }
        return count - 1;
    }

    private IllegalStateException noField(int l, String what) {
        return new IllegalStateException("the current layer, " + kind[l].name() + ", has no " + what);
    }

    private int current(LayerKind k1, LayerKind k2, String what) {
        int l = currentLayer(what);
        if (kind[l] != k1 && kind[l] != k2) {
            throw noField(l, what);
        }
        return l;
    }

    /** The current layer if its row names the next layer by a field of {@code bytes} (2: ethertype, 1: IP protocol). */
    private int currentWithNextField(int bytes, String what) {
        int l = currentLayer(what);
        if (kind[l].nextField() < 0 || kind[l].nextFieldBytes() != bytes) {
            throw noField(l, what);
        }
        return l;
    }

    private void requireOpen(LayerKind k1, LayerKind k2, String what) {
        if (finished) {
            throw new IllegalStateException("frame already finished: call reset() to build another");
        }
        if (count == 0 || (kind[count - 1] != k1 && kind[count - 1] != k2) || !open) {
            throw new IllegalStateException(what + " must come right after its " + k1.name() + " header, not after "
                    + (count == 0 ? "nothing" : kind[count - 1].name()));
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

    private static final ValueLayout.OfShort BE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt BE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
}
