package expkt.api.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** Escaping of untrusted text, the log throttle and the configuration keys of a property type. */
class OperatorTextTest {
    @Test
    void controlCharactersEscAndDelAreEscaped() {
        assertEquals("a\\x0aforged\\x0d\\x09b", Printable.escape("a\nforged\r\tb"));
        assertEquals("\\x1b[31mred\\x1b]0;title\\x07", Printable.escape("\u001b[31mred\u001b]0;title\u0007"));
        assertEquals("x\\x7fy\\x00", Printable.escape("x\u007fy\u0000"));
        assertEquals("\\u009b31m \\u0085", Printable.escape("\u009b31m \u0085"), "C1 CSI and NEL");
        assertEquals("\\u202eevil\\u2028", Printable.escape("\u202eevil\u2028"), "bidi override and line separator");
        assertEquals(null, Printable.escape(null));
    }

    @Test
    void printableTextOfAnyScriptIsKeptAsItIs() {
        String s = "sw-1 Zürich 東京 \\x1b ok";
        assertSame(s, Printable.escape(s), "nothing to escape: the same string, nothing allocated");
        assertEquals(s, Printable.utf8(s.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void escapingTwiceChangesNothing() {
        String once = Printable.escape("a\u001b[2Jb\nc\u0085");
        assertEquals(once, Printable.escape(once));
        String bytes = Printable.utf8(new byte[] {'a', (byte) 0xFF, 0x1B, 'b'});
        assertEquals(bytes, Printable.escape(bytes));
    }

    @Test
    void invalidUtf8IsShownAsHexBytes() {
        assertEquals("a\\xffb", Printable.utf8(new byte[] {'a', (byte) 0xFF, 'b'}));
        assertEquals("\\x80", Printable.utf8(new byte[] {(byte) 0x80}), "a stray continuation byte");
        assertEquals("x\\xe2\\x82", Printable.utf8(new byte[] {'x', (byte) 0xE2, (byte) 0x82}), "a truncated sequence");
        assertEquals("\\xc0\\xaf", Printable.utf8(new byte[] {(byte) 0xC0, (byte) 0xAF}), "an overlong '/'");
        assertEquals("\\xed\\xa0\\x80", Printable.utf8(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}), "a surrogate");
        assertEquals("\\xf4\\x90\\x80\\x80", Printable.utf8(new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}),
                "above U+10FFFF");
        assertEquals("\\u009b", Printable.utf8(new byte[] {(byte) 0xC2, (byte) 0x9B}), "a well-formed C1 control is escaped too");
        assertEquals("€\uD83D\uDE00", Printable.utf8("€\uD83D\uDE00".getBytes(StandardCharsets.UTF_8)));
        assertEquals("b\\x0a", Printable.utf8(new byte[] {'a', 'b', '\n', 'c'}, 1, 2));
    }

    @Test
    void theThrottleLogsOneLinePerIntervalAndCountsTheRest() {
        LogThrottle t = new LogThrottle(1_000_000_000L, "magic packets");
        int logged = 0;
        long reported = 0;
        for (int i = 0; i < 10_000; i++) {
            long s = t.admit(i * 1_000_000L); // 10,000 events over 10 s
            if (s >= 0) {
                logged++;
                reported += s;
            }
        }
        assertEquals(10, logged);
        assertEquals(10_000 - 10, t.suppressedTotal());
        assertEquals(10_000 - 10 - 999, reported, "every suppressed event is reported by the next line but the last window's");
        assertEquals(999, t.admit(20_000_000_000L));
        assertEquals("", t.suffix(0));
        assertTrue(t.suffix(7).contains("7 more magic packets"), t.suffix(7));
        assertThrows(IllegalArgumentException.class, () -> new LogThrottle(0, "x"));
    }

    @interface Sample {
        int tx_interval() default 1;
        String system__name() default "";
        String a$_$b() default "";
        String cost$$() default "";
        String $weird() default "";
    }

    @interface Prefixed {
        String PREFIX_ = "expkt.x.";
        int size() default 0;
    }

    @Test
    void keysFollowTheDeclarativeServicesNameMapping() {
        assertEquals(Set.of("tx.interval", "system_name", "a-b", "cost$", "weird"), ConfigKeys.of(Sample.class));
        assertEquals(Set.of("expkt.x.size"), ConfigKeys.of(Prefixed.class));
    }

    @Test
    void unknownKeysAreNamedWithAGuessAndStandardOnesAreNot() {
        Map<String, Object> cfg = Map.of("tx.interval", 2, "tx_interval", "5", "colour", "red", "service.pid", "p",
                "felix.fileinstall.filename", "file:/x.cfg", "component.name", "c", "expkt.filter.name", "lldp",
                "bad\u001bkey", "1");
        List<String> unknown = ConfigKeys.unknown(Sample.class, cfg);
        assertEquals(List.of("bad\\x1bkey", "colour", "tx_interval (did you mean tx.interval?)"), unknown);
        assertEquals(List.of(), ConfigKeys.unknown(Sample.class, Map.of("tx.interval", 1)));
    }
}
