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
        assertTrue(nftRuleset().matches("(?s).*chain ingress_p1 \\{[^}]*ether daddr \\{[^}]*01:80:c2:00:10:00.*"), nftRuleset());
    }
}
