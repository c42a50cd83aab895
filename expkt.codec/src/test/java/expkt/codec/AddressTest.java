package expkt.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import expkt.api.net.Ipv4Address;
import expkt.api.net.Ipv6Address;
import java.net.InetAddress;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The IPv4/IPv6 value types the socket API shares: parse, format, compare, and clear errors. */
class AddressTest {
    @Test
    void ipv4ParsesFormatsAndCompares() {
        Ipv4Address a = Ipv4Address.parse("192.0.2.1");
        assertEquals(0xC000_0201, a.toInt());
        assertEquals("192.0.2.1", a.toString());
        assertEquals(a, Ipv4Address.of(192, 0, 2, 1));
        assertEquals(a, Ipv4Address.of(new byte[] {(byte) 192, 0, 2, 1}));
        assertArrayEquals(new byte[] {(byte) 192, 0, 2, 1}, a.toBytes());
        assertEquals(192, a.octet(0));
        assertTrue(Ipv4Address.parse("10.0.0.1").compareTo(a) < 0, "unsigned order: 10/8 before 192/8");
        assertTrue(Ipv4Address.parse("224.0.0.5").isMulticast());
        assertFalse(a.isMulticast());
        assertEquals("255.255.255.255", Ipv4Address.BROADCAST.toString());
        assertEquals("0.0.0.0", Ipv4Address.parse(" 0.0.0.0 ").toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1..2.3", "1.2.3.4.", "a.b.c.d", "1.2.3.-4",
        "1234.1.1.1", "example.com", ".1.2.3"})
    void ipv4RejectsNamingTheValue(String bad) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ipv4Address.parse(bad));
        assertTrue(e.getMessage().contains("\"" + bad + "\""), e.getMessage());
    }

    @Test
    void ipv4RejectsBadOctetsAndArrays() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Ipv4Address.of(1, 2, 300, 4)).getMessage().contains("300"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Ipv4Address.of(new byte[3])).getMessage().contains("3"));
        assertThrows(IllegalArgumentException.class, () -> Ipv4Address.parse(null));
    }

    @Test
    void ipv6ParsesAndFormatsAsRfc5952() {
        assertEquals("2001:db8::1", Ipv6Address.parse("2001:0DB8:0000:0000:0000:0000:0000:0001").toString());
        assertEquals("::", Ipv6Address.parse("::").toString());
        assertEquals("::1", Ipv6Address.parse("0:0:0:0:0:0:0:1").toString());
        assertEquals("fe80::", Ipv6Address.parse("fe80::").toString());
        assertEquals("2001:db8:0:1:1:1:1:1", Ipv6Address.parse("2001:db8:0:1:1:1:1:1").toString(), "one zero group stays");
        assertEquals("2001:0:0:1::1", Ipv6Address.parse("2001:0:0:1:0:0:0:1").toString(), "the longer run is shortened");
        assertEquals("2001:db8::1:0:0:1", Ipv6Address.parse("2001:db8:0:0:1:0:0:1").toString(), "the first of equal runs");
        Ipv6Address mapped = Ipv6Address.parse("::ffff:192.0.2.1");
        assertEquals(0xFFFF_C000_0201L, mapped.low());
        assertEquals("::ffff:c000:201", mapped.toString());
        Ipv6Address a = Ipv6Address.parse("2001:db8::a");
        assertEquals(a, Ipv6Address.of(a.toBytes()));
        assertEquals(0x2001, a.group(0));
        assertTrue(Ipv6Address.parse("ff02::1").isMulticast());
        assertTrue(Ipv6Address.parse("fe80::1").isLinkLocal());
        assertEquals("ff02::1:ff00:a", a.solicitedNodeMulticast().toString());
        assertTrue(Ipv6Address.parse("::1").compareTo(Ipv6Address.parse("8000::")) < 0, "unsigned order");
    }

    @Test
    void ipv6AgreesWithTheJdkOnRandomAddresses() throws Exception {
        Random r = new Random(6);
        for (int i = 0; i < 2000; i++) {
            byte[] b = new byte[16];
            r.nextBytes(b);
            for (int k = 0; k < 16; k++) {
                if (r.nextInt(3) == 0) {
                    b[k] = 0; // zero runs of every length
                }
            }
            Ipv6Address ours = Ipv6Address.of(b);
            // the JDK's long form parses to the same address, and ours parses back from our short form
            String jdkText = InetAddress.getByAddress(b).getHostAddress();
            assertEquals(ours, Ipv6Address.parse(jdkText), jdkText);
            assertEquals(ours, Ipv6Address.parse(ours.toString()), ours.toString());
            assertArrayEquals(b, InetAddress.getByName(ours.toString()).getAddress(), ours.toString());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ":", ":::", "1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::", "g::1", "1:2:3:4:5:6:7:8::",
        "::1.2.3", "::1.2.3.256", "1:2:3:4:5:6:7:1.2.3.4", "2001:db8::1%eth0", ":1::", "1::2:"})
    void ipv6RejectsNamingTheValue(String bad) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ipv6Address.parse(bad));
        assertTrue(e.getMessage().contains("\"" + bad + "\""), e.getMessage());
    }
}
