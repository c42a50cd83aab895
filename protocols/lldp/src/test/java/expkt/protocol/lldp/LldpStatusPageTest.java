package expkt.protocol.lldp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.List;

import org.junit.jupiter.api.Test;

import expkt.api.status.StatusPageDTO;

/**
 * The agent's status page: empty before an LLDPDU (the table says so), then the neighbour with the
 * fields lldp:neighbors shows, one per column, and its seconds left counted from "now".
 */
class LldpStatusPageTest {

    @Test
    void theNeighbourTableAsAPage() {
        LldpAgentCore core = new LldpAgentCore(LldpUnitTest.SETTINGS);
        StatusPageDTO before = LldpStatusPage.page(core, 0);
        assertEquals(List.of(), before.tables.get(0).rows, "no neighbour yet");
        assertTrue(before.tables.get(0).empty.startsWith("no neighbour"), before.tables.get(0).empty);

        byte[] f = LldpUnitTest.peerLldpdu(120, "peer-sw");
        core.receive(MemorySegment.ofArray(f), 0, f.length, "1:1", 5_000);
        StatusPageDTO page = LldpStatusPage.page(core, 15_000);
        assertEquals("Neighbours", page.tables.get(0).title);
        assertEquals(LldpStatusPage.NEIGHBOUR_COLUMNS, page.tables.get(0).columns);
        List<String> row = page.tables.get(0).rows.get(0);
        assertEquals(List.of("1:1", "52:54:00:12:34:56", "eth0", "peer-sw", "110", "0x9c/0x80", "198.51.100.7", "uplink", ""), row);
        assertTrue(page.summary.contains("frames in 1") && page.summary.contains("neighbours 1"), page.summary);
    }
}
