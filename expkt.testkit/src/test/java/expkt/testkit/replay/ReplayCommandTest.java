package expkt.testkit.replay;

import expkt.api.net.MacAddress;
import expkt.api.net.SlotPort;
import expkt.api.packet.Port;
import expkt.codec.pcap.CaptureFormat;
import expkt.codec.pcap.CaptureReader;
import expkt.codec.pcap.CaptureWriter;
import expkt.api.handler.PacketHandler;
import org.apache.felix.framework.FrameworkFactory;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** expkt:replay's replay: a capture in, the handler's frames out as a pcap that tshark/tcpdump read. */
class ReplayCommandTest {
    @Test
    void replaysACaptureIntoAHandlerAndWritesWhatItSent(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("in.pcap");
        List<byte[]> frames = new ArrayList<>();
        try (CaptureWriter w = CaptureWriter.open(in, CaptureFormat.PCAP)) {
            for (int i = 0; i < 3; i++) {
                byte[] f = new byte[60];
                f[0] = (byte) 0xFF; f[1] = (byte) 0xFF; f[2] = (byte) 0xFF; f[3] = (byte) 0xFF; f[4] = (byte) 0xFF; f[5] = (byte) 0xFF;
                f[12] = 0x08; f[13] = 0x00; f[20] = (byte) i;
                frames.add(f);
                w.write(1_000_000_000L * (i + 1), f);
            }
        }
        // an echo to the port after the ingress one, for frames whose byte 20 is odd
        List<SlotPort> ingress = new ArrayList<>();
        Path out = dir.resolve("out.pcap");
        List<Port> ports = List.of(
                Port.builder().slotPort(SlotPort.of(1, 1)).ifName("p1").ifIndex(2).mac(MacAddress.parse("02:00:00:00:00:01")).mtu(1500).vr("VR-Default").build(),
                Port.builder().slotPort(SlotPort.of(1, 2)).ifName("p2").ifIndex(3).mac(MacAddress.parse("02:00:00:00:00:02")).mtu(1500).vr("VR-Default").build());
        String report = ReplayCommand.run(in, (frame, from, sender) -> {
            ingress.add(from.slotPort());
            if ((frame.getUnsignedByte(20) & 1) == 1) {
                sender.sendto(ByteBuffer.wrap(frame.toArray()), List.of(SlotPort.of(1, 2)));
            }
        }, "echo", out, SlotPort.of(1, 1), ports, List.of());

        assertEquals(List.of(SlotPort.of(1, 1), SlotPort.of(1, 1), SlotPort.of(1, 1)), ingress);
        assertTrue(report.contains("replayed 3 frame(s)") && report.contains("it sent 1 frame(s)"), report);
        assertTrue(Files.size(out) > 24, "pcap with a record");
        try (CaptureReader r = CaptureReader.open(out)) {
            assertTrue(r.next());
            assertArrayEquals(frames.get(1), r.frameBytes());
            assertEquals(2_000_000_000L, r.timestampNanos(), "sent when the frame that caused it was received");
            assertTrue(!r.next(), "one record only");
        }
    }

    /** The Gogo entry: the handler is found as a PacketHandler service by its component.name. */
    @Test
    void findsTheDeployedHandlerByComponentName(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("in.pcap");
        byte[] f = new byte[60];
        f[12] = (byte) 0x88; f[13] = (byte) 0xCC;
        try (CaptureWriter w = CaptureWriter.open(in, CaptureFormat.PCAP)) {
            w.write(5_000_000_000L, f);
        }
        Framework fw = new FrameworkFactory().newFramework(Map.of(
                Constants.FRAMEWORK_STORAGE, dir.resolve("cache").toString(),
                Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT));
        fw.start();
        try {
            List<Long> seen = new ArrayList<>();
            PacketHandler echo = (frame, from, sender) -> {
                seen.add(from.timestampNanos());
                sender.sendto(ByteBuffer.wrap(frame.toArray()), List.of(from.slotPort()));
            };
            Hashtable<String, Object> props = new Hashtable<>();
            props.put("component.name", "expkt.protocol.echo");
            fw.getBundleContext().registerService(PacketHandler.class, echo, props);
            Hashtable<String, Object> other = new Hashtable<>();
            other.put("component.name", "expkt.protocol.other");
            fw.getBundleContext().registerService(PacketHandler.class, (frame, from, sender) -> seen.add(-1L), other);

            ReplayCommand cmd = new ReplayCommand(fw.getBundleContext(), null);
            String out = dir.resolve("out.pcap").toString();
            String report = cmd.replay(in.toString(), "expkt.protocol.echo", out);
            assertEquals(List.of(5_000_000_000L), seen, "only the named handler, at the capture's time");
            assertTrue(report.contains("it sent 1 frame(s), 1 record(s) written to " + out), report);
            try (CaptureReader r = CaptureReader.open(Path.of(out))) {
                assertTrue(r.next());
                assertArrayEquals(f, r.frameBytes());
            }
            var e = assertThrows(IllegalArgumentException.class, () -> cmd.replay(in.toString(), "expkt.protocol.nope"));
            assertTrue(e.getMessage().contains("\"expkt.protocol.nope\"") && e.getMessage().contains("expkt.protocol.echo"), e.getMessage());
        } finally {
            fw.stop();
            fw.waitForStop(10_000);
        }
    }
}
