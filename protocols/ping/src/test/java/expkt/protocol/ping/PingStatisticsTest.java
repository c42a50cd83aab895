package expkt.protocol.ping;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The iputils number formats, and argument parsing. */
class PingStatisticsTest {
    @Test
    void replyTimesUseIputilsPrecision() {
        assertEquals("0.045 ms", PingStatistics.formatTime(45));
        assertEquals("0.999 ms", PingStatistics.formatTime(999));
        assertEquals("1.00 ms", PingStatistics.formatTime(1000));
        assertEquals("1.24 ms", PingStatistics.formatTime(1235));
        assertEquals("10.0 ms", PingStatistics.formatTime(9995));
        assertEquals("12.3 ms", PingStatistics.formatTime(12_345));
        assertEquals("100 ms", PingStatistics.formatTime(99_950));
        assertEquals("1235 ms", PingStatistics.formatTime(1_234_567));
    }

    @Test
    void summaryAndRttLines() {
        PingStatistics s = new PingStatistics();
        for (int i = 0; i < 3; i++) {
            s.sent();
        }
        s.reply(34);
        s.reply(48);
        assertEquals("3 packets transmitted, 2 received, 33.3333% packet loss, time 2003ms", s.summaryLine(2003));
        // avg 41, variance (34^2 + 48^2)/2 - 41^2 = 1730 - 1681 = 49, mdev 7 (integer microseconds, as iputils)
        assertEquals("rtt min/avg/max/mdev = 0.034/0.041/0.048/0.007 ms", s.rttLine());
        s.error();
        assertTrue(s.summaryLine(1).contains("2 received, +1 errors, 33.3333% packet loss"), s.summaryLine(1));
        PingStatistics none = new PingStatistics();
        none.sent();
        assertEquals("1 packets transmitted, 0 received, 100% packet loss, time 0ms", none.summaryLine(0));
        assertNull(none.rttLine());
        assertEquals("66.6667", PingStatistics.percentG((float) (200.0 / 3)));
        assertEquals("0", PingStatistics.percentG(0));
    }

    @Test
    void argumentsParseAndBadOnesAreNamed() {
        PingRequest r = PingRequest.parse(List.of("-v", "VR-A", "10.0.0.2", "3", "100", "0.2"));
        assertEquals("VR-A", r.vr());
        assertEquals("10.0.0.2", r.destination().toString());
        assertEquals(3, r.count());
        assertEquals(100, r.size());
        assertEquals(200, r.interval().toMillis());
        PingRequest d = PingRequest.parse(List.of("192.0.2.1"));
        assertNull(d.vr());
        assertEquals(PingRequest.DEFAULT_COUNT, d.count());
        assertEquals(56, d.size());
        var e = assertThrows(IllegalArgumentException.class, () -> PingRequest.parse(List.of("10.0.0.300")));
        assertTrue(e.getMessage().contains("10.0.0.300"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PingRequest.parse(List.of("10.0.0.1", "three")));
        assertTrue(e.getMessage().contains("\"three\""), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PingRequest.parse(List.of("10.0.0.1", "1", "70000")));
        assertTrue(e.getMessage().contains("70000"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PingRequest.parse(List.of("10.0.0.1", "1", "56", "0.001")));
        assertTrue(e.getMessage().contains("0.001"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PingRequest.parse(List.of()));
        assertTrue(e.getMessage().contains("usage"), e.getMessage());
    }
}
