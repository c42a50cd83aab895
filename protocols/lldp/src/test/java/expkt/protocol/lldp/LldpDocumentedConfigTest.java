package expkt.protocol.lldp;

import expkt.testkit.DocumentedConfig;
import expkt.api.operator.ConfigKeys;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * protocols/README.md's LLDP configuration is what the agent takes: every key of its table is a key of
 * {@link LldpConfig}, every documented {@code .cfg} example parses with no unknown key into valid
 * settings that differ from the defaults in each key it sets; and the spelling the README used to show
 * ({@code tx_interval}) is named as unknown.
 */
class LldpDocumentedConfigTest {
    @Test
    void theTableNamesExactlyTheKeysTheAgentTakes() throws Exception {
        assertEquals(ConfigKeys.of(LldpConfig.class), new java.util.TreeSet<>(DocumentedConfig.tableKeys(LldpAgent.PID)));
    }

    @Test
    void everyDocumentedExampleParsesAndEachKeyIsRead() throws Exception {
        List<Map<String, Object>> examples = DocumentedConfig.examples(LldpAgent.PID);
        assertFalse(examples.isEmpty(), "protocols/README.md has no run/deploy/" + LldpAgent.PID + ".cfg example");
        LldpSettings defaults = LldpSettings.from(DocumentedConfig.configuration(LldpConfig.class, Map.of()));
        for (Map<String, Object> example : examples) {
            assertEquals(List.of(), ConfigKeys.unknown(LldpConfig.class, example), example.toString());
            LldpSettings s = LldpSettings.from(DocumentedConfig.configuration(LldpConfig.class, example));
            for (String key : example.keySet()) {
                // the example's value reached the settings: without that key they would be the defaults
                Map<String, Object> without = new java.util.TreeMap<>(example);
                without.remove(key);
                LldpSettings w = LldpSettings.from(DocumentedConfig.configuration(LldpConfig.class, without));
                assertFalse(w.equals(s), "key " + key + " of " + example + " changes nothing");
            }
            assertFalse(defaults.equals(s));
        }
    }

    @Test
    void theUnderscoreSpellingIsNamedAsUnknown() {
        List<String> unknown = ConfigKeys.unknown(LldpConfig.class, Map.of("tx_interval", "5", "tx.hold", "3", "system_name", "x"));
        assertEquals(List.of("system_name (did you mean system.name?)", "tx_interval (did you mean tx.interval?)"), unknown);
        LldpAgentCore core = new LldpAgentCore(LldpSettings.from(DocumentedConfig.configuration(LldpConfig.class, Map.of("tx_interval", "5"))));
        assertEquals(30, core.settings().txIntervalSeconds(), "DS ignores the key: the default applies");
        core.unknownKeys(unknown);
        assertTrue(core.formatStats().contains("configuration keys not known, ignored: system_name (did you mean system.name?), "
                + "tx_interval (did you mean tx.interval?)"), core.formatStats());
    }
}
