package expkt.protocol.wol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.List;

import org.junit.jupiter.api.Test;

import expkt.api.net.SlotPort;
import expkt.api.status.StatusPageDTO;

/** The relay's status page: its last magic packets, newest first, and the counters as the summary. */
class WolStatusPageTest {

    @Test
    void theLastMagicPacketsNewestFirst() {
        WolRelayCore core = new WolRelayCore(new WolSettings(List.of("blue"), 0));
        assertEquals(List.of(), WolStatusPage.page(core).tables.get(0).rows);
        byte[] f = WolUnitTest.ethertypeMagic(new byte[0]);
        core.onFrame(MemorySegment.ofArray(f), 0, f.length, SlotPort.of(1, 1), -1, WolUnitTest.VLANS, (frame, vlan) -> { });
        core.onFrame(MemorySegment.ofArray(f), 0, f.length, SlotPort.of(1, 2), -1, WolUnitTest.VLANS, (frame, vlan) -> { });
        StatusPageDTO page = WolStatusPage.page(core);
        List<List<String>> rows = page.tables.get(0).rows;
        assertEquals(2, rows.size(), rows.toString());
        assertEquals(WolStatusPage.COLUMNS.size(), rows.get(0).size());
        assertTrue(rows.get(0).get(4).startsWith("1:2"), "newest first: " + rows);
        assertTrue(rows.get(1).get(4).startsWith("1:1"), rows.toString());
        assertEquals("0x0842", rows.get(0).get(1));
        assertEquals(WolUnitTest.TARGET.toString(), rows.get(0).get(2));
        assertTrue(rows.get(1).get(5).contains("blue"), "relayed into the relay VLAN: " + rows);
        assertTrue(page.summary.startsWith("frames in 2, magic 0x0842 2"), page.summary);
    }
}
