package expkt.api.packet;

import expkt.api.net.MacAddress;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 14: {@link Filter} is a final class with a builder (no public constructor, so a new match
 * field is not a breaking change), a value (equals, hashCode, toString over all fields), and the one
 * key=value parser of filter text that whiteboard properties and {@code expkt:capture} share.
 */
class FilterTest {

    @Test
    void aFilterIsAValueWithoutAPublicConstructor() {
        assertFalse(Filter.class.isRecord());
        assertEquals(0, Filter.class.getConstructors().length);
        assertTrue(java.lang.reflect.Modifier.isFinal(Filter.class.getModifiers()));
        Filter a = Filter.named("lldp").dstmac(MacAddress.LLDP_NEAREST_BRIDGE).ethertype(0x88CC).action(FilterAction.UP_AND_DROP).build();
        Filter b = Filter.named("lldp").dstmac("01:80:c2:00:00:0e").ethertype(0x88CC).action("up_and_drop").build();
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, a.toBuilder().direction(Direction.BOTH).build());
        assertNotEquals(a, a.toBuilder().vr("VR-Default").build());
        assertNotEquals(a, a.toBuilder().ethertypeOffset(16).build());
        assertEquals(a, a.toBuilder().build());
        assertEquals("Filter[name=lldp, dstmac=" + MacAddress.LLDP_NEAREST_BRIDGE + ", ethertype=35020, action=UP_AND_DROP,"
                + " direction=INGRESS, vr=null, ethertypeOffset=-1]", a.toString());
    }

    @Test
    void theKeyValueFormReadsWhatToSpecWrites() {
        Filter f = Filter.parse("name=wol dstmac=FF:FF:FF:FF:FF:FF ethertype=0x0842 action=UP_AND_DROP direction=both vr=VR-Default");
        assertEquals("wol", f.name());
        assertEquals(MacAddress.BROADCAST, f.dstmac());
        assertEquals(0x0842, f.ethertype());
        assertEquals(FilterAction.UP_AND_DROP, f.action());
        assertEquals(Direction.BOTH, f.direction());
        assertEquals("VR-Default", f.vr());
        assertEquals(f, Filter.parse(f.toSpec()));
        // commas, spaces, both; key aliases; any case of keys and enum names
        Filter g = Filter.parse("name=o, ethertype=2054,ETHERTYPE.OFFSET=16  action=up_and_continue");
        assertEquals(Filter.named("o").ethertype(0x0806).ethertypeOffset(16).build(), g);
        assertEquals(g, Filter.parse(g.toSpec()));
        assertEquals("name=o ethertype=0x0806 ethertype_offset=16", g.toSpec());
        // a named builder takes the rest from a spec, a name in the spec replaces it
        assertEquals("x", Filter.named("capture-0").apply("ethertype=1 name=x").build().name());
    }

    @Test
    void setTakesTypedValuesAndTreatsEmptyAndMinusOneAsNotSet() {
        Filter f = Filter.named("t").set("ethertype", 0x88CCL).set("action", FilterAction.UP_AND_DROP)
                .set("direction", Direction.EGRESS).set("dstmac", "").set("vr", null).set("ethertype_offset", -1).build();
        assertEquals(Filter.named("t").ethertype(0x88CC).action(FilterAction.UP_AND_DROP).direction(Direction.EGRESS).build(), f);
        assertEquals(0x0842, Filter.named("t").set("ethertype", (short) 0x0842).build().ethertype());
        assertEquals(0x0842, Filter.named("t").set("ethertype", " 0X0842 ").build().ethertype());
    }

    /** Every bad input is refused with a message naming the value (and the filter where it has one). */
    @Test
    void badInputIsNamed() {
        Map<String, String> bad = Map.ofEntries(
                Map.entry("name=f ethertype=0xZZ", "ethertype \"0xZZ\" is not a number"),
                Map.entry("name=f ethertype=wol", "ethertype \"wol\" is not a number"),
                Map.entry("name=f ethertype=\u0662\u0660\u0665\u0664", "is not a number"),
                Map.entry("name=f ethertype=+2054", "\"+2054\" is not a number"),
                Map.entry("name=f ethertype=0x10000", "0x10000"),
                Map.entry("name=f ethertype=0x100000000", "ethertype 0x100000000 is outside 0..0xFFFF"),
                Map.entry("name=f dstmac=00:zz:2b:00:00:00", "dstmac \"00:zz:2b:00:00:00\" is not a MAC address"),
                Map.entry("name=f ethertype=1 action=drop", "\"drop\""),
                Map.entry("name=f ethertype=1 direction=SIDEWAYS", "\"SIDEWAYS\""),
                Map.entry("name=f ethertype=1 ethertype_offset=24", "ethertype offset 24 is the seed's"),
                Map.entry("name=f ethertype=1 ethertype_offset=9000", "ethertype offset 9000 is outside 0..8998"),
                Map.entry("name=f ethertype=1 color=red", "filter key \"color\" is unknown"),
                Map.entry("name=f ethertype", "filter element \"ethertype\""),
                Map.entry("name=f ethertype=1,", "filter element \"\""),
                Map.entry("name=f ethertype=1 ethertype=2", "filter key \"ethertype\" is given twice"),
                Map.entry("name=f direction=both", "filter \"f\" needs a dstmac, an ethertype, or both"),
                Map.entry("ethertype=1", "filter name is required"),
                Map.entry("name=a/b ethertype=1", "filter name \"a/b\""),
                Map.entry(" ", "filter spec is empty"));
        bad.forEach((spec, named) -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Filter.parse(spec), spec);
            assertTrue(e.getMessage().contains(named), "\"" + spec + "\": message \"" + e.getMessage() + "\" does not name " + named);
        });
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Filter.named("h").set("ethertype", 0x1_0000_88CCL));
        assertEquals("filter \"h\": ethertype 4295002316 (Long) is not a whole number that fits an int", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Filter.named("h").set("ethertype", 2054.9));
        assertTrue(e.getMessage().contains("2054.9"), e.getMessage());
    }
}
