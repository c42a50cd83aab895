package expkt.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;

import org.junit.jupiter.api.Test;
import org.osgi.service.log.LogLevel;

class LogLineTest {
    @Test
    void oneLineWithTimeLevelSourceMessageAndCauses() {
        Exception e = new IllegalStateException("port gone", new IOException("Network is down\nreally"));
        String line = LogLine.format(0L, LogLevel.ERROR, "expkt.provider", "send failed\non p1", e);
        assertTrue(line.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} ERROR expkt\\.provider +send failed\\\\x0aon p1 \\| .*"), line);
        assertTrue(line.endsWith("java.lang.IllegalStateException: port gone <- java.io.IOException: Network is down\\x0areally"), line);
        assertEquals(-1, line.indexOf('\n'));
    }

    @Test
    void crEscAndEveryOtherControlCharacterAreEscaped() {
        String line = LogLine.format(0L, LogLevel.INFO, "expkt.protocol.lldp",
                "neighbour sw\r12:00:00.000 ERROR forged\u001b[2J\u001b]0;t\u0007\t\u009b\u007f end",
                new RuntimeException("bad\r\u001b[31m"));
        for (char c : line.toCharArray()) {
            assertTrue(c >= 0x20 && c != 0x7F && (c < 0x80 || c > 0x9F), String.format("U+%04X in %s", (int) c, line));
        }
        assertTrue(line.contains("neighbour sw\\x0d12:00:00.000 ERROR forged\\x1b[2J\\x1b]0;t\\x07\\x09\\u009b\\x7f end"), line);
        assertTrue(line.endsWith("java.lang.RuntimeException: bad\\x0d\\x1b[31m"), line);
    }

    @Test
    void theStackTraceOfTheFileHasNoForgedLines() {
        Exception cause = new java.io.IOException("peer said\n12:00:00.000 INFO  forged entry");
        Exception e = new IllegalStateException("outer\r", cause);
        e.addSuppressed(new RuntimeException("suppressed\u001b[2J"));
        String trace = LogLine.stackTrace(e, "\n");
        for (String l : trace.split("\n")) {
            assertTrue(l.startsWith("java.") || l.startsWith("\tat ") || l.startsWith("Caused by: ") || l.startsWith("\tSuppressed: ")
                    || l.startsWith("\t\tat "), "a line the trace did not write: " + l);
        }
        assertTrue(trace.startsWith("java.lang.IllegalStateException: outer\\x0d\n"), trace);
        assertTrue(trace.contains("Caused by: java.io.IOException: peer said\\x0a12:00:00.000 INFO  forged entry\n"), trace);
        assertTrue(trace.contains("\tSuppressed: java.lang.RuntimeException: suppressed\\x1b[2J\n"), trace);
        assertEquals(-1, trace.indexOf('\u001b'));
    }

    @Test
    void aCycleOfCausesEnds() {
        Exception a = new Exception("a");
        Exception b = new Exception("b", a);
        a.initCause(b);
        String line = LogLine.format(0L, LogLevel.ERROR, "x", "m", a);
        assertTrue(line.length() < 2000, line);
        assertTrue(LogLine.stackTrace(a, "\n").contains("[CIRCULAR REFERENCE: java.lang.Exception: a]"));
    }

    @Test
    void levelsByNameAndABadOneIsNamed() {
        assertEquals(LogLevel.DEBUG, LogLine.level(" debug "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LogLine.level("LOUD"));
        assertTrue(e.getMessage().contains("LOUD"), e.getMessage());
    }

    @Test
    void aBadRunTimeIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ScriptedRun.parseSeconds("-3"));
        assertTrue(e.getMessage().contains("-3"), e.getMessage());
        assertEquals(20, ScriptedRun.parseSeconds("20"));
        e = assertThrows(IllegalArgumentException.class, () -> StartupTimer.timeoutSeconds("soon"));
        assertTrue(e.getMessage().contains("soon"), e.getMessage());
        assertEquals(60, StartupTimer.timeoutSeconds(null));
    }
}
