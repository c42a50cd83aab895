package expkt.protocol.wol;

import expkt.api.net.Ipv4Address;
import expkt.api.net.MacAddress;
import expkt.api.net.SlotPort;
import expkt.api.packet.Vlan;
import expkt.codec.FrameBuilder;
import expkt.testkit.EmbeddedHandler;
import expkt.testkit.SentFrame;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Magic packet validation and relay decisions, without sockets: the relay in the test kit's embedded harness. */
class WolUnitTest {
    static final MacAddress TARGET = MacAddress.parse("00:11:22:33:44:55");
    static final MacAddress SENDER = MacAddress.parse("52:54:00:aa:bb:cc");
    static final List<Vlan> VLANS = List.of(
            Vlan.of("hosts", 10, Set.of(), Set.of(SlotPort.of(1, 1))),
            Vlan.of("blue", 100, Set.of(SlotPort.of(1, 2)), Set.of()),
            Vlan.of("green", 200, Set.of(), Set.of(SlotPort.of(1, 3))));

    static byte[] ethertypeMagic(byte[] password) {
        byte[] buf = new byte[200];
        int len = new FrameBuilder(buf).ethernet(MacAddress.BROADCAST, SENDER).wakeOnLan(TARGET, password).finish(60);
        return Arrays.copyOf(buf, len);
    }

    static byte[] udpMagic(int port) {
        byte[] buf = new byte[200];
        int len = new FrameBuilder(buf).ethernet(MacAddress.BROADCAST, SENDER)
                .ipv4(Ipv4Address.parse("10.9.0.1"), Ipv4Address.BROADCAST).udp(40000, port).wakeOnLan(TARGET).finish(60);
        return Arrays.copyOf(buf, len);
    }

    static MagicPacketInspector.Kind inspect(MagicPacketInspector i, byte[] f, int udpPort) {
        return i.inspect(MemorySegment.ofArray(f), 0, f.length, udpPort);
    }

