package expkt.testkit.lab;

import expkt.api.net.SlotPort;
import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Filter;
import expkt.api.packet.FilterAction;
import expkt.api.packet.PacketSocket;
import expkt.lab.Topologies;
import expkt.lab.VlanTrunk;
import expkt.testkit.lab.SwitchUnderTest;
import expkt.testkit.lab.Wire;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The README's lab-backed "Writing and deploying a protocol bundle" test, verbatim (kept true by running it). */
class HelloOnALabTest {
    @Test
    void answersIntoTheTrunkedVlanThroughTheRealProvider() throws Exception {
        try (VlanTrunk lab = Topologies.vlanTrunk();               // 1:1 access, 1:2 trunk (blue, tag 100), 1:3 access
             SwitchUnderTest sw = SwitchUnderTest.on(lab);          // the provider on the lab's switch namespace
             Wire h1 = Wire.host(lab.lab(), 1); Wire h2 = Wire.host(lab.lab(), 2)) {
            PacketSocket socket = sw.packets("expkt.protocol.hello").open();
            socket.setupFilter(Filter.named("hello").ethertype(0x88B5).action(FilterAction.UP_AND_DROP).build());
            socket.setTimeout(Duration.ofSeconds(5));

            h1.send(Wire.frame("00:e0:2b:00:00:07", "02:00:00:00:00:01", 0x88B5, 64));
            byte[] buf = new byte[2048];
            ExosSockAddr from = new ExosSockAddr();
            int n = socket.recvfrom(buf, from);
            assertEquals(SlotPort.of(1, 1), from.slotPort());
            socket.sendto(Arrays.copyOf(buf, n), "blue");

            List<byte[]> atTrunk = Wire.withEthertype(h2.drain(300), 0x8100);   // what host 2 got, tagged
            assertEquals(1, atTrunk.size());
            assertEquals(100, atTrunk.getFirst()[15]);                          // VLAN ID 100
        }
    }
}
