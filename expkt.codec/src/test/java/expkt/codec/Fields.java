package expkt.codec;

import expkt.api.net.Ipv4Address;
import expkt.api.net.MacAddress;
import expkt.codec.ethernet.Ethernet;
import expkt.codec.ethernet.EtherType;
import expkt.codec.ip.Icmpv6;
import expkt.codec.ip.IpProtocol;
import expkt.codec.ip.Ipv4;
import expkt.codec.ip.Ipv6;
import expkt.codec.ip.Tcp;
import expkt.codec.lldp.Lldp;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * Field values under tshark's field names, read by our views; and the normal form in which our
 * values, tshark's cells and the test's expectations are compared (numbers as Long whatever their
 * base, text in lower case, several occurrences as a list).
 */
final class Fields {
    private Fields() {
    }

    static Object normalize(Object v) {
        if (v == null) {
            return null;
        }
        if (v instanceof List<?> l) {
            if (l.isEmpty()) {
                return null;
            }
            List<Object> out = new ArrayList<>();
            for (Object o : l) {
                out.add(normalize(o));
            }
            return out.size() == 1 ? out.get(0) : out;
        }
        if (v instanceof Boolean b) {
            return b ? 1L : 0L;
        }
        if (v instanceof Number n) {
            return n.longValue();
        }
        if (v instanceof byte[] b) {
            return HexFormat.of().formatHex(b);
        }
        return v.toString().trim().toLowerCase(Locale.ROOT);
    }

    /** A tshark cell in normal form. */
    static Object cell(String text) {
        if (text.isEmpty()) {
            return null;
        }
        String[] parts = text.split(",", -1);
        List<Object> out = new ArrayList<>();
        for (String p : parts) {
            out.add(scalar(p.trim()));
        }
        return normalize(out);
    }

    private static Object scalar(String s) {
        if (s.equalsIgnoreCase("true")) {
            return 1L;
        }
        if (s.equalsIgnoreCase("false")) {
            return 0L;
        }
        String first = s.split(" ", 2)[0];
        try {
            if (first.startsWith("0x")) {
                return Long.parseLong(first.substring(2), 16);
            }
            if (first.matches("-?\\d+")) {
                return Long.parseLong(first);
            }
        } catch (NumberFormatException e) {
            // not a number: keep the text
        }
        return s.toLowerCase(Locale.ROOT);
    }

    private static String mac(long bits) {
        return MacAddress.of(bits).toString().toLowerCase(Locale.ROOT);
    }

    private static String ip4(int bits) {
        return Ipv4Address.of(bits).toString();
    }

