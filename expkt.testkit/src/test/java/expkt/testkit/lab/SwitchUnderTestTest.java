package expkt.testkit.lab;

import expkt.api.net.SlotPort;
import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Filter;
import expkt.api.packet.FilterAction;
import expkt.api.packet.PacketService;
import expkt.api.packet.PacketSocket;
import expkt.lab.Lab;
import expkt.lab.Topologies;
import expkt.lab.VlanTrunk;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kit's switch under test is the real provider on the lab: frames a host sends arrive on a
 * bundle's socket with the right port, a frame sent into the trunk's VLAN leaves tagged on the trunk
 * and untagged elsewhere, each bundle name is an owner of its own, and releasing a bundle takes its
 * sockets, filters and nftables rules away.
 */
class SwitchUnderTestTest {
    static final String DST = "00:e0:2b:00:00:07";
    static final String SRC = "02:00:00:00:00:01";
    static VlanTrunk trunk;

    @BeforeAll
    static void buildLab() {
        Lab.cleanStale();
        trunk = Topologies.vlanTrunk();
    }

    @AfterAll
    static void removeLab() {
        if (trunk != null) {
            trunk.close();
        }
    }

    @Test
    void aHostsFrameReachesTheBundlesSocketOnItsPort() throws Exception {
        try (SwitchUnderTest sw = SwitchUnderTest.on(trunk); Wire h3 = Wire.host(trunk.lab(), 3)) {
            PacketService packets = sw.packets("org.example.hello");
            assertEquals(List.of(SlotPort.of(1, 1), SlotPort.of(1, 2), SlotPort.of(1, 3)),
                    packets.ports().stream().map(p -> p.slotPort()).toList());
            assertEquals(List.of(VlanTrunk.ACCESS, VlanTrunk.TRUNKED, VlanTrunk.OTHER), packets.vlans().stream().map(v -> v.name()).toList());
            PacketSocket rx = packets.open();
            rx.setupFilter(Filter.named("hello").ethertype(0x88B5).action(FilterAction.UP_AND_DROP).build());
            rx.setTimeout(Duration.ofSeconds(5));
            assertEquals(List.of("hello"), sw.sockets("org.example.hello").getFirst().filters().stream().map(Filter::name).toList());
            assertTrue(sw.acl().contains("hello"), sw.acl());
            assertTrue(sw.nftRuleset().contains("comment \"hello\""), sw.nftRuleset());

            h3.send(Wire.frame(DST, SRC, 0x88B5, 64));
            byte[] buf = new byte[2048];
            ExosSockAddr from = new ExosSockAddr();
            assertEquals(64, rx.recvfrom(buf, from));
            assertEquals(SlotPort.of(1, 3), from.slotPort());
            assertEquals("p3", from.ifName());
            assertEquals(ExosSockAddr.NO_VLAN, from.vlanId(), "untagged on the wire: no tag to report");

            // another bundle is another owner: it sees none of hello's sockets, and its release leaves them
            assertEquals(List.of(), sw.sockets("org.example.other"));
            sw.packets("org.example.other").open();
            assertEquals(1, sw.release("org.example.other"));
            assertEquals(1, sw.sockets("org.example.hello").size());

            assertEquals(1, sw.release("org.example.hello"));
            assertEquals(List.of(), sw.sockets());
            assertTrue(!sw.nftRuleset().contains("comment \"hello\""), sw.nftRuleset());
            assertThrows(IllegalStateException.class, packets::open, "a released bundle opens no more sockets");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sw.release("org.example.never"));
            assertTrue(e.getMessage().contains("org.example.never"), e.getMessage());
        }
    }

    @Test
    void aFrameIntoTheTrunkedVlanLeavesTaggedOnTheTrunkOnly() throws Exception {
        try (SwitchUnderTest sw = SwitchUnderTest.on(trunk);
             Wire h1 = Wire.host(trunk.lab(), 1); Wire h2 = Wire.host(trunk.lab(), 2); Wire h3 = Wire.host(trunk.lab(), 3)) {
            PacketSocket tx = sw.packets("org.example.hello").open();
            byte[] frame = Wire.frame("ff:ff:ff:ff:ff:ff", SRC, 0x88B5, 64);
            tx.sendto(frame, VlanTrunk.TRUNKED);
            List<byte[]> atTrunk = Wire.withEthertype(h2.drain(300), 0x8100);
            assertEquals(1, atTrunk.size(), "one tagged frame on the trunk");
            assertEquals(VlanTrunk.TRUNKED_TAG, ((atTrunk.getFirst()[14] & 0x0F) << 8) | (atTrunk.getFirst()[15] & 0xFF));
            assertEquals(0x88B5, ((atTrunk.getFirst()[16] & 0xFF) << 8) | (atTrunk.getFirst()[17] & 0xFF));
            // the access ports are not in blue: the same drain that saw the trunk's frame sees none there
            assertEquals(List.of(), Wire.withEthertype(h1.drain(100), 0x88B5));
            assertEquals(List.of(), Wire.withEthertype(h3.drain(100), 0x88B5));
            tx.sendto(frame, VlanTrunk.OTHER);
            assertEquals(1, Wire.withEthertype(h3.drain(300), 0x88B5).size(), "untagged on green's access port");
        }
    }

    @Test
    void aBadVlanIsRefusedNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SwitchUnderTest.on(trunk.lab()).vlans("name=red tag=5000 untagged=1:1").build());
        assertTrue(e.getMessage().contains("5000"), e.getMessage());
    }

    @Test
    void onAVrDataPlaneAVrFilterGetsThatVrsPorts() throws Exception {
        try (expkt.lab.VrDataPlane vrs = Topologies.vrDataPlane(); SwitchUnderTest sw = SwitchUnderTest.on(vrs);
             Wire a1 = Wire.host(vrs.hostsA().get(0)); Wire b1 = Wire.host(vrs.hostsB().get(0))) {
            PacketService packets = sw.packets("org.example.vr");
            assertEquals(List.of("VR-Default", "VR-Default", "VR-A", "VR-A", "VR-B", "VR-B"),
                    packets.ports().stream().map(p -> p.vr()).toList());
            PacketSocket all = packets.open();
            all.setupFilter(Filter.named("vr-any").ethertype(0x88B5).build());
            PacketSocket onB = packets.open();
            onB.setupFilter(Filter.named("vr-b").ethertype(0x88B5).vr("VR-B").build());
            all.setTimeout(Duration.ofSeconds(5));
            onB.setTimeout(Duration.ofSeconds(5));
            a1.send(Wire.frame(DST, "02:00:00:00:0a:01", 0x88B5, 64));
            b1.send(Wire.frame(DST, "02:00:00:00:0b:01", 0x88B5, 64));
            ExosSockAddr from = new ExosSockAddr();
            byte[] buf = new byte[2048];
            java.util.Set<String> seen = new java.util.TreeSet<>();
            for (int i = 0; i < 2; i++) {
                assertEquals(64, all.recvfrom(buf, from));
                seen.add(from.slotPort() + " " + from.vrName());
            }
            assertEquals(java.util.Set.of("2:1 VR-A", "3:1 VR-B"), seen, "both VRs' frames reach a socket without vr=");
            assertEquals(64, onB.recvfrom(buf, from));
            assertEquals("3:1 VR-B 11", from.slotPort() + " " + from.vrName() + " " + from.vrId());
            onB.setTimeout(Duration.ofMillis(300));
            assertEquals(-1, onB.recvfrom(buf, from), "VR-A's frame must not reach a vr=VR-B socket");
        }
    }
}
