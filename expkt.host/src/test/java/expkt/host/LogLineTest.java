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
        assertTrue(line.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} ERROR expkt\\.provider +send failed on p1 \\| .*"), line);
        assertTrue(line.endsWith("java.lang.IllegalStateException: port gone <- java.io.IOException: Network is down really"), line);
        assertEquals(-1, line.indexOf('\n'));
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
