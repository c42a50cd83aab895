package expkt.protocol.lldp;

import org.junit.jupiter.api.Test;

import java.lang.annotation.Annotation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Metatype configuration as DS hands it over, turned into settings; a broken one is refused naming the value. */
class LldpConfigTest {
    /** A configuration as DS would give it (defaults unless overridden). */
    static LldpConfig config(int interval, String mgmt, String chassis, String name) {
        return new LldpConfig() {
            @Override public Class<? extends Annotation> annotationType() { return LldpConfig.class; }
            @Override public int tx_interval() { return interval; }
            @Override public int tx_hold() { return 4; }
            @Override public int fast_tx_count() { return 4; }
            @Override public String system_name() { return name; }
            @Override public String system_description() { return ""; }
            @Override public String management_address() { return mgmt; }
            @Override public String chassis_id() { return chassis; }
            @Override public int max_neighbors() { return 1024; }
        };
    }

    @Test
    void defaultsAndValues() {
        LldpSettings s = LldpSettings.from(config(30, "", "", ""));
        assertEquals(30, s.txIntervalSeconds());
        assertEquals(121, s.ttl());
        assertEquals(LldpSettings.hostName(), s.systemName());
        assertTrue(s.systemDescription().startsWith("expkt switch, Linux "), s.systemDescription());
        assertNull(s.managementAddress());
        assertNull(s.chassisMac());
        LldpSettings t = LldpSettings.from(config(5, " 192.0.2.9 ", "02:00:00:00:00:AA", "sw9"));
        assertEquals("192.0.2.9", t.managementAddress().toString());
        assertEquals(0x0200_0000_00AAL, t.chassisMac().toLong());
        assertEquals("sw9", t.systemName());
    }

    @Test
    void aBrokenConfigurationNamesTheValue() {
        var e = assertThrows(IllegalArgumentException.class, () -> LldpSettings.from(config(30, "192.0.2.300", "", "")));
        assertTrue(e.getMessage().contains("192.0.2.300"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LldpSettings.from(config(30, "", "02:00:00:00:00", "")));
        assertTrue(e.getMessage().contains("02:00:00:00:00"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LldpSettings.from(config(0, "", "", "")));
        assertTrue(e.getMessage().contains("tx interval 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LldpSettings.from(config(30, "", "", "x".repeat(256))));
        assertTrue(e.getMessage().contains("longer than 255"), e.getMessage());
    }
}
