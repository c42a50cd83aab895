package expkt.provider;

import expkt.api.packet.Direction;
import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Filter;
import expkt.api.packet.FilterAction;
import expkt.provider.socket.PacketSocketImpl;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Frames sent from the lab's host namespaces reach the socket only when a filter matches; the
 * address says where they came from. The lab's bridge floods unknown unicast, so a frame from h1
 * enters on 1:1 (INGRESS) and leaves on 1:2 and 1:3 (EGRESS).
 */
class FilterMatchTest extends L2ProviderTestBase {
    static final String DST = "00:e0:2b:00:00:00";

    record Got(int port, Direction direction, int vlan, int length, int protocol, String vlanName) {
    }

    static List<Got> drain(PacketSocketImpl s) throws Exception {
        s.setTimeout(Duration.ofMillis(300));
        List<Got> got = new ArrayList<>();
        ExosSockAddr a = new ExosSockAddr();
        byte[] buf = new byte[9000];
        int n;
        while ((n = s.recvfrom(buf, a)) >= 0) {
            assertEquals(1, a.slot());
            assertEquals("p" + a.port(), a.ifName());
            assertEquals(n, a.capturedLength());
            got.add(new Got(a.port(), a.direction(), a.vlanId(), n, a.protocol(), a.vlanName()));
        }
        return got;
    }

    @Test
    void byDstmacByEthertypeAndByBoth() throws Exception {
        engine();
        Wire h1 = wire(1);
        PacketSocketImpl mac = engine.open(OWNER);
        PacketSocketImpl et = engine.open(OWNER);
        PacketSocketImpl both = engine.open(OWNER);
        mac.setupFilter(Filter.named("bymac").dstmac(0x00, 0xE0, 0x2B, 0x00, 0x00, 0x00).build());
        et.setupFilter(Filter.named("byet").ethertype(0x0842).build());
        both.setupFilter(Filter.named("byboth").dstmac("00:E0:2B:00:00:00").ethertype(0x0842).build());
        h1.send(Wire.frame(DST, HOST_MAC, 0x0842, 60));                 // all three
        h1.send(Wire.frame(DST, HOST_MAC, 0x88b5, 61));                 // mac only
        h1.send(Wire.frame("00:e0:2b:00:00:09", HOST_MAC, 0x0842, 62)); // ethertype only
        h1.send(Wire.frame("00:e0:2b:00:00:09", HOST_MAC, 0x88b5, 63)); // none
        assertEquals(List.of(60, 61), drain(mac).stream().map(Got::length).toList());
        assertEquals(List.of(60, 62), drain(et).stream().map(Got::length).toList());
        assertEquals(List.of(60), drain(both).stream().map(Got::length).toList());
        // several filters on one socket are OR-ed
        PacketSocketImpl or = engine.open(OWNER);
        or.setupFilter(Filter.named("or-a").dstmac("00:e0:2b:00:00:09").ethertype(0x88b5).build());
        or.setupFilter(Filter.named("or-b").dstmac(DST).ethertype(0x0842).build());
        h1.send(Wire.frame(DST, HOST_MAC, 0x0842, 70));
        h1.send(Wire.frame(DST, HOST_MAC, 0x88b5, 71));
        h1.send(Wire.frame("00:e0:2b:00:00:09", HOST_MAC, 0x88b5, 72));
        assertEquals(List.of(70, 72), drain(or).stream().map(Got::length).toList());
        // removeFilters: nothing more comes up
        or.removeFilters();
        h1.send(Wire.frame(DST, HOST_MAC, 0x0842, 73));
        assertEquals(List.of(), drain(or));
    }

