package expkt.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import expkt.api.net.MacAddress;
import expkt.codec.ethernet.Arp;
import expkt.codec.ip.Icmpv6;
import expkt.codec.lldp.Lldp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * One rule for a getter that does not apply, in every view (see {@link HeaderView}): a field the
 * header does not have throws IllegalStateException, a cursor at an option or TLV of another type
 * IllegalArgumentException, bad bytes MalformedPacketException — each case tried on a real frame,
 * and each such getter declares it with {@code @throws}.
 */
class GetterRuleTest {
    private final PacketDecoder d = new PacketDecoder();

    private static byte[] frame(java.util.function.Consumer<FrameBuilder> b) {
        return TsharkRoundTripTest.build(b);
    }

    private static void notApplicable(Executable getter, String mentions) {
        IllegalStateException e = assertThrows(IllegalStateException.class, getter);
        assertTrue(e.getMessage().contains(mentions), e.getMessage());
    }

    @Test
    void arpAddressesOfAnotherLayout() {
        byte[] f = frame(b -> b.ethernet(Corpus.A, Corpus.B).arp(1, Corpus.B, Corpus.IP_B, Corpus.A, Corpus.IP_A));
        byte[] g = java.util.Arrays.copyOf(f, f.length + 4);
        g[18] = 8; // hardware length 8 (e.g. an EUI-64 link; 4 more bytes of addresses): a valid ARP layout, not Ethernet/IPv4
        d.decode(g);
        assertTrue(d.has(PacketDecoder.ARP) && !d.arp().isEthernetIpv4());
        notApplicable(() -> d.arp().senderHardwareBits(), "8/4");
        notApplicable(() -> d.arp().targetProtocolBits(), "isEthernetIpv4()");
        notApplicable(() -> d.arp().senderProtocol(), "8/4");
    }

    @Test
    void lldpMacAddressesOfAnotherSubtype() {
        byte[] f = frame(b -> b.ethernet(MacAddress.LLDP_NEAREST_BRIDGE, Corpus.B).lldp().lldpChassisId(Lldp.CHASSIS_LOCAL, "sw1".getBytes())
                .lldpPortId("p1").lldpTtl(120).lldpManagementAddress(Corpus.IP6_A, 2, 1, new byte[0]));
        d.decode(f);
        notApplicable(() -> d.lldp().chassisIdMacBits(), "subtype 7");
        notApplicable(() -> d.lldp().chassisMac(), "subtype 7");
        notApplicable(() -> d.lldp().portIdMacBits(), "subtype 5");
        int m = d.lldp().managementAddressTlv();
        notApplicable(() -> d.lldp().managementAddressIpv4Bits(m), "subtype 2");
        assertThrows(IllegalArgumentException.class, () -> d.lldp().organizationOui(m), "a cursor at a TLV of another type");
        // the right subtype with the wrong length is bad bytes
        byte[] g = frame(b -> b.ethernet(MacAddress.LLDP_NEAREST_BRIDGE, Corpus.B).lldp()
                .lldpChassisId(Lldp.CHASSIS_MAC, new byte[] {1, 2, 3}).lldpPortId("p1").lldpTtl(120));
        d.decode(g);
        assertEquals("chassis ID", assertThrows(MalformedPacketException.class, () -> d.lldp().chassisIdMacBits()).field());
    }

    @Test
    void ipv6AndIcmpv6FieldsTheyDoNotHave() {
        d.decode(frame(b -> b.ethernet(Corpus.A, Corpus.B).ipv6(Corpus.IP6_A, Corpus.IP6_B).icmpv6Echo(true, 1, 2)));
        notApplicable(() -> d.ipv6().fragmentOffset(), "isFragment()");
        notApplicable(() -> d.ipv6().routingType(), "routing header");
        notApplicable(() -> d.icmpv6().targetAddress(), "type 128");
        notApplicable(() -> d.icmpv6().routerLifetime(), "type()");
        notApplicable(() -> d.tcp(), "has()");
        d.decode(frame(b -> b.ethernet(Corpus.A, Corpus.B).ipv6(Corpus.IP6_A, Corpus.IP6_B).routerAdvertisement(64, 0, 1800, 0, 0)
                .ndSourceLinkLayer(Corpus.B).ndMtu(1500)));
        Icmpv6 ra = d.icmpv6();
        int sll = ra.findOption(Icmpv6.OPTION_SOURCE_LINK_LAYER);
        int mtu = ra.findOption(Icmpv6.OPTION_MTU);
        assertThrows(IllegalArgumentException.class, () -> ra.linkLayerAddressBits(mtu));
        assertThrows(IllegalArgumentException.class, () -> ra.mtu(sll));
        assertThrows(IllegalArgumentException.class, () -> ra.prefixLength(sll));
        assertEquals(1500, ra.mtu(mtu));
    }

    /** Every public method that can throw IllegalStateException because it does not apply says so in its Javadoc. */
    @Test
    void everyGetterThatMayNotApplyDeclaresIt() throws Exception {
        Path src = Path.of("src/main/java/expkt/codec");
        // the private checks a getter calls when it may not apply, per view
        String[][] views = {
            {"ethernet/Arp.java", "requireEthernetIpv4|senderHardwareBits\\(\\)|senderProtocolBits\\(\\)|targetHardwareBits\\(\\)|targetProtocolBits\\(\\)"},
            {"lldp/Lldp.java", "macOf\\(|chassisIdMacBits\\(\\)|IllegalStateException"},
            {"ip/Ipv6.java", "fragmentHeader\\(\\)|routingHeader\\(\\)"},
            {"ip/Icmpv6.java", "requireType\\("},
        };
        Pattern method = Pattern.compile("(/\\*\\*(?:(?!\\*/).)*\\*/\\s*)?public [\\w<>\\[\\]]+ (\\w+)\\([^)]*\\) \\{(.*?)\\n    \\}", Pattern.DOTALL);
        List<String> missing = new ArrayList<>();
        int checked = 0;
        for (String[] v : views) {
            String text = Files.readString(src.resolve(v[0]));
            Pattern calls = Pattern.compile(v[1]);
            Matcher m = method.matcher(text);
            while (m.find()) {
                String doc = m.group(1) == null ? "" : m.group(1);
                if (calls.matcher(m.group(3)).find()) {
                    checked++;
                    if (!doc.contains("@throws IllegalStateException")) {
                        missing.add(v[0] + " " + m.group(2));
                    }
                }
            }
        }
        assertTrue(checked >= 20, "getters checked: " + checked);
        assertEquals(List.of(), missing, "getters that may not apply without @throws IllegalStateException");
    }

    @Test
    void theDecodersLayerGettersFollowTheRule() {
        d.decode(Corpus.frames().get(0));
        assertTrue(d.has(PacketDecoder.ARP));
        notApplicable(() -> d.ipv4(), "no IPv4 layer");
        assertTrue(Arp.ETHERNET_IPV4_LENGTH > 0);
    }
}
