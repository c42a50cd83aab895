package expkt.provider;

import expkt.api.net.SlotPort;
import expkt.api.packet.Direction;
import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Expkt;
import expkt.api.packet.Filter;
import expkt.api.packet.FilterAction;
import expkt.api.packet.PacketSocket;
import expkt.provider.nft.NftRules;
import expkt.provider.socket.OwnedPacketService;
import expkt.provider.socket.PacketSocketImpl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every bad input gets an exception naming the bad value and leaves no state in the kernel or the provider. */
class BadInputTest extends L2ProviderTestBase {

    private static void rejects(String expectedInMessage, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expectedInMessage), "message \"" + e.getMessage() + "\" should name " + expectedInMessage);
    }

    /** Nothing of the named filter anywhere: not in the registry, not in nftables. */
    private void noTraceOf(String name) {
        assertEquals(null, engine.registry().get(name));
        assertFalse(nftRuleset().contains("\"" + name + "\""), nftRuleset());
    }

    @Test
    void badFiltersAreRejectedNamingTheValue() throws Exception {
        engine();
        PacketSocketImpl s = engine.open(OWNER);
        rejects("00:E0:2B:00:00", () -> s.setupFilter(Filter.named("m1").dstmac("00:E0:2B:00:00").build()));
        rejects("00:E0:2B:00:00:0G", () -> s.setupFilter(Filter.named("m2").dstmac("00:E0:2B:00:00:0G").build()));
        rejects("256", () -> Filter.named("m3").dstmac(0, 0xE0, 0x2B, 0, 0, 256));
        rejects("5 [", () -> Filter.named("m4").dstmac(new byte[5]));
        rejects("0x10000", () -> s.setupFilter(Filter.named("e1").ethertype(0x10000).build()));
        rejects("-2", () -> s.setupFilter(Filter.named("e2").ethertype(-2).build()));
        rejects("\"n1\" needs a dstmac, an ethertype, or both", () -> s.setupFilter(Filter.named("n1").build()));
        rejects("empty", () -> s.setupFilter(Filter.named("").ethertype(0x0842).build()));
        rejects("null", () -> s.setupFilter(Filter.named(null).ethertype(0x0842).build()));
        String overlong = "f".repeat(33);
        rejects(overlong, () -> s.setupFilter(Filter.named(overlong).ethertype(0x0842).build()));
        rejects("bad name!", () -> Filter.named("bad name!").ethertype(0x0842).build());
        rejects("UP_AND_FLY", () -> Filter.named("a1").ethertype(0x0842).action("UP_AND_FLY"));
        rejects("SIDEWAYS", () -> Filter.named("d1").ethertype(0x0842).direction("SIDEWAYS"));
        rejects("VR-Nope", () -> s.setupFilter(Filter.named("vr1").ethertype(0x0842).vr("VR-Nope").build()));
        noTraceOf("vr1");
        assertEquals(List.of(), s.filters());
        // a duplicate, also within one socket
        s.setupFilter(Filter.named("dup").ethertype(0x0842).build());
        rejects("\"dup\" is already used by test", () -> s.setupFilter(Filter.named("dup").ethertype(0x0843).build()));
        assertEquals(1, s.filters().size());
        assertEquals(3 * NftRules.rulesPerPortAndHook(s.filters().get(0)), nftRuleset().split("comment \"dup\"", -1).length - 1,
                nftRuleset()); // one set of rules per port
        // the right VR by name is fine
        s.setupFilter(Filter.named("vr-ok").ethertype(0x0842).vr("VR-Default").build());
    }

    @Test
    void badSendsAreRejectedNamingTheValue() throws Exception {
        engine(new String[0], new String[] {"name=foo tag=100 tagged=1:1", "name=empty tag=5"});
        PacketSocketImpl s = engine.open(OWNER);
        byte[] ok = Wire.frame("00:e0:2b:00:00:00", HOST_MAC, 0x0842, 64);
        rejects("1:9", () -> s.sendto(ok, SlotPort.of(1, 9)));
        rejects("2:1", () -> s.sendto(ByteBuffer.wrap(ok), List.of(SlotPort.of(1, 1), SlotPort.of(2, 1))));
        rejects("\"nope\"", () -> s.sendto(ok, "nope"));
        rejects("VLAN empty has no member ports", () -> s.sendto(ok, "empty"));
        rejects("13 bytes", () -> s.sendto(new byte[13], SlotPort.of(1, 1)));
        rejects("1515 bytes", () -> s.sendto(new byte[1515], SlotPort.of(1, 1)));
        rejects("1515 bytes", () -> s.sendto(new byte[1515], "foo")); // a tag is added: 1514 is the most
        rejects("1514", () -> s.sendto(new byte[1515], "foo"));
        rejects("none was given", () -> s.sendto(ok));
        rejects("none was given", () -> s.sendto(ok, (String) null));
        rejects("already carries a VLAN tag", () -> s.sendto(Wire.tagged("00:e0:2b:00:00:00", HOST_MAC, 7, 0x0842, 64), "foo"));
        // the largest frame a port takes goes out
        s.sendto(new byte[1514], SlotPort.of(1, 1));
    }

    @Test
    void badSocketCallsAndOptions() throws Exception {
        engine();
        OwnedPacketService svc = new OwnedPacketService(engine, OWNER);
        rejects("domain 17", () -> svc.socket(17, Expkt.SOCK_RAW, Expkt.htons(Expkt.ETH_P_ALL)));
        rejects("type 2", () -> svc.socket(Expkt.PF_EXOS_PACKET, 2, Expkt.htons(Expkt.ETH_P_ALL)));
        rejects("protocol 0x3", () -> svc.socket(Expkt.PF_EXOS_PACKET, Expkt.SOCK_RAW, Expkt.ETH_P_ALL));
        PacketSocket s = svc.socket(Expkt.PF_EXOS_PACKET, Expkt.SOCK_RAW, Expkt.htons(Expkt.ETH_P_ALL));
        rejects("option 99", () -> s.getsockopt(Expkt.SOL_SOCKET, 99));
        rejects("level 0", () -> s.setsockopt(0, Expkt.SO_VRID, 2));
        rejects("VR id 7", () -> s.setsockopt(Expkt.SOL_SOCKET, Expkt.SO_VRID, 7));
        assertEquals(-1, s.getsockopt(Expkt.SOL_SOCKET, Expkt.SO_VRID));
        s.setsockopt(Expkt.SOL_SOCKET, Expkt.SO_VRID, 2);
        assertEquals(2, s.getsockopt(Expkt.SOL_SOCKET, Expkt.SO_VRID));
        rejects("PT-1S", () -> s.setTimeout(Duration.ofSeconds(-1)));
        rejects("flags 3", () -> s.setCallback(sock -> { }, 9000, 3));
        s.close();
    }

    @Test
    void everyCallAfterCloseFails() throws Exception {
        engine();
        PacketSocketImpl s = engine.open(OWNER);
        s.setupFilter(Filter.named("closing").ethertype(0x0842).build());
        s.close();
        s.close(); // idempotent
        noTraceOf("closing");
        byte[] f = Wire.frame("00:e0:2b:00:00:00", HOST_MAC, 0x0842, 64);
        List<Executable> calls = List.of(
                () -> s.setupFilter(Filter.named("late").ethertype(0x0842).build()),
                s::removeFilters,
                () -> s.recvfrom(new byte[100], new ExosSockAddr()),
                () -> s.recvfrom(ByteBuffer.allocate(100), new ExosSockAddr()),
                () -> s.receive(new ExosSockAddr()),
                () -> s.sendto(f, SlotPort.of(1, 1)),
                () -> s.sendto(f, "foo"),
                () -> s.setCallback(sock -> { }),
                s::removeCallback,
                () -> s.setBlocking(false),
                () -> s.setTimeout(Duration.ofSeconds(1)),
                () -> s.getsockopt(Expkt.SOL_SOCKET, Expkt.SO_VRID),
                () -> s.setsockopt(Expkt.SOL_SOCKET, Expkt.SO_VRID, 2));
        for (Executable c : calls) {
            assertThrows(ClosedChannelException.class, c);
        }
        noTraceOf("late");
        assertFalse(s.isOpen());
        assertTrue(engine.sockets().isEmpty());
    }
}
