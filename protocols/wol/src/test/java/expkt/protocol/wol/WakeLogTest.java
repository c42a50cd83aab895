package expkt.protocol.wol;

import expkt.api.net.SlotPort;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A flood of magic packets through the relay's receive path writes a bounded number of log lines, and
 * every packet is still counted and relayed.
 */
class WakeLogTest {
    @Test
    void tenThousandMagicPacketsWriteOneLinePerTenSeconds() {
        WolRelayCore core = new WolRelayCore(new WolSettings(List.of("blue"), 0));
        List<String> lines = new ArrayList<>();
        AtomicLong now = new AtomicLong(5_000_000_000L);
        WakeLog log = new WakeLog(lines::add, lines::add, now::get);
        byte[] magic = WolUnitTest.ethertypeMagic(new byte[0]);
        byte[] invalid = magic.clone();
        invalid[14 + 7] = 0; // a broken first copy of the target (0x11 -> 0): invalid
        AtomicLong relayed = new AtomicLong();
        for (int i = 0; i < 10_000; i++) { // 300 per second, as seen: 33.3 s
            now.addAndGet(1_000_000_000L / 300);
            byte[] f = i % 100 == 99 ? invalid : magic;
            log.onFrame(core.onFrame(MemorySegment.ofArray(f), 0, f.length, SlotPort.of(1, 1), -1, WolUnitTest.VLANS,
                    (frame, vlan) -> relayed.incrementAndGet()), core);
        }
        assertEquals(9_900, core.magicEthertype());
        assertEquals(100, core.invalid());
        assertEquals(9_900, relayed.get(), "every magic packet was relayed");
        long magicLines = lines.stream().filter(l -> l.contains("magic packet (0x0842)")).count();
        long invalidLines = lines.stream().filter(l -> l.startsWith("Wake-on-LAN: invalid")).count();
        assertEquals(lines.size(), magicLines + invalidLines, String.join("\n", lines));
        assertTrue(magicLines >= 3 && magicLines <= 4, "one line per 10 s over 33 s: " + magicLines + "\n" + String.join("\n", lines));
        assertTrue(invalidLines >= 3 && invalidLines <= 4, String.join("\n", lines));
        assertTrue(lines.get(lines.size() - 1).contains(" more ") || lines.get(lines.size() - 2).contains(" more "),
                "a later line says how many were left out:\n" + String.join("\n", lines));
        assertTrue(lines.stream().anyMatch(l -> l.matches(".*and 29\\d\\d more magic packets since the last line.*")),
                String.join("\n", lines));
    }
}
