package expkt.provider;

import expkt.api.packet.Filter;
import expkt.api.packet.FilterAction;
import expkt.linux.Nftables;
import expkt.provider.socket.PacketSocketImpl;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Without libnftables the provider drives the nft binary (nft -j -f -) with the same JSON, and says so. */
class NftBinaryFallbackTest extends L2ProviderTestBase {

    @Test
    void theNftBinaryDoesTheSameJob() throws Exception {
        System.setProperty(Nftables.BACKEND_PROPERTY, "binary");
        try {
            engine();
        } finally {
            System.clearProperty(Nftables.BACKEND_PROPERTY);
        }
        assertTrue(engine.nftBackend().startsWith("nft binary"), engine.nftBackend());
        Wire h1 = wire(1);
        Wire h2 = wire(2);
        PacketSocketImpl s = engine.open(OWNER);
        s.setupFilter(Filter.named("bin-drop").ethertype(0x88b5).action(FilterAction.UP_AND_DROP).build());
        h1.send(Wire.frame("00:e0:2b:00:00:00", HOST_MAC, 0x88b5, 64));
        h1.send(Wire.frame("00:e0:2b:00:00:00", HOST_MAC, 0x88b5, 64));
        assertEquals(2, FilterMatchTest.drain(s).size());
        assertEquals(List.of(), Wire.withEthertype(h2.drain(200), 0x88b5));
        assertEquals(2, engine.counters().get("bin-drop")[0]);
        assertTrue(nftRuleset().contains("comment \"bin-drop\""), nftRuleset());
        s.close();
        assertFalse(nftRuleset().contains("bin-drop"), nftRuleset());
    }
}
