package expkt.codec;

import expkt.api.net.Ipv4Address;
import expkt.api.net.Ipv6Address;
import expkt.api.net.MacAddress;
import expkt.codec.ethernet.Arp;
import expkt.codec.ip.Icmpv6;
import expkt.codec.ip.Tcp;
import expkt.codec.lldp.Lldp;
import java.util.ArrayList;
import java.util.List;

/** One valid frame of every kind the codec knows: the seeds that the fuzz and allocation tests start from. */
final class Corpus {
    static final MacAddress A = MacAddress.parse("02:00:00:00:00:0a");
    static final MacAddress B = MacAddress.parse("02:00:00:00:00:0b");
    static final Ipv4Address IP_A = Ipv4Address.parse("192.0.2.1");
    static final Ipv4Address IP_B = Ipv4Address.parse("198.51.100.2");
    static final Ipv6Address IP6_A = Ipv6Address.parse("2001:db8::a");
    static final Ipv6Address IP6_B = Ipv6Address.parse("2001:db8:1::b");

    private Corpus() {
    }

    static List<byte[]> frames() {
        byte[] data = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        List<byte[]> l = new ArrayList<>();
        l.add(TsharkRoundTripTest.build(b -> b.ethernet(A, B).arp(Arp.REQUEST, B, IP_B, MacAddress.of(0), IP_A)));
        l.add(TsharkRoundTripTest.build(b -> b.ethernet(A, B).serviceVlan(10).vlan(20).arp(Arp.REPLY, B, IP_B, A, IP_A)));
        l.add(TsharkRoundTripTest.build(b -> b.ethernet(A, B).ipv4(IP_A, IP_B).ipv4RouterAlert().icmpEcho(true, 1, 2).payload(data)));
        l.add(TsharkRoundTripTest.build(b -> b.ethernet(A, B).vlan(5).ipv4(IP_A, IP_B).udp(1234, 53).payload(data)));
        l.add(TsharkRoundTripTest.build(b -> b.ethernet(A, B).ipv4(IP_A, IP_B).tcp(40000, 80).tcpFlags(Tcp.SYN).tcpMss(1460)
                .tcpSackPermitted().tcpTimestamps(1, 2).tcpNop().tcpWindowScale(7)));
        l.add(TsharkRoundTripTest.build(b -> b.ethernet(A, B).ipv6(IP6_A, IP6_B).tcp(40000, 443).tcpFlags(Tcp.ACK).payload(data)));
        l.add(TsharkRoundTripTest.build(b -> b.ethernet(A, B).ipv6(IP6_A, IP6_B).ipv6HopByHop().ipv6RouterAlert(0)
                .ipv6DestinationOptions().ipv6Option(0x1E, new byte[3]).ipv6Routing(0, 1, IP6_A, IP6_B).udp(1, 2).payload(data)));
        l.add(TsharkRoundTripTest.build(b -> b.ethernet(A, B).ipv6(IP6_A, IP6_B).ipv6Fragment(0, true, 77).icmpv6Echo(true, 3, 4)
                .payload(data)));
        l.add(TsharkRoundTripTest.build(b -> b.ethernet(A, B).ipv6(IP6_A, IP6_B).neighborSolicitation(IP6_B).ndSourceLinkLayer(B)));
        l.add(TsharkRoundTripTest.build(b -> b.ethernet(A, B).ipv6(IP6_A, IP6_B).neighborAdvertisement(Icmpv6.NA_SOLICITED, IP6_A)
                .ndTargetLinkLayer(B)));
        l.add(TsharkRoundTripTest.build(b -> b.ethernet(A, B).ipv6(IP6_A, IP6_B).routerAdvertisement(64, 0, 1800, 0, 0)
                .ndSourceLinkLayer(B).ndMtu(1500).ndPrefixInformation(64, 0xC0, 100, 50, IP6_A)));
        l.add(TsharkRoundTripTest.build(b -> b.ethernet(MacAddress.LLDP_NEAREST_BRIDGE, B).lldp().lldpChassisId(B).lldpPortId("swp1")
                .lldpTtl(120).lldpPortDescription("p").lldpSystemName("s").lldpSystemDescription("d")
                .lldpCapabilities(Lldp.CAPABILITY_BRIDGE, Lldp.CAPABILITY_BRIDGE).lldpManagementAddress(IP_A, 2, 7, new byte[] {1, 3, 6})
                .lldpOrganizationSpecific(0x0080C2, 1, new byte[] {0, 5})));
        l.add(TsharkRoundTripTest.build(b -> b.ethernet(MacAddress.BROADCAST, B).wakeOnLan(A, new byte[] {1, 2, 3, 4, 5, 6})));
        l.add(TsharkRoundTripTest.build(b -> b.ethernet(MacAddress.BROADCAST, B).ipv4(IP_A, Ipv4Address.BROADCAST).udp(9, 9).wakeOnLan(A)));
        l.add(TsharkRoundTripTest.build(b -> b.ethernet(A, B).ipv4(IP_A, IP_B).fragment(false, true, 0).udp(5, 6).payload(data)));
        return l;
    }
}
