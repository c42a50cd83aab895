package expkt.provider;

import expkt.api.spi.BundleIdentity;
import expkt.lab.Deadlines;
import expkt.api.packet.Filter;
import expkt.api.packet.FilterAction;
import expkt.api.packet.PacketSocket;
import expkt.provider.command.L2Tables;
import expkt.provider.socket.OwnedPacketService;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Filters are owned by their socket and sockets by their bundle: the per-bundle service's release
 * (what DS does when the bundle stops) removes every socket, filter and nftables rule of that bundle.
 * The access list and {@code nft list ruleset} show each filter by name with counts that match what
 * was sent.
 */
class OwnershipTest extends L2ProviderTestBase {

    @Test
    void aclAndRulesetCountWhatWasSentAndForgetAReleasedBundle() throws Exception {
        engine();
        Wire h1 = wire(1);
        OwnedPacketService lldp = new OwnedPacketService(engine, BundleIdentity.of(41, "com.example.lldp", "1.0.0"));
        OwnedPacketService other = new OwnedPacketService(engine, BundleIdentity.of(42, "com.example.other", "1.0.0"));
        PacketSocket a = lldp.open();
        PacketSocket b = lldp.open();
        a.setupFilter(Filter.named("lldp-in").dstmac("01:80:C2:00:00:0E").ethertype(0x88CC).action(FilterAction.UP_AND_DROP).build());
        b.setupFilter(Filter.named("wol").ethertype(0x0842).build());
        PacketSocket c = other.open();
        c.setupFilter(Filter.named("other-f").ethertype(0x88b5).build());

        // a duplicate name is refused, naming the bundle that holds it; nothing is left behind
        IllegalArgumentException dup = assertThrows(IllegalArgumentException.class,
                () -> c.setupFilter(Filter.named("wol").ethertype(0x0806).build()));
        assertTrue(dup.getMessage().contains("\"wol\"") && dup.getMessage().contains("com.example.lldp"), dup.getMessage());
        assertEquals(1, c.filters().size());

        for (int i = 0; i < 5; i++) {
            h1.send(Wire.frame("01:80:c2:00:00:0e", HOST_MAC, 0x88CC, 60));
        }
        for (int i = 0; i < 3; i++) {
            h1.send(Wire.frame("00:e0:2b:00:00:00", HOST_MAC, 0x0842, 100));
        }
        // the nft counters move when the kernel has seen the frames: wait for that, then check exactly
        Deadlines.await(5_000, "the rules counted the 5 LLDP and 3 WoL frames", () -> {
            try {
                Map<String, long[]> c2 = engine.counters();
                return c2.get("lldp-in")[0] >= 5 && c2.get("wol")[0] >= 3;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        Map<String, long[]> counters = engine.counters();
        assertEquals(5, counters.get("lldp-in")[0]);
        assertEquals(300, counters.get("wol")[1]);
        assertEquals(3, counters.get("wol")[0]);
        assertEquals(0, counters.get("other-f")[0]);

        String acl = L2Tables.acl(engine);
        assertTrue(acl.matches("(?s).*lldp-in\\s+com\\.example\\.lldp 1\\.0\\.0 \\[41]\\s+#\\d+\\s+dstmac 01:80:C2:00:00:0E ethertype 0x88cc\\s+UP_AND_DROP\\s+INGRESS\\s+all\\s+5\\s+300\\n.*"), acl);
        assertTrue(acl.matches("(?s).*wol\\s+com\\.example\\.lldp.*UP_AND_CONTINUE\\s+INGRESS\\s+all\\s+3\\s+300\\n.*"), acl);
        String ruleset = nftRuleset();
        assertTrue(ruleset.contains("table netdev expkt"), ruleset);
        // on p1's ingress chain, with its hits (nftables counts bytes after the Ethernet header at ingress)
        // (each rule marks the frame: punt, and for UP_AND_DROP drop too; the port's punt chain then copies and drops once)
        assertTrue(ruleset.matches("(?s).*chain in_p1 \\{[^}]*counter packets 5 bytes 230 meta mark set meta mark \\| 0xc0000000 comment \"lldp-in\".*"), ruleset);
        assertTrue(ruleset.matches("(?s).*chain in_p1 \\{[^}]*counter packets 3 bytes 258 meta mark set meta mark \\| 0x40000000 comment \"wol\".*"), ruleset);
        assertTrue(ruleset.contains("comment \"other-f\""), ruleset);

        // the bundle stops without closing its sockets
        assertEquals(2, lldp.release());
        assertFalse(a.isOpen());
        assertFalse(b.isOpen());
        String after = nftRuleset();
        assertFalse(after.contains("lldp-in") || after.contains("\"wol\""), after);
        assertTrue(after.contains("other-f"), after);
        String aclAfter = L2Tables.acl(engine);
        assertFalse(aclAfter.contains("lldp") || aclAfter.contains("wol"), aclAfter);
        assertTrue(aclAfter.contains("other-f"), aclAfter);
        assertThrows(IllegalStateException.class, lldp::open);
        // its names are free again
        c.setupFilter(Filter.named("wol").ethertype(0x0842).build());
        assertTrue(L2Tables.sockets(engine).contains("other-f,wol"), L2Tables.sockets(engine));
        // the whole table goes when the provider stops
        engine.close();
        engine = null;
        assertFalse(nftRuleset().contains("expkt"), nftRuleset());
    }
}
