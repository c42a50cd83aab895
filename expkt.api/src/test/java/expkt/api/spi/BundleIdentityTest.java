package expkt.api.spi;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Modifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one owner identity: the forms the expkt: commands print, equality, and bad values named. */
class BundleIdentityTest {

    @Test
    void isAFinalClassMadeByItsFactories() {
        assertFalse(BundleIdentity.class.isRecord());
        assertTrue(Modifier.isFinal(BundleIdentity.class.getModifiers()));
        assertEquals(0, BundleIdentity.class.getConstructors().length, "no public constructor: a new field is no breaking change");
    }

    @Test
    void printsTheFormsTheCommandsShow() {
        BundleIdentity b = BundleIdentity.of(42, "org.example.proto", "1.0.0");
        assertEquals("org.example.proto [42]", b.toString());
        assertEquals("org.example.proto 1.0.0 [42]", b.withVersion());
        assertEquals("org.example.proto (handlers) [42]", b.qualified("(handlers)"));
        assertEquals(42, b.bundleId());
        assertEquals("org.example.proto", b.symbolicName());
        assertEquals("1.0.0", b.version());
        // bundle 0 (the system bundle) is a bundle: its id is printed
        assertEquals("system [0]", BundleIdentity.of(0, "system", "").withVersion());
    }

    @Test
    void outsideOsgiThereIsNoIdToPrint() {
        BundleIdentity t = BundleIdentity.outsideOsgi("test");
        assertEquals(-1, t.bundleId());
        assertEquals("", t.version());
        assertEquals("test", t.toString());
        assertEquals("test", t.withVersion());
        assertEquals("test (handlers)", t.qualified("(handlers)"));
        assertEquals("lab 2.0.0", BundleIdentity.of(-7, "lab", "2.0.0").withVersion());
    }

    @Test
    void equalWhenIdNameAndVersionAre() {
        BundleIdentity v1 = BundleIdentity.of(41, "com.example.lldp", "1.0.0");
        assertEquals(v1, BundleIdentity.of(41, "com.example.lldp", "1.0.0"));
        assertEquals(v1.hashCode(), BundleIdentity.of(41, "com.example.lldp", "1.0.0").hashCode());
        assertNotEquals(v1, BundleIdentity.of(41, "com.example.lldp", "2.0.0"));
        assertNotEquals(v1, BundleIdentity.of(42, "com.example.lldp", "1.0.0"));
        assertNotEquals(v1, BundleIdentity.of(41, "com.example.other", "1.0.0"));
        assertNotEquals(v1, "com.example.lldp 1.0.0 [41]");
    }

    @Test
    void badValuesAreNamed() {
        IllegalArgumentException nul = assertThrows(IllegalArgumentException.class, () -> BundleIdentity.of(5, null, "1.0.0"));
        assertTrue(nul.getMessage().contains("bundle 5") && nul.getMessage().contains("null"), nul.getMessage());
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class, () -> BundleIdentity.outsideOsgi(""));
        assertTrue(empty.getMessage().contains("empty"), empty.getMessage());
        IllegalArgumentException version = assertThrows(IllegalArgumentException.class, () -> BundleIdentity.of(5, "a.b", null));
        assertTrue(version.getMessage().contains("a.b [5]") && version.getMessage().contains("version"), version.getMessage());
    }
}
