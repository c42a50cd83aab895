package expkt.provider;

import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Filter;
import expkt.api.packet.FrameView;
import expkt.linux.LinuxException;
import expkt.linux.PacketSockets;
import expkt.provider.socket.PacketSocketImpl;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rollback of the filter install sequence ({@code SocketFilters.setup}: claim the name, prepare,
 * compile, nft rules, BPF attach, fanout members) with real kernel objects: the last step fails because
 * a fanout member's kernel socket refuses a new BPF program ({@code SO_LOCK_FILTER}, EPERM), after the
 * name was claimed, the nft rules were added and the leader's program was replaced. Afterwards nothing
 * of the failed filter is left: its name can be claimed again, no nft rule carries it, and the group's
 * sockets carry the previous program (a frame the old filter matched still arrives; frames only the
 * failed filter matches, which demonstrably reach the punt links, do not).
 */
class FilterRollbackTest extends L2ProviderTestBase {
    static final int OLD_ETHERTYPE = 0x88B5;
    static final String OLD = "rb-old";
    static final String LATE = "rb-late";

    @Test
    void aFanoutMemberRefusingTheProgramLeavesNothingOfTheFilter() throws Exception {
        engine();
        Wire h1 = wire(1);
        PacketSocketImpl leader = engine.open(OWNER);
        PacketSocketImpl member = engine.open(OWNER);
        closeAfter.add(leader::close);
        closeAfter.add(member::close);
        leader.setBlocking(false);
        member.setBlocking(false);
        leader.joinFanout(List.of(member));
        Filter old = Filter.named(OLD).ethertype(OLD_ETHERTYPE).build();
        leader.setupFilter(old);
        List<PacketSocketImpl> group = List.of(leader, member);

        // the old filter's frames arrive at the group
        h1.send(frame(OLD_ETHERTYPE, 0));
        Map<Integer, Integer> got = new HashMap<>();
        HandlerRuntimeTest.await("the old filter's frame arrives", () -> drain(group, got).getOrDefault(OLD_ETHERTYPE, 0) == 1);

        // the member's kernel socket now refuses any new program: the install fails at its last step
        PacketSockets.setInt(member.fd(), PacketSockets.SOL_SOCKET, PacketSockets.SO_LOCK_FILTER, 1, "SO_LOCK_FILTER");
        Filter late = Filter.named(LATE).ethertype(0x0800).build();
        LinuxException refused = assertThrows(LinuxException.class, () -> leader.setupFilter(late));
        assertEquals(expkt.linux.Errno.EPERM, refused.errno(), "EPERM expected: " + refused.getMessage());

        // nothing of it is left: not among the socket's filters, no nft rule, no counter
        assertEquals(List.of(old), leader.filters());
        assertNull(counted(LATE), "an nft rule of the failed filter is counted");
        assertFalse(nftRuleset().contains(LATE), "an nft rule of the failed filter is left:\n" + nftRuleset());
        assertTrue(nftRuleset().contains(OLD), "the old filter's rule went too:\n" + nftRuleset());

        // the old program is in force: its frame still arrives
        h1.send(frame(OLD_ETHERTYPE, 1));
        HandlerRuntimeTest.await("the old filter's frame still arrives", () -> drain(group, got).getOrDefault(OLD_ETHERTYPE, 0) == 2);

        // the name is free again: another socket claims it, and its frames reach the punt links there ...
        PacketSocketImpl witness = engine.open(OWNER);
        closeAfter.add(witness::close);
        witness.setBlocking(false);
        witness.setupFilter(late);
        int flows = 64; // many flows, so that the group's hash would hand some to each of its sockets
        for (int flow = 0; flow < flows; flow++) {
            h1.send(FanoutTest.udp(flow, 0));
        }
        Map<Integer, Integer> witnessed = new HashMap<>();
        HandlerRuntimeTest.await("the late filter's frames reach the witness socket",
                () -> drain(List.of(witness), witnessed).getOrDefault(0x0800, 0) == flows);
        // ... while the group, back on the old program, took none of them (a frame after them all marks the end)
        h1.send(frame(OLD_ETHERTYPE, 2));
        HandlerRuntimeTest.await("the marker frame arrives at the group", () -> drain(group, got).getOrDefault(OLD_ETHERTYPE, 0) == 3);
        assertEquals(0, got.getOrDefault(0x0800, 0), "frames of the failed filter received by the group whose install was rolled back");
    }

    /** An untagged frame from h1 to the switch with {@code ethertype}, carrying {@code seq}. */
    static byte[] frame(int ethertype, int seq) {
        byte[] f = new byte[60];
        System.arraycopy(Wire.mac("02:00:00:00:00:99"), 0, f, 0, 6);
        System.arraycopy(Wire.mac(HOST_MAC), 0, f, 6, 6);
        f[12] = (byte) (ethertype >> 8);
        f[13] = (byte) ethertype;
        f[14] = (byte) seq;
        return f;
    }

    /** Reads every frame waiting on {@code sockets}, adding each to {@code counts} by its ethertype (bytes 12..13); returns {@code counts}. */
    static Map<Integer, Integer> drain(List<PacketSocketImpl> sockets, Map<Integer, Integer> counts) {
        ExosSockAddr from = new ExosSockAddr();
        try {
            for (PacketSocketImpl s : sockets) {
                for (FrameView v = s.receive(from); v != null; v = s.receive(from)) {
                    counts.merge(v.getUnsignedShort(12), 1, Integer::sum);
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return counts;
    }
}
