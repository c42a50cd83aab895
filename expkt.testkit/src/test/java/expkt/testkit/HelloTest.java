package expkt.testkit;

import expkt.api.handler.PacketHandler;
import expkt.api.net.SlotPort;
import expkt.api.packet.Vlan;
import expkt.testkit.EmbeddedHandler;
import expkt.testkit.SentFrame;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The README's "Writing and deploying a protocol bundle" test, verbatim (kept true by running it). */
class HelloTest {
    static final SlotPort P1 = SlotPort.of(1, 1), P2 = SlotPort.of(1, 2), P3 = SlotPort.of(1, 3);

    final PacketHandler hello = (frame, from, sender) -> {
        if (frame.getUnsignedByte(0) == 0xFF) {          // a tagged broadcast: into the ingress VLAN
            byte[] f = frame.toArray();                   // frames come up whole: take the tag (bytes 12..15)
            ByteBuffer untagged = ByteBuffer.allocate(f.length - 4).put(f, 0, 12).put(f, 16, f.length - 16).flip();
            sender.sendto(untagged, from.vlanName());     // off, the provider tags it per member
        } else {                                          // else: back where it came from
            sender.sendto(ByteBuffer.wrap(frame.toArray()), List.of(from.slotPort()));
        }
    };

    @Test
    void answersOnTheIngressPortAndFloodsBroadcastsIntoTheVlan() throws Exception {
        EmbeddedHandler h = EmbeddedHandler.builder().ports(3)
                .vlan(Vlan.of("blue", 100, Set.of(P1), Set.of(P2, P3)))
                .build(hello);
        byte[] unicast = new byte[60], broadcast = new byte[60];
        unicast[0] = 0x02;
        java.util.Arrays.fill(broadcast, 0, 6, (byte) 0xFF);
        broadcast[12] = (byte) 0x81; broadcast[15] = 100;   // 802.1Q tag 100: arrives whole, vlanId 100
        broadcast[16] = 0x08;

        h.receive(unicast, P2);
        h.advance(Duration.ofSeconds(1));
        h.receive(broadcast, P1);

        List<SentFrame> sent = h.takeSent();
        assertEquals(List.of(P2), sent.get(0).ports());
        assertEquals("blue", sent.get(1).vlan());
        assertEquals(List.of(P1, P2, P3), sent.get(1).ports());
        assertEquals(56 + 4, sent.get(1).onWire(P1).length, "tagged on 1:1, the tagged member");
        assertEquals(h.nowNanos(), sent.get(1).atNanos());
        h.writeSent(Path.of("target/hello-sent.pcap"), expkt.codec.pcap.CaptureFormat.PCAP); // for Wireshark
    }
}
