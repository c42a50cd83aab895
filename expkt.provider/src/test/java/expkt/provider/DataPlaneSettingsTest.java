package expkt.provider;

import expkt.api.handler.PacketHandler;
import expkt.api.packet.Filter;
import expkt.provider.dataplane.DataPlaneSettings;
import expkt.provider.whiteboard.HandlerProperties;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reading PID expkt.dataplane strictly: unknown keys, wrong types, numbers out of bounds or written
 * ambiguously refuse the whole configuration, naming each problem; and the whiteboard's int
 * properties refuse what does not fit exactly. (The live path through ConfigAdmin, where the refused
 * configuration leaves the previous one in force, is itest's PacketProviderConfigIT.)
 */
class DataPlaneSettingsTest {

    private static Map<String, Object> props(Object... kv) {
        Map<String, Object> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private static String refused(Map<String, Object> p, String... named) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DataPlaneSettings.from(p));
        for (String n : named) {
            assertTrue(e.getMessage().contains(n), "\"" + e.getMessage() + "\" should name " + n);
        }
        return e.getMessage();
    }

    @Test
    void aGoodConfigurationReadsAsACfgFileOrAConfigFileWritesIt() {
        // .cfg (FileInstall): every value a String; .config / ConfigAdmin: typed values
        DataPlaneSettings cfg = DataPlaneSettings.from(props("ring.block.size", "524288", "ring.block.count", "8",
                "ring.retire.ms", "2", "vlans", "name=foo tag=100 tagged=1:1", "service.pid", "expkt.dataplane",
                "felix.fileinstall.filename", "file:/x/expkt.dataplane.cfg", "component.name", "x", "component.id", 7L));
        assertEquals(new DataPlaneSettings(List.of(), List.of("name=foo tag=100 tagged=1:1"), 524288, 8, 2), cfg);
        DataPlaneSettings typed = DataPlaneSettings.from(props("ports", new String[] {"1:1=p1", " "}, "vlans", List.of("name=a tag=7"),
                "ring.block.size", 65536L, "ring.block.count", 16, "ring.retire.ms", 5.0));
        assertEquals(new DataPlaneSettings(List.of("1:1=p1"), List.of("name=a tag=7"), 65536, 16, 5), typed);
        assertEquals(DataPlaneSettings.DEFAULT, DataPlaneSettings.from(props("service.pid", "expkt.dataplane")));
        assertEquals(DataPlaneSettings.DEFAULT, DataPlaneSettings.from(null));
        // the largest ring that is allowed: 16 x 4 MiB = 64 MiB
        assertEquals(4 << 20, DataPlaneSettings.from(props("ring.block.size", "4194304", "ring.block.count", "16")).ringBlockSize());
    }

    @Test
    void unknownKeysAreNamedAndRefuseTheWholeConfiguration() {
        // the benchmark's misspellings: each alone made the configuration apply as if empty
        refused(props("vlan", "name=foo tag=100", "ports", "1:1=p1"), "unknown key \"vlan\"", "vlans");
        refused(props("ring.blok.size", "65536"), "\"ring.blok.size\"");
        refused(props("ring_block_size", "65536", "tx_interval", "30", "vlans", "name=foo tag=100"),
                "unknown keys \"ring_block_size\", \"tx_interval\"");
    }

    @Test
    void theMetatypeAndTheReaderTakeTheSameKeysAndAnUnknownKeyIsShownEscaped() {
        assertEquals(expkt.api.operator.ConfigKeys.of(expkt.provider.component.DataPlaneConfiguration.class),
                new java.util.TreeSet<>(DataPlaneSettings.KEYS));
        String m = refused(props("vlans\u001b[31m", "x"), "unknown key");
        assertTrue(!m.contains("\u001b") && m.contains("\\x1b"), m);
    }

    @Test
    void everyRingKnobIsBounded() {
        // 16 MiB blocks: 4 GiB of locked kernel memory per socket with the default 256 blocks
        refused(props("ring.block.size", "16777216"), "ring.block.size 16777216", "4194304");
        refused(props("ring.block.size", "2048"), "ring.block.size 2048", "4096");
        refused(props("ring.block.size", "65537"), "power of two");
        refused(props("ring.block.size", "1073741824"), "ring.block.size 1073741824");
        refused(props("ring.block.count", "1"), "ring.block.count 1", "2..4096");
        refused(props("ring.block.count", "5000"), "ring.block.count 5000");
        refused(props("ring.block.size", "4194304", "ring.block.count", "17"), "68 MiB", "64 MiB");
        refused(props("ring.block.size", "1048576"), "256 MiB"); // 1 MiB x the default 256 blocks
        refused(props("ring.retire.ms", "0"), "ring.retire.ms 0", "1..10000");
        refused(props("ring.retire.ms", "60000"), "ring.retire.ms 60000");
        assertThrows(IllegalArgumentException.class, () -> new DataPlaneSettings(List.of(), List.of(), 1 << 24, 256, 2));
        assertThrows(IllegalArgumentException.class, () -> new DataPlaneSettings(List.of(), List.of(), Integer.MIN_VALUE, 256, 2));
        // the engine's own ring type holds the same bounds, whoever builds it
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new expkt.provider.socket.L2Engine.RingConfig(1 << 24, 256, 2));
        assertTrue(e.getMessage().contains("16777216"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new expkt.provider.socket.L2Engine.RingConfig(1 << 22, 17, 2));
    }

    @Test
    void numbersMustBeWrittenUnambiguouslyAndFitExactly() {
        refused(props("ring.block.count", "010"), "\"010\"", "leading zero");
        refused(props("ring.block.count", "0x10"), "\"0x10\"", "decimal");
        refused(props("ring.block.count", "\u0661\u0666"), "decimal"); // Arabic-Indic 16
        refused(props("ring.block.count", "+16"), "\"+16\"");
        refused(props("ring.block.count", "-16"), "\"-16\"");
        refused(props("ring.block.count", ""), "empty");
        refused(props("ring.block.count", "99999999999"), "larger than");
        refused(props("ring.block.count", 4294967312L), "4294967312"); // 2^32 + 16 would truncate to 16
        refused(props("ring.block.count", 16.5), "16.5");
        refused(props("ring.block.count", Double.NaN), "NaN");
        refused(props("ring.block.count", BigInteger.ONE.shiftLeft(70)), "1180591620717411303424");
        refused(props("ring.block.count", new int[] {16}), "ring.block.count is a int[]");
        refused(props("vlans", 7), "vlans is a Integer");
        refused(props("vlans", new Object[] {"name=a tag=7", 8}), "vlans is a Object[]");
        refused(props("vlans", List.of("name=a tag=7", 8)), "vlans holds a Integer (8)");
    }

    @Test
    void everyProblemIsNamedInOneMessage() {
        String m = refused(props("vlan", "x", "ring.block.size", "16777216", "ring.retire.ms", "0"),
                "\"vlan\"", "16777216", "ring.retire.ms 0");
        assertEquals(3, m.split("; ").length, m);
    }

    @Test
    void vlanTagsAreDecimalWithoutLeadingZeros() {
        assertEquals(10, DataPlaneSettings.decimal("10"));
        assertEquals(0, DataPlaneSettings.decimal("0"));
        assertThrows(IllegalArgumentException.class, () -> DataPlaneSettings.decimal("010"));
        assertThrows(IllegalArgumentException.class, () -> DataPlaneSettings.decimal("\uFF11\uFF10")); // fullwidth 10
    }

    @Test
    void handlerIntPropertiesRefuseWhatDoesNotFitExactly() {
        Map<String, Object> p = props(PacketHandler.FILTER_NAME, "h");
        // a Long whose low 32 bits are 0x88CC used to become an LLDP filter
        p.put(PacketHandler.FILTER_ETHERTYPE, 0x1_0000_88CCL);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HandlerProperties.filter(p));
        assertTrue(e.getMessage().contains("filter \"h\": ethertype 4295002316"), e.getMessage());
        p.put(PacketHandler.FILTER_ETHERTYPE, 2054.9); // would truncate to 0x0806, ARP
        e = assertThrows(IllegalArgumentException.class, () -> HandlerProperties.filter(p));
        assertTrue(e.getMessage().contains("2054.9"), e.getMessage());
        p.put(PacketHandler.FILTER_ETHERTYPE, "\u0662\u0660\u0665\u0664"); // Arabic-Indic 2054
        e = assertThrows(IllegalArgumentException.class, () -> HandlerProperties.filter(p));
        assertTrue(e.getMessage().contains("not a number"), e.getMessage());
        p.put(PacketHandler.FILTER_ETHERTYPE, 0x88CCL);
        assertEquals(0x88CC, HandlerProperties.filter(p).ethertype());
        p.put(PacketHandler.FILTER_ETHERTYPE, "0x88cc");
        Filter f = HandlerProperties.filter(p);
        assertEquals(0x88CC, f.ethertype());
        p.put(PacketHandler.FILTER_ETHERTYPE, (short) 0x0842);
        assertEquals(0x0842, HandlerProperties.filter(p).ethertype());
    }
}