    /** The value our views give for tshark's {@code field}, or null if the frame has no such field. */
    static Object ours(PacketDecoder d, String field) {
        Ethernet e = d.ethernet();
        String proto = field.substring(0, field.indexOf('.'));
        if (!present(d, proto)) {
            return null;
        }
        Object v = switch (field) {
            case "eth.dst" -> mac(e.destinationBits());
            case "eth.src" -> mac(e.sourceBits());
            case "eth.type" -> e.outerEtherType();
            case "vlan.id", "vlan.priority", "vlan.dei", "vlan.etype", "ieee8021ad.id", "ieee8021ad.priority", "ieee8021ad.dei" -> {
                boolean s = field.startsWith("ieee8021ad");
                List<Object> l = new ArrayList<>();
                for (int i = 0; i < e.tagCount(); i++) {
                    if ((e.tagProtocol(i) == EtherType.SERVICE_VLAN) == s) {
                        l.add(switch (field.substring(field.indexOf('.') + 1)) {
                            case "id" -> e.vlanId(i);
                            case "priority" -> e.priority(i);
                            case "dei" -> e.dropEligible(i);
                            default -> i + 1 < e.tagCount() ? e.tagProtocol(i + 1) : e.etherType();
                        });
                    }
                }
                yield l;
            }
            case "arp.opcode" -> d.arp().operation();
            case "arp.src.hw_mac" -> mac(d.arp().senderHardwareBits());
            case "arp.src.proto_ipv4" -> ip4(d.arp().senderProtocolBits());
            case "arp.dst.hw_mac" -> mac(d.arp().targetHardwareBits());
            case "arp.dst.proto_ipv4" -> ip4(d.arp().targetProtocolBits());
            case "ip.version" -> d.ipv4().version();
            case "ip.hdr_len" -> d.ipv4().headerLength();
            case "ip.dsfield" -> d.ipv4().typeOfService();
            case "ip.len" -> d.ipv4().datagramLength(); // tshark shows a TSO packet's total length 0 as the frame's
            case "ip.id" -> d.ipv4().identification();
            case "ip.flags.df" -> d.ipv4().dontFragment();
            case "ip.flags.mf" -> d.ipv4().moreFragments();
            case "ip.frag_offset" -> d.ipv4().fragmentOffset() * 8;
            case "ip.ttl" -> d.ipv4().ttl();
            case "ip.proto" -> d.ipv4().protocol();
            case "ip.checksum" -> d.ipv4().checksum();
            case "ip.checksum.status" -> d.ipv4().checksumValid();
            case "ip.src" -> ip4(d.ipv4().sourceBits());
            case "ip.dst" -> ip4(d.ipv4().destinationBits());
            case "ip.opt.type" -> {
                List<Object> l = new ArrayList<>();
                Ipv4 ip = d.ipv4();
                for (int o = ip.firstOption(); o >= 0; o = ip.nextOption(o)) {
                    l.add(ip.optionType(o));
                }
                if (!l.isEmpty() && ip.firstOption() >= 0) {
                    // tshark also lists the End of Option List that pads the options
                    int end = ip.offset() + ip.headerLength();
                    int last = ip.firstOption();
                    for (int o = last; o >= 0; o = ip.nextOption(o)) {
                        last = o;
                    }
                    if (last + ip.optionLength(last) < end) {
                        l.add(Ipv4.OPTION_END);
                    }
                }
                yield l;
            }
            case "icmp.type" -> d.icmp().type();
            case "icmp.code" -> d.icmp().code();
            case "icmp.checksum" -> d.icmp().checksum();
            case "icmp.checksum.status" -> d.icmp().checksumValid();
            case "icmp.ident" -> d.icmp().identifier();
            case "icmp.seq" -> d.icmp().sequence();
            case "ipv6.tclass" -> d.ipv6().trafficClass();
            case "ipv6.flow" -> d.ipv6().flowLabel();
            case "ipv6.plen" -> d.ipv6().payloadLengthField();
            case "ipv6.nxt" -> d.ipv6().nextHeader();
            case "ipv6.hlim" -> d.ipv6().hopLimit();
            case "ipv6.src" -> d.ipv6().source().toString();
            case "ipv6.dst" -> d.ipv6().destination().toString();
            case "ipv6.hopopts.nxt" -> nextOf(d.ipv6(), IpProtocol.HOP_BY_HOP);
            case "ipv6.dstopts.nxt" -> nextOf(d.ipv6(), IpProtocol.IPV6_DESTINATION_OPTIONS);
            case "ipv6.fraghdr.nxt" -> nextOf(d.ipv6(), IpProtocol.IPV6_FRAGMENT);
            case "ipv6.routing.nxt" -> nextOf(d.ipv6(), IpProtocol.IPV6_ROUTING);
            case "ipv6.opt.type" -> {
                Ipv6 ip = d.ipv6();
                List<Object> l = new ArrayList<>();
                for (int i = 0; i < ip.extensionHeaderCount(); i++) {
                    int t = ip.extensionHeaderType(i);
                    if (t == IpProtocol.HOP_BY_HOP || t == IpProtocol.IPV6_DESTINATION_OPTIONS) {
                        for (int o = ip.firstOption(i); o >= 0; o = ip.nextOption(i, o)) {
                            l.add(ip.optionType(o));
                        }
                    }
                }
                yield l;
            }
            case "ipv6.fraghdr.offset" -> d.ipv6().isFragment() ? d.ipv6().fragmentOffset() : null;
            case "ipv6.fraghdr.more" -> d.ipv6().isFragment() ? d.ipv6().moreFragments() : null;
            case "ipv6.fraghdr.ident" -> d.ipv6().isFragment() ? d.ipv6().fragmentIdentification() : null;
            case "ipv6.routing.type" -> d.ipv6().findExtensionHeader(IpProtocol.IPV6_ROUTING) >= 0 ? d.ipv6().routingType() : null;
            case "ipv6.routing.segleft" -> d.ipv6().findExtensionHeader(IpProtocol.IPV6_ROUTING) >= 0 ? d.ipv6().segmentsLeft() : null;
            case "icmpv6.type" -> d.icmpv6().type();
            case "icmpv6.code" -> d.icmpv6().code();
            case "icmpv6.checksum" -> d.icmpv6().checksum();
            case "icmpv6.checksum.status" -> d.icmpv6().checksumValid(d.ipv6());
            case "icmpv6.echo.identifier" -> echo(d) ? d.icmpv6().identifier() : null;
            case "icmpv6.echo.sequence_number" -> echo(d) ? d.icmpv6().sequence() : null;
            case "icmpv6.nd.ns.target_address" -> d.icmpv6().type() == Icmpv6.NEIGHBOR_SOLICITATION ? d.icmpv6().targetAddress().toString() : null;
            case "icmpv6.nd.na.target_address" -> d.icmpv6().type() == Icmpv6.NEIGHBOR_ADVERTISEMENT ? d.icmpv6().targetAddress().toString() : null;
            case "icmpv6.nd.na.flag" -> d.icmpv6().type() == Icmpv6.NEIGHBOR_ADVERTISEMENT ? (long) d.icmpv6().advertisementFlags() << 24 : null;
            case "icmpv6.nd.ra.cur_hop_limit" -> ra(d) ? d.icmpv6().curHopLimit() : null;
            case "icmpv6.nd.ra.router_lifetime" -> ra(d) ? d.icmpv6().routerLifetime() : null;
            case "icmpv6.nd.ra.reachable_time" -> ra(d) ? d.icmpv6().reachableTime() : null;
            case "icmpv6.nd.ra.retrans_timer" -> ra(d) ? d.icmpv6().retransTimer() : null;
            case "icmpv6.opt.type" -> {
                List<Object> l = new ArrayList<>();
                for (int o = d.icmpv6().firstOption(); o >= 0; o = d.icmpv6().nextOption(o)) {
                    l.add(d.icmpv6().optionType(o));
                }
                yield l;
            }
            case "icmpv6.opt.linkaddr" -> {
                List<Object> l = new ArrayList<>();
                Icmpv6 m = d.icmpv6();
                for (int o = m.firstOption(); o >= 0; o = m.nextOption(o)) {
                    int t = m.optionType(o);
                    if (t == Icmpv6.OPTION_SOURCE_LINK_LAYER || t == Icmpv6.OPTION_TARGET_LINK_LAYER) {
                        l.add(mac(m.linkLayerAddressBits(o)));
                    }
                }
                yield l;
            }
            case "icmpv6.opt.prefix", "icmpv6.opt.prefix.length", "icmpv6.opt.prefix.valid_lifetime", "icmpv6.opt.prefix.preferred_lifetime" -> {
                Icmpv6 m = d.icmpv6();
                int o = m.findOption(Icmpv6.OPTION_PREFIX_INFORMATION);
                if (o < 0) {
                    yield null;
                }
                yield switch (field) {
                    case "icmpv6.opt.prefix" -> m.prefix(o).toString();
                    case "icmpv6.opt.prefix.length" -> m.prefixLength(o);
                    case "icmpv6.opt.prefix.valid_lifetime" -> m.prefixValidLifetime(o);
                    default -> m.prefixPreferredLifetime(o);
                };
            }
            case "icmpv6.opt.mtu" -> {
                int o = d.icmpv6().findOption(Icmpv6.OPTION_MTU);
                yield o < 0 ? null : d.icmpv6().mtu(o);
            }
            case "udp.srcport" -> d.udp().sourcePort();
            case "udp.dstport" -> d.udp().destinationPort();
            case "udp.length" -> d.udp().length();
            case "udp.checksum" -> d.udp().checksum();
            case "udp.checksum.status" -> d.has(PacketDecoder.IPV4) ? d.udp().checksumValid(d.ipv4()) : d.udp().checksumValid(d.ipv6());
            case "tcp.srcport" -> d.tcp().sourcePort();
            case "tcp.dstport" -> d.tcp().destinationPort();
            case "tcp.seq_raw" -> d.tcp().sequenceNumber();
            case "tcp.ack_raw" -> d.tcp().acknowledgmentNumber();
            case "tcp.flags" -> d.tcp().flags();
            case "tcp.window_size_value" -> d.tcp().window();
            case "tcp.checksum" -> d.tcp().checksum();
            case "tcp.checksum.status" -> d.has(PacketDecoder.IPV4) ? d.tcp().checksumValid(d.ipv4()) : d.tcp().checksumValid(d.ipv6());
            case "tcp.hdr_len" -> d.tcp().headerLength();
            case "tcp.urgent_pointer" -> d.tcp().urgentPointer();
            case "tcp.options.mss_val" -> d.tcp().mss() < 0 ? null : d.tcp().mss();
            case "tcp.options.wscale.shift" -> d.tcp().windowScale() < 0 ? null : d.tcp().windowScale();
            case "tcp.options.timestamp.tsval" -> d.tcp().timestampValue() < 0 ? null : d.tcp().timestampValue();
            case "tcp.options.timestamp.tsecr" -> d.tcp().timestampEchoReply() < 0 ? null : d.tcp().timestampEchoReply();
            case "tcp.option_kind" -> {
                List<Object> l = new ArrayList<>();
                Tcp t = d.tcp();
                int last = -1;
                for (int o = t.firstOption(); o >= 0; o = t.nextOption(o)) {
                    l.add(t.optionKind(o));
                    last = o;
                }
                if (last >= 0 && last + t.optionLength(last) < t.offset() + t.headerLength()) {
                    l.add(Tcp.OPTION_END);
                }
                yield l;
            }
            case "lldp.chassis.subtype" -> d.lldp().chassisIdSubtype();
            case "lldp.chassis.id.mac" -> d.lldp().chassisIdSubtype() == Lldp.CHASSIS_MAC ? mac(d.lldp().chassisIdMacBits()) : null;
            case "lldp.port.subtype" -> d.lldp().portIdSubtype();
            case "lldp.port.id" -> d.lldp().portIdSubtype() == Lldp.PORT_MAC ? null : d.lldp().portIdString();
            case "lldp.port.id.mac" -> d.lldp().portIdSubtype() == Lldp.PORT_MAC ? mac(d.lldp().portIdMacBits()) : null;
            case "lldp.time_to_live" -> d.lldp().ttl();
            case "lldp.port.desc" -> d.lldp().portDescription();
            case "lldp.tlv.system.name" -> d.lldp().systemName();
            case "lldp.tlv.system.desc" -> d.lldp().systemDescription();
            case "lldp.tlv.system_cap" -> d.lldp().systemCapabilities() < 0 ? null : d.lldp().systemCapabilities();
            case "lldp.tlv.enable_system_cap" -> d.lldp().enabledCapabilities() < 0 ? null : d.lldp().enabledCapabilities();
            case "lldp.mgn.addr.ip4" -> {
                int t = d.lldp().managementAddressTlv();
                yield t < 0 || d.lldp().managementAddressSubtype(t) != Lldp.ADDRESS_IPV4 ? null : ip4(d.lldp().managementAddressIpv4Bits(t));
            }
            case "lldp.mgn.interface.subtype" -> {
                int t = d.lldp().managementAddressTlv();
                yield t < 0 ? null : d.lldp().managementInterfaceSubtype(t);
            }
            case "lldp.mgn.interface.number" -> {
                int t = d.lldp().managementAddressTlv();
                yield t < 0 ? null : d.lldp().managementInterfaceNumber(t);
            }
            case "lldp.orgtlv.oui" -> {
                List<Object> l = new ArrayList<>();
                Lldp x = d.lldp();
                for (int t = x.firstTlv(); t >= 0; t = x.nextTlv(t)) {
                    if (x.tlvType(t) == Lldp.TLV_ORGANIZATION_SPECIFIC) {
                        l.add(x.organizationOui(t));
                    }
                }
                yield l;
            }
            case "lldp.ieee.802_1.port_vlan.id" -> {
                Lldp x = d.lldp();
                for (int t = x.firstTlv(); t >= 0; t = x.nextTlv(t)) {
                    if (x.tlvType(t) == Lldp.TLV_ORGANIZATION_SPECIFIC && x.organizationOui(t) == 0x0080C2 && x.organizationSubtype(t) == 1) {
                        byte[] info = x.organizationInfo(t);
                        yield (info[0] & 0xFF) << 8 | info[1] & 0xFF;
                    }
                }
                yield null;
            }
            case "wol.mac" -> java.util.Collections.nCopies(16, mac(d.wakeOnLan().targetBits()));
            case "wol.passwd" -> d.wakeOnLan().passwordLength() == 0 ? null : passwd(d.wakeOnLan().password());
            default -> throw new IllegalArgumentException("no view accessor for tshark field " + field);
        };
        return normalize(v);
    }