    @Test
    void taggedAndUntaggedFramesMatchTheEthertypeAfterTheTag() throws Exception {
        engine(new String[0], new String[] {"name=blue tag=100 tagged=1:1,1:2"});
        Wire h1 = wire(1);
        PacketSocketImpl s = engine.open(OWNER);
        s.setupFilter(Filter.named("wol").ethertype(0x0842).build());
        h1.send(Wire.tagged(DST, HOST_MAC, 100, 0x0842, 64));
        h1.send(Wire.frame(DST, HOST_MAC, 0x0842, 64));
        h1.send(Wire.tagged(DST, HOST_MAC, 200, 0x0842, 80));
        h1.send(Wire.tagged(DST, HOST_MAC, 100, 0x88b5, 64));
        List<Got> got = drain(s);
        assertEquals(List.of(
                new Got(1, Direction.INGRESS, 100, 64, 0x0842, "blue"),
                new Got(1, Direction.INGRESS, -1, 64, 0x0842, null),
                new Got(1, Direction.INGRESS, 200, 80, 0x0842, null)), got); // whole: the tag is back in the frame
        // a filter on the tag's own ethertype matches the tag the kernel moved to metadata
        PacketSocketImpl q = engine.open(OWNER);
        q.setupFilter(Filter.named("dot1q").ethertype(0x8100).build());
        h1.send(Wire.tagged(DST, HOST_MAC, 300, 0x0842, 64));
        h1.send(Wire.frame(DST, HOST_MAC, 0x0842, 64));
        List<Got> tagged = drain(q);
        assertEquals(1, tagged.size(), tagged.toString());
        assertEquals(300, tagged.get(0).vlan());
    }

    @Test
    void ingressEgressAndBoth() throws Exception {
        engine();
        Wire h1 = wire(1);
        PacketSocketImpl in = engine.open(OWNER);
        PacketSocketImpl out = engine.open(OWNER);
        PacketSocketImpl both = engine.open(OWNER);
        in.setupFilter(Filter.named("dir-in").ethertype(0x0842).direction(Direction.INGRESS).build());
        out.setupFilter(Filter.named("dir-out").ethertype(0x0842).direction("EGRESS").build());
        both.setupFilter(Filter.named("dir-both").ethertype(0x0842).direction(Direction.BOTH).build());
        h1.send(Wire.frame(DST, HOST_MAC, 0x0842, 64));
        assertEquals(List.of(new Got(1, Direction.INGRESS, -1, 64, 0x0842, null)), drain(in));
        List<Got> egress = drain(out);
        assertEquals(List.of(2, 3), egress.stream().map(Got::port).sorted().toList(), egress.toString());
        assertTrue(egress.stream().allMatch(g -> g.direction() == Direction.EGRESS), egress.toString());
        List<Got> all = drain(both);
        assertEquals(List.of(1, 2, 3), all.stream().map(Got::port).sorted().toList(), all.toString());
    }

    @Test
    void upAndContinueForwardsUpAndDropDoesNot() throws Exception {
        engine();
        Wire h1 = wire(1);
        Wire h2 = wire(2);
        PacketSocketImpl cont = engine.open(OWNER);
        cont.setupFilter(Filter.named("cont").ethertype(0x0842).build());
        h1.send(Wire.frame(DST, HOST_MAC, 0x0842, 64));
        assertEquals(1, drain(cont).size());
        assertEquals(1, Wire.withEthertype(h2.drain(300), 0x0842).size(), "UP_AND_CONTINUE: h2 gets the frame");

        PacketSocketImpl drop = engine.open(OWNER);
        drop.setupFilter(Filter.named("drop").ethertype(0x88b5).action(FilterAction.UP_AND_DROP).build());
        h1.send(Wire.frame(DST, HOST_MAC, 0x88b5, 64));
        h1.send(Wire.frame(DST, HOST_MAC, 0x0842, 64));
        List<Got> got = drain(drop);
        assertEquals(List.of(new Got(1, Direction.INGRESS, -1, 64, 0x88b5, null)), got);
        List<byte[]> atH2 = h2.drain(300);
        assertEquals(0, Wire.withEthertype(atH2, 0x88b5).size(), "UP_AND_DROP: h2 must not get the frame");
        assertEquals(1, Wire.withEthertype(atH2, 0x0842).size(), "an unrelated frame is still forwarded");
        // the other socket still saw its own ethertype only
        assertEquals(1, drain(cont).size());
        // closing the socket removes the drop rule: forwarding resumes
        drop.close();
        h1.send(Wire.frame(DST, HOST_MAC, 0x88b5, 64));
        assertEquals(1, Wire.withEthertype(h2.drain(300), 0x88b5).size());
    }

