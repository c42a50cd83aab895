package expkt.provider;

import expkt.api.packet.Direction;
import expkt.api.packet.Filter;
import expkt.api.packet.FilterAction;
import expkt.provider.socket.PacketSocketImpl;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The punt path: no socket is a packet tap in the data plane, a frame that matches no filter is never
 * copied anywhere (whatever the number of filters), and a frame that matches is copied to its port's
 * punt link exactly once, however many filters of however many sockets match it.
 */
class PuntPathTest extends L2ProviderTestBase {
    static final String DST = "00:e0:2b:00:00:00";

    /** Packet sockets of the switch namespace by protocol (hex, as /proc/net/packet shows it). */
    private static List<String> packetSocketProtocols() {
        List<String> out = new ArrayList<>();
        for (String line : lab.exec(lab.switchNs(), "cat", "/proc/net/packet").check().stdout().lines().skip(1).toList()) {
            String[] f = line.trim().split("\\s+");
            out.add(f[3]);
        }
        return out;
    }

    private static long punted(String nearEnd) {
        return Long.parseLong(lab.exec(lab.switchNs(), "cat", "/sys/class/net/" + nearEnd + "/statistics/tx_packets").check().stdout().strip());
    }

    private static String ingressLink(int port) {
        int ifIndex = Integer.parseInt(lab.exec(lab.switchNs(), "cat", "/sys/class/net/p" + port + "/ifindex").check().stdout().strip());
        return "expktci" + ifIndex;
    }

