package expkt.provider;

import expkt.api.net.SlotPort;
import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Filter;
import expkt.provider.command.L2Tables;
import expkt.provider.dataplane.DataPlaneModel;
import expkt.provider.nft.NftRules;
import expkt.provider.socket.PacketSocketImpl;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The port/VLAN model: default numbering, explicit maps, live changes, and bad configurations that change nothing. */
class DataPlaneConfigTest extends L2ProviderTestBase {

    @Test
    void defaultNumberingSkipsLoopbackAndTheBridge() throws Exception {
        engine();
        DataPlaneModel m = engine.model();
        assertEquals(List.of("1:1=p1", "1:2=p2", "1:3=p3"),
                m.ports().stream().map(p -> p.slotPort() + "=" + p.ifName()).toList());
        assertEquals("p2", m.port(SlotPort.parse("2")).ifName()); // standalone numbering
        assertEquals(lab.host(1).switchMac().toUpperCase(), m.port(SlotPort.of(1, 1)).mac().toString());
        assertEquals(1500, m.port(SlotPort.of(1, 1)).mtu());
        String ports = L2Tables.ports(engine);
        assertTrue(ports.contains("default numbering") && ports.contains("p3"), ports);
    }

    @Test
    void badConfigurationsAreRejectedNamingTheEntryAndTheOldOneStays() throws Exception {
        engine(new String[] {"2:1=p1", "2:2=p2"}, new String[] {"name=foo tag=100 tagged=2:1 untagged=2:2"});
        DataPlaneModel good = engine.model();
        String[][][] bad = {
                {{"2:1=p9"}, {}, {"p9"}},
                {{"2:1=p1", "2:1=p2"}, {}, {"\"2:1=p2\"", "already mapped"}},
                {{"2:1=p1", "2:2=p1"}, {}, {"\"2:2=p1\"", "p1"}},
                {{"x:1=p1"}, {}, {"x:1"}},
                {{"2:1=lo"}, {}, {"loopback"}},
                {{"2:1=p1"}, {"name=foo tag=5000"}, {"5000"}},
                {{"2:1=p1"}, {"name=foo tag=10 tagged=3:3"}, {"3:3"}},
                {{"2:1=p1"}, {"name=foo tag=10", "name=foo tag=11"}, {"\"name=foo tag=11\"", "foo"}},
                {{"2:1=p1"}, {"name=a tag=10", "name=b tag=10"}, {"\"name=b tag=10\"", "tag 10"}},
                {{"2:1=p1"}, {"tag=10"}, {"no name="}},
                {{"2:1=p1"}, {"name=a tag=10 color=red"}, {"color"}},
                {{"2:1=p1"}, {"name=a tag=10 tagged=2:1 untagged=2:1"}, {"both tagged and untagged"}},
                // decimal without leading zeros: Integer.decode read tag=010 as octal 8
                {{"2:1=p1"}, {"name=a tag=010"}, {"\"010\"", "leading zero"}},
                {{"2:1=p1"}, {"name=a tag=0x64"}, {"\"0x64\"", "decimal"}},
                {{"2:1=p1"}, {"name=a tag=\u0661\u0660"}, {"decimal"}},
                {{"\u0662:1=p1"}, {}, {"\u0662:1"}},
        };
        for (String[][] c : bad) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dataPlane.configure(c[0], c[1]));
            for (String expected : c[2]) {
                assertTrue(e.getMessage().contains(expected), e.getMessage() + " should name " + expected);
            }
            assertSame(good, engine.model());
            assertTrue(L2Tables.ports(engine).contains("REJECTED"), L2Tables.ports(engine));
        }
        assertEquals("foo", engine.model().vlan("foo").name());
    }

    @Test
    void aLiveChangeRenumbersPortsUnderAnOpenSocket() throws Exception {
        engine();
        Wire h1 = wire(1);
        PacketSocketImpl s = engine.open(OWNER);
        s.setTimeout(Duration.ofMillis(500));
        s.setupFilter(Filter.named("live").ethertype(0x0842).build());
        ExosSockAddr a = new ExosSockAddr();
        h1.send(Wire.frame("00:e0:2b:00:00:00", HOST_MAC, 0x0842, 64));
        assertEquals(64, s.recvfrom(new byte[100], a));
        assertEquals("1:1", a.slot() + ":" + a.port());
        // a stack numbering: p1 becomes 2:5, p2 and p3 are no longer ports
        dataPlane.configure(new String[] {"2:5=p1"}, new String[] {"name=v7 tag=7 tagged=2:5"});
        h1.send(Wire.tagged("00:e0:2b:00:00:00", HOST_MAC, 7, 0x0842, 64));
        assertEquals(64, s.recvfrom(new byte[100], a)); // the whole frame, its tag in place
        assertEquals("2:5 p1 7 v7", a.slot() + ":" + a.port() + " " + a.ifName() + " " + a.vlanId() + " " + a.vlanName());
        String ruleset = nftRuleset();
        assertTrue(ruleset.contains("chain in_p1") && !ruleset.contains("chain in_p2"), ruleset);
        assertEquals(NftRules.rulesPerPortAndHook(s.filters().get(0)), ruleset.split("comment \"live\"", -1).length - 1, ruleset);
        assertTrue(L2Tables.vlans(engine).contains("v7"), L2Tables.vlans(engine));
    }
}
