package expkt.provider;

import expkt.api.packet.Direction;
import expkt.api.packet.Filter;
import expkt.api.packet.FilterAction;
import expkt.api.runtime.ExpktRuntime;
import expkt.api.runtime.FilterDTO;
import expkt.provider.command.L2Tables;
import expkt.provider.runtime.RuntimeSnapshots;
import expkt.provider.socket.PacketSocketImpl;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Without nftables (here: the provider pointed at a library and an nft binary that do not exist) the
 * provider still starts: UP_AND_CONTINUE filters need only the socket's BPF program and work; an
 * UP_AND_DROP filter (INGRESS, or EGRESS with its capture link) is refused with an exception naming
 * what is missing and the Debian package that provides it; {@code expkt:acl} and {@code expkt:ports} say
 * that drop rules are unavailable and why; nothing is left in the namespace.
 */
class NftUnavailableTest extends L2ProviderTestBase {

    @Test
    void theProviderDegradesToCopyOnlyFiltersAndSaysWhy() throws Exception {
        System.setProperty("expkt.nftables.library", "/nonexistent/libnftables.so.1");
        System.setProperty("expkt.nftables.binary", "/nonexistent/nft");
        try {
            engine();
        } finally {
            System.clearProperty("expkt.nftables.library");
            System.clearProperty("expkt.nftables.binary");
        }
        Wire h1 = wire(1);
        Wire h2 = wire(2);
        PacketSocketImpl copy = engine.open(OWNER);
        copy.setupFilter(Filter.named("copy-only").ethertype(0x88b5).build());
        h1.send(Wire.frame("00:e0:2b:00:00:00", HOST_MAC, 0x88b5, 64));
        assertEquals(1, FilterMatchTest.drain(copy).size());
        assertEquals(1, Wire.withEthertype(h2.drain(300), 0x88b5).size(), "UP_AND_CONTINUE forwards");

        PacketSocketImpl drop = engine.open(OWNER);
        for (Filter f : List.of(Filter.named("want-drop").ethertype(0x88b6).action(FilterAction.UP_AND_DROP).build(),
                Filter.named("want-egress-drop").ethertype(0x88b6).direction(Direction.EGRESS).action(FilterAction.UP_AND_DROP).build())) {
            Exception e = assertThrows(Exception.class, () -> drop.setupFilter(f));
            String m = e.getMessage();
            assertTrue(m.contains(f.name()) && m.contains("/nonexistent/libnftables.so.1") && m.contains("/nonexistent/nft")
                    && m.contains("libnftables1") && m.contains("nftables"), m);
            assertEquals(List.of(), drop.filters());
            assertTrue(engine.registry().get(f.name()) == null, "the refused filter's name stays taken");
        }
        // the socket still works after the refusals
        drop.setupFilter(Filter.named("copy-after").ethertype(0x88b6).build());

        String acl = L2Tables.acl(engine);
        assertTrue(acl.contains("drop rules") && acl.contains("unavailable") && acl.contains("libnftables1"), acl);
        assertFalse(acl.contains("want-drop"), acl);
        String ports = L2Tables.ports(engine);
        assertTrue(ports.contains("drop rules") && ports.contains("unavailable"), ports);
        // the DTOs say the same: no counting rule, so no counts (not zeros), and why
        ExpktRuntime rt = RuntimeSnapshots.of(engine, null);
        assertTrue(rt.dataPlane().dropRulesUnavailable.contains("libnftables1"), rt.dataPlane().dropRulesUnavailable);
        for (FilterDTO f : rt.filters()) {
            assertFalse(f.counted, f.name);
            assertEquals(-1, f.packets, f.name);
            assertEquals(-1, f.bytes, f.name);
        }
        assertEquals(java.util.Set.of("copy-only", "copy-after"), java.util.Set.copyOf(rt.filters().stream().map(f -> f.name).toList()));

        // nothing of ours in the namespace: no table, no capture link
        assertFalse(nftRuleset().contains("expkt"), nftRuleset());
        assertFalse(lab.exec(lab.switchNs(), "ip", "-o", "link").check().stdout().contains("expktc"));
        engine.close();
        engine = null;
        assertFalse(nftRuleset().contains("expkt"), nftRuleset());
    }
}