    /**
     * tshark shows a 4-byte password as an IPv4 address and a 6-byte one as a MAC; its field value
     * (tshark 4.0) is then the first 4 or 6 characters of that text, as hex.
     */
    static String passwd(byte[] p) {
        String text = p.length == 4 ? Ipv4Address.of(p).toString() : MacAddress.of(p).toString().toLowerCase(Locale.ROOT);
        return HexFormat.of().formatHex(text.getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, p.length);
    }

    private static boolean echo(PacketDecoder d) {
        int t = d.icmpv6().type();
        return t == Icmpv6.ECHO_REQUEST || t == Icmpv6.ECHO_REPLY;
    }

    private static boolean ra(PacketDecoder d) {
        return d.icmpv6().type() == Icmpv6.ROUTER_ADVERTISEMENT;
    }

    private static Object nextOf(Ipv6 ip, int type) {
        List<Object> l = new ArrayList<>();
        for (int i = 0; i < ip.extensionHeaderCount(); i++) {
            if (ip.extensionHeaderType(i) == type) {
                l.add(nextHeaderOf(ip, i));
            }
        }
        return l;
    }

    private static int nextHeaderOf(Ipv6 ip, int i) {
        return i + 1 < ip.extensionHeaderCount() ? ip.extensionHeaderType(i + 1) : ip.protocol();
    }

    private static boolean present(PacketDecoder d, String proto) {
        return switch (proto) {
            case "eth", "vlan", "ieee8021ad" -> d.has(PacketDecoder.ETHERNET);
            case "arp" -> d.has(PacketDecoder.ARP);
            case "ip" -> d.has(PacketDecoder.IPV4);
            case "ipv6" -> d.has(PacketDecoder.IPV6);
            case "icmp" -> d.has(PacketDecoder.ICMP);
            case "icmpv6" -> d.has(PacketDecoder.ICMPV6);
            case "udp" -> d.has(PacketDecoder.UDP);
            case "tcp" -> d.has(PacketDecoder.TCP);
            case "lldp" -> d.has(PacketDecoder.LLDP);
            case "wol" -> d.has(PacketDecoder.WAKE_ON_LAN);
            default -> throw new IllegalArgumentException("unknown protocol " + proto);
        };
    }
}
