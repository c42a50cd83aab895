package expkt.protocol.wol;

import expkt.testkit.DocumentedConfig;
import expkt.api.operator.ConfigKeys;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** protocols/README.md's Wake-on-LAN configuration is what the relay takes (see LldpDocumentedConfigTest). */
class WolDocumentedConfigTest {
    @Test
    void theTableNamesExactlyTheKeysTheRelayTakes() throws Exception {
        assertEquals(ConfigKeys.of(WolConfig.class), new java.util.TreeSet<>(DocumentedConfig.tableKeys(WolRelay.PID)));
    }

    @Test
    void everyDocumentedExampleParsesAndEachKeyIsRead() throws Exception {
        List<Map<String, Object>> examples = DocumentedConfig.examples(WolRelay.PID);
        assertFalse(examples.isEmpty(), "protocols/README.md has no run/deploy/" + WolRelay.PID + ".cfg example");
        for (Map<String, Object> example : examples) {
            assertEquals(List.of(), ConfigKeys.unknown(WolConfig.class, example), example.toString());
            WolSettings s = WolSettings.from(DocumentedConfig.configuration(WolConfig.class, example));
            for (String key : example.keySet()) {
                Map<String, Object> without = new java.util.TreeMap<>(example);
                without.remove(key);
                assertFalse(WolSettings.from(DocumentedConfig.configuration(WolConfig.class, without)).equals(s),
                        "key " + key + " of " + example + " changes nothing");
            }
        }
        WolSettings s = WolSettings.from(DocumentedConfig.configuration(WolConfig.class, examples.getFirst()));
        assertEquals(List.of("hosts", "blue", "green"), s.relayVlans(), "one comma-separated String, as a .cfg file gives it");
        assertEquals(9, s.udpPort());
    }

    @Test
    void theUnderscoreSpellingIsNamedAsUnknownAndShownInStats() {
        List<String> unknown = ConfigKeys.unknown(WolConfig.class, Map.of("relay_vlans", "blue", "udp.port", "9"));
        assertEquals(List.of("relay_vlans (did you mean relay.vlans?)"), unknown);
        WolRelayCore core = new WolRelayCore(WolSettings.from(DocumentedConfig.configuration(WolConfig.class, Map.of("relay_vlans", "blue"))));
        assertEquals(List.of(), core.settings().relayVlans(), "DS ignores the key");
        core.unknownKeys(unknown);
        assertTrue(core.formatStats().contains("configuration keys not known, ignored: relay_vlans (did you mean relay.vlans?)"),
                core.formatStats());
    }
}