    @Test
    void findsMagicPacketsByEthertypeAndByUdpPort() {
        MagicPacketInspector i = new MagicPacketInspector();
        assertEquals(MagicPacketInspector.Kind.ETHERTYPE, inspect(i, ethertypeMagic(new byte[0]), 0));
        assertEquals(TARGET, i.magic().target());
        assertEquals(SENDER.toLong(), i.sourceBits());
        assertEquals(MagicPacketInspector.Kind.UDP, inspect(i, udpMagic(9), 9));
        assertEquals(TARGET, i.magic().target());
        assertEquals(MagicPacketInspector.Kind.NOT_WOL, inspect(i, udpMagic(9), 0), "UDP ignored unless configured");
        assertEquals(MagicPacketInspector.Kind.NOT_WOL, inspect(i, udpMagic(7), 9));
        assertEquals(MagicPacketInspector.Kind.ETHERTYPE, inspect(i, ethertypeMagic(new byte[] {1, 2, 3, 4, 5, 6}), 0));
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6}, i.magic().password());
    }

    @Test
    void rejectsBrokenMagicPacketsWithTheReason() {
        MagicPacketInspector i = new MagicPacketInspector();
        byte[] f = ethertypeMagic(new byte[0]);
        f[14 + 6 + 6 * 7] ^= 1; // copy 7 of the target differs
        assertEquals(MagicPacketInspector.Kind.INVALID, inspect(i, f, 0));
        assertTrue(i.problem().contains("copy 7"), i.problem());
        byte[] sync = ethertypeMagic(new byte[0]);
        sync[16] = 0;
        assertEquals(MagicPacketInspector.Kind.INVALID, inspect(i, sync, 0));
        assertTrue(i.problem().contains("0xFF"), i.problem());
        byte[] shortFrame = Arrays.copyOf(ethertypeMagic(new byte[0]), 60);
        assertEquals(MagicPacketInspector.Kind.INVALID, inspect(i, shortFrame, 0));
    }

    /** The relay's receive path in the test kit's harness: the VLANs of {@link #VLANS} on ports 1:1..1:3. */
    static EmbeddedHandler relay(WolRelayCore core) {
        EmbeddedHandler.Builder b = EmbeddedHandler.builder().ports(3);
        VLANS.forEach(b::vlan);
        // what WolRelay.handle does, with the harness's VLAN list in place of PacketService.vlans()
        return b.build((frame, from, sender) -> core.onFrame(java.lang.foreign.MemorySegment.ofArray(frame.toArray()), 0, frame.length(),
                from.slotPort(), from.vlanId(), VLANS, sender::sendto));
    }

    @Test
    void relaysIntoEveryConfiguredVlanButTheIngressOne() throws Exception {
        WolRelayCore core = new WolRelayCore(new WolSettings(List.of("hosts", "blue", "green"), 9));
        EmbeddedHandler h = relay(core);
        h.receive(ethertypeMagic(new byte[] {9, 8, 7, 6}), SlotPort.of(1, 1));
        List<SentFrame> sent = h.takeSent();
        assertEquals(List.of("blue", "green"), sent.stream().map(SentFrame::vlan).toList(), "not back into hosts, the ingress VLAN");
        assertEquals(List.of(SlotPort.of(1, 2)), sent.get(0).ports());
        assertEquals(Set.of(SlotPort.of(1, 2)), sent.get(0).tagged(), "blue is tagged on 1:2");
        MagicPacketInspector check = new MagicPacketInspector();
        for (SentFrame s : sent) {
            assertEquals(MagicPacketInspector.Kind.ETHERTYPE, inspect(check, s.frame(), 0));
            assertEquals(TARGET, check.magic().target());
            assertEquals(SENDER.toLong(), check.sourceBits(), "the original sender is kept");
            assertArrayEquals(new byte[] {9, 8, 7, 6}, check.magic().password());
        }
        // a UDP magic packet tagged 100 on 1:2 (blue) goes to hosts and green, as 0x0842
        byte[] u = udpMagic(9);
        byte[] tagged = new byte[u.length + 4];
        System.arraycopy(u, 0, tagged, 0, 12);
        tagged[12] = (byte) 0x81; tagged[15] = 100;
        System.arraycopy(u, 12, tagged, 16, u.length - 12);
        h.receive(tagged, SlotPort.of(1, 2));
        sent = h.takeSent();
        assertEquals(List.of("hosts", "green"), sent.stream().map(SentFrame::vlan).toList());
        assertEquals(List.of(0x0842, 0x0842), sent.stream().map(SentFrame::etherType).toList());
        assertEquals(1, core.magicEthertype());
        assertEquals(1, core.magicUdp());
        assertEquals(2, core.relayed("green"));
        assertEquals(0, core.relayed("nowhere"));
        assertTrue(core.formatStats().contains("target 00:11:22:33:44:55"), core.formatStats());
    }

    @Test
    void aFailedRelayIsCountedAndNamed() throws Exception {
        WolRelayCore core = new WolRelayCore(new WolSettings(List.of("ghost"), 0));
        EmbeddedHandler h = relay(core);
        h.receive(ethertypeMagic(new byte[0]), SlotPort.of(1, 1));
        assertEquals(List.of(), h.sent(), "no VLAN ghost: nothing sent");
        assertEquals(1, core.sendErrors());
        assertTrue(core.lastError().contains("ghost"), core.lastError());
    }

    @Test
    void badInputIsNamed() {
        var e = assertThrows(IllegalArgumentException.class, () -> new WolSettings(List.of("ok", "bad name"), 9));
        assertTrue(e.getMessage().contains("\"bad name\""), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new WolSettings(List.of(), 70000));
        assertTrue(e.getMessage().contains("70000"), e.getMessage());
        WolRelayCore core = new WolRelayCore(new WolSettings(List.of(), 0));
        e = assertThrows(IllegalArgumentException.class, () -> core.wake(TARGET, "purple", SENDER, VLANS, (f, v) -> { }));
        assertTrue(e.getMessage().contains("\"purple\""), e.getMessage());
        assertEquals(0, core.wakesSent());
    }

    @Test
    void ingressVlanComesFromTheTagOrTheUntaggedMembership() {
        assertEquals("hosts", WolRelayCore.ingressVlan(VLANS, SlotPort.of(1, 1), -1));
        assertEquals("blue", WolRelayCore.ingressVlan(VLANS, SlotPort.of(1, 2), 100));
        assertNull(WolRelayCore.ingressVlan(VLANS, SlotPort.of(1, 2), -1));
        assertNull(WolRelayCore.ingressVlan(VLANS, SlotPort.of(1, 3), 100));
    }
}
