package expkt.api;

import expkt.api.net.MacAddress;
import expkt.api.net.SlotPort;
import expkt.api.net.VlanId;
import expkt.api.packet.Direction;
import expkt.api.packet.Expkt;
import expkt.api.packet.Filter;
import expkt.api.packet.FilterAction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ValueTypesTest {

    @Test
    void macAddressAcceptsTheSeedsForms() {
        MacAddress expected = MacAddress.parse("00:E0:2B:00:00:00");
        assertEquals(expected, MacAddress.parse("00-e0-2b-00-00-00"));
        assertEquals(expected, MacAddress.parse("00e02b000000"));
        assertEquals(expected, MacAddress.of(0x00, 0xE0, 0x2B, 0x00, 0x00, 0x00));
        assertEquals(expected, MacAddress.of(new byte[] {0, (byte) 0xE0, 0x2B, 0, 0, 0}));
        assertEquals(expected, MacAddress.from(List.of(0x00, 0xE0, 0x2B, 0x00, 0x00, 0x00)));
        assertEquals("00:E0:2B:00:00:00", expected.toString());
        assertEquals(0x00E0_2B00_0000L, expected.toLong());
        assertArrayEquals(new byte[] {0, (byte) 0xE0, 0x2B, 0, 0, 0}, expected.toBytes());
        assertTrue(MacAddress.LLDP_NEAREST_BRIDGE.isMulticast());
        assertTrue(MacAddress.BROADCAST.isBroadcast());
    }

    @Test
    void malformedMacsAreNamed() {
        badValue(() -> MacAddress.parse("00:E0:2B:00:00"), "00:E0:2B:00:00");
        badValue(() -> MacAddress.parse("00:E0:2B:00:00:GG"), "00:E0:2B:00:00:GG");
        badValue(() -> MacAddress.parse("00:E0-2B:00:00:00"), "00:E0-2B:00:00:00");
        badValue(() -> MacAddress.of(0, 1, 2, 3, 4, 256), "256");
        badValue(() -> MacAddress.of(0, 1, 2), "[0, 1, 2]");
        badValue(() -> MacAddress.of(new byte[5]), "5");
        badValue(() -> MacAddress.from(List.of(1, "x", 3, 4, 5, 6)), "x");
        badValue(() -> MacAddress.of(1L << 50), "4000000000000");
        // Character.digit reads these as hex digits: fullwidth, Arabic-Indic and Devanagari zeros
        badValue(() -> MacAddress.parse("\uFF10\uFF10:E0:2B:00:00:00"), "\uFF10\uFF10:E0:2B:00:00:00");
        badValue(() -> MacAddress.parse("\u0660\u0660e02b000000"), "\u0660\u0660e02b000000");
        badValue(() -> MacAddress.parse("00-E0-2B-00-00-\u0966\u0966"), "00-E0-2B-00-00-\u0966\u0966");
        badValue(() -> MacAddress.parse("00:E0:2B:00:00:\uFF21\uFF21"), "\uFF21\uFF21"); // fullwidth A
    }

    @Test
    void slotPortsAndVlans() {
        assertEquals(new SlotPort(1, 2), SlotPort.parse("1:2"));
        assertEquals(new SlotPort(1, 7), SlotPort.parse("7"));
        assertEquals("2:52", SlotPort.of(2, 52).toString());
        badValue(() -> SlotPort.parse("1:x"), "1:x");
        badValue(() -> SlotPort.parse("\u0661:\u0662"), "\u0661:\u0662"); // Arabic-Indic 1:2
        badValue(() -> SlotPort.parse("+1:2"), "+1:2");
        badValue(() -> SlotPort.parse("1:99999999999"), "1:99999999999");
        badValue(() -> SlotPort.of(0, 1), "0:1");
        assertEquals(100, VlanId.check(100));
        badValue(() -> VlanId.check(4095), "4095");
        badValue(() -> VlanId.check(0), "0");
    }

    @Test
    void filterDefaultsFollowTheSeed() {
        Filter f = Filter.named("filter1").dstmac("00:E0:2B:00:00:00").build();
        assertEquals(FilterAction.UP_AND_CONTINUE, f.action());
        assertEquals(Direction.INGRESS, f.direction());
        assertEquals(Filter.DEFAULT_OFFSET, f.ethertypeOffset());
        assertEquals(null, f.vr());
        assertEquals("dstmac 00:E0:2B:00:00:00", f.describeMatch());
        Filter g = Filter.named("filter2").ethertype(0x0842).build();
        assertEquals("ethertype 0x0842", g.describeMatch());
        Filter h = Filter.named("f3").dstmac(0x00, 0xE0, 0x2B, 0x00, 0x00, 0x00).ethertype(0x0842)
                .action("up_and_drop").direction("both").vr("VR-Default").build();
        assertEquals(FilterAction.UP_AND_DROP, h.action());
        assertEquals(Direction.BOTH, h.direction());
        assertEquals(0x0300, Expkt.htons(Expkt.ETH_P_ALL));
    }

    @Test
    void badFiltersAreNamed() {
        badValue(() -> Filter.named("f").build(), "\"f\"");
        badValue(() -> Filter.named("f").ethertype(0x10000).build(), "65536");
        badValue(() -> Filter.named("f").ethertype(-5).build(), "-5");
        badValue(() -> Filter.named("").ethertype(1).build(), "empty");
        badValue(() -> Filter.named(null).ethertype(1).build(), "null");
        badValue(() -> Filter.named("x".repeat(33)).ethertype(1).build(), "x".repeat(33));
        badValue(() -> Filter.named("a b").ethertype(1).build(), "a b");
        badValue(() -> Filter.named("f").ethertype(1).action("UP_AND_STEAL").build(), "UP_AND_STEAL");
        badValue(() -> Filter.named("f").ethertype(1).direction("SIDEWAYS").build(), "SIDEWAYS");
        badValue(() -> Filter.named("f").dstmac("zz").build(), "zz");
        badValue(() -> Filter.named("f").dstmac("00:00:00:00:00:01").ethertypeOffset(12).build(), "12");
        badValue(() -> Expkt.htons(70000), "70000");
    }

    @Test
    void theAddressCarriesTheWholeOuterTag() {
        expkt.api.packet.ExosSockAddr a = new expkt.api.packet.ExosSockAddr();
        expkt.api.spi.ExosSockAddrs.set(a, 1, 2, "p2", 3, 100, "blue", 2, "VR-Default", Direction.INGRESS, expkt.api.packet.PacketType.OTHERHOST, 1L,
                68, 64, 0x0842);
        assertEquals(0x8100, a.vlanTpid());          // until the provider says otherwise: 802.1Q, priority 0
        assertEquals(100, a.vlanTci());
        expkt.api.spi.ExosSockAddrs.setVlanTag(a, 0x88A8, (5 << 13) | 100);
        assertEquals(0x88A8, a.vlanTpid());
        assertEquals(0xA064, a.vlanTci());
        expkt.api.packet.ExosSockAddr c = a.copy();
        assertEquals(0x88A8, c.vlanTpid());
        assertEquals(0xA064, c.vlanTci());
        // an untagged frame after a tagged one: no tag left over
        expkt.api.spi.ExosSockAddrs.set(a, 1, 2, "p2", 3, expkt.api.packet.ExosSockAddr.NO_VLAN, null, 2, "VR-Default", Direction.INGRESS,
                expkt.api.packet.PacketType.OTHERHOST, 2L, 64, 64, 0x0842);
        expkt.api.spi.ExosSockAddrs.setVlanTag(a, 0x8100, 7);
        assertEquals(expkt.api.packet.ExosSockAddr.NO_VLAN, a.vlanTci());
        assertEquals(0, a.vlanTpid());
    }

    private static void badValue(Executable call, String named) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(named), "message \"" + e.getMessage() + "\" does not name " + named);
    }
}