    @Test
    void egressUpAndDropStillBringsTheFrameUpThroughACaptureLink() throws Exception {
        engine();
        Wire h1 = wire(1);
        Wire h2 = wire(2);
        Wire h3 = wire(3);
        PacketSocketImpl s = engine.open(OWNER);
        s.setupFilter(Filter.named("eg-drop").ethertype(0x88b5).direction(Direction.EGRESS).action(FilterAction.UP_AND_DROP).build());
        h1.send(Wire.frame(DST, HOST_MAC, 0x88b5, 64));
        h1.send(Wire.frame(DST, HOST_MAC, 0x0842, 64));
        List<Got> got = drain(s);
        // the bridge floods it to 1:2 and 1:3; the egress rules drop it there, the copies come up as EGRESS of those ports
        assertEquals(List.of(2, 3), got.stream().map(Got::port).sorted().toList(), got.toString());
        assertTrue(got.stream().allMatch(g -> g.direction() == Direction.EGRESS && g.length() == 64 && g.protocol() == 0x88b5), got.toString());
        List<byte[]> at2 = h2.drain(200);
        List<byte[]> at3 = h3.drain(200);
        assertEquals(0, Wire.withEthertype(at2, 0x88b5).size() + Wire.withEthertype(at3, 0x88b5).size(), "dropped on egress");
        assertEquals(1, Wire.withEthertype(at2, 0x0842).size(), "other frames still leave");
        String ruleset = nftRuleset();
        // the filter's rule counts and marks the frame (punt + drop); its port's punt chain copies it to the egress punt link, then drops it
        assertTrue(ruleset.matches("(?s).*chain out_p2 \\{[^}]*counter packets 1 bytes \\d+ meta mark set meta mark \\| 0xc0000000 comment \"eg-drop\".*"), ruleset);
        assertTrue(ruleset.matches("(?s).*chain punt_out_p2 \\{[^}]*dup to \"expktc\\d+\"\\s+meta mark 0x80000000/1 drop.*"), ruleset);
        // the capture links are not ports
        assertEquals(3, engine.model().ports().size());
        dataPlane.refresh();
        assertEquals(3, engine.model().ports().size());

        // BOTH + UP_AND_DROP: dropped at ingress already, so only the INGRESS copy exists
        s.removeFilters();
        s.setupFilter(Filter.named("both-drop").ethertype(0x88b5).direction(Direction.BOTH).action(FilterAction.UP_AND_DROP).build());
        h2.send(Wire.frame(DST, "02:00:00:00:00:02", 0x88b5, 64));
        assertEquals(List.of(new Got(2, Direction.INGRESS, -1, 64, 0x88b5, null)), drain(s));
        assertEquals(0, Wire.withEthertype(h1.drain(200), 0x88b5).size());
        s.close();
        engine.close();
        engine = null;
        String links = lab.exec(lab.switchNs(), "ip", "-o", "link").check().stdout();
        assertTrue(!links.contains("expktc") && !links.contains("expktr"), links);
    }

    @Test
    void anExplicitEthertypeOffsetReadsThatRawOffsetAndQinQIsSeenThrough() throws Exception {
        engine();
        Wire h1 = wire(1);
        PacketSocketImpl raw = engine.open(OWNER);
        // Wire.frame's payload byte i is i: bytes 16..17 read 0x1011
        raw.setupFilter(Filter.named("raw16").ethertype(0x1011).ethertypeOffset(16).build());
        byte[] yes = Wire.frame(DST, HOST_MAC, 0x88b5, 64);
        byte[] no = Wire.frame(DST, HOST_MAC, 0x88b5, 64);
        no[17] = 0x12;
        h1.send(yes);
        h1.send(no);
        assertEquals(List.of(new Got(1, Direction.INGRESS, -1, 64, 0x88b5, null)), drain(raw));
        assertTrue(nftRuleset().matches("(?s).*@ll,128,16 0x1011 counter packets 1 bytes \\d+ meta mark set meta mark \\| 0x40000000 comment \"raw16\".*"), nftRuleset());

        // QinQ: the kernel moves the outer 802.1ad tag to metadata, the inner 802.1Q tag stays in the bytes;
        // the default ethertype is the one after both
        PacketSocketImpl s = engine.open(OWNER);
        s.setupFilter(Filter.named("qinq").ethertype(0x0842).build());
        java.nio.ByteBuffer q = java.nio.ByteBuffer.allocate(68);
        q.put(Wire.mac(DST)).put(Wire.mac(HOST_MAC)).putShort((short) 0x88a8).putShort((short) 200)
                .putShort((short) 0x8100).putShort((short) 100).putShort((short) 0x0842);
        h1.send(q.array());
        List<Got> got = drain(s);
        assertEquals(1, got.size(), got.toString());
        assertEquals(200, got.get(0).vlan());
        assertEquals(68, got.get(0).length()); // whole: both tags in the frame
    }
}
