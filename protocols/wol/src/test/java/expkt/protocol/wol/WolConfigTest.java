package expkt.protocol.wol;

import org.junit.jupiter.api.Test;

import java.lang.annotation.Annotation;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Metatype configuration turned into settings; a broken one is refused naming the value. */
class WolConfigTest {
    static WolConfig config(int port, String... vlans) {
        return new WolConfig() {
            @Override public Class<? extends Annotation> annotationType() { return WolConfig.class; }
            @Override public String[] relay_vlans() { return vlans; }
            @Override public int udp_port() { return port; }
        };
    }

    @Test
    void vlanListsMayBeCommaSeparatedAndRepeatsCollapse() {
        WolSettings s = WolSettings.from(config(9, "blue, green", "red", "blue", " "));
        assertEquals(List.of("blue", "green", "red"), s.relayVlans());
        assertEquals(9, s.udpPort());
        assertEquals(List.of(), WolSettings.from(config(0)).relayVlans());
    }

    @Test
    void aBrokenConfigurationNamesTheValue() {
        var e = assertThrows(IllegalArgumentException.class, () -> WolSettings.from(config(9, "blue", "no/slash")));
        assertTrue(e.getMessage().contains("\"no/slash\""), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> WolSettings.from(config(-1, "blue")));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
    }
}