    @Test
    void noSocketTapsTheDataPlane() throws Exception {
        engine();
        List<PacketSocketImpl> sockets = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            PacketSocketImpl s = engine.open(OWNER);
            s.setupFilter(Filter.named("tap" + i).ethertype(0x0842 + i).build());
            sockets.add(s);
        }
        // what the data plane holds of ours: the three send-only sockets (protocol 0, which no frame is delivered to),
        // so this listing would show a receiving socket if there were one
        List<String> protocols = packetSocketProtocols();
        assertEquals(3, protocols.stream().filter("0000"::equals).count(), protocols.toString());
        assertEquals(List.of(), protocols.stream().filter(p -> !p.equals("0000")).toList(), "no packet tap in the data plane");
        sockets.forEach(PacketSocketImpl::close);
        assertEquals(List.of(), packetSocketProtocols(), "closing a socket closes its send socket too");
    }

    @Test
    void aFrameMatchingNothingIsNeverPuntedAndAMatchIsPuntedOnce() throws Exception {
        engine();
        Wire h1 = wire(1);
        List<PacketSocketImpl> idle = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            PacketSocketImpl s = engine.open(OWNER);
            Filter.Builder f = Filter.named("idle" + i);
            String mac = String.format("01:80:c2:00:10:%02x", i);
            switch (i % 3) {
                case 0 -> f.dstmac(mac).ethertype(0x8900 + i);
                case 1 -> f.ethertype(0x8900 + i);
                default -> f.dstmac(mac);
            }
            s.setupFilter(f.build());
            idle.add(s);
        }
        // two sockets whose filters both match the same frames, one of them UP_AND_DROP
        PacketSocketImpl copy = engine.open(OWNER);
        copy.setupFilter(Filter.named("copy").ethertype(0x0842).build());
        PacketSocketImpl drop = engine.open(OWNER);
        drop.setupFilter(Filter.named("drop").dstmac(DST).ethertype(0x0842).action(FilterAction.UP_AND_DROP).build());
        String link = ingressLink(1);

        long before = punted(link);
        for (int i = 0; i < 20; i++) {
            h1.send(Wire.frame("00:e0:2b:00:00:09", HOST_MAC, 0x88b5, 64)); // matches no filter
        }
        h1.send(Wire.frame(DST, HOST_MAC, 0x0842, 64));                      // matches "copy" and "drop"
        List<FilterMatchTest.Got> gotCopy = FilterMatchTest.drain(copy);
        List<FilterMatchTest.Got> gotDrop = FilterMatchTest.drain(drop);
        assertEquals(List.of(new FilterMatchTest.Got(1, Direction.INGRESS, -1, 64, 0x0842, null)), gotCopy);
        assertEquals(gotCopy, gotDrop);
        // the link counted exactly the one matching frame: none of the 20 others, and the match once for both filters
        assertEquals(1, punted(link) - before, "frames punted on " + link);
        for (PacketSocketImpl s : idle) {
            assertEquals(List.of(), FilterMatchTest.drain(s));
        }
        // the 50 idle filters are in the table, counting nothing; the two matching ones counted the frame
        assertEquals(0L, engine.counters().get("idle7")[0]);
        assertEquals(1L, engine.counters().get("copy")[0]);
        assertEquals(1L, engine.counters().get("drop")[0]);
        // the prefilter: a MAC+ethertype filter's ethertype in the port's verdict map, to the pair chain
        // whose set holds the pair; a MAC-less filter's ethertype to the punt chain; a MAC-only filter's MAC
        // in the MAC set, behind the group bit (all of these MACs are multicast)
        String hook = chainText("ingress_p1");
        assertTrue(hook.contains("meta protocol vmap @types_in_p1"), hook);
        String map = mapText("types_in_p1");
        assertTrue(map.matches("(?s).*0x8900 : goto pre_in_p1.*"), map);
        assertTrue(map.matches("(?s).*0x8901 : goto punt_in_p1.*"), map);
        assertTrue(hook.matches("(?s).*@ll,0,8 & 0x1 == 0x1 ether daddr \\{[^}]*01:80:c2:00:10:02.*"), hook);
        String pairs = chainText("pre_in_p1");
        assertTrue(pairs.matches("(?s).*ether daddr \\. meta protocol \\{[^}]*01:80:c2:00:10:00 \\. 0x8900.*"), pairs);
    }

    /**
     * The prefilter's shortcuts keep every match: a frame of a MAC+ethertype filter's ethertype (which
     * the verdict map sends to the pair chain) but to a MAC-only filter's MAC still reaches that filter,
     * a unicast MAC-only filter is not behind the group-bit test, and a frame of neither stops at the
     * prefilter.
     */
    @Test
    void aMacOnlyFilterSeesFramesOfAPairFiltersEthertype() throws Exception {
        engine();
        Wire h1 = wire(1);
        PacketSocketImpl pair = engine.open(OWNER);
        pair.setupFilter(Filter.named("pair2").dstmac(DST).ethertype(0x0842).build());
        PacketSocketImpl group = engine.open(OWNER);
        group.setupFilter(Filter.named("group").dstmac("01:80:c2:00:10:02").build());
        long prefilteredBefore = prefiltered("punt_in_p1");
        for (int i = 0; i < 20; i++) {
            h1.send(Wire.frame("00:e0:2b:00:00:09", HOST_MAC, 0x0842, 64)); // the pair's ethertype, no filter's MAC
        }
        h1.send(Wire.frame("01:80:c2:00:10:02", HOST_MAC, 0x0842, 64));      // the pair's ethertype, "group"'s MAC
        assertEquals(List.of(new FilterMatchTest.Got(1, Direction.INGRESS, -1, 64, 0x0842, null)), FilterMatchTest.drain(group));
        assertEquals(List.of(), FilterMatchTest.drain(pair));
        assertEquals(1, prefiltered("punt_in_p1") - prefilteredBefore,
                "frames the prefilter sent to the punt chain (the 20 of no filter's MAC must stop there)\n" + nftRuleset());
        assertTrue(chainText("ingress_p1").contains("@ll,0,8 & 0x1 == 0x1"), chainText("ingress_p1"));

        // a unicast MAC: no group-bit test in front of the MAC set
        PacketSocketImpl unicast = engine.open(OWNER);
        unicast.setupFilter(Filter.named("unicast").dstmac("02:00:00:00:00:77").build());
        assertTrue(!chainText("ingress_p1").contains("@ll,0,8"), chainText("ingress_p1"));
        h1.send(Wire.frame("02:00:00:00:00:77", HOST_MAC, 0x88b5, 64));
        h1.send(Wire.frame("01:80:c2:00:10:02", HOST_MAC, 0x88b5, 64));
        assertEquals(List.of(new FilterMatchTest.Got(1, Direction.INGRESS, -1, 64, 0x88b5, null)), FilterMatchTest.drain(unicast));
        assertEquals(List.of(new FilterMatchTest.Got(1, Direction.INGRESS, -1, 64, 0x88b5, null)), FilterMatchTest.drain(group));
        assertEquals(1L, engine.counters().get("unicast")[0]);
        assertEquals(2L, engine.counters().get("group")[0]);
        assertEquals(0L, engine.counters().get("pair2")[0]);
    }

    /** The text of one chain of {@code nft list ruleset}, from its name to its closing brace (sets inside included). */
    private static String chainText(String chain) {
        String ruleset = nftRuleset();
        int at = ruleset.indexOf("chain " + chain + " {");
        assertTrue(at >= 0, "no chain " + chain + " in\n" + ruleset);
        int end = ruleset.indexOf("\n\t}", at);
        return ruleset.substring(at, end < 0 ? ruleset.length() : end);
    }

    /** The text of one map of {@code nft list ruleset}, from its name to its closing brace. */
    private static String mapText(String map) {
        String ruleset = nftRuleset();
        int at = ruleset.indexOf("map " + map + " {");
        assertTrue(at >= 0, "no map " + map + " in\n" + ruleset);
        int end = ruleset.indexOf("\n\t}", at);
        return ruleset.substring(at, end < 0 ? ruleset.length() : end);
    }

    /** The kernel's handle of the map {@code map} ({@code nft -a list ruleset}): another handle, another map. */
    private static String mapHandle(String map) {
        String ruleset = lab.exec(lab.switchNs(), "nft", "-a", "list", "ruleset").check().stdout();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("map " + map + " \\{ # handle (\\d+)").matcher(ruleset);
        assertTrue(m.find(), "no map " + map + " in\n" + ruleset);
        return m.group(1);
    }

    /**
     * A change of the filters on a port changes the elements of the port's verdict map and never
     * replaces the map the base chain looks up: the kernel marks a replaced map's elements inactive for
     * the next generation before it switches, and a frame whose walk of the base chain began before the
     * switch and looks the map up after it finds nothing there and is forwarded (an UP_AND_DROP
     * filter that stayed leaked so in {@code FilterEnforcementTest}; DESIGN.md "Classify once"). So:
     * the same map (handle) through filters added, a reconfiguration that re-applies them all, and a
     * filter removed, holding exactly the ethertypes of the filters there.
     */
    @Test
    void aChangeOfFiltersChangesTheVerdictMapsElementsNeverTheMap() throws Exception {
        String[] three = {"1:1=p1", "1:2=p2", "1:3=p3"};
        String[] two = {"1:1=p1", "1:2=p2"};
        engine(three, new String[0]);
        PacketSocketImpl s = engine.open(OWNER);
        s.setupFilter(Filter.named("stays").ethertype(0x88b5).action(FilterAction.UP_AND_DROP).build());
        String handle = mapHandle("types_in_p1");
        assertTrue(chainText("ingress_p1").contains("meta protocol vmap @types_in_p1"), chainText("ingress_p1"));

        PacketSocketImpl other = engine.open(OWNER);
        other.setupFilter(Filter.named("comes").ethertype(0x88b6).build());
        other.setupFilter(Filter.named("pair").dstmac(DST).ethertype(0x0842).build());
        dataPlane.configure(two, new String[0]); // every filter re-applied, on other ports
        assertEquals(handle, mapHandle("types_in_p1"), "the base chain looks up another map now:\n" + nftRuleset());
        String map = mapText("types_in_p1");
        for (String e : new String[] {"0x88b5 : goto punt_in_p1", "0x88b6 : goto punt_in_p1", "8021q : goto punt_in_p1",
                "8021ad : goto punt_in_p1", "0x0842 : goto pre_in_p1"}) {
            assertTrue(map.contains(e), e + " in " + map);
        }
        other.close();
        assertEquals(handle, mapHandle("types_in_p1"), nftRuleset());
        map = mapText("types_in_p1");
        assertTrue(map.contains("0x88b5 : goto punt_in_p1"), map);
        assertTrue(!map.contains("0x88b6") && !map.contains("0x0842"), "the closed socket's ethertypes are gone: " + map);
        assertTrue(chainText("ingress_p1").contains("meta protocol vmap @types_in_p1"), chainText("ingress_p1"));
    }

    /** Frames the prefilter sent on to a punt chain (the counter of the punt chain's first rule). */
    private static long prefiltered(String puntChain) {
        String text = chainText(puntChain);
        java.util.regex.Matcher c = java.util.regex.Pattern.compile("counter packets (\\d+)").matcher(text);
        assertTrue(c.find(), "no counter in chain " + puntChain + ":\n" + text);
        return Long.parseLong(c.group(1));
    }

    /**
     * A frame to a filter's MAC but of another ethertype stops at the prefilter: it never walks the punt
     * chain and the port's filter rules (on veth that walk runs in the sender's softirq: the data plane
     * pays it per frame). A frame of the filter's ethertype behind two tags still goes on (the filter
     * chain looks behind them) and is delivered.
     */
    @Test
    void aFrameToAFiltersMacWithAnotherEthertypeStopsAtThePrefilter() throws Exception {
        engine();
        Wire h1 = wire(1);
        PacketSocketImpl s = engine.open(OWNER);
        s.setupFilter(Filter.named("pair").dstmac(DST).ethertype(0x0842).build());
        String link = ingressLink(1);
        long puntedBefore = punted(link);
        long prefilteredBefore = prefiltered("punt_in_p1");
        for (int i = 0; i < 20; i++) {
            h1.send(Wire.frame(DST, HOST_MAC, 0x88b5, 64)); // the filter's MAC, another ethertype
        }
        h1.send(Wire.frame(DST, HOST_MAC, 0x0842, 64));     // the filter's MAC and ethertype
        List<FilterMatchTest.Got> got = FilterMatchTest.drain(s);
        assertEquals(List.of(new FilterMatchTest.Got(1, Direction.INGRESS, -1, 64, 0x0842, null)), got);
        assertEquals(1, punted(link) - puntedBefore, "frames punted on " + link);
        assertEquals(1, prefiltered("punt_in_p1") - prefilteredBefore,
                "frames the prefilter sent to the punt chain (20 of another ethertype must stop there)\n" + nftRuleset());
        assertEquals(1L, engine.counters().get("pair")[0]);

        // QinQ (802.1ad 200 outside, 802.1Q 100 inside): meta protocol is the inner TPID, the pair set holds it too
        java.nio.ByteBuffer q = java.nio.ByteBuffer.allocate(68);
        q.put(Wire.mac(DST)).put(Wire.mac(HOST_MAC)).putShort((short) 0x88a8).putShort((short) 200)
                .putShort((short) 0x8100).putShort((short) 100).putShort((short) 0x0842);
        h1.send(q.array());
        List<FilterMatchTest.Got> tagged = FilterMatchTest.drain(s);
        assertEquals(1, tagged.size(), tagged.toString());
        assertEquals(200, tagged.get(0).vlan());
        assertEquals(2L, engine.counters().get("pair")[0]);
    }
}
